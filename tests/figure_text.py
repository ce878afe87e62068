"""The size, on the printed page, of every piece of text inside the figures of a PDF.

A figure (a diagrams/ script's PDF, a mermaid PDF, a plot) is drawn at its own scale and then shrunk by LaTeX to fit
the text width or height, so a label set at 14 pt in the script can reach the page at 4 pt. What a reader sees is the
glyph's font size times the scale of every transformation above it: the figure's own, LaTeX's placement of the
figure, and any rotation (a plot's y-axis label runs upwards). pdfminer.six tracks those transformations; its
`LTChar.size` is the glyph's box height, which for rotated text is its advance width, so the size is recomputed here
from the font size and the text matrix.

    .venv/bin/python tests/figure_text.py BOOK.pdf [FLOOR_PT]     # every figure with text under the floor
"""
from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTContainer, LTFigure

FLOOR_PT = 6.0  # the smallest text a reader should be asked to read on paper

_layout_char = LTChar.__init__


def _remember_glyph_size(self, matrix, font, fontsize, *args, **kwargs):
    _layout_char(self, matrix, font, fontsize, *args, **kwargs)
    # The text's vertical direction (0, fontsize) in device space: its length is the glyph's size on the page.
    self.glyph_size = fontsize * math.hypot(matrix[2], matrix[3])


LTChar.__init__ = _remember_glyph_size


@dataclass(frozen=True)
class FigureText:
    page: int  # 1-based
    smallest_pt: float
    text: str  # the figure's text, in drawing order, for finding it
    glyphs_under_floor: int


def _glyphs(item) -> Iterator[LTChar]:
    if isinstance(item, LTChar):
        yield item
    elif isinstance(item, LTContainer):
        for child in item:
            yield from _glyphs(child)


def _figures(item) -> Iterator[LTFigure]:
    """The outermost figures: a figure nested in another is part of it."""
    for child in item:
        if isinstance(child, LTFigure):
            yield child
        elif isinstance(child, LTContainer):
            yield from _figures(child)


def figure_texts(pdf: Path, floor: float = FLOOR_PT) -> list[FigureText]:
    """Every figure in the PDF that has text, with its smallest glyph on the page."""
    found = []
    for number, page in enumerate(extract_pages(pdf), 1):
        for figure in _figures(page):
            glyphs = [glyph for glyph in _glyphs(figure) if glyph.get_text().strip()]
            if glyphs:
                text = "".join(glyph.get_text() for glyph in glyphs)
                small = sum(1 for glyph in glyphs if glyph.glyph_size < floor)
                found.append(FigureText(number, round(min(g.glyph_size for g in glyphs), 2), text, small))
    return found


def main(argv: list[str]) -> int:
    pdf, floor = Path(argv[1]), float(argv[2]) if len(argv) > 2 else FLOOR_PT
    figures = figure_texts(pdf, floor)
    small = [figure for figure in figures if figure.smallest_pt < floor]
    for figure in small:
        print(f"page {figure.page}: {figure.smallest_pt} pt, {figure.glyphs_under_floor} glyphs under {floor} pt: {figure.text[:60]!r}")
    print(f"{len(small)} of {len(figures)} figures with text have text under {floor} pt")
    return 1 if small else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
