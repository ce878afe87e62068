"""Accessible markup for every HTML page the builds write (the HTML book, the ePub's XHTML and the decks), fixed in one
place: the page template's output, before the builder writes it.

Sphinx, docutils and the themes write a few things that screen readers and the accessibility checkers (DAISY Ace,
axe-core, the Nu HTML checker) reject; each fix below names what it repairs. They are small textual rewrites of
markup the tools generate, not of anything an author writes, and each is idempotent.
"""
from __future__ import annotations

import re

from sphinx.application import Sphinx

_START_TAG = re.compile(r"<(?P<name>[a-zA-Z][\w-]*)(?P<attrs>\s[^<>]*?)?(?P<end>/?)>")


def _with_attribute(tag: re.Match, name: str, value: str) -> str:
    attrs = tag.group("attrs") or ""
    if re.search(rf"\s{re.escape(name)}\s*=", attrs):
        return tag.group(0)
    return f'<{tag.group("name")}{attrs} {name}="{value}"{tag.group("end")}>'


def _heading_levels(html: str) -> str:
    """A `role="heading"` needs `aria-level` (ARIA 1.2; Nu, axe and Ace: aria-required-attr, critical). Sphinx writes
    a toctree's caption as `<p class="caption" role="heading">`, and the theme's sidebar copies it: both follow the
    page's h1, so they are level 2."""
    return _START_TAG.sub(
        lambda m: _with_attribute(m, "aria-level", "2") if re.search(r'\srole="heading"', m.group("attrs") or "") else m.group(0),
        html,
    )


def _bibliography_roles(html: str) -> str:
    """docutils marks each bibliography entry `role="doc-biblioentry"`, deprecated in DPUB-ARIA 1.1, inside a
    `role="list"`, which may own only list items (axe: aria-required-children, critical)."""
    return html.replace('role="doc-biblioentry"', 'role="listitem"')


def _focusable_code(html: str) -> str:
    """A code block scrolls sideways when a line is longer than the page: a keyboard user can only scroll it if it
    can take focus (WCAG 2.1.1; axe and Ace: scrollable-region-focusable). In a deck, reveal.js scrolls the <code>
    inside the <pre>, so that is the element that takes focus."""
    if 'class="reveal"' in html:
        return re.sub(r"<pre>\s*<code(?![^>]*tabindex)", '<pre><code tabindex="0"', html)
    return re.sub(r"<pre(\s[^<>]*)?>", lambda m: m.group(0) if "tabindex" in (m.group(1) or "") else _with_attribute(_START_TAG.match(m.group(0)), "tabindex", "0"), html)


_EMPTY_HEADER = re.compile(r'<th(?P<attrs>\s[^<>]*)?>\s*(?:<p>\s*</p>)?\s*</th>')


def _empty_header_cells(html: str) -> str:
    """A comparison table's corner cell (`| | Option A | Option B |`) is an empty header cell, which names nothing
    (axe and Ace: empty-table-header). It labels no column of data, so it becomes an ordinary empty cell; a chapter
    that names its first column (e.g. "Criterion") writes a header cell as usual."""
    return _EMPTY_HEADER.sub(lambda m: f'<td{m.group("attrs") or ""}></td>', html)


def _closed_slide_groups(html: str) -> str:
    """sphinx-revealjs 3.2 leaves the last vertical group of a deck open (`<section><section>...</section>` and then
    the end of the slides): browsers repair it, but the Nu checker reports the unclosed element and a screen reader
    gets whatever tree the browser guessed. Close what is open after the last slide."""
    if 'class="reveal"' not in html:
        return html
    missing = len(re.findall(r"<section[\s>]", html)) - html.count("</section>")
    if missing <= 0:
        return html
    end = _end_of_slides(html)
    return html[:end] + "</section>\n" * missing + html[end:]


def _end_of_slides(html: str) -> int:
    """Where the `<div class="slides">` container closes: its matching `</div>`, found by counting the divs between."""
    start = html.index('<div class="slides"')
    depth = 0
    for tag in re.finditer(r"<div[\s>]|</div>", html[start:]):
        depth += -1 if tag.group(0) == "</div>" else 1
        if depth == 0:
            return start + tag.start()
    raise ValueError("the deck's slides container is not closed")


def _deck_landmark(html: str) -> str:
    """sphinx-revealjs marks the slides `role="main"`, but reveal.js makes their container `role="application"` (a
    landmark to axe), so the main landmark ends up inside another (axe: landmark-main-is-top-level). The main landmark
    moves outside reveal.js's container, as an element without a box of its own (`display: contents`), so the layout
    reveal.js computes from the page body is unchanged."""
    if '<div class="slides" role="main">' not in html:
        return html
    html = html.replace('<div class="slides" role="main">', '<div class="slides">', 1)
    html = html.replace('<div class="reveal">', '<main class="deck" style="display: contents"><div class="reveal">', 1)
    return re.sub(r'(<div class="slides">.*</section>\s*</div>\s*</div>)', r"\1</main>", html, count=1, flags=re.S)


def _sidebar_toggles(html: str) -> str:
    """The book theme's sidebar opens a module's chapter list with a `<summary>` that holds only an icon, so a screen
    reader announces an unnamed control (axe: summary-name). It is named after the module it opens."""

    def name(match: re.Match) -> str:
        title = re.sub(r"<[^>]+>", "", match.group("title")).replace('"', "&quot;")
        return f'{match.group("link")}{match.group("details")}<summary aria-label="Chapters of {title}">'

    return re.sub(
        r'(?P<link><a class="[^"]*reference internal[^"]*" href="[^"]*">(?P<title>(?:(?!</a>).)*)</a>)(?P<details><details[^>]*>)<summary>',
        name,
        html,
    )


def _search_button_name(html: str) -> str:
    """The theme's search button says "Search Ctrl+K" but is labelled "Search"; a voice-control user saying what they
    see must match its name (WCAG 2.5.3; axe: label-content-name-mismatch). Its text is its name."""
    return re.sub(r'(<button class="btn search-button-field[^"]*"[^>]*?) aria-label="Search"', r"\1", html)


def _sidebar_landmark(html: str) -> str:
    """The book theme's left sidebar (the book's title, search, the table of contents, downloads) is not a landmark,
    so the title link above the navigation lies outside every landmark (axe: region). It is complementary content."""
    return html.replace(
        '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">',
        '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar" role="complementary" aria-label="Book navigation">',
        1,
    )


FIXES = (
    _heading_levels, _bibliography_roles, _focusable_code, _empty_header_cells, _closed_slide_groups, _deck_landmark,
    _sidebar_toggles, _search_button_name, _sidebar_landmark,
)


def fix_page(html: str) -> str:
    for fix in FIXES:
        html = fix(html)
    return html


def _wrap_renderer(app: Sphinx) -> None:
    builder = app.builder
    if getattr(builder, "format", None) != "html" or not hasattr(builder, "templates"):
        return
    templates = builder.templates
    render = templates.render

    def render_accessible(template: str, context: dict) -> str:
        output = render(template, context)
        return fix_page(output) if template.endswith(".html") else output

    templates.render = render_accessible


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", _wrap_renderer)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
