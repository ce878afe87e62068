"""The figure gallery: ``{figure-gallery}`` lists every figure in the book, the chapter that uses it and its source.

Figure directives call `record_figure` while a document is read; the gallery is filled in when documents are
resolved, once every chapter has been read. The page holding the gallery is re-read on every build so that it never
shows a stale list.
"""
from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode


class figure_gallery(nodes.General, nodes.Element):
    """Placeholder replaced by the gallery table at resolve time."""


def record_figure(env, figure: nodes.figure, *, kind: str, source: str, line: int) -> None:
    caption = next(iter(figure.findall(nodes.caption)), None)
    env.book_figures = getattr(env, "book_figures", {})
    env.book_figures.setdefault(env.docname, []).append(
        {"ids": list(figure["ids"]), "caption": caption.astext() if caption else "", "kind": kind, "source": source, "line": line}
    )


class FigureGallery(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        self.env.book_gallery_docs = getattr(self.env, "book_gallery_docs", set()) | {self.env.docname}
        return [figure_gallery()]


def _purge(app, env, docname):
    getattr(env, "book_figures", {}).pop(docname, None)
    getattr(env, "book_gallery_docs", set()).discard(docname)


def _merge(app, env, docnames, other):
    env.book_figures = getattr(env, "book_figures", {})
    for docname in docnames:
        if docname in getattr(other, "book_figures", {}):
            env.book_figures[docname] = other.book_figures[docname]
    env.book_gallery_docs = getattr(env, "book_gallery_docs", set()) | getattr(other, "book_gallery_docs", set())


def _always_reread_gallery(app, env, added, changed, removed):
    return sorted(getattr(env, "book_gallery_docs", set()))


# The PDF's column widths, as a tabularcolumns spec (the HTML, ePub and deck writers skip it). Without one, LaTeX gives
# each column a quarter of the line, too narrow for a figure's source path. The kind column is as wide as "mermaid",
# its widest word; figure, chapter and source share the rest of the line, so the table fills the A4 and the 7 in print
# page alike. Paths break after / _ and . (booktypography.sty).
KIND_WIDTH = "4.6em"
SHARES = {"Figure": 33, "Chapter": 30, "Kind": None, "Source": 37}  # percent of what the kind column leaves


def _latex_columns() -> str:
    rest = rf"(\linewidth-{KIND_WIDTH}-8\tabcolsep)"  # a tabcolsep each side of four columns
    widths = [KIND_WIDTH if share is None else rf"\dimexpr{rest}*{share}/100\relax" for share in SHARES.values()]
    return "".join(f"p{{{width}}}" for width in widths)


def _cell(*children) -> nodes.entry:
    return nodes.entry("", nodes.paragraph("", "", *children))


def _fill_gallery(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    env = app.env
    for placeholder in list(doctree.findall(figure_gallery)):
        table = nodes.table(classes=["figure-gallery"])
        group = nodes.tgroup(cols=4)
        table += group
        for width in (40, 25, 10, 25):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += nodes.row("", *(_cell(nodes.Text(title)) for title in ("Figure", "Chapter", "Kind", "Source")))
        group += head
        body = nodes.tbody()
        group += body
        figures = getattr(env, "book_figures", {})
        ordered = [doc for doc in env.found_docs if doc in figures]
        ordered.sort(key=lambda doc: (env.toctree_includes.get(doc) is None, _reading_position(env, doc)))
        for docname in ordered:
            title = env.titles[docname].astext() if docname in env.titles else docname
            for figure in figures[docname]:
                target = figure["ids"][0] if figure["ids"] else ""
                caption = figure["caption"].split(". ")[0].rstrip(".") or "(untitled)"
                link = make_refnode(app.builder, fromdocname, docname, target, nodes.inline("", caption))
                chapter = make_refnode(app.builder, fromdocname, docname, "", nodes.inline("", title))
                source = nodes.literal("", f"{figure['source']}" + (f":{figure['line']}" if figure["kind"] == "mermaid" else ""))
                body += nodes.row("", _cell(link), _cell(chapter), _cell(nodes.Text(figure["kind"])), _cell(source))
        placeholder.replace_self([addnodes.tabular_col_spec(spec=_latex_columns()), table])


def _reading_position(env, docname: str) -> int:
    """Position of a document in the book's reading order (the root toctree flattened)."""
    order = getattr(env, "_book_reading_order", None)
    if order is None:
        order = []

        def walk(doc):
            order.append(doc)
            for child in env.toctree_includes.get(doc, []):
                walk(child)

        walk(env.config.root_doc)
        env._book_reading_order = order
    return order.index(docname) if docname in order else len(order)


def _reset_order(app, env):
    env._book_reading_order = None


def setup(app: Sphinx) -> dict:
    app.add_node(figure_gallery)
    app.add_directive("figure-gallery", FigureGallery)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _always_reread_gallery)
    app.connect("env-updated", _reset_order)
    app.connect("doctree-resolved", _fill_gallery)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
