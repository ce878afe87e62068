"""The lecture decks as an instructor uses them: offline, with notes and presenter view, and PDFs that match."""
from __future__ import annotations

import json
import re
import subprocess
from io import BytesIO
from pathlib import Path
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT
from PIL import Image, ImageStat
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bookext import publish

pytestmark = pytest.mark.book

DECKS = sorted(path.stem for path in (ROOT / "slides").glob("*.md"))
MAX_WORDS_ON_A_SLIDE = 40  # WRITING.md, "Slides"


def slides_of(book, deck: str) -> list:
    soup = BeautifulSoup((book.slides / f"{deck}.html").read_text(encoding="utf-8"), "html.parser")
    sections = soup.select("div.slides section")
    return [section for section in sections if not section.find("section")]  # vertical stacks hold slides


def wait_until_presentable(page) -> None:
    """Wait until reveal.js has started, the web fonts are loaded and MathJax has typeset every formula: only then are
    a slide's pixels and height final (a formula is one line of TeX before, and a line may wrap in a fallback font)."""
    page.wait_for_function("() => window.Reveal?.isReady()", timeout=15000)
    page.evaluate(
        """async () => {
            await document.fonts.ready;
            if (document.querySelector(".math")) await MathJax.startup.promise;
        }"""
    )


def press_and_wait_for_slide(page, key: str) -> dict:
    """Press `key` and wait for reveal's `slidechanged`; return the indices of the slide it shows."""
    page.evaluate(
        """() => {
            window.slideChangedTo = null;
            Reveal.on("slidechanged", function changed() {
                Reveal.off("slidechanged", changed);
                window.slideChangedTo = Reveal.getIndices();
            });
        }"""
    )
    page.keyboard.press(key)
    try:
        page.wait_for_function("() => window.slideChangedTo !== null", timeout=5000)
    except PlaywrightTimeoutError:
        raise AssertionError(f"pressing {key} showed no other slide") from None
    return page.evaluate("window.slideChangedTo")


def slides_taller_than_the_screen(page) -> list[int]:
    """Show every slide in turn, each once reveal reports it current, and return the numbers of those taller than the
    configured slide height."""
    return page.evaluate(
        """async () => {
            const tall = [];
            const slides = Reveal.getSlides();
            for (const [number, slide] of slides.entries()) {
                if (Reveal.getCurrentSlide() !== slide) {
                    const shown = new Promise((resolve, reject) => {
                        const timer = setTimeout(() => reject(new Error(`slide ${number + 1} never became current`)), 5000);
                        Reveal.on("slidechanged", function changed(event) {
                            if (event.currentSlide !== slide) return;
                            Reveal.off("slidechanged", changed);
                            clearTimeout(timer);
                            resolve();
                        });
                    });
                    const { h, v } = Reveal.getIndices(slide);
                    Reveal.slide(h, v);
                    await shown;
                }
                if (slide.scrollHeight > Reveal.getConfig().height) tall.push(number + 1);
            }
            return tall;
        }"""
    )


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def test_decks_are_built_from_the_test_builds_own_folders(book):
    """The session build (tests/conftest.py) keeps out of the repository's _build/, which an earlier or a concurrent
    `nox -s build` owns: its figure cache and vendored files are its own, and every figure a deck shows is in that cache."""
    config = book.environment("slides").config
    cache, vendor = (Path(ROOT, getattr(config, name)).resolve() for name in ("figures_cache_dir", "offline_vendor_dir"))
    assert cache != publish.FIGURE_CACHE.resolve() and cache.is_relative_to(book.build_dir.resolve())
    assert vendor != (publish.BUILD / ".vendor").resolve() and vendor.is_relative_to(book.build_dir.resolve())
    figures = sorted(path.name for path in (book.slides / "_images").iterdir())
    assert figures, "the decks show figures"
    assert [name for name in figures if not (cache / name).is_file()] == [], "figures the build's own cache does not hold"


def test_every_deck_is_listed_with_its_pdfs(book):
    index = BeautifulSoup((book.slides / "index.html").read_text(encoding="utf-8"), "html.parser")
    hrefs = {a["href"] for a in index.find_all("a")}
    for deck in DECKS:
        for name in (f"{deck}.html", f"{deck}.pdf", f"{deck}-handout.pdf"):
            assert name in hrefs and (book.slides / name).is_file(), name


