"""The ePub as a reading system and epubcheck see it."""
from __future__ import annotations

import posixpath
import re
import shutil
import subprocess
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from conftest import run_checked

from bookext import publish
from bookext.publish import epubcheck_command

pytestmark = pytest.mark.book


def test_epubcheck_reports_no_errors_and_no_warnings(book):
    result = subprocess.run(epubcheck_command(book.epub), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Messages: 0 fatals / 0 errors / 0 warnings" in result.stdout + result.stderr


def test_every_toctree_document_is_in_the_navigation(book):
    files = book.epub_files()
    nav = BeautifulSoup(files["nav.xhtml"], "html.parser")
    entries = {" ".join(a.get_text().split()) for a in nav.select("nav a")}
    hrefs = {a["href"].split("#")[0] for a in nav.select("nav a")}
    titles = book.titles()
    missing = [title for doc, title in titles.items() if title not in entries and f"{doc}.xhtml" not in hrefs]
    assert missing == [], f"missing from nav.xhtml: {missing}"


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
    publish.build_epub(run_checked, tmp_path)  # raises if epubcheck fails
