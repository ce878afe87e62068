"""Pre-render every ``{mermaid}`` block to SVG, PDF and PNG, so no format needs JavaScript or a CDN at read time.

sphinxcontrib-mermaid parses the directive (and folds `mermaid_config` into the diagram's front matter); this module
checks alt text and caption where the source location is known, renders through one long-lived Chromium per build
(`mermaid_render.mjs`, driven over a pipe) into the shared figure cache, and replaces the mermaid node with an
ordinary image node before Sphinx's image collector runs.
"""
from __future__ import annotations

import functools
import json
import os
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinxcontrib.mermaid import Mermaid, mermaid

from bookext import browser, reproducible, toolprobe
from bookext.figure_cache import cache_key, reread_when_tools_change
from bookext.figures import compact_png, figure_cache, image_node_for
from bookext.gallery import record_figure
from bookext.node_worker import NodeWorkerError, close_workers, shared_worker

logger = logging.getLogger(__name__)

RENDERER = Path(__file__).with_name("mermaid_render.mjs")
RENDERER_VERSION = "3"
NPM_FIX = "run `npm ci` in the repository root (it installs mermaid-cli from package-lock.json)"


_FLOW_HEADER = re.compile(r"^(\s*(?:flowchart|graph))\s+(?:TB|TD|BT|LR|RL)\b")


def _direction(argument: str | None) -> str:
    """docutils' choice() compares lower case; mermaid's directions are upper case."""
    value = (argument or "").strip().upper()
    if value not in ("TB", "TD", "BT", "LR", "RL"):
        raise ValueError(f"{argument!r} is not a flowchart direction (TB, TD, BT, LR or RL)")
    return value


class BookMermaid(Mermaid):
    """sphinxcontrib-mermaid's directive, plus the source location, a required alt text and caption, and
    `:slide-direction: LR` (or TB, ...): the direction a flowchart takes in a deck, where the book's may not fit."""

    option_spec = {**Mermaid.option_spec, "slide-direction": lambda arg: _direction(arg)}

    def run(self, **kwargs):
        env = self.state.document.settings.env
        location = (env.docname, self.lineno)
        for option, why in (("alt", "describe the diagram for a reader who cannot see it"), ("caption", "say what the reader should notice")):
            if not self.options.get(option, "").strip():
                logger.warning(f"mermaid diagram has no :{option}: ({why})", location=location, type="figures", subtype="invalid")
                return []
        direction = self.options.get("slide-direction")
        if direction and env.config.figures_target == "slides":
            # A tall book flowchart turned sideways to fit a 16:9 slide: "flowchart TB" becomes "flowchart LR".
            self.content = self.content.__class__(
                [_FLOW_HEADER.sub(rf"\1 {direction}", line, count=1) for line in self.content], items=self.content.items
            )
        result = super().run(**kwargs)
        for node in result:
            for diagram in node.findall(mermaid):
                diagram.source, diagram.line = self.state_machine.get_source_and_line(self.lineno)
                diagram["content_line"] = self._first_content_line()
        return result


    def _first_content_line(self) -> int:
        """The chapter line of the diagram's first line (MyST's content_offset does not count the option lines)."""
        source = self.state.document.current_source
        if self.content and source and Path(source).is_file():
            lines = Path(source).read_text(encoding="utf-8").splitlines()
            for index in range(self.lineno, min(len(lines), self.lineno + 50)):
                if lines[index].strip() == self.content[0].strip():
                    return index + 1
        return self.lineno


@functools.cache
def tool_versions(confdir: str, cache_dir: Path) -> str:
    package = Path(confdir, "node_modules", "@mermaid-js", "mermaid-cli", "package.json")
    version = json.loads(package.read_text())["version"] if package.is_file() else "missing"
    chromium = toolprobe.version(browser.find(), ["--version"], cache_dir)
    return f"mermaid-cli {version}\n{chromium}\n{RENDERER.read_text()}"


