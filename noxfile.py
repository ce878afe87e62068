"""Build and test the System Design course: `nox -l` lists the sessions, README.md says which one makes what.

Every session uses one Python environment, .venv, installed exactly from requirements.lock (and re-synced only when
the lock changes), plus node_modules from package-lock.json. Sessions therefore run with `venv_backend="none"`:
nox would otherwise create one ~200 MB environment per session with the same contents.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).parent))
from bookext import environment, publish  # noqa: E402  (standard library only)

nox.options.sessions = ["build"]
nox.options.error_on_external_run = False

ROOT = Path(__file__).parent
BUILD = ROOT / "_build"


def prepare(session: nox.Session, *, node: bool = True) -> None:
    """Check the system tools, sync .venv (and node_modules), and put .venv/bin first on PATH."""
    missing = environment.missing_apt_packages()
    if missing:
        session.error(f"missing system packages {', '.join(missing)}; install them with:\n    {environment.apt_install_command(missing)}")
    environment.sync_python_env(run=lambda command: session.run(*command, external=True, silent=True))
    if node:
        environment.sync_node_env(run=lambda command, **kw: session.run(*command, external=True, env={"PUPPETEER_SKIP_DOWNLOAD": "1"}))
    session.env["PATH"] = os.pathsep.join([str(environment.VENV / "bin"), os.environ.get("PATH", "")])
    session.env["VIRTUAL_ENV"] = str(environment.VENV)


def venv_program(command: list) -> list:
    """Run .venv's copy of a program (nox looks programs up on its own PATH, not the session's)."""
    program = environment.VENV / "bin" / str(command[0])
    return [str(program), *command[1:]] if program.exists() else list(command)


def paper_option(session: nox.Session) -> str:
    """a4 (the default), `--letter` or `--print`."""
    chosen = [paper for paper in ("letter", "print") if f"--{paper}" in session.posargs]
    if len(chosen) > 1:
        session.error("choose one of --letter and --print")
    return chosen[0] if chosen else "a4"


def runner(session: nox.Session):
    return lambda command: session.run(*venv_program(command), external=True)


@nox.session(venv_backend="none")
def build(session: nox.Session) -> None:
    """Build every artifact into _build/: ePub, PDF, lecture decks, then the HTML site that links them."""
    prepare(session)
    run = runner(session)
    # Each format renders the figures it uses into the shared cache (the first renders, the rest reuse), so a separate
    # figures pass would only read every document once more.
    artifacts = (
        publish.build_epub(run),
        publish.build_pdf(run),
        publish.build_pdf(run, edition="instructor"),
        publish.build_slides(run),
        publish.build_html(run),
    )
    for artifact in artifacts:
        session.log(f"published {artifact.relative_to(ROOT)}")


@nox.session(venv_backend="none")
def figures(session: nox.Session) -> None:
    """Render every figure of the book and the decks into the figure cache (_build/.figure-cache)."""
    prepare(session)
    publish.render_figures(runner(session))
    session.log(f"{len(list(publish.FIGURE_CACHE.glob('*.svg')))} figure renders in {publish.FIGURE_CACHE.relative_to(ROOT)}")


@nox.session(venv_backend="none")
def slides(session: nox.Session) -> None:
    """Build the lecture decks, their PDFs and handouts into _build/slides/."""
    prepare(session)
    session.log(f"published {publish.build_slides(runner(session)).relative_to(ROOT)}/index.html")


@nox.session(venv_backend="none")
def bench(session: nox.Session) -> None:
    """Time cold, no-op and one-chapter-edit builds of each format, counting figure renders."""
    prepare(session)
    session.run(*venv_program(["python", "-m", "bookext.bench", *session.posargs]), external=True)


@nox.session(venv_backend="none")
def html(session: nox.Session) -> None:
    """Build the HTML site into _build/html/."""
    prepare(session)
    session.log(f"published {publish.build_html(runner(session)).relative_to(ROOT)}/index.html")


@nox.session(venv_backend="none")
def pdf(session: nox.Session) -> None:
    """Build the PDF into _build/pdf/ (A4; `-- --letter` for US Letter, `-- --print` for the 7 x 9.25 in print book)."""
    prepare(session)
    paper = paper_option(session)
    session.log(f"published {publish.build_pdf(runner(session), paper=paper).relative_to(ROOT)}")


@nox.session(venv_backend="none")
def instructor(session: nox.Session) -> None:
    """Build the instructor edition's PDF (answers inline, teaching notes) into _build/instructor/ (`-- --letter`,
    `-- --print`)."""
    prepare(session)
    paper = paper_option(session)
    session.log(f"published {publish.build_pdf(runner(session), paper=paper, edition='instructor').relative_to(ROOT)}")


@nox.session(venv_backend="none")
def epub(session: nox.Session) -> None:
    """Build the ePub into _build/epub/ and validate it with epubcheck."""
    prepare(session)
    session.log(f"published {publish.build_epub(runner(session)).relative_to(ROOT)}")


@nox.session(venv_backend="none")
def tests(session: nox.Session) -> None:
    """Run the test suite (it builds the real book once and checks every artifact)."""
    prepare(session)
    session.run(*venv_program(["python", "-m", "pytest", *session.posargs]), external=True)


@nox.session(venv_backend="none")
def a11y(session: nox.Session) -> None:
    """Run the accessibility checkers (DAISY Ace, axe-core, the Nu HTML checker) on the artifacts in _build/."""
    prepare(session)
    checks = ROOT / "tests" / "a11y_checks.py"
    session.run(*venv_program(["python", str(checks), "ace", str(BUILD / "epub" / "system-design.epub")]), external=True)
    session.run(*venv_program(["python", str(checks), "vnu", str(BUILD / "html"), str(BUILD / "slides")]), external=True)
    session.run(*venv_program(["python", str(checks), "axe", str(BUILD / "html"), str(BUILD / "slides")]), external=True)


@nox.session(venv_backend="none")
def lint(session: nox.Session) -> None:
    """Lint the Python code with ruff."""
    prepare(session, node=False)
    session.run(*venv_program(["ruff", "check", "bookext", "diagrams", "tests", "noxfile.py", "conf.py", "run.py"]), external=True)


@nox.session(venv_backend="none")
def preview(session: nox.Session) -> None:
    """Serve the HTML book on http://127.0.0.1:8000, rebuilding as sources, figures or extensions change."""
    prepare(session)
    build_ = publish.Build("preview")
    command = publish.sphinx_build_command("html", ROOT / "book", build_.staging, build_.doctrees)
    command[0] = "sphinx-autobuild"
    command.remove("--fail-on-warning")  # keep serving while a warning is being fixed; the warning is still printed
    command += ["--watch", "diagrams", "--watch", "bookext", "--watch", "conf.py", "--port", "8000", *session.posargs]
    session.run(*venv_program(command), external=True)


@nox.session(venv_backend="none")
def clean(session: nox.Session) -> None:
    """Delete _build/ (artifacts, staging folders, doctrees and the figure cache)."""
    shutil.rmtree(BUILD, ignore_errors=True)
    session.log("removed _build/")


@nox.session(venv_backend="none")
def lock(session: nox.Session) -> None:
    """Re-pin requirements.lock from requirements.in (run after editing requirements.in)."""
    prepare(session, node=False)
    session.run(*venv_program(["python", "-m", "pip", "install", "--quiet", "uv"]), external=True)
    session.run(
        str(environment.VENV / "bin" / "uv"), "pip", "compile", "--quiet", "--python-version", "3.11", "--no-header", "--annotation-style", "line",
        "requirements.in", "-o", "requirements.lock", external=True,
    )
