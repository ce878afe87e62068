"""Build each format into a staging folder and publish it into _build/ only when the whole build succeeded.

Standard library only, so the noxfile and the tests share it. A failed build leaves the last good artifact where it
was, and forgets its environment so that the next build reads every document again and reports every warning again
(Sphinx otherwise skips unchanged documents, and with them their warnings).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from bookext import reproducible, uptodate

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
FIGURE_CACHE = BUILD / ".figure-cache"  # conf.py's figures_cache_dir

Runner = Callable[..., object]  # subprocess.check_call, or a nox session's run


def sphinx_build_command(
    builder: str, source: Path, out: Path, doctrees: Path, tags: Sequence[str] = (), settings: dict[str, str] | None = None
) -> list[str]:
    command = [
        "sphinx-build",
        "--builder", builder,
        "--conf-dir", str(ROOT),  # one conf.py for every format
        "--doctree-dir", str(doctrees),  # per builder, outside the published output
        "--nitpicky",  # every unresolved reference is a warning ...
        "--fail-on-warning",  # ... and every warning fails the build,
        "--keep-going",  # after reporting all of them, each with its file:line
        "--quiet",
    ]
    for tag in tags:
        command += ["--tag", tag]
    for name, value in (settings or {}).items():
        command += ["--define", f"{name}={value}"]
    return command + [str(source), str(out)]


class Build:
    """Paths for one format: a staging folder the builder owns, and doctrees kept for incremental rebuilds."""

    def __init__(self, name: str, build_dir: Path = BUILD, settings: dict[str, str] | None = None):
        self.name = name
        self.build_dir = build_dir
        self.settings = settings or {}
        self.staging = build_dir / ".staging" / name
        self.doctrees = build_dir / ".doctrees" / name

    def sphinx(self, run: Runner, builder: str, source: Path, tags: Sequence[str] = ()) -> None:
        # The HTML links the PDF and ePub published in this build folder (bookext.offline).
        settings = {"offline_artifacts_dir": str(self.build_dir), **self.settings}
        reproducible.set_environment()  # every date the build writes is the last commit's
        try:
            run(sphinx_build_command(builder, source, self.staging, self.doctrees, tags, settings))
        except BaseException:
            self.forget_environment()
            raise

    def forget_environment(self) -> None:
        (self.doctrees / "environment.pickle").unlink(missing_ok=True)


def publish_dir(staged: Path, target: Path) -> None:
    """Replace `target` with a copy of `staged` by renames: readers see the old tree or the new one, never a mix."""
    incoming = target.with_name(f".{target.name}.incoming")
    outgoing = target.with_name(f".{target.name}.outgoing")
    shutil.rmtree(incoming, ignore_errors=True)
    shutil.rmtree(outgoing, ignore_errors=True)
    shutil.copytree(staged, incoming, ignore=shutil.ignore_patterns(".buildinfo", ".doctrees", ".pdf-stamps.json", "_sources"))
    if target.exists():
        os.replace(target, outgoing)
    os.replace(incoming, target)
    shutil.rmtree(outgoing, ignore_errors=True)


def publish_file(staged: Path, target: Path) -> Path:
    """Copy next to the target, then rename over it (atomic on one file system)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = target.with_name(f".{target.name}.incoming")
    shutil.copyfile(staged, incoming)
    os.replace(incoming, target)
    return target


def render_figures(run: Runner, build_dir: Path = BUILD, settings: dict | None = None) -> None:
    """Read the book and the decks with Sphinx's no-output builder: every figure is rendered into the cache."""
    Build("figures-book", build_dir, settings).sphinx(run, "dummy", ROOT / "book")
    Build("figures-slides", build_dir, settings).sphinx(run, "dummy", ROOT / "slides", tags=["slides"])


def unless_up_to_date(
    build: Build, source: Path, tags: Sequence[str], target: Path, produce: Callable[[], object], embedded: Sequence[Path] = ()
) -> Path:
    """Run `produce` (which builds and publishes `target`) unless nothing it reads changed since it last succeeded."""
    reproducible.set_environment()  # the date is one of the inputs
    digest = uptodate.inputs_digest(source, tags, build.settings, embedded, extra=[build.name])
    if uptodate.is_current(build.build_dir, build.name, digest, target):
        print(f"{target.relative_to(build.build_dir)} is up to date (no input changed since it was published)", flush=True)
        return target
    uptodate.forget(build.build_dir, build.name)  # a failure below leaves no stamp claiming the old artifact is current
    produce()
    uptodate.record(build.build_dir, build.name, digest, target)
    return target


def build_html(run: Runner, build_dir: Path = BUILD, source: Path = ROOT / "book", settings: dict | None = None) -> Path:
    build = Build("html", build_dir, settings)
    target = build_dir / "html"

    def produce() -> None:
        build.sphinx(run, "html", source)
        publish_dir(build.staging, target)

    # The HTML copies the PDF and the ePub of this build folder and links the decks (bookext.offline).
    embedded = [build_dir / "pdf" / "system-design.pdf", build_dir / "epub" / "system-design.epub", build_dir / "slides" / "index.html"]
    return unless_up_to_date(build, source, [], target, produce, embedded)