@pytest.mark.parametrize("deck", DECKS)
def test_pdf_has_one_page_per_slide_and_a_handout_with_notes(book, deck):
    slides = len(slides_of(book, deck))
    assert pdf_pages(book.slides / f"{deck}.pdf") == slides
    listing = {entry["name"]: entry for entry in json.loads((book.slides / "decks.json").read_text())}
    assert listing[deck]["slides"] == slides, "the index page states the deck's real length"
    handout = subprocess.run(["pdftotext", str(book.slides / f"{deck}-handout.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    first_notes = slides_of(book, deck)[1].find("aside", class_="notes").get_text(" ", strip=True)
    assert " ".join(first_notes.split()[:6]) in " ".join(handout.split()), "the handout carries the speaker notes"
    fonts = subprocess.run(["pdffonts", str(book.slides / f"{deck}.pdf")], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSans" in fonts, "slide text is selectable text in the book's font"


@pytest.mark.parametrize("deck", DECKS)
def test_every_content_slide_has_notes_and_few_words(book, deck):
    problems = []
    for number, section in enumerate(slides_of(book, deck), start=1):
        notes = section.find("aside", class_="notes")
        if notes is None or len(notes.get_text().split()) < 20:
            problems.append(f"slide {number}: no speaker notes")
        for tag in section.find_all(["aside", "pre", "figure", "h1", "h2", "h3", "math"]) + section.select(".math"):
            tag.decompose()
        words = len(section.get_text(" ").split())
        closing = number == len(slides_of(book, deck))  # questions and chapter links: exempt from the word limit
        if 1 < number and not closing and words > MAX_WORDS_ON_A_SLIDE:
            problems.append(f"slide {number}: {words} words")
    assert problems == []


@pytest.mark.parametrize("deck", DECKS)
def test_deck_has_title_and_closing_slides(book, deck):
    slides = slides_of(book, deck)
    assert slides[0].find("h1"), "the first slide is the title slide"
    closing = slides[-1]
    assert "Discussion" in closing.find(["h2", "h1"]).get_text()
    links = [a["href"] for a in closing.find_all("a", class_="book-link")]
    assert links and all(href.startswith("../html/") for href in links)
    for href in links:
        assert (book.slides / href.split("#")[0]).resolve().is_file(), f"{href} does not exist in the HTML book"


@pytest.mark.parametrize("deck", DECKS)
def test_deck_loads_offline_without_errors_and_renders(book, browser, deck):
    requests, page = browser.load((book.slides / f"{deck}.html").as_uri())
    remote = [url for url in requests if urlparse(url).scheme not in ("file", "data", "blob", "about")]
    assert remote == []
    assert page.console_errors == []
    wait_until_presentable(page)
    assert press_and_wait_for_slide(page, "ArrowRight")["h"] == 1, "the right arrow shows the second slide"
    shot = Image.open(BytesIO(page.screenshot())).convert("L")
    assert ImageStat.Stat(shot).stddev[0] > 10, "the second slide rendered blank"
    overflowing = slides_taller_than_the_screen(page)
    assert overflowing == [], f"slides taller than the screen (cut off when presented, split when printed): {overflowing}"
    page.close()


def test_presenter_view_shows_notes_offline(book, browser):
    requests, page = browser.load((book.slides / "course-overview.html").as_uri() + "#/1")
    wait_until_presentable(page)  # the "s" key does nothing before reveal.js has started
    with page.expect_popup() as popup_info:
        page.keyboard.press("s")
    speaker = popup_info.value
    speaker.wait_for_load_state()
    speaker.wait_for_selector(".speaker-controls-notes", timeout=15000)
    speaker.wait_for_function("document.querySelector('.speaker-controls-notes').innerText.length > 40", timeout=15000)
    assert "promise" in speaker.inner_text(".speaker-controls-notes").lower()
    speaker.close()
    page.close()


def test_the_book_links_the_decks(book):
    index = BeautifulSoup((book.html / "index.html").read_text(encoding="utf-8"), "html.parser")
    link = index.select_one("a.book-slides")
    assert link is not None and (book.html / link["href"]).resolve() == (book.slides / "index.html").resolve()


def overlapping_words(pdf) -> list[str]:
    """Pages of a printed deck where two words are drawn over each other (more than a third of the smaller box)."""
    layout = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    problems = []
    for number, page in enumerate(layout.split("<page ")[1:], start=1):
        words = [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in
                 re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)]
        for i, (x0, y0, x1, y1, word) in enumerate(words):
            for u0, v0, u1, v1, other in words[i + 1:]:
                overlap = max(0.0, min(x1, u1) - max(x0, u0)) * max(0.0, min(y1, v1) - max(y0, v0))
                if overlap > min((x1 - x0) * (y1 - y0), (u1 - u0) * (v1 - v0)) / 3:
                    problems.append(f"page {number}: {word!r} over {other!r}")
                    break
    return problems


@pytest.mark.parametrize("deck", DECKS)
def test_the_printed_deck_looks_like_the_projected_one(book, deck):
    """reveal prints each slide inside a wrapper of its own; a theme rule that only holds on screen (a parent
    selector, a layout that depends on the slide's on-screen height) piles a printed slide's text on itself."""
    pdf = book.slides / f"{deck}.pdf"
    assert overlapping_words(pdf) == []
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    for number, section in enumerate(slides_of(book, deck), start=1):
        title = section.find(["h1", "h2"]).get_text(" ", strip=True).removesuffix("#").strip()
        first_words = " ".join(re.sub(r"\\\(.*?\\\)", "", title).split()[:3])  # math is TeX in the HTML, glyphs in the PDF
        assert first_words in " ".join(text[number - 1].split()), f"{deck}.pdf page {number} does not show {title!r}"
