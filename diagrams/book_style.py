"""The book's visual language for figure scripts: one palette, one font, one output contract.

Every script under diagrams/ imports this module (it sits next to them, so `python diagrams/x.py`
finds it) and calls either `architecture(...)` or `save_plot(...)`. The figure renderer
(bookext.figures) runs each script in a scratch folder with BOOK_FIGURE_OUTPUT set to the stem
it expects; the script writes `<stem>.svg`, `<stem>.pdf` and `<stem>.png` there.
"""
from __future__ import annotations

import html
import os
from contextlib import contextmanager
from pathlib import Path

# Okabe & Ito's colour-blind-safe palette (https://jfly.uni-koeln.de/color/), in the order plots cycle through it.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
INK = "#222222"  # text and lines: softer than pure black on white paper
FONT = "DejaVu Sans"  # the book's sans font (conf.py), so figures match the body text
PNG_DPI = 300  # raster copies are for the ePub: 300 DPI at printed size is also > 2x for screens
# "book" (a page: about 6 in wide, read at arm's length) or "slides" (a 16:9 projector read from the back row): the
# decks' build renders the same scripts with TARGET "slides", which this module turns into larger labels and a
# landscape canvas. A script may ask `SLIDES` to change its own layout too (e.g. direction="LR" on slides).
TARGET = os.environ.get("BOOK_FIGURE_TARGET", "book")
SLIDES = TARGET == "slides"


def font(points: float) -> float:
    """A font size a script chose for the page, scaled for the target: `fontsize=font(8)` is 8 pt in the book and
    large enough to read from the back of a lecture hall on a slide."""
    return round(points * 1.6, 1) if SLIDES else points


def output_stem() -> Path:
    """Where to write: the renderer's BOOK_FIGURE_OUTPUT, else the script's own name in the current folder."""
    stem = os.environ.get("BOOK_FIGURE_OUTPUT")
    if stem:
        return Path(stem)
    import __main__

    return Path(Path(getattr(__main__, "__file__", "figure")).stem)


@contextmanager
def architecture(title: str = "", direction: str = "LR", **graph_attr: str):
    """A `diagrams.Diagram` in the book's style; yields it so nodes and clusters can be added inside the block."""
    import itertools

    from diagrams import Cluster, Diagram, Node

    if SLIDES:  # cluster titles ("Region a", "Zone b") are labels too: the library's default is 12 pt
        Cluster._default_graph_attrs = {**Cluster._default_graph_attrs, "fontsize": "20"}

    # diagrams names every graphviz node with a random UUID, which lands in the SVG; number them in order instead, so
    # the same script renders the same bytes.
    counter = itertools.count(1)
    Node._rand_id = staticmethod(lambda: f"node{next(counter)}")
    stem = output_stem()
    attrs = {
        "fontname": FONT,
        "fontsize": "22" if SLIDES else "14",
        "fontcolor": INK,
        "bgcolor": "white",
        "pad": "0.3",
        "nodesep": "0.6",
        "ranksep": "0.8",
        "splines": "spline",
        **graph_attr,
    }
    with Diagram(
        title,
        filename=str(stem),
        direction=direction,
        outformat=["svg", "pdf"],
        show=False,
        graph_attr=attrs,
        node_attr={"fontname": FONT, "fontsize": "20" if SLIDES else "12", "fontcolor": INK},
        edge_attr={"fontname": FONT, "fontsize": "18" if SLIDES else "11", "fontcolor": INK, "color": INK},
    ) as diagram:
        yield diagram
    # The PNG is rendered separately: graphviz's dpi attribute also scales SVG and PDF output. Graphviz lays out at
    # 72 points per inch, so PNG_DPI gives 300 DPI at the diagram's natural printed size (over 4x for screens).
    diagram.dot.graph_attr["dpi"] = str(PNG_DPI)
    diagram.dot.render(filename=str(stem), format="png", cleanup=True)


def compact(label: str, icon: float = 1.4) -> dict:
    """Node attributes that draw a page's architecture figure shorter: `Server(label, **compact(label))`.

    diagrams centres each icon in its node and adds 0.4 in of height per line of label, so a two-line label leaves a
    blank band above the icon; a tall figure is shrunk to the page and its text with it. In the book this puts the icon
    at the top of the node and gives the label 0.2 in a line (12 pt) below it; `icon` (inches) draws a dense figure's
    icons smaller than diagrams' 1.4 in, so more of them fit across a page. On a slide it changes nothing."""
    if SLIDES:
        return {}
    size = {} if icon == 1.4 else {"width": f"{icon:.2f}"}
    return {"imagepos": "tc", "height": f"{icon + 0.1 + 0.2 * (label.count(chr(10)) + 1):.2f}", **size}


