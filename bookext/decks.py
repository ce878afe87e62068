"""After the decks are built: print each to PDF (deck and handout) and write the decks' index page.

Standard library only (the noxfile imports it). PDFs are printed by `slides_pdf.mjs` in one Chromium, and only for
decks whose HTML or style changed since the last print.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import subprocess
from pathlib import Path

from bookext import browser, reproducible

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def deck_title(deck_html: Path) -> str:
    match = re.search(r"<title>(.*?)</title>", deck_html.read_text(encoding="utf-8"), re.S)
    return html.unescape(match.group(1)).strip() if match else deck_html.stem


def _fingerprint(deck_html: Path) -> str:
    digest = hashlib.sha256(deck_html.read_bytes())
    for asset in sorted((deck_html.parent / "_static").glob("*.css")):
        digest.update(asset.read_bytes())
    digest.update((HERE / "slides_pdf.mjs").read_bytes())
    return digest.hexdigest()


def print_decks(staging: Path, deck_names: list[str]) -> dict[str, int]:
    """Print every deck whose inputs changed; return each deck's slide count."""
    stamps_file = staging / ".pdf-stamps.json"
    stamps = json.loads(stamps_file.read_text()) if stamps_file.exists() else {}
    jobs = []
    for name in deck_names:
        deck = staging / f"{name}.html"
        stamp = stamps.get(name, {})
        outputs = (staging / f"{name}.pdf", staging / f"{name}-handout.pdf")
        if stamp.get("fingerprint") == _fingerprint(deck) and all(p.exists() for p in outputs):
            continue
        jobs.append({"html": str(deck), "pdf": str(outputs[0]), "handout": str(outputs[1])})
    if jobs:
        result = subprocess.run(
            ["node", str(HERE / "slides_pdf.mjs")], input=json.dumps(jobs), capture_output=True, text=True, cwd=ROOT,
            env=browser.node_environment(),
        )
        if result.returncode != 0:
            raise RuntimeError(f"printing the decks to PDF failed:\n{result.stderr[-4000:]}")
        epoch = reproducible.source_date_epoch()
        for printed in json.loads(result.stdout.strip().splitlines()[-1]):
            name = Path(printed["html"]).stem
            for pdf in (staging / f"{name}.pdf", staging / f"{name}-handout.pdf"):
                reproducible.stamp_chromium_pdf(pdf, epoch)  # Chromium writes the wall-clock time
            stamps[name] = {"fingerprint": _fingerprint(Path(printed["html"])), "slides": printed["slides"]}
        stamps_file.write_text(json.dumps(stamps, indent=2))
    return {name: stamps[name]["slides"] for name in deck_names}


def write_index(slides_dir: Path, decks: list[dict], title: str) -> Path:
    """`index.html`: every deck with its PDF and handout, as a plain page that needs no script."""
    rows = "\n".join(
        f'<li><a href="{html.escape(d["html"])}">{html.escape(d["title"])}</a> — {d["slides"]} slides · '
        f'<a href="{html.escape(d["pdf"])}">PDF</a> · <a href="{html.escape(d["handout"])}">handout with notes (PDF)</a></li>'
        for d in decks
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lecture decks — {html.escape(title)}</title>
<style>body{{font-family:"DejaVu Sans",sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#222;line-height:1.5}}
a{{color:#0072B2}}li{{margin:.6rem 0}}</style></head>
<body><main><h1>Lecture decks</h1>
<p>{html.escape(title)}: one deck per module and per case study. Open a deck and press <kbd>S</kbd> for the presenter
view with speaker notes. Each deck has a PDF with one page per slide and a handout with each slide's notes.</p>
<ul>
{rows}
</ul>
<p><a href="../html/index.html">The book (HTML)</a></p>
</main></body></html>
"""
    index = slides_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    (slides_dir / "decks.json").write_text(json.dumps(decks, indent=2), encoding="utf-8")
    return index
