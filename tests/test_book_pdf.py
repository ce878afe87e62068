"""The PDF as a reader's viewer sees it: bookmarks for every document, embedded fonts, no unresolved references,
no raw TeX or mermaid source, figures as vector drawings, the right paper size."""
from __future__ import annotations

import re
import subprocess

import pytest
from bs4 import BeautifulSoup
from conftest import run_checked
from pypdf import PdfReader
from pypdf.generic import ContentStream

from bookext import publish

pytestmark = pytest.mark.book


def outline_titles(reader: PdfReader) -> list[str]:
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles


def pdf_text(book) -> str:
    return subprocess.run(["pdftotext", "-layout", str(book.pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_every_toctree_document_has_a_bookmark(book):
    bookmarks = [" ".join(title.split()) for title in outline_titles(PdfReader(book.pdf))]
    titles = book.titles()
    titles.pop(book.environment().config.root_doc)  # the root's title is the title page, not a bookmark
    missing = [title for title in titles.values() if not any(mark.endswith(title) for mark in bookmarks)]
    assert missing == [], f"no bookmark for {missing}; bookmarks: {bookmarks}"
    assert "Index" in bookmarks, "the back-of-book index is missing"


def test_every_font_is_embedded(book):
    lines = subprocess.run(["pdffonts", str(book.pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert lines, "pdffonts listed no fonts"
    not_embedded = [line for line in lines if line.split()[-5] != "yes"]
    assert not_embedded == []


def test_text_has_no_unresolved_references_raw_tex_or_mermaid(book):
    text = pdf_text(book)
    assert "??" not in text
    raw_tex = re.findall(r"\\(?:begin|end|frac|sqrt|lambda|label|ref|cite)\b|\$\$", text)
    assert raw_tex == []
    mermaid = re.findall(r"\b(?:sequenceDiagram|stateDiagram(?:-v2)?|flowchart (?:LR|TD|TB)|participant \w+ as)\b|->>", text)
    assert mermaid == []


def test_title_page_toc_index_and_bibliography(book):
    text = " ".join(pdf_text(book).split())
    first_pages = subprocess.run(["pdftotext", "-l", "3", str(book.pdf), "-"], capture_output=True, text=True, check=True).stdout
    first_pages = " ".join(first_pages.split())
    assert "System Design: A Staff-Level Course" in first_pages and "A Dev Writes" in first_pages
    assert "CONTENTS" in text.upper()
    assert re.search(r"\[Beyer et al\. 2016\] Betsy Beyer, .{0,80}Site Reliability Engineering", text), "bibliography entries are missing"


def test_a4_by_default(book):
    info = subprocess.run(["pdfinfo", str(book.pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info


FIGURE = re.compile(r"\\sphinxincludegraphics(?:\[[^\]]*\])?\{\{([^{}]+)\}(\.\w+)\}")
TEXT_SHOWING = {b"Tj", b"TJ", b"'", b'"'}
PATH_PAINTING = {b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}


def placed_xobjects(reader: PdfReader) -> list[tuple[int, object]]:
    """(page number, XObject) for every XObject a page's own content stream draws (`/Name Do`)."""
    placed = []
    for number, page in enumerate(reader.pages, start=1):
        xobjects = (page.get("/Resources") or {}).get("/XObject")
        if not xobjects:
            continue  # a page without XObject resources draws none; skipping it saves parsing ~200 text pages
        xobjects = xobjects.get_object()
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Do":
                placed.append((number, xobjects[operands[0]].get_object()))
    return placed


def test_figures_are_placed_as_vector_forms(book):
    """Every figure of the book is in the PDF as a Form XObject drawn on a page, whose drawing instructions are the
    figure PDF's own (real text and paths), and no page draws a raster image in place of one."""
    figures_in_html = sum(
        len(BeautifulSoup((book.html / f"{doc}.html").read_text(encoding="utf-8"), "html.parser").select("figure img"))
        for doc in book.toctree_documents()
    )
    staging = book.build_dir / ".staging" / "latex"
    figures = FIGURE.findall((staging / "system-design.tex").read_text(encoding="utf-8"))
    assert len(figures) == figures_in_html, f"the LaTeX places {len(figures)} figures, the HTML shows {figures_in_html}"

    placed = placed_xobjects(PdfReader(book.pdf))
    forms = [(number, xobject.get_data()) for number, xobject in placed if xobject["/Subtype"] == "/Form"]
    images = [number for number, xobject in placed if xobject["/Subtype"] == "/Image"]
    raster = [f"{stem}{ext}" for stem, ext in figures if ext != ".pdf"]
    assert len(images) == len(raster), f"pages {images} draw raster images; raster figures: {raster}"

    problems = []
    for stem, ext in sorted(set(figures)):
        if ext != ".pdf":
            continue
        source = PdfReader(staging / f"{stem}{ext}").pages[0]
        drawing = source.get_contents().get_data()
        placements = [number for number, data in forms if data == drawing]
        operators = {operator for _, operator in ContentStream(source.get_contents(), None).operations}
        if len(placements) != figures.count((stem, ext)):
            problems.append(f"{stem}: placed as a form {len(placements)} times, included {figures.count((stem, ext))} times")
        if not operators & TEXT_SHOWING or not operators & PATH_PAINTING:
            problems.append(f"{stem}: draws no text or no paths (a picture of a figure, not a vector figure)")
    assert problems == []
    # The cover (bookext.frontmatter) is the one form on page 1 that is not a figure: the cover script's own drawing.
    cover = PdfReader(staging / "book-cover.pdf").pages[0].get_contents().get_data()
    assert [number for number, data in forms if data == cover] == [1], "the cover is drawn once, on page 1"
    assert len(forms) == len(figures) - len(raster) + 1, "pages draw forms that are not figures of the book"


def test_links_are_clickable(book):
    reader = PdfReader(book.pdf)
    internal = 0
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link" and "/Dest" in annotation or "/A" in annotation and annotation["/A"].get("/S") == "/GoTo":
                internal += 1
    assert internal > 10, "cross-references and the table of contents should be clickable links"


def test_us_letter_by_option(book):
    """`nox -s pdf -- --letter`: the same book on US Letter paper, published beside the A4 edition."""
    letter = publish.build_pdf(run_checked, book.build_dir, paper="letter", settings=book.settings)
    assert letter.name == "system-design-letter.pdf" and book.pdf.is_file()
    info = subprocess.run(["pdfinfo", str(letter)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+612 x 792 pts \(letter\)", info), info
