"""Lecture decks: slide layouts, and the ``{book}`` role that links a slide to a chapter of the HTML book.

Decks are built by sphinx-revealjs from slides/ with the book's conf.py (`-t slides`); their figures come from the
same directives and scripts as the book, rendered for a projector (conf.py's figures_target). `slides_book_url` is
where the HTML book sits relative to the decks (`_build/html/` next to `_build/slides/`).

A slide picks its layout with ``{layout} <name>`` right under its ``##`` title (AUTHORING.md says which to choose);
a slide without one is a bullet slide. Every slide's content below its title is wrapped in one ``slide-body`` block,
so that the theme (_static/slides.css) can place it: centred in the space under the title, beside a figure, or
filling the slide.
"""
from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

logger = logging.getLogger(__name__)

LAYOUTS = {
    "title": "the deck's first slide: course, module, the chapters it covers",
    "divider": "opens a chapter: its number and title, one line on what it answers",
    "bullets": "two to four short points (the default)",
    "figure": "one figure filling the slide, its caption the one-line takeaway",
    "figure-bullets": "a figure on the left, two or three points on the right",
    "example": "a worked example: the inputs, the arithmetic, the big number and the decision",
    "incident": "a real incident: date, blast radius, the control that would have contained it",
    "question": "a question for the room, large, with nothing else to read",
}


class BookRole(SphinxRole):
    """``{book}`m0-fundamentals/capacity-planning``` → a link to that chapter in the HTML book, titled as the chapter."""

    def run(self):
        target = self.text.strip().removesuffix(".md")
        chapter = Path(self.env.app.confdir, "book", f"{target}.md")
        if not chapter.is_file():
            logger.warning(f"{{book}} names {target!r}, which is not a chapter in book/", location=self.get_location(), type="slides", subtype="book")
            return [nodes.Text(target)], []
        title = next((line[2:].strip() for line in chapter.read_text(encoding="utf-8").splitlines() if line.startswith("# ")), target)
        uri = f"{self.config.slides_book_url}{target}.html"
        return [nodes.reference(self.rawtext, title, refuri=uri, classes=["book-link"])], []


class Layout(SphinxDirective):
    """``{layout} figure-bullets``: the slide's layout, as reveal's ``data-layout`` attribute of its <section>."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from sphinx_revealjs.nodes import revealjs_section

        name = self.arguments[0]
        if name not in LAYOUTS:
            choices = ", ".join(LAYOUTS)
            logger.warning(f"unknown slide layout {name!r}; choose one of: {choices}", location=self.get_location(), type="slides", subtype="layout")
            return []
        node = revealjs_section()
        node.source, node.line = self.get_source_info()
        node["data-layout"] = name  # sphinx-revealjs writes a revealjs_section's attributes onto the slide's <section>
        return [node]


def _wrap_slide_bodies(app: Sphinx, doctree: nodes.document) -> None:
    """Put each slide's content (everything but its title, its sub-slides and reveal's attribute nodes) in one block."""
    from sphinx_revealjs.nodes import revealjs_break, revealjs_section, revealjs_slide, revealjs_vertical

    keep = (nodes.title, nodes.section, revealjs_section, revealjs_slide, revealjs_vertical, revealjs_break, nodes.target)
    first = next(iter(doctree.findall(nodes.section)), None)
    if first is not None and first.first_child_matching_class(revealjs_section) is None:
        title = revealjs_section()  # the deck's `#` slide: the theme styles it by this, in the browser and in print
        title["data-layout"] = "title"
        first.insert(1, title)
    for layout in doctree.findall(revealjs_section):
        if "data-layout" in layout and not isinstance(layout.parent, nodes.section):
            # sphinx-revealjs only reads attribute nodes that are direct children of the slide's section.
            logger.warning("{layout} goes right under a slide's title, outside any other block", location=layout, type="slides", subtype="layout")
    for section in list(doctree.findall(nodes.section)):
        content = [child for child in section.children if not isinstance(child, keep)]
        if not content:
            continue
        body = nodes.container(classes=["slide-body"])
        position = section.index(content[0])
        for child in content:
            section.remove(child)
        body.extend(content)
        section.insert(position, body)


def setup(app: Sphinx) -> dict:
    app.add_config_value("slides_book_url", "../html/", "env", types=[str])
    app.add_role("book", BookRole())
    app.add_directive("layout", Layout)
    app.connect("doctree-read", _wrap_slide_bodies)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
