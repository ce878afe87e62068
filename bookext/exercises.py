"""``{solution}``: the worked solution to the exercise above it.

HTML shows it collapsed (a native <details> element, no JavaScript), so a reader can try the exercise first;
LaTeX and ePub show it as a titled box right after its exercise.
"""
from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


class solution(nodes.Admonition, nodes.Element):
    pass


class Solution(SphinxDirective):
    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        title = "Solution" + (f": {self.arguments[0]}" if self.arguments else "")
        node = solution(classes=["solution"], title=title)
        self.set_source_info(node)
        node += nodes.title(title, title)
        node += self.parse_content_to_nodes()
        return [node]


def _collapsible(translator) -> bool:
    """Collapse in the HTML site; the ePub gets an open box (not every reading system handles <details>)."""
    return not translator.builder.name.startswith("epub")


def visit_solution_html(self, node: solution) -> None:
    title = self.encode(node["title"])
    if _collapsible(self):
        self.body.append(f'<details class="admonition solution">\n<summary class="admonition-title">{title}</summary>\n')
    else:
        self.body.append(f'<div class="admonition solution">\n<p class="admonition-title">{title}</p>\n')


def depart_solution_html(self, node: solution) -> None:
    self.body.append("</details>\n" if _collapsible(self) else "</div>\n")


def _drop_title_for_html(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """HTML writes the title itself (as <summary> or a title paragraph), so the title node goes."""
    if app.builder.format == "html":
        for node in doctree.findall(solution):
            if node.children and isinstance(node.children[0], nodes.title):
                node.remove(node.children[0])


def setup(app: Sphinx) -> dict:
    admonition = (lambda self, node: self.visit_admonition(node), lambda self, node: self.depart_admonition(node))
    app.add_node(solution, html=(visit_solution_html, depart_solution_html), latex=admonition, text=admonition)
    app.add_directive("solution", Solution)
    app.connect("doctree-resolved", _drop_title_for_html)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
