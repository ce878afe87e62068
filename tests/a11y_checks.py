"""The readers' accessibility checkers, run on built artifacts: DAISY Ace (ePub), axe-core (HTML pages and slides, in
Chromium) and the Nu HTML checker (vnu.jar on the JRE). Each returns a list of findings, one line each, naming the
document and the rule, so a failing test prints exactly what to fix.

Also a command line for checking a build by hand without the test suite's full build:

    .venv/bin/python tests/a11y_checks.py ace  BOOK.epub
    .venv/bin/python tests/a11y_checks.py axe  FOLDER_OR_FILE...   (decks: every slide)
    .venv/bin/python tests/a11y_checks.py vnu  FOLDER_OR_FILE...
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
ACE = NODE_MODULES / "@daisy" / "ace-cli" / "bin" / "ace.js"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Ace's impacts that fail the book (EPUB Accessibility 1.1 via Ace: "minor" findings are best-practice advice).
ACE_FAILING = ("critical", "serious", "moderate")


def ace(epub: Path, chromium: str) -> tuple[list[str], dict]:
    """Run DAISY Ace once on the ePub; return the failing findings and its report."""
    with tempfile.TemporaryDirectory(prefix="ace-") as out:
        env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium, "PUPPETEER_SKIP_DOWNLOAD": "1"}
        result = subprocess.run(
            ["node", str(ACE), "--force", "--silent", "--outdir", out, "--tempdir", str(Path(out, "tmp")), str(epub)],
            capture_output=True, text=True, env=env, cwd=ROOT,
        )
        report_file = Path(out, "report.json")
        if not report_file.is_file():
            raise RuntimeError(f"Ace wrote no report ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
        report = json.loads(report_file.read_text(encoding="utf-8"))
    findings = []
    for document in report.get("assertions", []):
        name = document["earl:testSubject"]["url"]
        for assertion in document.get("assertions", []):
            test, outcome = assertion["earl:test"], assertion["earl:result"]
            if test["earl:impact"] in ACE_FAILING:
                where = ", ".join(outcome.get("earl:pointer", {}).get("css", [])[:2])
                findings.append(f"{name}: {test['earl:impact']} {test['dct:title']} {where} {outcome.get('dct:description', '')[:160]}".rstrip())
    return findings, report


def ace_summary(report: dict) -> str:
    counts: dict[str, int] = {}
    for document in report.get("assertions", []):
        for assertion in document.get("assertions", []):
            impact = assertion["earl:test"]["earl:impact"]
            counts[impact] = counts.get(impact, 0) + 1
    parts = ", ".join(f"{counts.get(impact, 0)} {impact}" for impact in ("critical", "serious", "moderate", "minor"))
    return f"Ace: {sum(counts.values())} violations ({parts}); metadata missing: {report.get('a11y-metadata', {}).get('missing')}"


# One exception, and only for these nodes: axe's empty-table-header (a "best practice" rule, impact minor) counts only
# visible text, so a header cell whose name is a formula (`| $k$ | ...`) looks empty to it, although MathJax gives the
# formula to screen readers as MathML ("k"). Such cells are not reported; every other node of that rule is.
_AXE_RUN = """async (context) => {
    const result = await axe.run(context ? document.querySelector(context) : document, {preload: false});
    const namedByMath = (n) => {
        const cell = document.querySelector(n.target.join(" "));
        return cell && cell.querySelector("mjx-container") && cell.textContent.trim() !== "";
    };
    return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.filter((n) => !(v.id === "empty-table-header" && namedByMath(n))).map((n) => n.target.join(" "))}))
        .filter((v) => v.nodes.length > 0);
}"""

_SLIDES = """() => Reveal.getSlides().map((slide, number) => {
    const {h, v} = Reveal.getIndices(slide);
    if (!slide.id) slide.id = `axe-slide-${number}`;
    return {h, v: v || 0, id: slide.id};
})"""


def _short(url: str) -> str:
    """The last two parts of a page's path: enough to find it (m0-fundamentals/index.html), short enough to read."""
    return "/".join(Path(url).parts[-2:])


def _pages(targets: list[Path], suffix: str = ".html") -> list[Path]:
    pages = []
    for target in targets:
        pages += sorted(target.rglob(f"*{suffix}")) if target.is_dir() else [target]
    return [page for page in pages if "_static" not in page.parts]


def is_deck(page: Path) -> bool:
    return "Reveal.initialize" in page.read_text(encoding="utf-8", errors="replace")


def axe(chromium_browser, targets: list[Path]) -> tuple[list[str], int]:
    """axe-core on every page (each in a fresh context: the theme keeps state in localStorage); on a deck, on the
    whole deck at its first slide and then on each further slide as reveal.js shows it. Returns findings and the number
    of pages and slides checked."""
    findings, checked = [], 0
    for page_file in _pages(targets):
        context = chromium_browser.new_context()
        try:
            page = context.new_page()
            page.goto(page_file.resolve().as_uri(), wait_until="load")
            page.add_script_tag(path=str(AXE))
            if is_deck(page_file):
                page.wait_for_function("() => window.Reveal && Reveal.isReady()")
                slides = page.evaluate(_SLIDES)
                for number, slide in enumerate(slides):
                    page.evaluate(f"() => Reveal.slide({slide['h']}, {slide['v']})")
                    page.wait_for_timeout(50)
                    selector = None if number == 0 else f"#{slide['id']}"
                    for violation in page.evaluate(_AXE_RUN, selector):
                        findings.append(f"{_short(str(page_file))} slide {number + 1}: {violation['impact']} {violation['id']} ({violation['help']}) at {violation['nodes'][:3]}")
                    checked += 1
            else:
                page.wait_for_load_state("networkidle")
                for violation in page.evaluate(_AXE_RUN, None):
                    findings.append(f"{_short(str(page_file))}: {violation['impact']} {violation['id']} ({violation['help']}) at {violation['nodes'][:3]}")
                checked += 1
        finally:
            context.close()
    return findings, checked


def vnu(targets: list[Path]) -> tuple[list[str], int]:
    """The Nu HTML checker once over every HTML file; returns its errors (not warnings or info) and the file count."""
    files = _pages(targets)
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--errors-only", *map(str, files)], capture_output=True, text=True
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}').get("messages", [])
    findings = [
        f"{_short(m.get('url', ''))}:{m.get('lastLine', '?')}: {m.get('type')} {m.get('message', '')[:200]}"
        for m in messages
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    return findings, len(files)


def _main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from bookext import browser as book_browser

    command, targets = argv[0], [Path(a) for a in argv[1:]]
    if command == "ace":
        findings, report = ace(targets[0], book_browser.find())
        print(*findings, sep="\n")
        print(ace_summary(report))
    elif command == "axe":
        from conftest import CHROMIUM_ARGS
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=book_browser.find(), args=CHROMIUM_ARGS)
            findings, checked = axe(chromium, targets)
            chromium.close()
        print(*findings, sep="\n")
        print(f"axe: {len(findings)} violations on {checked} pages and slides")
    elif command == "vnu":
        findings, checked = vnu(targets)
        print(*findings, sep="\n")
        print(f"vnu: {len(findings)} errors in {checked} files")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(_main(sys.argv[1:]))
