"""Issue 11: the ePub, the HTML book and the decks pass the checkers that publishers and universities use.

- DAISY Ace on the ePub (once): no critical, serious or moderate violation, and the EPUB Accessibility metadata present;
- axe-core in Chromium on every HTML page and every slide of every deck: no violation at all;
- the Nu HTML checker (vnu.jar) over every HTML page and deck (one run): no error.

Each failure lists the document and the rule. The checkers live in tests/a11y_checks.py, which can also run them by hand
on a scratch build.
"""
from __future__ import annotations

import re
import shutil

import a11y_checks
import pytest

from bookext import browser as book_browser

REQUIRED_METADATA = (
    "schema:accessMode", "schema:accessibilityFeature", "schema:accessibilityHazard", "schema:accessibilitySummary",
    "schema:accessModeSufficient", "dcterms:conformsTo",
)


def _needs(path) -> None:
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `npm ci` in the repository root (package-lock.json pins it)")


def test_epub_passes_ace(book):
    _needs(a11y_checks.ACE)
    findings, report = a11y_checks.ace(book.epub, book_browser.find())
    print(a11y_checks.ace_summary(report))
    assert not findings, "DAISY Ace on the ePub:\n" + "\n".join(findings)
    missing = [name for name in REQUIRED_METADATA if name in report.get("a11y-metadata", {}).get("missing", [])]
    assert not missing, f"the ePub lacks EPUB Accessibility metadata: {missing}"


def test_epub_documents_declare_their_language(book):
    for name, data in book.epub_files().items():
        if name.endswith(".xhtml"):
            html_tag = re.search(rb"<html\b[^>]*>", data).group(0)
            assert b'lang="en"' in html_tag and b'xml:lang="en"' in html_tag, f"{name}: {html_tag!r}"


def test_epub_math_is_spoken_not_tex(book):
    """A formula's alt text is what a screen reader says: words from MathJax's speech rule engine, never TeX."""
    alts = []
    for name, data in book.epub_files().items():
        if name.endswith(".xhtml"):
            alts += [(name, alt) for alt in re.findall(r'<img class="math"[^>]*\balt="([^"]*)"', data.decode("utf-8"))]
    assert alts, "the ePub has no math images: has bookext.mathsvg stopped typesetting the ePub's math?"
    bad = [(name, alt) for name, alt in alts if not alt.strip() or "\\" in alt or re.search(r"[_^{}]", alt)]
    assert not bad, f"math alt text that is TeX, not speech: {bad[:10]}"


def test_epub_claims_only_what_it_has(book):
    """accessibilityFeature alternativeText is declared only if every image has alt text, index only with an index."""
    files = book.epub_files()
    opf = files["content.opf"].decode("utf-8")
    images = [tag for name, data in files.items() if name.endswith(".xhtml") for tag in re.findall(r"<img\b[^>]*>", data.decode("utf-8"))]
    undescribed = [tag for tag in images if not re.search(r'\salt="[^"]*\S[^"]*"', tag)]
    if "alternativeText" in opf:
        assert not undescribed, f"the ePub declares alternativeText, but these images have no alt text: {undescribed[:5]}"
    assert ("<meta property=\"schema:accessibilityFeature\">index</meta>" in opf) == any(n.startswith("genindex") for n in files)


def test_html_and_decks_pass_axe(book, browser):
    _needs(a11y_checks.AXE)
    findings, checked = a11y_checks.axe(browser.chromium, [book.html, book.slides])
    print(f"axe: {len(findings)} violations on {checked} pages and slides")
    assert checked > 20
    assert not findings, "axe-core:\n" + "\n".join(findings)


@pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime: install default-jre-headless")
def test_html_and_decks_pass_the_nu_checker(book):
    _needs(a11y_checks.VNU)
    findings, checked = a11y_checks.vnu([book.html, book.slides])
    print(f"vnu: {len(findings)} errors in {checked} files")
    assert not findings, "Nu HTML checker:\n" + "\n".join(findings)
