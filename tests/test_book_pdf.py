"""The PDF as a reader's viewer sees it: bookmarks for every document, embedded fonts, no unresolved references,
no raw TeX or mermaid source, the right paper size."""
from __future__ import annotations

import re
import subprocess

import pytest
from conftest import run_checked
from pypdf import PdfReader

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


def test_figures_are_vector_in_the_pdf(book):
    """Figures arrive as PDF (vector): the course map's labels are real text, not pixels."""
    assert "Orientation &" in pdf_text(book)


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
    letter = publish.build_pdf(run_checked, book.build_dir, paper="letter")
    assert letter.name == "system-design-letter.pdf" and book.pdf.is_file()
    info = subprocess.run(["pdfinfo", str(letter)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+612 x 792 pts \(letter\)", info), info
