"""The PDF's front matter and page style: a cover (the ePub's, from the same script), a title page that names the
edition and its date, a colophon (copyright, build date, source revision), running heads with the chapter and
the section, and chapter openers: the box of learning goals under each chapter's title is drawn in its own colour. Sphinx's default title page prints "Release 2026.11", which says nothing a reader can use.
"""
from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.writers.latex import LaTeXTranslator

from bookext.figures import FigureScriptError, render_script

ROOT = Path(__file__).resolve().parent.parent
COVER = "book-cover.pdf"  # in the LaTeX output folder, beside the .tex file
GOALS_CLASS = "chapter-goals"  # `:class:` of the "What you will be able to do" admonition (AUTHORING.md)


def source_revision() -> str:
    """The commit the book is built from (and "+ local changes" when the work tree differs), or "unknown"."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True)
    except OSError:
        return "unknown (git is not installed)"
    if head.returncode != 0:
        return "unknown (not a git checkout)"
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "book", "diagrams", "conf.py"], capture_output=True, text=True)
    return head.stdout.strip() + (" with local changes" if dirty.stdout.strip() else "")


def edition_date(epoch: int) -> str:
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC).strftime("%Y-%m-%d")


def _tex(text: str) -> str:
    """Escape the characters LaTeX treats specially in running text."""
    special = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(special.get(char, char) for char in text)


def maketitle(
    title: str, subtitle: str, author: str, edition: str, epoch: int, revision: str, holder: str, cover: bool = True
) -> str:
    """LaTeX for the cover, the title page and the colophon (latex_elements["maketitle"]). A printed book's cover is
    a separate file for the printer (cover=False): its first page is the title page, a right-hand page."""
    date = datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)
    month, day = date.strftime("%B %Y"), f"{date.day} {date.strftime('%B %Y')}"
    if edition == "instructor":
        edition_line = "Instructor edition"
        contents = "Each exercise is followed by its answer, and each chapter ends with teaching notes: a lecture plan, discussion prompts and exam questions with marking schemes."
    else:
        edition_line = "Student edition"
        contents = "The answers to the exercises are at the back of the book, so that you can try each exercise first."
    cover_page = rf"""
\begin{{titlepage}}
  % The cover fills the page's height, centred, on a background of its own colour (eso-pic, no geometry change).
  \AddToShipoutPictureBG*{{%
    \AtPageLowerLeft{{\color[HTML]{{F7F9FB}}\rule{{\paperwidth}}{{\paperheight}}}}%
    \AtPageCenter{{\makebox[0pt]{{\raisebox{{-0.5\paperheight}}{{\includegraphics[height=\paperheight]{{{COVER}}}}}}}}}%
  }}
  \null
\end{{titlepage}}
"""
    return (cover_page if cover else "") + rf"""
\begin{{titlepage}}
  \sffamily\raggedright
  \vspace*{{0.18\textheight}}
  {{\Huge\bfseries {_tex(title)}\par}}
  \vspace{{0.6em}}
  {{\LARGE {_tex(subtitle)}\par}}
  \vspace{{2.5em}}
  {{\Large\color{{TitleColor}} {edition_line}\par}}
  \vspace{{0.4em}}
  {{\large {month}\par}}
  \vfill
  {{\Large {_tex(author)}\par}}
\end{{titlepage}}
\thispagestyle{{empty}}
\vspace*{{\fill}}
\begin{{flushleft}}\small
\textit{{{_tex(title)}: {_tex(subtitle)}}}. {edition_line}, {month}.\par\medskip
{_tex(contents)}\par\medskip
The same sources are published as a website, a PDF in A4 and US Letter, an ePub, and one lecture deck per module.\par\medskip
\textcopyright{{}} {date.year} {_tex(holder)}. All rights reserved.\par\medskip
Built on {day} from source revision \texttt{{{_tex(revision)}}}. Typeset with XeLaTeX in DejaVu Serif, Sans and Mono.\par
\end{{flushleft}}
\clearpage
"""


def running_heads(two_sided: bool) -> str:
    """Running heads: the chapter and the section, each cut short with an ellipsis rather than running into the other
    (truncate); page numbers below. On paper, the chapter heads the left-hand page and the section the right-hand
    one, with the page number on the outer edge."""
    if two_sided:
        heads = r"""
  \fancyhead[LE]{{\py@HeaderFamily\small\truncate[\ldots]{\headwidth}{\nouppercase{\leftmark}}}}%
  \fancyhead[RO]{{\py@HeaderFamily\small\truncate[\ldots]{\headwidth}{\nouppercase{\rightmark}}}}%
  \fancyfoot[LE,RO]{{\py@HeaderFamily\thepage}}%"""
    else:
        heads = r"""
  \fancyhead[L]{{\py@HeaderFamily\small\truncate[\ldots]{0.56\headwidth}{\nouppercase{\leftmark}}}}%
  \fancyhead[R]{{\py@HeaderFamily\small\truncate[\ldots]{0.4\headwidth}{\nouppercase{\rightmark}}}}%
  \fancyfoot[C]{{\py@HeaderFamily\thepage}}%"""
    return r"""
\makeatletter
\fancypagestyle{normal}{%
  \fancyhf{}%""" + heads + r"""
  \renewcommand{\headrulewidth}{0.4pt}%
  \renewcommand{\footrulewidth}{0pt}%
}
\makeatother
"""


def _copy_cover(app: Sphinx) -> None:
    if app.builder.format != "latex":
        return
    script = Path(app.confdir, app.config.epub_cover_script)
    try:
        if not script.is_file():
            raise FigureScriptError("does not exist (epub_cover_script)")
        cover = render_script(app, script, "plot")["pdf"]
    except FigureScriptError as exc:
        raise ExtensionError(f"the cover script {script} {exc}") from None
    Path(app.outdir).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cover, Path(app.outdir, COVER))


def _visit_admonition(self: LaTeXTranslator, node: nodes.admonition) -> None:
    """LaTeX draws every generic admonition as a "note"; the chapter's goals get the "hint" style (its own colours
    and icon, set in conf.py's sphinxsetup), so that the opener stands apart from the boxes inside the chapter."""
    if GOALS_CLASS in node["classes"]:
        self.body.append("\n\\begin{sphinxadmonition}{hint}")
        self.no_latex_floats += 1
    else:
        LaTeXTranslator.visit_admonition(self, node)


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookext.epub")  # epub_cover_script: one cover for the ePub and the PDF
    app.connect("builder-inited", _copy_cover)
    app.add_node(nodes.admonition, override=True, latex=(_visit_admonition, LaTeXTranslator.depart_admonition))
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
