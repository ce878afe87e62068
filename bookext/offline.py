"""Keep the HTML self-contained: MathJax vendored from node_modules, and links to the PDF and ePub of the build.

Sphinx's default MathJax loads from a CDN; the book instead serves MathJax's single-file SVG build
(`tex-svg-full.js`: no web fonts, no further requests) from `_static`, so math works from file:// and offline.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

MATHJAX_FILE = Path("node_modules", "mathjax", "es5", "tex-svg-full.js")


def _vendor_mathjax(app: Sphinx) -> None:
    source = Path(app.confdir, MATHJAX_FILE)
    if not source.is_file():
        raise ExtensionError(f"MathJax is not installed ({MATHJAX_FILE} is missing); run `npm ci` in the repository root")
    add_static_file(app, source, Path("mathjax", source.name))


def add_static_file(app: Sphinx, source: Path, name: Path) -> None:
    """Serve a generated or vendored file from `_static/<name>` (one folder per builder, so the ePub gets no MathJax)."""
    vendor = Path(app.confdir, app.config.offline_vendor_dir, app.builder.name)
    target = vendor / name
    if not target.is_file() or target.read_bytes() != source.read_bytes():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    if str(vendor) not in app.config.html_static_path:
        app.config.html_static_path.append(str(vendor))


def _configure_builder(app: Sphinx) -> None:
    builder = app.builder
    if builder.format == "html" and not builder.name.startswith("epub") and app.config.html_math_renderer in (None, "mathjax"):
        _vendor_mathjax(app)
    if builder.name in ("html", "dirhtml"):
        app.config.html_context["book_downloads"] = _published_downloads(app)
        decks = Path(app.confdir, app.config.offline_artifacts_dir, "slides", "index.html")
        # The decks are published next to the site (_build/slides beside _build/html): link them when they exist.
        app.config.html_context["book_slides"] = "../slides/index.html" if decks.is_file() else ""


def _rewrite_all_when_links_change(app: Sphinx, env, added, changed, removed) -> list[str]:
    """The sidebar's links and sizes are on every page: when they change, every page is written again."""
    links = (app.config.html_context.get("book_downloads"), app.config.html_context.get("book_slides"))
    if getattr(env, "book_sidebar_links", None) == links:
        return []
    env.book_sidebar_links = links
    return sorted(env.found_docs)


def _published_downloads(app: Sphinx) -> list[dict]:
    """The PDF and ePub of this build, if they were built before the HTML (`nox -s build` does so)."""
    found = []
    for label, pattern in (("PDF", "pdf/system-design.pdf"), ("ePub", "epub/*.epub")):
        for artifact in sorted(Path(app.confdir, app.config.offline_artifacts_dir).glob(pattern)):
            found.append({"label": label, "path": str(artifact), "name": artifact.name, "size_mb": artifact.stat().st_size / 1e6})
    return found


def _copy_downloads(app: Sphinx, exception) -> None:
    if exception or app.builder.name not in ("html", "dirhtml"):
        return
    for download in app.config.html_context.get("book_downloads", []):
        target = Path(app.outdir, "_downloads", "book", download["name"])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(download["path"], target)


def setup(app: Sphinx) -> dict:
    app.add_config_value("offline_vendor_dir", "_build/.vendor", "env", types=[str])
    app.add_config_value("offline_artifacts_dir", "_build", "env", types=[str])
    app.connect("builder-inited", _configure_builder)
    app.connect("build-finished", _copy_downloads)
    app.connect("env-get-outdated", _rewrite_all_when_links_change)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
