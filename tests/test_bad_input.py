"""Bad input stops the build with the file and line, and a failed build never replaces the last good artifact."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import own_folders, run_checked, sphinx_build

from bookext import browser, publish

GOOD = "# A small book\n\nSome text.\n"


def assert_fails_at(result, filename: str, line: int, *fragments: str) -> None:
    assert result.returncode != 0, "the build should fail"
    output = result.stderr + result.stdout
    assert re.search(rf"{re.escape(filename)}:{line}: (WARNING|ERROR)", output), output
    for fragment in fragments:
        assert fragment in output, output


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_broken_cross_reference_names_file_and_line(project):
    source = project({"index.md": "# Title\n\nSee {ref}`no-such-label` here.\n"})
    assert_fails_at(sphinx_build(source), "index.md", 3, "no-such-label")


def test_missing_image_names_file_and_line(project):
    source = project({"index.md": "# Title\n\n```{figure} missing.png\n:alt: nothing\n\nCaption.\n```\n"})
    assert_fails_at(sphinx_build(source), "index.md", 3, "missing.png")


def test_malformed_directive_names_file_and_line(project):
    source = project({"index.md": "# Title\n\nText.\n\n```{figure} x.png\n:widht: 50%\n\nCaption.\n```\n"})
    assert_fails_at(sphinx_build(source), "index.md", 5, "widht")


def test_unknown_directive_names_file_and_line(project):
    source = project({"index.md": "# Title\n\n```{no-such-directive}\nbody\n```\n"})
    assert_fails_at(sphinx_build(source), "index.md", 3, "no-such-directive")


def test_failed_build_keeps_the_last_good_artifact_and_forgets_its_environment(project, tmp_path):
    source = project({"index.md": GOOD})
    build_dir = tmp_path / "build"
    settings = own_folders(build_dir)
    published = publish.build_html(run_checked, build_dir, source=source, settings=settings)
    before = (published / "index.html").read_bytes()
    (source / "index.md").write_text("# A small book\n\nSee {ref}`missing`.\n")
    with pytest.raises(AssertionError, match=r"index.md:3"):
        publish.build_html(run_checked, build_dir, source=source, settings=settings)
    assert (published / "index.html").read_bytes() == before, "the failed build replaced the published page"
    assert not (build_dir / ".doctrees" / "html" / "environment.pickle").exists()
    # Unchanged source, second attempt: the warning is reported again instead of being skipped as up to date.
    with pytest.raises(AssertionError, match=r"index.md:3"):
        publish.build_html(run_checked, build_dir, source=source, settings=settings)


# -- The other formats' gates: epubcheck, LaTeX errors and missing glyphs, deck printing ------------------------------
# Each test publishes a good small book, breaks its source (a format whose inputs are unchanged is not rebuilt at all,
# bookext/uptodate.py), and checks that the failed build says what is wrong and leaves the published artifact as it was.


def test_an_epub_that_fails_epubcheck_is_not_published(project, tmp_path):
    source = project({"index.md": GOOD})
    build_dir = tmp_path / "build"
    settings = own_folders(build_dir)
    published = publish.build_epub(run_checked, build_dir, source=source, settings=settings)
    before = published.read_bytes()
    # Sphinx copies raw HTML into the ePub unchecked; XHTML 5 has no <marquee>, so only epubcheck can stop it.
    (source / "index.md").write_text(GOOD + "\n<marquee>Breaking news</marquee>\n")
    with pytest.raises(AssertionError, match=r'ERROR\(RSC-005\): \S+/index\.xhtml\(\d+,\d+\): .*element "marquee" not allowed'):
        publish.build_epub(run_checked, build_dir, source=source, settings=settings)
    assert published.read_bytes() == before, "an ePub that failed epubcheck replaced the published one"
    assert not (build_dir / ".doctrees" / "epub" / "environment.pickle").exists()


def test_a_pdf_whose_latex_fails_is_not_published(project, tmp_path):
    source = project({"index.md": GOOD})
    build_dir = tmp_path / "build"
    settings = own_folders(build_dir)
    published = publish.build_pdf(run_checked, build_dir, source=source, settings=settings)
    before = published.read_bytes()
    (source / "index.md").write_text(GOOD + "\n```{raw} latex\n\\nosuchmacro\n```\n")
    with pytest.raises(AssertionError) as failure:
        publish.build_pdf(run_checked, build_dir, source=source, settings=settings)
    tex = (build_dir / ".staging" / "latex" / "system-design.tex").read_text(encoding="utf-8").splitlines()
    line = tex.index("\\nosuchmacro") + 1
    assert f"system-design.tex:{line}: Undefined control sequence." in str(failure.value), "the error names the .tex line"
    assert published.read_bytes() == before, "a PDF whose LaTeX failed replaced the published one"
    assert not (build_dir / ".doctrees" / "latex" / "environment.pickle").exists()


def test_a_pdf_that_lacks_a_glyph_is_not_published(project, tmp_path):
    source = project({"index.md": GOOD})
    build_dir = tmp_path / "build"
    settings = own_folders(build_dir)
    published = publish.build_pdf(run_checked, build_dir, source=source, settings=settings)
    before = published.read_bytes()
    # DejaVu has no CJK ideographs: xelatex leaves a blank, logs "Missing character" and still exits 0.
    (source / "index.md").write_text(GOOD + "\nThe character for Han, 漢, in a sentence.\n")
    with pytest.raises(publish.LatexLogError, match=r"system-design\.log: the PDF would lack glyphs:\nMissing character: There is no 漢 \(U\+6F22\)"):
        publish.build_pdf(run_checked, build_dir, source=source, settings=settings)
    assert published.read_bytes() == before, "a PDF with a missing glyph replaced the published one"
    assert not (build_dir / ".doctrees" / "latex" / "environment.pickle").exists()


@pytest.fixture
def broken_browser(tmp_path, monkeypatch):
    """Point BOOK_CHROMIUM at a program that cannot start a browser; returns the function that does so."""
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\necho 'this browser cannot start' >&2\nexit 1\n")
    fake.chmod(0o755)

    def use() -> None:
        monkeypatch.setenv(browser.ENVIRONMENT_VARIABLE, str(fake))
        browser.find.cache_clear()  # find() remembers its answer for the whole process

    yield use
    browser.find.cache_clear()  # later tests find the real browser again


DECK = "# A small deck\n\n## The first slide\n\n- {point}\n"


def test_decks_that_fail_to_print_are_not_published(project, tmp_path, broken_browser):
    source = project({"course-overview.md": DECK.format(point="a point")})  # conf.py's root document for decks
    build_dir = tmp_path / "build"
    settings = own_folders(build_dir)
    published = publish.build_slides(run_checked, build_dir, source=source, settings=settings)
    before = folder_bytes(published)
    assert {"course-overview.html", "course-overview.pdf", "course-overview-handout.pdf", "index.html"} <= set(before)
    # A changed deck must be printed again (decks.print_decks skips decks whose HTML is unchanged).
    (source / "course-overview.md").write_text(DECK.format(point="a changed point"))
    broken_browser()
    with pytest.raises(RuntimeError, match=r"(?s)printing the decks to PDF failed:.*this browser cannot start"):
        publish.build_slides(run_checked, build_dir, source=source, settings=settings)
    assert folder_bytes(published) == before, "decks that failed to print replaced the published slides folder"
    assert not (build_dir / ".doctrees" / "slides" / "environment.pickle").exists()


# -- The HTML's sidebar links what is published next to it --------------------------------------------------------

CHAPTERS = {
    "index.md": "# A small book\n\n```{toctree}\none\ntwo\n```\n",
    "one.md": "# One\n\nText.\n",
    "two.md": "# Two\n\nText.\n",
}


def sidebar_links(html: Path) -> dict[str, list[tuple[str, str]]]:
    """Every page's sidebar download and deck links, as (text, href)."""
    links = {}
    for page in sorted(html.glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        links[page.name] = [(a.get_text(strip=True), a["href"]) for nav in soup.select("nav.book-downloads") for a in nav.select("a")]
    return links


def test_every_page_is_rewritten_when_the_sidebar_links_change(project, tmp_path):
    """The HTML is built before (`nox -s html`) and after (`nox -s build`) a PDF and decks are published next to it:
    Sphinx would rewrite only changed pages, so unchanged chapters would keep a sidebar without the new links."""
    source = project(CHAPTERS)
    build_dir = tmp_path / "build"
    settings = own_folders(build_dir)
    html = publish.build_html(run_checked, build_dir, source=source, settings=settings)
    pages = ["genindex.html", "index.html", "one.html", "search.html", "two.html"]
    assert sidebar_links(html) == dict.fromkeys(pages, [])

    pdf = build_dir / "pdf" / "system-design.pdf"
    pdf.parent.mkdir()
    pdf.write_bytes(b"%PDF-1.4\n" + b"%" * 200_000)  # not a real PDF: the sidebar only links it and shows its size
    publish.build_html(run_checked, build_dir, source=source, settings=settings)
    assert sidebar_links(html) == dict.fromkeys(pages, [("PDF (0.2 MB)", "_downloads/book/system-design.pdf")])
    assert (html / "_downloads" / "book" / "system-design.pdf").read_bytes() == pdf.read_bytes()

    (build_dir / "slides").mkdir()
    (build_dir / "slides" / "index.html").write_text("<!DOCTYPE html><title>Lecture decks</title>\n")
    pdf.write_bytes(b"%PDF-1.4\n" + b"%" * 1_300_000)  # a bigger PDF: its size in the link changes too
    publish.build_html(run_checked, build_dir, source=source, settings=settings)
    expected = [("PDF (1.3 MB)", "_downloads/book/system-design.pdf"), ("Lecture decks (reveal.js, PDF)", "../slides/index.html")]
    assert sidebar_links(html) == dict.fromkeys(pages, expected)


# -- Math: a TeX error, or a dollar sign meant as money, fails at the formula's file:line -----------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("The bound is $\\frac{1}{\\nosuchmacro}$ here.\n", "Undefined control sequence \\nosuchmacro"),
        ("$$\n\\frac{1}{2\n$$\n", "Missing close brace"),
    ],
    ids=["undefined-macro-inline", "missing-brace-display"],
)
def test_a_tex_error_in_a_formula_names_file_and_line(project, text, message):
    source = project({"index.md": "# Title\n\nText.\n\n" + text})
    assert_fails_at(sphinx_build(source), "index.md", 5, message, "[math.tex]")


