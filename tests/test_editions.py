"""The student and instructor editions (bookext.editions, bookext.frontmatter) as their readers get them.

A student's PDF and ePub hold no answer before the "Answers to exercises" part and no teaching note anywhere; the
instructor's PDF has every answer under its exercise and a "Teaching notes" section in every chapter. Passages are
found by a squashed form of their text (letters and digits only), which survives line breaks, hyphenation and
ligatures in the PDF's text layer.
"""
from __future__ import annotations

import datetime
import html as html_lib
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT
from pypdf import PdfReader
from test_book_pdf import outline_titles

from bookext import reproducible

pytestmark = pytest.mark.book

CHAPTERS = sorted(path for path in (ROOT / "book").rglob("*.md") if "### 1. " in path.read_text(encoding="utf-8"))
ANSWERS_INTRO = "Each chapter ends with six exercises. Try one before you read its answer"


def squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", html_lib.unescape(text).lower())


def blocks(source: str, directive: str) -> list[str]:
    """The bodies of every `:::{directive}` ... `:::` block (these blocks nest nothing)."""
    return re.findall(rf"^:::\{{{directive}\}}[^\n]*\n(.*?)^:::\s*$", source, flags=re.S | re.M)


def plain_passages(body: str, everything: str) -> list[str]:
    """Squashed passages of `body` with no markup, each unique in the whole book's source: a passage found in an
    artifact can only have come from this block."""
    found = []
    for paragraph in re.split(r"\n\s*\n", body):
        for run in re.findall(r"[A-Za-z][A-Za-z ,;'’]{50,}", paragraph.replace("\n", " ")):
            passage = squash(run)[:45]
            if len(passage) >= 35 and squash(everything).count(passage) == 1:
                found.append(passage)
                break
    return found


@cache
def book_source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "book").rglob("*.md")))


@cache
def solution_passages() -> dict[str, list[str]]:
    """{chapter: one passage from each of its solutions}."""
    passages = {}
    for chapter in CHAPTERS:
        bodies = blocks(chapter.read_text(encoding="utf-8"), "solution")
        assert len(bodies) == 6, f"{chapter.name}: {len(bodies)} solutions"
        passages[chapter.stem] = [p for body in bodies for p in plain_passages(body, book_source())[:1]]
        assert len(passages[chapter.stem]) >= 5, f"{chapter.name}: too few plain passages in its solutions to test"
    return passages


