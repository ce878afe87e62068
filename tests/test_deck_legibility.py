"""Every slide legible on a projector: measured in Chromium at 1920×1080 (tests/deck_legibility.py says how)."""
from __future__ import annotations

import pytest
from conftest import ROOT
from deck_legibility import FLOOR_ANY, measure_deck

pytestmark = pytest.mark.book

DECKS = sorted(path.stem for path in (ROOT / "slides").glob("*.md"))


@pytest.fixture(scope="module")
def measured(book, browser):
    """Each deck measured once for both tests: showing every slide in turn takes seconds per deck."""
    cache = {}

    def measure(deck: str):
        if deck not in cache:
            page = browser.chromium.new_page()
            try:
                cache[deck] = measure_deck(page, book.slides / f"{deck}.html")
            finally:
                page.close()
        return cache[deck]

    return measure


@pytest.mark.parametrize("deck", DECKS)
def test_every_slide_is_legible_from_the_back_of_the_room(measured, deck):
    """18 px for any text, 28 px for body text, and no figure under half the slide's width and height."""
    problems = [problem for slide in measured(deck) for problem in slide.problems(deck)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("deck", DECKS)
def test_slide_number_is_legible(measured, deck):
    """The slide number is how the room asks about a slide: it is held to the 18 px floor too."""
    sizes = {slide.slide_number_px for slide in measured(deck) if slide.slide_number_px is not None}
    assert sizes, f"{deck}.md: no slide shows its number"
    assert min(sizes) >= FLOOR_ANY, f"{deck}.md: slide number {min(sizes):g} px (floor {FLOOR_ANY:.0f} px)"
