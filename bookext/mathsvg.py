"""Math checked in every build, and typeset to SVG images for the ePub, by MathJax running in Node.

Every formula is typeset when its document is read, so a TeX error (an undefined macro, a missing brace) or a
dollar sign that opened math in the middle of prose fails the build at the formula's file:line — in the browser
it would only have shown red text or silently swallowed a sentence. The ePub's math renderer (`svgmath`) writes the
same SVG MathJax draws in the HTML book, so no reading system needs JavaScript and no raw TeX reaches a reader; each
image's alt text is the formula in words, from MathJax's MathML and the speech rule engine (English ClearSpeak), so a
screen reader reads the math as math.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

from bookext.node_worker import NodeWorkerError, close_workers, shared_worker

logger = logging.getLogger(__name__)
TYPESETTER = Path(__file__).with_name("math_render.mjs")

# Three plain words in a row inside inline math: almost always prose between two dollar signs meant as money.
_PROSE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}\s+(?<!\\)[A-Za-z]{2,}\s+(?<!\\)[A-Za-z]{2,}(?![A-Za-z])")
_TEXT_COMMANDS = re.compile(r"\\(?:text\w*|mathrm|operatorname|mbox|label)\s*\{[^{}]*\}")


def _formulas(doctree: nodes.document) -> list[nodes.Element]:
    return [node for node in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block)))]


def _suspicious(node: nodes.Element) -> str | None:
    tex = node.astext()
    if isinstance(node, nodes.math):
        if re.search(r"(?<!\\)%", tex):
            return "contains an unescaped % (a TeX comment): was a dollar sign in the prose meant literally? Write \\$"
        if _PROSE.search(_TEXT_COMMANDS.sub("", tex)):
            return "reads like prose: was a dollar sign meant literally? Write \\$ for a price"
    return None


def _location(node: nodes.Element, source_lines: dict[str, list[str]]) -> nodes.Element | str:
    """Where a formula is in its file. Inline math carries no line of its own (MyST gives it its paragraph's first
    line), so look for its text in the file from that line on."""
    source, line = node.source, node.line
    for ancestor in _ancestors(node):
        if source and line:
            break
        source, line = source or ancestor.source, line or ancestor.line
    tex = node.astext().strip()
    if not isinstance(node, nodes.math) or not (source and line and tex):
        return node
    if source not in source_lines:
        try:
            source_lines[source] = Path(source).read_text(encoding="utf-8").splitlines()
        except OSError:
            source_lines[source] = []
    first = tex.splitlines()[0].strip()
    for index in range(line - 1, len(source_lines[source])):
        if first in source_lines[source][index]:
            return f"{os.path.abspath(source)}:{index + 1}"  # Sphinx prints a "path:line" location as it is
    return node


def _ancestors(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


def typeset_formulas(app: Sphinx, doctree: nodes.document) -> None:
    formulas = _formulas(doctree)
    if not formulas:
        return
    source_lines: dict[str, list[str]] = {}
    for node in formulas:
        problem = _suspicious(node)
        if problem:
            logger.warning(f"math {node.astext()[:60]!r} {problem}", location=_location(node, source_lines), type="math", subtype="prose")
    keep_svg = app.config.html_math_renderer == "svgmath"
    request = {"formulas": [{"tex": n.astext(), "display": isinstance(n, nodes.math_block)} for n in formulas], "speech": keep_svg}
    try:
        reply = shared_worker(app, TYPESETTER).request(request)
    except NodeWorkerError as exc:
        logger.warning(f"MathJax could not check this document's math: {exc} (run `npm ci`)", location=(app.env.docname, 0), type="math", subtype="tool")
        return
    for node, result in zip(formulas, reply["results"], strict=True):
        if "error" in result:
            logger.warning(f"math {node.astext()[:60]!r}: {result['error']}", location=_location(node, source_lines), type="math", subtype="tex")
        elif keep_svg:
            node["svg"] = result["svg"]
            node["speech"] = result.get("speech") or ""


def _image(self, node: nodes.Element) -> str:
    """Write the formula's SVG next to the other images (once per formula) and return an <img> for it."""
    svg = node.get("svg")
    if not svg:  # its error was reported when the document was read
        return f'<span class="math">{self.encode(node.astext())}</span>'
    name = hashlib.sha256(svg.encode()).hexdigest()[:20] + ".svg"
    target = Path(self.builder.outdir, self.builder.imagedir, "math", name)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(svg, encoding="utf-8")
    align = re.search(r'style="vertical-align:\s*([-\d.]+ex)', svg)
    style = f' style="vertical-align: {align.group(1)}"' if align else ""
    src = f"{self.builder.imgpath}/math/{name}"
    # The alt text is what a screen reader says: the formula in words ("lambda equals N over W"), never its TeX
    # ("backslash lambda").
    spoken = node.get("speech") or node.astext().strip()
    return f'<img class="math" src="{src}" alt="{self.encode(spoken)}"{style}/>'


def visit_math(self, node: nodes.math) -> None:
    self.body.append(_image(self, node))
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math"))
    self.body.append("<p>")
    if node["number"]:
        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(_image(self, node) + "</p>\n</div>")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict:
    app.add_html_math_renderer("svgmath", inline_renderers=(visit_math, None), block_renderers=(visit_displaymath, None))
    app.connect("doctree-read", typeset_formulas)
    app.connect("build-finished", close_workers)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