def build_epub(run: Runner, build_dir: Path = BUILD, source: Path = ROOT / "book", settings: dict | None = None) -> Path:
    build = Build("epub", build_dir, settings)
    target = build_dir / "epub" / "system-design.epub"

    def produce() -> None:
        build.sphinx(run, "epub", source, tags=["epub"])
        staged = build.staging / "system-design.epub"
        try:
            run(epubcheck_command(staged))  # nothing that fails validation is published
        except BaseException:
            build.forget_environment()
            raise
        publish_file(staged, target)

    return unless_up_to_date(build, source, ["epub"], target, produce)


def build_slides(run: Runner, build_dir: Path = BUILD, source: Path = ROOT / "slides", settings: dict | None = None) -> Path:
    """Every deck in slides/ (reveal.js, bundled by sphinx-revealjs), its PDF and handout, and the index page."""
    build = Build("slides", build_dir, settings)
    target = build_dir / "slides"
    return unless_up_to_date(build, source, ["slides"], target, lambda: _produce_slides(run, build, source, target))


def _produce_slides(run: Runner, build: Build, source: Path, target: Path) -> None:
    from bookext import decks

    # No -j: sphinx-revealjs is not parallel-read-safe.
    build.sphinx(run, "revealjs", source, tags=["slides"])
    names = sorted(path.stem for path in source.glob("*.md"))
    try:
        counts = decks.print_decks(build.staging, names)
    except BaseException:
        build.forget_environment()
        raise
    listing = [
        {
            "name": name,
            "title": decks.deck_title(build.staging / f"{name}.html"),
            "slides": counts[name],
            "html": f"{name}.html",
            "pdf": f"{name}.pdf",
            "handout": f"{name}-handout.pdf",
        }
        for name in sorted(names, key=lambda n: (n != "course-overview", n))  # the first lecture first
    ]
    decks.write_index(build.staging, listing, "System Design: A Staff-Level Course")
    shutil.rmtree(build.staging / "_sources", ignore_errors=True)
    publish_dir(build.staging, target)


def epubcheck_command(epub: Path) -> list[str]:
    # Debian's /usr/bin/epubcheck wrapper needs binfmt_misc; the jar runs everywhere Java does.
    return ["java", "-jar", "/usr/share/java/epubcheck.jar", "--failonwarnings", str(epub)]


PDF_TARGETS = {  # (paper, edition): the published file
    ("a4", "student"): Path("pdf") / "system-design.pdf",
    ("letter", "student"): Path("pdf") / "system-design-letter.pdf",
    ("a4", "instructor"): Path("instructor") / "system-design-instructor.pdf",
    ("letter", "instructor"): Path("instructor") / "system-design-instructor-letter.pdf",
    ("print", "student"): Path("print") / "system-design-print.pdf",
    ("print", "instructor"): Path("print") / "system-design-instructor-print.pdf",
}
PAPER_TAGS = {"a4": [], "letter": ["letter"], "print": ["print"]}


def build_pdf(
    run: Runner,
    build_dir: Path = BUILD,
    paper: str = "a4",
    source: Path = ROOT / "book",
    settings: dict | None = None,
    edition: str = "student",
) -> Path:
    """The student edition (answers at the back) or the instructor edition (answers inline, teaching notes)."""
    tags = PAPER_TAGS[paper] + (["instructor"] if edition == "instructor" else [])
    build = Build("-".join(["latex", *tags]), build_dir, settings)
    target = build_dir / PDF_TARGETS[(paper, edition)]

    def produce() -> None:
        build.sphinx(run, "latex", source, tags=tags)
        try:
            # Sphinx's Makefile runs latexmk with its latexmkrc (xelatex, xindy); -halt-on-error stops at the first TeX error.
            run(["make", "-C", str(build.staging), "all-pdf", "LATEXMKOPTS=-interaction=nonstopmode -halt-on-error -file-line-error"])
            check_latex_log(build.staging / "system-design.log")
        except BaseException:
            build.forget_environment()
            raise
        publish_file(build.staging / "system-design.pdf", target)

    return unless_up_to_date(build, source, tags, target, produce)


class LatexLogError(RuntimeError):
    pass


def check_latex_log(log: Path) -> None:
    """xelatex only logs a glyph the font lacks; a book with a blank where ≤ should be is not publishable."""
    text = log.read_text(encoding="utf-8", errors="replace")
    missing = sorted({line.strip() for line in text.splitlines() if line.startswith("Missing character")})
    if missing:
        raise LatexLogError(f"{log}: the PDF would lack glyphs:\n" + "\n".join(missing))


def check_call(command: Sequence[str], **kwargs) -> None:
    """The runner used outside nox: echo the command, run it, raise on failure."""
    print("$", " ".join(str(part) for part in command), flush=True)
    subprocess.check_call([str(part) for part in command], **kwargs)