@cache
def teaching_passages() -> dict[str, list[str]]:
    passages = {}
    for chapter in CHAPTERS:
        notes = blocks(chapter.read_text(encoding="utf-8"), "teaching-notes")
        assert len(notes) == 1, f"{chapter.name} has {len(notes)} teaching-notes blocks"
        passages[chapter.stem] = plain_passages(notes[0], book_source())
        assert len(passages[chapter.stem]) >= 3, f"{chapter.name}: too few plain passages in its teaching notes"
    return passages


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def body_text(pdf: Path) -> str:
    """The text of every page without its running head and page number, so that a passage that crosses a page
    break reads on as it does in the source (the heads sit in the top and bottom 2 cm of the page)."""
    box = PdfReader(pdf).pages[-1].mediabox
    width, height, margin = int(float(box.width)), int(float(box.height)), 57  # 2 cm in points
    crop = ["-x", "0", "-y", str(margin), "-W", str(width), "-H", str(height - 2 * margin)]
    return subprocess.run(["pdftotext", *crop, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


# -- The teaching notes, as written -----------------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_teaching_notes_hold_a_50_minute_plan_three_prompts_and_two_marked_questions(chapter):
    notes = blocks(chapter.read_text(encoding="utf-8"), "teaching-notes")
    assert len(notes) == 1
    text = notes[0]
    slots = [(int(a), int(b)) for a, b in re.findall(r"^\|\s*(\d+)\s*[–-]\s*(\d+)\s*\|", text, flags=re.M)]
    assert slots and slots[0][0] == 0 and slots[-1][1] == 50, f"the plan covers {slots}"
    assert all(end == start for (_, end), (start, _) in zip(slots, slots[1:], strict=False)), f"gaps or overlaps: {slots}"
    assert len(re.findall(r"\*\*Prompt:\*\*", text)) == 3
    assert len(re.findall(r"\*\*The answer you hope to hear:\*\*", text)) == 3
    assert len(re.findall(r"\*\*The wrong answer you will hear:\*\*", text)) == 3
    assert len(re.findall(r"\*\*Question \(10 marks\):\*\*", text)) == 2
    assert len(re.findall(r"\*\*Marking scheme:\*\*", text)) == 2


def deck_titles(chapter: Path) -> list[str]:
    deck = ROOT / "slides" / ("case-studies.md" if chapter.parent.name == "case-studies" else f"{chapter.parent.name}.md")
    return re.findall(r"^## (.+?)\s*$", deck.read_text(encoding="utf-8"), flags=re.M)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_the_lecture_plan_names_real_slides(chapter):
    """Every quoted name in the plan's "Deck slides" column is the title of a slide in the module's deck."""
    text = blocks(chapter.read_text(encoding="utf-8"), "teaching-notes")[0]
    titles = sorted(deck_titles(chapter), key=len, reverse=True)
    rows = re.findall(r"^\|\s*\d+\s*[–-]\s*\d+\s*\|[^|]*\|([^|]*)\|", text, flags=re.M)
    assert rows
    named = 0
    for column in rows:
        for title in titles:
            named += column.count(f'"{title}"')
            column = column.replace(f'"{title}"', "")
        assert '"' not in column, f"a quoted slide name that is no slide title: {column.strip()!r}"
    assert named >= len(rows) - 2, "most slots should name the slides they use"


# -- The student edition ---------------------------------------------------------------------------------------------


def test_the_student_pdf_holds_each_answer_only_in_the_answers_part(book):
    text = squash(body_text(book.pdf))
    part = text.find(squash(ANSWERS_INTRO))
    assert part > 0, "the PDF has no answers part"
    for chapter, passages in solution_passages().items():
        for passage in passages:
            assert text.find(passage) > part, f"{chapter}: an answer is missing or printed before the answers part: {passage}"
            assert text.count(passage) == 1, f"{chapter}: an answer is printed twice: {passage}"


def test_the_student_epub_holds_each_answer_only_on_the_answers_page(book):
    pages = {name: squash(re.sub(r"<[^>]+>", " ", data.decode("utf-8"))) for name, data in book.epub_files().items() if name.endswith(".xhtml")}
    answers = next(name for name in pages if name.endswith("answers.xhtml"))
    for chapter, passages in solution_passages().items():
        for passage in passages:
            where = [name for name, text in pages.items() if passage in text]
            assert where == [answers], f"{chapter}: an answer is on {where}: {passage}"


def test_the_student_artifacts_hold_no_teaching_note(book):
    artifacts = {"PDF": squash(pdf_text(book.pdf))}
    artifacts |= {f"ePub {name}": squash(data.decode("utf-8", "replace")) for name, data in book.epub_files().items()}
    artifacts |= {f"HTML {page.relative_to(book.html)}": squash(page.read_text(encoding="utf-8", errors="replace"))
                  for page in book.html.rglob("*") if page.suffix in (".html", ".js", ".txt") and page.is_file()}
    leaks = [(where, passage) for passages in teaching_passages().values() for passage in passages
             for where, text in artifacts.items() if passage in text]
    assert leaks == []


def link_targets(pdf: Path) -> list[tuple[str, int, int]]:
    """(text under the link, its page, the page it goes to) for every internal link: words from pdftotext's boxes,
    link rectangles and destinations from the PDF itself."""
    reader = PdfReader(pdf)
    named = {name: reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}
    layout = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words_by_page = [
        [(float(x0), float(y0), float(x1), float(y1), html_lib.unescape(word)) for x0, y0, x1, y1, word in
         re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)]
        for page in layout.split("<page ")[1:]
    ]
    links = []
    for number, page in enumerate(reader.pages):
        height = float(page.mediabox.height)
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            if annotation.get("/Subtype") != "/Link" or action is None or action.get("/S") != "/GoTo":
                continue
            destination = action["/D"]
            target = named.get(str(destination)) if isinstance(destination, str) else reader.get_destination_page_number(destination)
            x0, y0, x1, y1 = (float(v) for v in annotation["/Rect"])
            top, bottom = height - max(y0, y1), height - min(y0, y1)
            words = [w for w in words_by_page[number] if w[0] >= min(x0, x1) - 1 and w[2] <= max(x0, x1) + 1 and w[1] >= top - 1 and w[3] <= bottom + 1]
            links.append((" ".join(w[4] for w in words), number, target))
    return links


def test_each_exercise_links_to_its_answer_and_back_in_the_pdf(book):
    pages = [squash(page) for page in pdf_text(book.pdf).split("\f")]
    links = link_targets(book.pdf)
    forward = {m.group(1): target for text, _, target in links if (m := re.match(r"Answer (\d+\.\d+) is at the back", text))}
    back = {m.group(1): (source, target) for text, source, target in links if (m := re.match(r"Back to Exercise (\d+\.\d+)", text))}
    expected = {f"{c}.{n}" for c in range(1, len(CHAPTERS) + 1) for n in range(1, 7)}
    assert set(forward) == expected and set(back) == expected
    ordered = sorted(expected, key=lambda number: tuple(map(int, number.split("."))))
    for index, number in enumerate(ordered):
        assert squash(f"Answer {number}:") in pages[forward[number]], f"the link under Exercise {number} misses its answer"
        source, target = back[number]
        # The back link closes its answer: on the answer's first page or a later one, before the next answer starts
        # (an answer with a listing can run over several pages).
        next_start = forward[ordered[index + 1]] if index + 1 < len(ordered) else len(pages)
        assert forward[number] <= source <= next_start, f"Answer {number}'s back link is elsewhere"
        assert squash(f"Exercise {number}:") in pages[target], f"Answer {number} links back to the wrong page"


def test_exercises_are_numbered_once_by_chapter(book):
    text = " ".join(pdf_text(book.pdf).split())
    assert re.findall(r"\d+\.\d+\.\d+\s+(?:Exercise|\d+\.)", text) == [], "an exercise heading carries a section number too"
    for index, chapter in enumerate(solution_passages(), start=1):
        assert len(re.findall(rf"Exercise {index}\.[1-6]: ", text)) >= 6, f"{chapter}'s exercises are not titled Exercise {index}.N"



def test_the_html_page_contents_name_exercises_as_the_page_does(book):
    """"On this page" is built from titles read before chapter numbers exist; it must not say "1. Title"."""
    for chapter in CHAPTERS:
        page = BeautifulSoup((book.html / chapter.relative_to(ROOT / "book")).with_suffix(".html").read_text(encoding="utf-8"), "html.parser")
        headings = [h.get_text(" ", strip=True).rstrip("#").strip() for h in page.select("section h3")]
        entries = [a.get_text(" ", strip=True) for a in page.select("#pst-page-toc-nav a")]
        exercise_headings = [h for h in headings if re.match(r"Exercise \d+\.[1-6]: ", h)]
        assert len(exercise_headings) == 6, f"{chapter.name}: {headings}"
        assert [e for e in entries if re.match(r"(Exercise \d+\.)?[1-6][.:] ", e)] == exercise_headings, f"{chapter.name}: {entries}"

# -- The instructor edition ------------------------------------------------------------------------------------------


def test_the_instructor_pdf_has_every_answer_inline_and_every_chapters_teaching_notes(book, instructor_pdf):
    text = squash(body_text(instructor_pdf))
    part = text.find(squash(ANSWERS_INTRO))
    assert part > 0
    for chapter, passages in solution_passages().items():
        for passage in passages:
            assert 0 <= text.find(passage) < part and text.count(passage) == 1, f"{chapter}: answer not inline: {passage}"
    for chapter, passages in teaching_passages().items():
        for passage in passages:
            assert 0 <= text.find(passage) < part, f"{chapter}: teaching note missing: {passage}"
    bookmarks = outline_titles(PdfReader(instructor_pdf))
    assert sum(title.endswith("Teaching notes") for title in bookmarks) == len(CHAPTERS), "a bookmark for each chapter's notes"


# -- Front matter ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("edition", ["student", "instructor"])
def test_the_title_page_names_the_edition_and_the_date_and_never_a_release(book, edition, request):
    pdf = book.pdf if edition == "student" else request.getfixturevalue("instructor_pdf")
    date = datetime.datetime.fromtimestamp(reproducible.source_date_epoch(), tz=datetime.UTC)
    front = " ".join(subprocess.run(["pdftotext", "-l", "3", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert f"{edition.capitalize()} edition {date.strftime('%B %Y')}" in front
    assert f"Built on {date.day} {date.strftime('%B %Y')} from source revision " in front
    assert "All rights reserved" in front
    assert "Release" not in front and not re.search(r"Release\s+\d{4}", pdf_text(pdf)), "Sphinx's release number is printed"
    cover = PdfReader(pdf).pages[0]
    assert "/XObject" in cover["/Resources"], "the first page is the cover image"



GOALS = "What you will be able to do"


def goals_box(chapter: Path) -> str:
    boxes = re.findall(rf"^:::\{{admonition\}} {GOALS}\n:class: chapter-goals\n(.*?)^:::\s*$", chapter.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert len(boxes) == 1, f"{chapter.name}: {len(boxes)} boxes of learning goals (one, with :class: chapter-goals)"
    return boxes[0]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_each_chapter_opens_with_three_to_six_learning_goals(chapter):
    box = goals_box(chapter)
    assert box in chapter.read_text(encoding="utf-8").split("\n## ", 1)[0], "the goals come before the first section"
    assert 3 <= len(re.findall(r"^- \S", box, flags=re.M)) <= 6


def test_the_pdf_opens_each_chapter_with_its_goals(book):
    """The chapter's title, the goals box and its first goal share the chapter's opening page."""
    pages = [squash(page) for page in pdf_text(book.pdf).split("\f")]
    for chapter in CHAPTERS:
        title = re.search(r"^# (.+)$", chapter.read_text(encoding="utf-8"), flags=re.M).group(1)
        first_goal = re.sub(r"\{[a-z]+\}`([^`<]*?)\s*(<[^>]*>)?`", r"\1", re.search(r"^- (.+)$", goals_box(chapter), flags=re.M).group(1))
        wanted = (squash(title), squash(GOALS), squash(first_goal)[:40])
        assert any(all(part in page for part in wanted) for page in pages), f"{chapter.name}: no page opens with {wanted}"

# -- The print edition -----------------------------------------------------------------------------------------------


def left_edges(pdf: Path) -> dict[int, float]:
    """{page index: the leftmost x of its body text}, for pages with at least 20 words of body text."""
    box = PdfReader(pdf).pages[-1].mediabox
    layout = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    edges = {}
    for index, page in enumerate(layout.split("<page ")[1:]):
        words = [(float(x), float(y)) for x, y in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"', page)]
        body = [x for x, y in words if 72 < y < float(box.height) - 72]  # below the running head, above the folio
        if len(body) >= 20:
            edges[index] = min(body)
    return edges


def test_the_print_edition_is_a_two_sided_trade_book(print_pdf):
    reader = PdfReader(print_pdf)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (504, 666), "7 x 9.25 in is 504 x 666 pt"
    edges = left_edges(print_pdf)
    # Page indexes from 0: an even index is a right-hand page (the title page is page 1, a recto).
    right = sorted(x for index, x in edges.items() if index % 2 == 0)
    left = sorted(x for index, x in edges.items() if index % 2 == 1)
    assert right[len(right) // 2] == pytest.approx(0.875 * 72, abs=1.5), "the inner margin of a right-hand page"
    assert left[len(left) // 2] == pytest.approx(0.625 * 72, abs=1.5), "the outer margin of a left-hand page"


def test_print_chapters_open_on_right_hand_pages(print_pdf):
    reader = PdfReader(print_pdf)
    wrong = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            elif depth <= 1 and reader.get_destination_page_number(item) % 2:
                wrong.append(item.title)

    walk(reader.outline, 0)
    assert wrong == [], f"parts and chapters that open on a left-hand page: {wrong}"


def test_print_links_are_black_and_unboxed_and_fonts_embedded(print_pdf):
    reader = PdfReader(print_pdf)
    links = [a.get_object() for page in reader.pages for a in page.get("/Annots") or [] if a.get_object().get("/Subtype") == "/Link"]
    assert len(links) > 100, "the print PDF keeps its links (for proofs on screen)"
    assert all([float(v) for v in link.get("/Border", [0, 0, 1])][2] == 0 for link in links), "a link is boxed"
    fonts = subprocess.run(["pdffonts", str(print_pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), "a font is not embedded"
    assert "Answer 1.1:" in pdf_text(print_pdf) and "/XObject" not in reader.pages[0]["/Resources"], "no cover page in print"
