"""The ePub as a reading system sees it, and the epubcheck gate that stands before it is published."""
from __future__ import annotations

import posixpath
import re
import shutil
import subprocess
import zipfile
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from conftest import run_checked

from bookext import publish
from bookext.publish import epubcheck_command

pytestmark = pytest.mark.book

OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
XML = "http://www.w3.org/XML/1998/namespace"


def add_missing_image(files: dict[str, bytes]) -> None:
    files["preface.xhtml"] = files["preface.xhtml"].replace(b"</body>", b'<p><img src="_images/missing.png" alt="A figure"/></p></body>', 1)


def add_undeclared_file(files: dict[str, bytes]) -> None:
    files["notes/stray.txt"] = b"a file in the archive that content.opf does not list"


@pytest.mark.parametrize(
    ("defect", "message"),
    [
        (add_missing_image, r'^ERROR\(RSC-007\): \S*book\.epub/preface\.xhtml\(\d+,\d+\): Referenced resource "_images/missing\.png"'),
        (add_undeclared_file, r'^WARNING\(OPF-003\): \S*book\.epub\(-1,-1\): Item "notes/stray\.txt"'),
    ],
    ids=["error", "warning-alone"],
)
def test_the_epubcheck_gate_rejects_the_book_with_one_defect_and_names_it(book, tmp_path, defect, message):
    """The gate the build runs before publishing (publish.epubcheck_command) passed the book's ePub, or the book
    fixture would have failed; the same ePub with one defect added fails it, and the output names the defect. A
    warning alone fails too (--failonwarnings)."""
    files = book.epub_files()
    defect(files)
    broken = tmp_path / "book.epub"
    with zipfile.ZipFile(book.epub) as original, zipfile.ZipFile(broken, "w") as archive:
        compression = {info.filename: info.compress_type for info in original.infolist()}
        for name, data in files.items():  # in the original's order: mimetype first, and stored
            archive.writestr(name, data, compress_type=compression.get(name, zipfile.ZIP_DEFLATED))
    result = subprocess.run(epubcheck_command(broken), capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert re.search(message, output, re.MULTILINE), output


def test_navigation_and_reading_order_follow_the_toctree(book):
    """A reader turns pages in spine order and jumps from the navigation: both follow the book's toctree, one entry
    per document under its title, with only the cover before and the index after. epubcheck checks that these files
    exist, not that they come in the book's order."""
    files = book.epub_files()
    opf = ElementTree.fromstring(files["content.opf"])
    hrefs = {item.get("id"): item.get("href") for item in opf.iter(f"{{{OPF}}}item")}
    spine = [hrefs[itemref.get("idref")] for itemref in opf.iter(f"{{{OPF}}}itemref")]
    docs = book.toctree_documents()
    assert spine == ["epub-cover.xhtml", *(f"{doc}.xhtml" for doc in docs), "genindex.xhtml"]

    entries: dict[str, str] = {}  # each document's first entry in the navigation, in the navigation's order
    for link in BeautifulSoup(files["nav.xhtml"], "html.parser").select("nav a"):
        entries.setdefault(link["href"].split("#")[0], " ".join(link.get_text().split()))
    titles = book.titles()
    assert list(entries.items()) == [(f"{doc}.xhtml", titles[doc]) for doc in docs]


def test_every_image_has_alt_text(book):
    """A reading system reads `alt` aloud in place of the picture: each figure has the text its author wrote (not its
    file name, Sphinx's fallback) and each formula its TeX. epubcheck accepts an empty alt."""
    problems = []
    for name, data in book.epub_files().items():
        if not name.endswith(".xhtml"):
            continue
        for img in BeautifulSoup(data, "html.parser").find_all("img"):
            alt = (img.get("alt") or "").strip()
            stem = posixpath.splitext(posixpath.basename(img["src"]))[0]
            if not alt or stem in alt:
                problems.append(f"{name}: {img['src']} has alt {alt!r}")
    assert problems == []


def test_every_page_declares_the_book_language(book):
    """Text-to-speech and hyphenation take the language from each page's <html lang> and xml:lang; the package's
    dc:language does not reach them. epubcheck requires neither attribute."""
    files = book.epub_files()
    language = ElementTree.fromstring(files["content.opf"]).findtext(f".//{{{DC}}}language")
    undeclared = []
    for name, data in files.items():
        if name.endswith(".xhtml"):
            html = ElementTree.fromstring(data)
            declared = (html.get("lang"), html.get(f"{{{XML}}}lang"))
            if declared != (language, language):
                undeclared.append(f"{name}: lang={declared[0]!r} xml:lang={declared[1]!r}")
    assert undeclared == [], f"pages that do not declare {language!r}"


def test_metadata_and_cover(book):
    ns = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
    opf = ElementTree.fromstring(book.epub_files()["content.opf"])
    metadata = opf.find("opf:metadata", ns)
    assert metadata.findtext("dc:title", namespaces=ns) == "System Design: A Staff-Level Course"
    assert metadata.findtext("dc:creator", namespaces=ns) == "A Dev Writes"
    assert metadata.findtext("dc:language", namespaces=ns) == "en"
    assert metadata.findtext("dc:identifier", namespaces=ns).startswith("uuid-")
    assert re.match(r"\d{4}-\d{2}-\d{2}", metadata.findtext("dc:date", namespaces=ns) or "")
    cover = [item for item in opf.iter("{http://www.idpf.org/2007/opf}item") if item.get("properties") == "cover-image"]
    assert len(cover) == 1 and cover[0].get("media-type") == "image/png"


def test_no_raw_tex_and_every_image_included(book):
    files = book.epub_files()
    problems = []
    for name, data in files.items():
        if not name.endswith(".xhtml"):
            continue
        soup = BeautifulSoup(data, "html.parser")
        for tag in soup(["script", "style"]):
            tag.decompose()
        text = soup.get_text()
        if re.search(r"\\(?:frac|lambda|begin|sqrt|rho|mu)\b|\$\$|\\\(|\\\[", text):
            problems.append(f"{name}: raw TeX in the text")
        for img in soup.find_all("img"):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), img["src"].split("#")[0]))
            if target not in files:
                problems.append(f"{name}: image {img['src']} is not in the ePub")
    assert problems == []


def test_math_is_rendered_as_images(book):
    files = book.epub_files()
    preface = BeautifulSoup(files["preface.xhtml"], "html.parser")
    math_images = [img for img in preface.find_all("img") if "math" in img.get("class", []) or "/math/" in img["src"]]
    assert math_images, "the preface's math should be SVG images typeset by MathJax at build time"


def test_an_incremental_rebuild_is_still_valid(book, tmp_path):
    """Rebuilding into the same staging folder (what `nox -s epub` does the second time) passes epubcheck again."""
    shutil.copytree(book.build_dir / ".staging" / "epub", tmp_path / ".staging" / "epub")
    shutil.copytree(book.build_dir / ".doctrees" / "epub", tmp_path / ".doctrees" / "epub")
    publish.build_epub(run_checked, tmp_path, settings=book.settings)  # raises if epubcheck fails
