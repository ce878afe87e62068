"""The HTML site as a reader's browser sees it: every page present, nothing loaded from another host, math and
downloads working offline."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT

pytestmark = pytest.mark.book

EXTERNAL = re.compile(r"^(https?:)?//", re.I)


def pages(book) -> list[Path]:
    return sorted(book.html.rglob("*.html"))


def test_every_toctree_document_is_a_page_with_its_title(book):
    for doc, title in book.titles().items():
        page = book.html / f"{doc}.html"
        assert page.is_file(), f"{doc} is in the toctree but {page} was not written"
        heading = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("h1")
        assert heading is not None and title in heading.get_text(), f"{page} does not show its title {title!r}"


def test_no_page_loads_anything_from_another_host(book):
    offenders = []
    for page in pages(book):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        loaded = [tag.get("src") for tag in soup.find_all(["script", "img", "iframe", "audio", "video", "source", "embed"])]
        loaded += [tag.get("href") for tag in soup.find_all("link") if set(tag.get("rel", [])) & {"stylesheet", "preload", "icon", "modulepreload", "prefetch"}]
        loaded += [tag.get("data") for tag in soup.find_all("object")]
        offenders += [f"{page.relative_to(book.html)}: {url}" for url in loaded if url and EXTERNAL.match(url)]
    for stylesheet in book.html.rglob("*.css"):
        for url in re.findall(r"(?:url\(|@import\s+)['\"]?([^'\")\s]+)", stylesheet.read_text(encoding="utf-8", errors="replace")):
            if EXTERNAL.match(url):
                offenders.append(f"{stylesheet.relative_to(book.html)}: {url}")
    assert offenders == []


def test_pages_load_offline_in_a_browser_with_math_rendered(book, browser):
    """Open pages from file:// in Chromium: no request leaves the machine, and MathJax (vendored) renders the math."""
    for doc in ("index", "preface"):
        requests, page = browser.load((book.html / f"{doc}.html").as_uri())
        remote = [url for url in requests if urlparse(url).scheme not in ("file", "data", "blob", "about")]
        assert remote == [], f"{doc}.html requested {remote}"
        if doc == "preface":
            page.wait_for_selector("mjx-container svg", timeout=15000)
        page.close()


def test_theme_features_search_navigation_dark_mode(book):
    preface = BeautifulSoup((book.html / "preface.html").read_text(encoding="utf-8"), "html.parser")
    assert (book.html / "search.html").is_file() and (book.html / "searchindex.js").is_file()
    assert preface.select_one("a.left-prev") and preface.select_one("a.right-next"), "previous/next links are missing"
    assert preface.select_one(".theme-switch-button"), "the light/dark switch is missing"
    scripts = [tag.get("src", "") for tag in preface.find_all("script")]
    assert any(src.split("?")[0].endswith("_static/mathjax/tex-svg-full.js") for src in scripts), scripts


def test_downloads_link_the_pdf_and_epub_of_the_same_build(book):
    index = BeautifulSoup((book.html / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = {a.get_text(strip=True).split(" ")[0]: a["href"] for a in index.select(".book-downloads a[download]")}
    assert set(links) == {"PDF", "ePub"}, links
    assert (book.html / links["PDF"]).read_bytes() == book.pdf.read_bytes()
    assert (book.html / links["ePub"]).read_bytes() == book.epub.read_bytes()


def test_every_image_is_local_and_exists(book):
    missing = []
    for page in pages(book):
        for img in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find_all("img"):
            src = img.get("src", "")
            if src.startswith("data:"):
                continue
            if not (page.parent / src).resolve().is_file():
                missing.append(f"{page.relative_to(book.html)}: {src}")
            if not img.get("alt"):
                missing.append(f"{page.relative_to(book.html)}: {src} has no alt text")
    assert missing == []


def test_the_gallery_lists_every_figure_with_its_chapter_and_source(book):
    numbered = {}
    for page in pages(book):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for figure in soup.select("figure[id]"):
            numbered[f"{page.relative_to(book.html).as_posix()}#{figure['id']}"] = figure
    gallery = BeautifulSoup((book.html / "figure-gallery.html").read_text(encoding="utf-8"), "html.parser")
    rows = gallery.select("table.figure-gallery tbody tr")
    listed = {row.find("a")["href"] for row in rows}
    assert listed == set(numbered), "the gallery and the book's figures differ"
    sources = [row.find_all("td")[3].get_text(strip=True) for row in rows]
    assert all(re.match(r"^(diagrams/\w+\.py|book/.+\.md:\d+)$", source) for source in sources), sources
    assert all((ROOT / source.split(":")[0]).is_file() for source in sources)
