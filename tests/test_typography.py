"""Typography a reader does not notice: no line of a PDF edition runs into the margin, no figure label too small to read.

TeX reports each line it could not fit in the LaTeX log: "Overfull \\hbox (12.3pt too wide) in paragraph at lines
N--M", where N and M are lines of system-design.tex (for a table, the line of its \\end{tabulary}: the whole table is
read before it is set), followed by what the line holds. A box less than 3 pt too wide does not show on the page (a
space that cannot shrink at the end of a full-width line, say); anything wider is a line that sticks out of the text
block, a table cell whose text crosses into the next column, or a path that leaves the page. Each is listed with its
log line, the source text of the .tex lines it names and the text TeX printed, so it can be found and fixed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from figure_text import FLOOR_PT, figure_texts

TOLERANCE_PT = 3.0

# The editions and the staging folder each is built in (bookext.publish.build_pdf: "latex" plus the build's tags).
STAGING = {"student": "latex", "instructor": "latex-instructor", "print": "latex-print"}

OVERFULL = re.compile(
    r"^Overfull \\hbox \((?P<points>[\d.]+)pt too wide\) "
    r"(?:in paragraph at lines (?P<first>\d+)--(?P<last>\d+)"
    r"|in alignment at lines (?P<align_first>\d+)--(?P<align_last>\d+)"
    r"|detected at line (?P<line>\d+))"
)
FONT = re.compile(r"\\[A-Z]+/[^ ]+ ")  # "\TU/DejaVuSerif(0)/m/n/10.95 ", the font TeX names before a run of text


@dataclass(frozen=True)
class OverfullBox:
    points: float
    log: Path
    log_line: int  # 1-based
    warning: str  # the log's line, as TeX wrote it
    tex_lines: tuple[int, int]  # first and last line of the .tex file the warning names
    tex_text: str  # those lines of the .tex file
    box: str  # the text TeX printed of the line, fonts left out

    def __str__(self) -> str:
        first, last = self.tex_lines
        where = f"line {first}" if first == last else f"lines {first}-{last}"
        return (
            f"{self.log.name}:{self.log_line}: {self.warning}\n    tex {where}: {self.tex_text}\n"
            f"    the line reads: {self.box}"
        )


def overfull_boxes(log: Path, tex: Path | None = None, tolerance: float = TOLERANCE_PT) -> list[OverfullBox]:
    """Every overfull \\hbox in a LaTeX log that is wider than `tolerance` points, in the order TeX reported them.

    The line numbers are read as lines of `tex` (default: the .tex file next to the log, as the book's are): TeX
    gives the lines of the file it was reading, which for the book's body is system-design.tex.
    """
    tex = tex or log.with_suffix(".tex")
    source = tex.read_text(encoding="utf-8", errors="replace").splitlines() if tex.exists() else []
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    found = []
    for index, line in enumerate(lines):
        match = OVERFULL.match(line)
        if not match or float(match["points"]) <= tolerance:
            continue
        first = int(match["first"] or match["align_first"] or match["line"])
        last = int(match["last"] or match["align_last"] or match["line"])
        found.append(
            OverfullBox(
                points=float(match["points"]),
                log=log,
                log_line=index + 1,
                warning=line.strip(),
                tex_lines=(first, last),
                tex_text=_excerpt(source, first, last),
                box=_box_text(lines, index + 1),
            )
        )
    return found


def _excerpt(source: list[str], first: int, last: int, limit: int = 300) -> str:
    if not 1 <= first <= len(source):
        return "(not a line of the .tex file)"
    text = " | ".join(line.strip() for line in source[first - 1 : min(last, first + 4)])
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    if text.startswith(("\\end{tabulary}", "\\end{tabular}")):  # TeX names a table's last line: say which table
        begins = [n for n in range(first - 1) if source[n].startswith(("\\begin{tabulary}", "\\begin{tabular}"))]
        if begins:
            start = begins[-1]
            cells = (line.strip() for line in source[start + 1 : first] if line.strip() and line[0] not in "\\&")
            text += f" (the table from line {start + 1}, which starts: {next(cells, '')!r})"
    return text


def _box_text(lines: list[str], start: int) -> str:
    """What TeX printed of the box: the lines after the warning up to the next blank line (TeX wraps them at 79
    characters, so they are joined without a space)."""
    printed = []
    for line in lines[start:]:
        if not line.strip():
            break
        printed.append(line)
    text = FONT.sub("", "".join(printed)).replace("[]", " ")
    return " ".join(text.split())


def assert_no_overfull_boxes(log: Path) -> None:
    assert log.is_file(), f"{log}: no LaTeX log; was the edition built?"
    assert "Output written on system-design.pdf" in log.read_text(encoding="utf-8", errors="replace"), (
        f"{log} is not the log of a finished run"
    )
    boxes = overfull_boxes(log)
    assert not boxes, (
        f"{len(boxes)} line(s) run more than {TOLERANCE_PT:g} pt into the margin (widest "
        f"{max(box.points for box in boxes)} pt):\n" + "\n".join(map(str, boxes))
    )


@pytest.mark.book
@pytest.mark.parametrize("edition", sorted(STAGING))
def test_no_line_of_the_pdf_runs_into_the_margin(book, edition, request):
    """The student A4 edition, the instructor edition (answers inline, teaching notes with lecture-plan tables) and
    the 7 x 9.25 in print edition, whose narrower text block is where a table column or a path is tightest."""
    if edition == "instructor":
        request.getfixturevalue("instructor_pdf")
    elif edition == "print":
        request.getfixturevalue("print_pdf")
    assert_no_overfull_boxes(book.build_dir / ".staging" / STAGING[edition] / "system-design.log")



@pytest.mark.book
@pytest.mark.parametrize("edition", ["student", "print"])
def test_every_figure_label_is_at_least_6_pt_on_paper(book, edition, request):
    """A figure's labels as printed: its own font size times every scaling above it (tests/figure_text.py). The A4
    edition, and the print edition, whose narrower text block shrinks a wide figure most."""
    pdf = book.pdf if edition == "student" else request.getfixturevalue("print_pdf")
    figures = figure_texts(pdf)
    assert len(figures) >= 30, f"only {len(figures)} figures with text found in {pdf}: is the check still reading them?"
    small = [figure for figure in figures if figure.smallest_pt < FLOOR_PT]
    assert not small, f"{len(small)} figure(s) with text under {FLOOR_PT} pt on paper:\n" + "\n".join(
        f"page {f.page}: {f.smallest_pt} pt ({f.glyphs_under_floor} glyphs), {f.text[:70]!r}" for f in small
    )

# -- The check itself, on a log written for it ------------------------------------------------------------------------

LOG = """\
(./system-design.tex
Overfull \\hbox (2.32047pt too wide) in paragraph at lines 3--4
 | []|  [][]
 []


Overfull \\hbox (16.79158pt too wide) in paragraph at lines 7--7
[]\\TU/DejaVuSerif(0)/m/n/10.95 versibil-
 []


Overfull \\hbox (85.36687pt too wide) in paragraph at lines 1--2
\\TU/DejaVuSansMono(0)/m/n/10.95 m0_capacity_delay_vs_utilization.py[]\\TU/DejaVuSe
rif(0)/m/n/10.95 and more
 []


Overfull \\vbox (11.8713pt too high) detected at line 5
 []

Overfull \\hbox (4.14742pt too wide) detected at line 7
[]\\TU/DejaVuSerif(0)/m/n/10.95 Faults
 []

Output written on system-design.pdf (3 pages).
"""
TEX = """\
\\sphinxAtStartPar
\\sphinxcode{\\sphinxupquote{diagrams/m0\\_capacity\\_delay\\_vs\\_utilization.py}} and more
\\noindent{\\hspace*{\\fill}\\sphinxincludegraphics{figure}\\hspace*{\\fill}}
\\caption{A figure}
\\begin{tabulary}{\\linewidth}[t]{TT}
Reversibility
\\end{tabulary}
"""


def test_the_check_lists_each_box_wider_than_3_pt_with_its_source(tmp_path):
    log, tex = tmp_path / "system-design.log", tmp_path / "system-design.tex"
    log.write_text(LOG, encoding="utf-8")
    tex.write_text(TEX, encoding="utf-8")
    boxes = overfull_boxes(log)
    assert [(box.points, box.log_line, box.tex_lines) for box in boxes] == [
        (16.79158, 7, (7, 7)),
        (85.36687, 12, (1, 2)),
        (4.14742, 21, (7, 7)),
    ], "the 2.3 pt box and the overfull \\vbox are not reported"
    assert boxes[0].tex_text == "\\end{tabulary} (the table from line 5, which starts: 'Reversibility')"
    assert boxes[0].box == "versibil-"
    assert boxes[1].tex_text.endswith("diagrams/m0\\_capacity\\_delay\\_vs\\_utilization.py}} and more")
    assert boxes[1].box == "m0_capacity_delay_vs_utilization.py and more", "a wrapped log line is joined"
    with pytest.raises(AssertionError) as failure:
        assert_no_overfull_boxes(log)
    message = str(failure.value)
    assert "3 line(s) run more than 3 pt into the margin (widest 85.36687 pt)" in message
    assert "system-design.log:12: Overfull \\hbox (85.36687pt too wide) in paragraph at lines 1--2" in message
    assert "tex line 7: \\end{tabulary}" in message and "the line reads: Faults" in message
    log.write_text(LOG.replace("Overfull \\hbox (", "Underfull \\hbox ("), encoding="utf-8")
    assert_no_overfull_boxes(log)  # nothing overfull: passes
