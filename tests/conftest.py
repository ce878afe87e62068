"""Fixtures: the real book built once per test session, and a way to build small broken projects."""
from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bookext import browser as book_browser  # noqa: E402
from bookext import publish  # noqa: E402

BIN = Path(sys.executable).parent  # .venv/bin: sphinx-build lives next to the interpreter running the tests


@pytest.fixture
def fast_thread_switches():
    """Switch threads every microsecond instead of every 5 ms, so that a race the GIL would hide in a listing shows up."""
    default = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(default)


def run_checked(command: list) -> None:
    command = [str(BIN / command[0]) if (BIN / str(command[0])).exists() else command[0], *command[1:]]
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, command))} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")


def own_folders(folder: Path) -> dict[str, str]:
    """Settings that keep a build out of the repository's _build/: its figure cache, vendored MathJax and the artifacts
    its HTML links all live in `folder`. Pass them to every publish.build_* call and sphinx-build run of a test."""
    return {
        "figures_cache_dir": str(folder / ".figure-cache"),  # bookext.figures; default _build/.figure-cache
        "offline_vendor_dir": str(folder / ".vendor"),  # bookext.offline; default _build/.vendor
        "offline_artifacts_dir": str(folder),  # bookext.offline: the PDF, ePub and decks the sidebar links
    }


def seed_figure_cache(cache: Path) -> None:
    """Start a new figure cache as a copy of the repository's, when there is one.

    Renders are content-addressed (bookext.figure_cache): a copied entry is exactly what rendering would write, so
    seeding saves minutes and changes no byte. The copy is made aside and renamed into place, so an interrupted copy
    never leaves a half-written figure; the cache's scratch folder (renders in progress) is not copied.
    """
    if cache.exists() or not publish.FIGURE_CACHE.is_dir():
        return
    incoming = cache.with_name(f"{cache.name}.seeding")
    shutil.rmtree(incoming, ignore_errors=True)
    try:
        shutil.copytree(publish.FIGURE_CACHE, incoming, ignore=shutil.ignore_patterns(".tmp"))
    except shutil.Error:
        pass  # an entry removed meanwhile (a concurrent `nox -s clean`) is rendered instead
    os.replace(incoming, cache)


@dataclass
class Book:
    build_dir: Path
    html: Path
    pdf: Path
    epub: Path
    slides: Path
    settings: dict[str, str]  # own_folders(build_dir): pass them to any further publish.build_* into this folder

    def environment(self, build: str = "html"):
        """Sphinx's pickled environment of one build ("html", "epub", "latex", "slides"): the toctree, titles and
        config as Sphinx saw them."""
        with open(self.build_dir / ".doctrees" / build / "environment.pickle", "rb") as handle:
            return pickle.load(handle)

    def toctree_documents(self) -> list[str]:
        env = self.environment()
        order: list[str] = []

        def walk(doc: str) -> None:
            order.append(doc)
            for child in env.toctree_includes.get(doc, []):
                walk(child)

        walk(env.config.root_doc)
        return order

    def titles(self) -> dict[str, str]:
        env = self.environment()
        return {doc: env.titles[doc].astext() for doc in self.toctree_documents()}

    def epub_files(self) -> dict[str, bytes]:
        with zipfile.ZipFile(self.epub) as archive:
            return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="session")
def book(tmp_path_factory) -> Book:
    """The real book, built the way `nox -s build` builds it (ePub, PDF, decks, then HTML), into a private folder.

    Nothing is read from or written to the repository's _build/: the build has its own figure cache, vendored MathJax
    and artifacts (own_folders), so a concurrent `nox -s build` cannot race it and an earlier build cannot change what
    it produces. For speed, a new figure cache is seeded with a copy of the repository's _build/.figure-cache when that
    exists (seed_figure_cache), so most figures are not rendered here; test_reproducible.py's second build starts from
    an empty cache, so every figure is still rendered from scratch once per test session, and the two builds must
    publish the same bytes. With BOOK_TEST_BUILD_DIR set, the folder and its cache persist: a later run reuses its own
    cache (seeded only when first created) and skips every format whose inputs did not change (bookext.uptodate).
    """
    build_dir = Path(os.environ.get("BOOK_TEST_BUILD_DIR") or tmp_path_factory.mktemp("book"))
    settings = own_folders(build_dir)
    seed_figure_cache(Path(settings["figures_cache_dir"]))
    epub = publish.build_epub(run_checked, build_dir, settings=settings)
    pdf = publish.build_pdf(run_checked, build_dir, settings=settings)
    slides = publish.build_slides(run_checked, build_dir, settings=settings)
    html = publish.build_html(run_checked, build_dir, settings=settings)
    return Book(build_dir=build_dir, html=html, pdf=pdf, epub=epub, slides=slides, settings=settings)


@pytest.fixture(scope="session")
def instructor_pdf(book) -> Path:
    """`nox -s instructor`: the instructor edition, built into the session's build folder (its LaTeX log stays in
    book.build_dir / ".staging" / "latex-instructor")."""
    return publish.build_pdf(run_checked, book.build_dir, settings=book.settings, edition="instructor")


@pytest.fixture(scope="session")
def print_pdf(book) -> Path:
    """`nox -s pdf -- --print`: the trade paperback, built into the session's build folder (its LaTeX log stays in
    book.build_dir / ".staging" / "latex-print")."""
    return publish.build_pdf(run_checked, book.build_dir, paper="print", settings=book.settings)


def sphinx_build(source: Path, builder: str = "html", tags: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Build a small project with the book's own conf.py and flags, and folders of its own; return the finished process."""
    out = source.parent / f"out-{builder}"
    settings = own_folders(source.parent)
    command = publish.sphinx_build_command(builder, source, out, source.parent / f"doctrees-{builder}", tags, settings)
    command[0] = str(BIN / "sphinx-build")
    return subprocess.run(command, capture_output=True, text=True)


@pytest.fixture
def project(tmp_path):
    """Write a MyST project from {path: text} and return its source folder."""

    def make(files: dict[str, str]) -> Path:
        source = tmp_path / "src"
        for name, text in files.items():
            path = source / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return source

    return make


CHROMIUM_ARGS = [
    "--no-sandbox",  # Chromium refuses to run as root (CI) without it
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # Chromium's own background traffic would otherwise show up as requests leaving the machine.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--allow-file-access-from-files",
]


class Browser:
    def __init__(self, chromium):
        self.chromium = chromium

    def load(self, url: str, wait_until: str = "load"):
        """Open `url`; return every URL the page requested (including failed ones), the console errors and the page."""
        page = self.chromium.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.console_errors = []
        page.on("console", lambda message: page.console_errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        page.goto(url, wait_until=wait_until)
        page.wait_for_load_state("networkidle")
        return requests, page


@pytest.fixture(scope="session")
def browser():
    """The Chromium bookext.browser finds, driven by Playwright (Playwright's own browser download cannot work offline)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=book_browser.find(), args=CHROMIUM_ARGS)
        yield Browser(chromium)
        chromium.close()
