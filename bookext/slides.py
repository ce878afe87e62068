"""Lecture decks: the ``{book}`` role that links a slide to a chapter of the HTML book.

Decks are built by sphinx-revealjs from slides/ with the book's conf.py (`-t slides`); their figures come from the
same directives and the same figure cache as the book. `slides_book_url` is where the HTML book sits relative to
the decks (`_build/html/` next to `_build/slides/`).
"""
from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

logger = logging.getLogger(__name__)


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


def setup(app: Sphinx) -> dict:
    app.add_config_value("slides_book_url", "../html/", "env", types=[str])
    app.add_role("book", BookRole())
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