def icon_card(kind, text: str, icon: float = 0.7):
    """A book node drawn as its icon (`icon` inches) over its text, for dense page figures: `icon_card(Server, "LB")`.

    diagrams sizes a node to its icon and lets a wider label spill into its neighbours, so a page figure with long
    labels needs wide gaps and is shrunk with its text. In a table graphviz sizes the node to the text instead; the
    icon's cell is the port "i", so an edge with `at_icon()` meets the icon rather than the text under it."""
    size = round(icon * 72)
    lines = "<BR/>".join(html.escape(line, quote=False) for line in text.split("\n"))
    label = (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
             f'<TR><TD PORT="i" FIXEDSIZE="TRUE" WIDTH="{size}" HEIGHT="{size}">'
             f'<IMG SRC="{kind._load_icon(kind)}" SCALE="TRUE"/></TD></TR>'
             f'<TR><TD CELLPADDING="2">{lines}</TD></TR></TABLE>>')
    return kind(label, image="", shape="plain", fixedsize="false", width="0", height="0")


def at_icon(tail: str = "e", head: str = "w", **attrs: str) -> dict:
    """Edge attributes that attach an edge between two `icon_card` nodes to their icons (compass sides tail, head)."""
    return {"tailport": f"i:{tail}", "headport": f"i:{head}", **attrs}


def edge_style(color: str = "blue", **attrs: str) -> dict:
    """Edge attributes in a palette colour, for `Edge(**edge_style("vermillion", label="retry"))`."""
    return {"color": PALETTE[color], "fontcolor": PALETTE[color], **attrs}


def plot_style() -> None:
    """Apply the book's matplotlib style; call before creating figures."""
    import matplotlib

    matplotlib.use("Agg")
    from cycler import cycler

    matplotlib.rcParams.update(
        {
            "font.family": FONT,
            "font.size": 16 if SLIDES else 10,
            "axes.edgecolor": INK,
            "axes.labelcolor": INK,
            "text.color": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.color": "#dddddd",
            "grid.linewidth": 0.6,
            "axes.prop_cycle": cycler(color=[PALETTE[c] for c in ("blue", "orange", "green", "vermillion", "sky", "purple")]),
            "lines.linewidth": 2.6 if SLIDES else 1.8,
            "legend.frameon": False,
            "figure.figsize": (8.0, 4.5) if SLIDES else (6.0, 3.6),
            # Byte-stable output: fixed SVG ids, no dates in the files.
            "svg.hashsalt": "system-design-course",
            "svg.fonttype": "none",
            "pdf.fonttype": 42,
        }
    )


def save_plot(fig) -> None:
    """Write the figure as SVG, PDF and a 300-DPI PNG, with no timestamps so reruns are byte-identical."""
    stem = output_stem()
    fig.savefig(f"{stem}.svg", bbox_inches="tight", metadata={"Date": None})
    fig.savefig(f"{stem}.pdf", bbox_inches="tight", metadata={"CreationDate": None, "ModDate": None})
    fig.savefig(f"{stem}.png", bbox_inches="tight", dpi=PNG_DPI, metadata={"Software": None})


def save_graph(graph) -> None:
    """Render a `graphviz.Digraph` (for figures that are graphs rather than architectures) in the book's style."""
    stem = output_stem()
    # *_attr are written at the top of the dot source, so they reach every node (attr() statements only reach later ones).
    graph.graph_attr.update(fontname=FONT, fontcolor=INK, bgcolor="white", pad="0.3")
    graph.node_attr.update(fontname=FONT, fontcolor=INK)
    graph.edge_attr.update(fontname=FONT, fontcolor=INK)
    if SLIDES:  # labels the script sized for a page, 1.6 times larger on a slide
        for attrs, default in ((graph.graph_attr, 14), (graph.node_attr, 14), (graph.edge_attr, 14)):
            attrs["fontsize"] = str(round(float(attrs.get("fontsize", default)) * 1.6, 1))
    for fmt in ("svg", "pdf"):
        graph.render(filename=str(stem), format=fmt, cleanup=True)
    graph.attr(dpi=str(PNG_DPI))
    graph.render(filename=str(stem), format="png", cleanup=True)
