"""`nox -s bench`: how long each format takes cold, rebuilt with nothing changed, and after editing one chapter,
and how many figures each of those builds rendered. Timings are printed, never asserted.

Runs on a copy of book/ and slides/ in a scratch folder with its own figure cache, so the real build and cache are
untouched. Usage: python -m bookext.bench [--formats html,epub,pdf,slides] [--keep]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bookext import figure_cache, publish

CHAPTER = Path("m0-fundamentals", "capacity-planning.md")
EDIT = "\n\nA sentence added by the benchmark, to measure an incremental build.\n"


def quiet_run(command: list) -> None:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def build(fmt: str, build_dir: Path, book: Path, slides: Path, settings: dict) -> None:
    if fmt == "html":
        publish.build_html(quiet_run, build_dir, source=book, settings=settings)
    elif fmt == "epub":
        publish.build_epub(quiet_run, build_dir, source=book, settings=settings)
    elif fmt == "pdf":
        publish.build_pdf(quiet_run, build_dir, source=book, settings=settings)
    elif fmt == "slides":
        publish.build_slides(quiet_run, build_dir, source=slides, settings=settings)


def measure(fmt: str, scratch: Path) -> list[tuple[str, float, int]]:
    book, slides = scratch / fmt / "book", scratch / fmt / "slides"
    shutil.copytree(publish.ROOT / "book", book)
    shutil.copytree(publish.ROOT / "slides", slides)
    build_dir, log = scratch / fmt / "build", scratch / fmt / "renders.jsonl"
    settings = {"figures_cache_dir": str(scratch / fmt / "figure-cache")}
    os.environ[figure_cache.RENDER_LOG_ENV] = str(log)
    rows = []
    for step in ("cold", "no-op", "one-chapter edit"):
        if step == "one-chapter edit":
            edited = (slides / "m0-fundamentals.md") if fmt == "slides" else (book / CHAPTER)
            edited.write_text(edited.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
        before = len(log.read_text().splitlines()) if log.exists() else 0
        start = time.perf_counter()
        build(fmt, build_dir, book, slides, settings)
        elapsed = time.perf_counter() - start
        renders = (len(log.read_text().splitlines()) if log.exists() else 0) - before
        rows.append((step, elapsed, renders))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default="html,epub,pdf,slides")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="book-bench-"))
    print(f"{'format':8} {'build':18} {'seconds':>8} {'figures rendered':>17}")
    try:
        for fmt in args.formats.split(","):
            rows = measure(fmt, scratch)
            for step, seconds, renders in rows:
                print(f"{fmt:8} {step:18} {seconds:8.1f} {renders:17d}", flush=True)
            cold, noop, edit = (seconds for _, seconds, _ in rows)
            print(f"{fmt:8} {'ratios':18} cold/no-op {cold / noop:5.1f}x   cold/edit {cold / edit:5.1f}x", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