def missing_tool(confdir: str) -> str | None:
    if not shutil.which("node"):
        return "Node.js is not installed; install it with: sudo apt-get install nodejs npm"
    if not Path(confdir, "node_modules", "@mermaid-js", "mermaid-cli").is_dir():
        return f"mermaid-cli is not installed; {NPM_FIX}"
    try:
        browser.find()
    except browser.BrowserNotFound as exc:
        return str(exc)
    return None


_STACK_FRAME = re.compile(r"^\s*(at\s|\S+\s\((?:https?|file):)")
_PARSE_LINE = re.compile(r"(Parse error on line )(\d+)")


def chapter_message(error: str, diagram: mermaid) -> tuple[str, int]:
    """Mermaid's own message without the JavaScript stack, and the chapter line the error points at.

    Mermaid numbers lines from the start of the diagram body (it strips the front matter that carries the
    book's theme before parsing), so line N is N - 1 lines after the body's first line in the chapter.
    """
    lines = [line for line in error.splitlines() if not _STACK_FRAME.match(line)]
    message = "\n".join(lines).strip()
    match = _PARSE_LINE.search(message)
    line = diagram["content_line"] + int(match.group(2)) - 1 if match else diagram.line
    return message, line


def render_diagrams(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    cache = figure_cache(app)
    for diagram in list(doctree.findall(mermaid)):
        problem = missing_tool(app.confdir)
        if problem:
            logger.warning(problem, location=diagram, type="figures", subtype="tool")
            diagram.parent.remove(diagram)
            continue
        stem = "mermaid"  # renders are named by content alone, so a deck that repeats a chapter's diagram reuses its render
        key = cache_key(RENDERER_VERSION, diagram["code"], tool_versions(app.confdir, cache.root))
        if not cache.has(stem, key):
            scratch = cache.scratch()
            try:
                outputs = {fmt: scratch / f"{stem}.{fmt}" for fmt in ("svg", "pdf", "png")}
                job = {"definition": diagram["code"], "outputs": {fmt: str(path) for fmt, path in outputs.items()}}
                try:
                    answer = shared_worker(app, RENDERER, browser.node_environment()).request(job)
                    error = None if answer["ok"] else answer["error"]
                except NodeWorkerError as exc:
                    error = f"{exc} (Chromium: {browser.find()})"
                if error is None:
                    compact_png(outputs["png"])
                    reproducible.stamp_chromium_pdf(outputs["pdf"], 0)  # like the figure scripts: renders are cached across commits
                    cache.store(stem, key, outputs, source=f"{env.doc2path(env.docname)}:{diagram.line}")
            finally:
                cache.discard(scratch)
            if error is not None:
                message, line = chapter_message(error, diagram)
                logger.warning(f"mermaid diagram failed to render:\n{message}", location=(env.docname, line), type="figures", subtype="mermaid")
                diagram.parent.remove(diagram)
                continue
        image = image_node_for(env, cache.paths(stem, key), diagram["alt"], {"align": diagram.get("align", "center")})
        image.source, image.line = diagram.source, diagram.line
        diagram.replace_self(image)
        figure = image.parent
        if isinstance(figure, nodes.figure):
            source = os.path.relpath(env.doc2path(env.docname), app.confdir)
            record_figure(env, figure, kind="mermaid", source=source, line=image.line)


def _reread_after_tool_upgrade(app: Sphinx, env, added, changed, removed) -> list[str]:
    if missing_tool(app.confdir):
        return []  # the pages that draw a diagram will say so when they are read
    return reread_when_tools_change(env, "mermaid", tool_versions(app.confdir, figure_cache(app).root))


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinxcontrib.mermaid")
    app.setup_extension("bookext.figures")
    app.add_directive("mermaid", BookMermaid, override=True)
    # Before Sphinx's image collector (priority 500), which needs the rendered files to exist.
    app.connect("doctree-read", render_diagrams, priority=400)
    app.connect("build-finished", close_workers)
    app.connect("env-get-outdated", _reread_after_tool_upgrade)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
