"""Fail on a fence that was never closed, which MyST accepts silently.

An unclosed ``:::`` or ```` ``` ```` near the end of a chapter makes the rest of the file the directive's body: the
build succeeds and the sections after it vanish into an admonition (or a code block). Two symptoms give it away, and
both are reported at the line that opened the fence:

- a fence still open at the end of the file;
- a Markdown heading inside a directive's body (no directive in this book holds a heading; a heading there means the
  directive swallowed the chapter's next section).

The scan follows CommonMark's fence rules: a fence closes on a line of the same character, at least as long, with
nothing after it; inside a code fence (one that is not a ``{directive}``) nothing else is parsed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|:{3,})\s*(?P<info>.*)$")
_HEADING = re.compile(r"^ {0,3}#{1,6}\s")


@dataclass
class Fence:
    char: str
    length: int
    line: int  # 1-based line of the opening fence
    info: str

    @property
    def is_directive(self) -> bool:
        return self.info.startswith("{")

    @property
    def is_literal(self) -> bool:
        """A code fence: its body is text, not MyST."""
        return self.char == "`" and not self.is_directive

    def closed_by(self, line: str) -> bool:
        stripped = line.strip()
        return len(stripped) >= self.length and set(stripped) == {self.char} and len(line) - len(line.lstrip(" ")) <= 3


def fence_problems(text: str) -> list[tuple[int, str]]:
    """(line, message) for every fence left open and every heading swallowed by a directive."""
    problems: list[tuple[int, str]] = []
    stack: list[Fence] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if stack and stack[-1].closed_by(line):
            stack.pop()
            continue
        if stack and stack[-1].is_literal:
            continue
        match = _OPEN.match(line)
        if match and not (match.group("fence")[0] == "`" and "`" in match.group("info")):
            fence = match.group("fence")
            stack.append(Fence(fence[0], len(fence), number, match.group("info").strip()))
            continue
        directives = [fence for fence in stack if fence.is_directive]
        if directives and _HEADING.match(line):
            opened = directives[-1]
            problems.append((
                opened.line,
                f"the {opened.info.split()[0]} directive opened here contains the heading on line {number} "
                f"({line.strip()[:60]!r}): is its closing {opened.char * opened.length} missing?",
            ))
            stack.clear()  # report each unclosed fence once, then read on as if it had been closed
    for fence in stack:
        what = f"{fence.info.split()[0]} directive" if fence.is_directive else "code block" if fence.char == "`" else "fence"
        problems.append((fence.line, f"the {what} opened here is never closed (add a line {fence.char * fence.length})"))
    return problems


def check_fences(app: Sphinx, docname: str, source: list[str]) -> None:
    if not app.env.doc2path(docname).suffix == ".md":
        return
    for line, message in fence_problems(source[0]):
        logger.warning(message, location=(docname, line), type="myst", subtype="fence")


def setup(app: Sphinx) -> dict:
    app.connect("source-read", check_fences)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