def test_inline_math_deep_in_a_paragraph_is_located_at_its_own_line(project):
    """docutils gives inline math its paragraph's first line; the error names the line the formula is on."""
    paragraph = "A paragraph that starts here,\ngoes on with $x^2$ that is fine,\nand then $\\frac{1}{\\nosuchmacro}$ breaks.\n"
    source = project({"index.md": "# Title\n\nText.\n\n" + paragraph})
    assert_fails_at(sphinx_build(source), "index.md", 7, "Undefined control sequence \\nosuchmacro", "[math.tex]")


@pytest.mark.parametrize(
    "text, message",
    [
        ("The small plan costs $5 a month and the large plan costs $20 a month.\n", "reads like prose"),
        ("A coupon of $5 gives 10% off, then $3 more.\n", "contains an unescaped %"),
    ],
    ids=["prose-between-prices", "percent-between-prices"],
)
def test_a_dollar_sign_meant_as_money_names_file_and_line(project, text, message):
    source = project({"index.md": "# Title\n\nText.\n\n" + text})
    assert_fails_at(sphinx_build(source), "index.md", 5, message, "Write \\$", "[math.prose]")
    wrapped = project({"index.md": "# Title\n\nText.\n\nA first line of prose\nthat goes on. " + text})
    assert_fails_at(sphinx_build(wrapped), "index.md", 6, message, "Write \\$", "[math.prose]")


