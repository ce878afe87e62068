"""The HTML site as a reader's browser sees it: every page present, nothing loaded from another host, math and
downloads working offline, and search, page turning and the colour switch working in Chromium."""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

pytestmark = pytest.mark.book

EXTERNAL = re.compile(r"^(https?:)?//", re.I)
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")

# Resolves once the page has nothing left to fetch or draw: web fonts loaded and MathJax's typesetting finished.
SETTLED = """async () => {
  await document.fonts.ready;
  if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
}"""


def pages(book) -> list[Path]:
    return sorted(book.html.rglob("*.html"))


def reader_pages(book) -> list[Path]:
    """The pages a reader can open: _static/ also holds the theme's Jinja macro files, which no page links."""
    return [page for page in pages(book) if "_static" not in page.relative_to(book.html).parts]


def local_path(url: str) -> Path:
    """The file a file:// URL (as the browser resolved it, with any query or fragment) opens."""
    return Path(url2pathname(urlparse(url).path))


def article_text(page: Path) -> str:
    article = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one("article.bd-article")
    return " ".join(article.get_text(" ").split()) if article else ""


BACKGROUND = "getComputedStyle(document.body).backgroundColor"
# True once the page's background is clearly light (relative luminance above 0.9) or clearly dark (below 0.1).
IS_SCHEME = """scheme => {
  const [red, green, blue] = getComputedStyle(document.body).backgroundColor.match(/[\\d.]+/g).map(Number);
  const luminance = (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255;
  return scheme === "dark" ? luminance < 0.1 : luminance > 0.9;
}"""


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


def test_every_page_loads_offline_in_a_browser_with_its_math_rendered(book, browser):
    """Open every page from file:// in one Chromium tab: no request leaves file:// (any that tries is stopped before
    it reaches the network, and reported), no local file is missing, no script fails, and MathJax (vendored) has
    typeset every formula."""
    page = browser.chromium.new_page()
    opened = ""
    remote, missing, errors, untypeset = [], [], [], []

    def stop_remote(route) -> None:
        remote.append(f"{opened}: {route.request.url}")
        route.abort()

    def note_failure(request) -> None:
        if request.url.startswith("file:"):
            missing.append(f"{opened}: {request.url}")

    page.route(lambda url: not url.startswith(LOCAL_SCHEMES), stop_remote)
    page.on("requestfailed", note_failure)
    page.on("pageerror", lambda error: errors.append(f"{opened}: {error}"))
    for path in reader_pages(book):
        opened = path.relative_to(book.html).as_posix()
        page.goto(path.as_uri(), wait_until="load")
        page.evaluate(SETTLED)
        formulas, typeset = page.evaluate(
            "[document.querySelectorAll('.math').length, document.querySelectorAll('.math mjx-container svg').length]"
        )
        if typeset != formulas:
            untypeset.append(f"{opened}: {typeset} of {formulas} formulas typeset")
    page.close()
    assert remote == [], "requests that would leave the machine"
    assert missing == [], "local files the pages need but the site lacks"
    assert errors == [] and untypeset == []


# The TinyURL case study's collision analysis: a word that occurs on a few pages, one of them a chapter.
SEARCH_TERM, SEARCH_CHAPTER = "birthday", "case-studies/tinyurl"


def test_search_finds_every_page_with_the_term_and_its_results_open_them(book, browser):
    """Type a word into the search dialog (Ctrl+K) of a page: the results list every page whose text uses the word
    and no page that does not, and clicking one opens that page."""
    unindexed = {"genindex.html", "search.html"}  # Sphinx does not index its own generated pages
    uses_term = {
        path.relative_to(book.html).as_posix()
        for path in reader_pages(book)
        if re.search(rf"\b{SEARCH_TERM}", article_text(path), re.I)
    } - unindexed
    assert f"{SEARCH_CHAPTER}.html" in uses_term, f"{SEARCH_CHAPTER} no longer uses {SEARCH_TERM!r}: pick another term"

    page = browser.chromium.new_page()
    page.goto((book.html / "preface.html").as_uri())
    page.keyboard.press("Control+k")
    page.locator("#pst-search-dialog input[name=q]").fill(SEARCH_TERM)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    try:
        page.wait_for_selector("#search-results .search-summary", timeout=15000)  # shown when the search has finished
    except PlaywrightTimeoutError:
        pytest.fail(f"the search for {SEARCH_TERM!r} did not finish: {page.locator('#search-results').inner_text()!r}")
    links = page.locator("#search-results ul.search li > a")
    results = {}
    for index in range(links.count()):
        results.setdefault(local_path(links.nth(index).evaluate("link => link.href")), links.nth(index))
    found = {os.path.relpath(path, book.html).replace(os.sep, "/") for path in results}
    assert found >= uses_term, f"pages that use {SEARCH_TERM!r} but are not found: {sorted(uses_term - found)}"
    assert found <= uses_term, f"results for pages that do not use {SEARCH_TERM!r}: {sorted(found - uses_term)}"

    with page.expect_navigation():
        results[book.html / f"{SEARCH_CHAPTER}.html"].click()
    assert local_path(page.url) == book.html / f"{SEARCH_CHAPTER}.html"
    assert book.titles()[SEARCH_CHAPTER] in page.locator("h1").first.inner_text()
    page.close()


def test_next_and_previous_links_turn_the_pages_in_toctree_order(book, browser):
    """From the first page, following "next" visits every toctree document in order, each page's "previous" link
    points at the page before it, and following "previous" goes back."""
    docs = book.toctree_documents()
    page = browser.chromium.new_page()
    page.goto((book.html / f"{docs[0]}.html").as_uri(), wait_until="domcontentloaded")
    visited = [page.url]
    while page.locator("a.right-next").count():
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.locator("a.right-next").click()
        assert page.locator("a.left-prev").evaluate("link => link.href") == visited[-1], f"{page.url}: previous is wrong"
        visited.append(page.url)
    assert visited == [(book.html / f"{doc}.html").as_uri() for doc in docs]
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("a.left-prev").click()
    assert page.url == visited[-2]
    page.close()


def test_colour_switch_follows_the_system_overrides_it_and_remembers_the_choice(book, browser):
    """The page starts in the reader's system scheme; the switch in the header turns the page light or dark whatever
    the system says, and the next page opens in the chosen scheme."""
    page = browser.chromium.new_page(color_scheme="light")

    def expect_background(scheme: str, why: str) -> None:
        try:
            page.wait_for_function(IS_SCHEME, arg=scheme, timeout=5000)
        except PlaywrightTimeoutError:
            pytest.fail(f"{why}: the background stayed {page.evaluate(BACKGROUND)} on {page.url}")

    def choose(mode: str) -> None:
        page.locator(".theme-switch-button:visible").first.click()
        page.locator(f".theme-change-button[data-mode={mode}]:visible").first.click()

    page.goto((book.html / "preface.html").as_uri())
    expect_background("light", "light system, automatic mode: the page should be light")
    page.emulate_media(color_scheme="dark")
    expect_background("dark", "dark system, automatic mode: the page should follow the system")
    choose("light")
    expect_background("light", "the switch set to light should override a dark system")
    choose("dark")
    expect_background("dark", "the switch set to dark should turn the page dark")
    page.emulate_media(color_scheme="light")
    with page.expect_navigation():
        page.locator("a.right-next").click()
    expect_background("dark", "the next page should open in the scheme the reader chose, not the system's")
    page.close()


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