UNCLOSED_AT_END = """# Title

## Worked example

:::{admonition} Worked example: a sum
:class: worked-example
1 + 1 = 2.

## Further reading

The section MyST would otherwise swallow into the box above.
"""


def test_an_unclosed_fence_that_swallows_a_section_names_its_opening_line(project):
    source = project({"index.md": UNCLOSED_AT_END})
    assert_fails_at(sphinx_build(source), "index.md", 5, "contains the heading on line 9", "closing ::: missing")


def test_a_fence_open_at_end_of_file_names_its_opening_line(project):
    text = "# Title\n\nText.\n\n```{note}\nThe note, and nothing closes it.\n"
    assert_fails_at(sphinx_build(project({"index.md": text})), "index.md", 5, "never closed")


def test_closed_and_nested_fences_pass(project):
    text = (
        "# Title\n\n::::{note}\n:::{tip}\nInner.\n:::\n\n```python\n# a comment, not a heading\n:::\n```\n::::\n\n"
        "## Next section\n\nText.\n"
    )
    result = sphinx_build(project({"index.md": text}))
    assert result.returncode == 0, result.stderr


def test_an_unknown_slide_layout_names_file_and_line(project):
    source = project({"course-overview.md": "# Deck\n\nIntro.\n\n## A slide\n\n```{layout} sideways\n```\n\n- a point\n"})
    assert_fails_at(sphinx_build(source, "revealjs", tags=("slides",)), "course-overview.md", 7, "unknown slide layout 'sideways'", "figure-bullets")
