"""Two editions from one source, and exercises that read the same way in every format.

- **Student edition** (the default). The HTML folds each solution under its exercise (bookext.exercises). The PDF
  and the ePub move every solution to the "Answers to exercises" document (its ``{answers}`` directive), grouped by
  chapter; each exercise links to its answer and each answer back to its exercise, so a reader can try first.
- **Instructor edition** (``-t instructor``). Solutions stay under their exercises, and each chapter's
  ``{teaching-notes}`` block becomes the chapter's last section, "Teaching notes". The student edition drops the
  block when the page is read, so no teaching-note text reaches any student artifact.

Exercises are the H3 sections "N. Title" under a chapter's "Exercises" H2. Every format titles them
"Exercise C.N: Title", where C is the chapter's number in the book (the LaTeX chapter counter counts the same
documents: the chapters of each part, in reading order), so an instructor can assign "Exercise 3.4" to readers of
any format.
"""
from __future__ import annotations

import copy
import posixpath
import re

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, new_document

from bookext.exercises import solution

logger = logging.getLogger(__name__)

INSTRUCTOR_TAG = "instructor"
_EXERCISE_TITLE = re.compile(r"^(\d+)\.\s+(.+)$", re.S)


def is_instructor(app: Sphinx) -> bool:
    return app.tags.has(INSTRUCTOR_TAG)


def answers_at_the_back(app: Sphinx) -> bool:
    """Where solutions leave their exercises: the student edition's PDF and ePub."""
    return not is_instructor(app) and (app.builder.format == "latex" or app.builder.name.startswith("epub"))


# -- {teaching-notes} ----------------------------------------------------------------------------------------------


class teaching_notes(nodes.General, nodes.Element):
    """Only ever seen between the directive and the doctree-read handler below."""


class TeachingNotes(SphinxDirective):
    has_content = True

    def run(self) -> list[nodes.Node]:
        node = teaching_notes()
        self.set_source_info(node)
        node += self.parse_content_to_nodes()  # parsed in both editions, so a mistake fails every build
        return [node]


def _place_teaching_notes(app: Sphinx, doctree: nodes.document) -> None:
    """Instructor: a "Teaching notes" section at the end of the chapter. Student: gone before anything sees it."""
    for index, block in enumerate(list(doctree.findall(teaching_notes))):
        block.parent.remove(block)
        if not is_instructor(app):
            continue
        chapter = next(iter(doctree.findall(nodes.section)), None)
        if chapter is None or index:
            logger.warning("a chapter has at most one {teaching-notes} block, inside its H1 section", location=block,
                           type="editions", subtype="teaching-notes")
            continue
        section = nodes.section("", ids=["teaching-notes"], names=["teaching notes"], classes=["teaching-notes"])
        section.source, section.line = block.source, block.line
        section += nodes.title("Teaching notes", "Teaching notes")
        section += block.children
        chapter += section


# -- Chapter numbers and exercise titles ------------------------------------------------------------------------------


def chapter_numbers(env) -> dict[str, int]:
    """{docname: number} for every chapter: the documents each part (a child of the root) includes, in order."""
    numbers: dict[str, int] = {}
    for part in env.toctree_includes.get(env.config.root_doc, []):
        for chapter in env.toctree_includes.get(part, []):
            numbers[chapter] = len(numbers) + 1
    return numbers


def exercises(doctree: nodes.Node) -> list[tuple[nodes.section, int, str]]:
    """(section, number, title) of each exercise: an "N. Title" H3 under an H2 whose title is "Exercises"."""
    found = []
    for section in doctree.findall(nodes.section):
        parent = section.parent
        if not isinstance(parent, nodes.section) or parent[0].astext().strip() != "Exercises":
            continue
        match = _EXERCISE_TITLE.match(section[0].astext().strip())
        if match:
            found.append((section, int(match.group(1)), match.group(2)))
    return found


def _retitle(section: nodes.section, label: str) -> None:
    """"3. Budgeting deploys" becomes "Exercise 2.3: Budgeting deploys", keeping the title's inline markup."""
    _relabel(section[0], label)


def _retitle_toc_entry(env, docname: str, section: nodes.section, label: str) -> None:
    """The page's table of contents (the HTML's "On this page", the ePub's navigation) is built from a copy of the
    titles taken when the page was read, before chapter numbers existed: give its entry the same label."""
    anchor = "#" + section["ids"][0]
    for entry in env.tocs[docname].findall(nodes.reference):
        if entry.get("anchorname") == anchor and not entry.astext().startswith("Exercise "):
            _relabel(entry, label)


def _relabel(title: nodes.Element, label: str) -> None:
    first = title[0]
    if isinstance(first, nodes.Text):
        title.replace(first, nodes.Text(re.sub(r"^\s*\d+\.\s*", "", str(first), count=1)))
    title.insert(0, nodes.Text(f"{label}: "))


def answer_id(docname: str, number: int) -> str:
    return "answer-" + re.sub(r"[^a-z0-9]+", "-", docname.lower()).strip("-") + f"-{number}"


def _link(text: str, refuri: str) -> nodes.paragraph:
    paragraph = nodes.paragraph(classes=["answer-link"])
    paragraph += nodes.reference(text, text, refuri=refuri, internal=True)
    return paragraph


# -- {answers} -----------------------------------------------------------------------------------------------------


class answers(nodes.General, nodes.Element):
    """Replaced by the answers (student PDF and ePub) or by links to the exercises (elsewhere)."""


class Answers(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        self.env.book_answers_doc = self.env.docname
        node = answers()
        self.set_source_info(node)
        return [node]


def _solution_body(found: solution) -> list[nodes.Node]:
    """A solution's content without the "Solution" title its box carries."""
    return [child for child in found.children if not isinstance(child, nodes.title)]


def _exercise_entries(env):
    """[(docname, chapter number, chapter title, [(section, number, title, solution or None)])] in reading order."""
    numbers = chapter_numbers(env)
    for docname, chapter in sorted(numbers.items(), key=lambda item: item[1]):
        tree = env.get_doctree(docname)
        found = exercises(tree)
        if found:
            title = env.titles[docname].astext()
            yield docname, chapter, title, [(s, n, t, next(iter(s.findall(solution)), None)) for s, n, t in found]


def _chapter_heading(chapter: int, title: str, ids: list[str]) -> nodes.section:
    section = nodes.section("", ids=ids)
    heading = f"Chapter {chapter}: {title}"
    section += nodes.title(heading, heading)
    return section


def _resolved_in(app: Sphinx, doc: str, content: list[nodes.Node]) -> list[nodes.Node]:
    """Resolve references in `content` as the chapter `doc` would (its {doc} and {ref} targets are relative to it)."""
    scratch = new_document(doc)
    scratch.extend(content)
    app.env.book_resolving_answers = True  # the doctree-resolved this emits must not fill the answers again
    try:
        app.env.apply_post_transforms(scratch, doc)
    finally:
        app.env.book_resolving_answers = False
    return list(scratch.children)


def _rebase_links(content: list[nodes.Node], builder, fromdoc: str, todoc: str) -> None:
    """Links resolved for page `fromdoc`, rewritten to work from page `todoc`."""
    source = builder.get_target_uri(fromdoc)
    for node in content:
        for reference in node.findall(nodes.reference):
            if "refid" in reference:  # a link within the chapter: make_refnode writes no page for it
                reference["refuri"] = "#" + reference.attributes.pop("refid")
            uri = reference.get("refuri", "")
            if not uri or "://" in uri or uri.startswith("mailto:"):
                continue
            path, _, fragment = uri.partition("#")
            target = posixpath.normpath(posixpath.join(posixpath.dirname(source), path)) if path else source
            rebased = posixpath.relpath(target, posixpath.dirname(builder.get_target_uri(todoc)) or ".")
            reference["refuri"] = rebased + (f"#{fragment}" if fragment else "")


def _qualify_ids(content: list[nodes.Node], doc: str) -> None:
    """Prefix every id in a copied solution with its chapter's name: ids such as "id62" (a listing's caption, a
    citation) are unique within one chapter only, and the answers page gathers solutions from all of them."""
    prefix = doc.replace("/", "-")
    for node in content:
        for element in node.findall(nodes.Element):
            if element.get("ids"):
                element["ids"] = [f"{prefix}-{name}" for name in element["ids"]]


def _answers_for_epub(app: Sphinx, docname: str) -> list[nodes.Node]:
    """Every solution, moved to the answers page with its links rewritten to work from there."""
    env, builder = app.env, app.builder
    chapters = []
    for doc, chapter, title, found in _exercise_entries(env):
        section = _chapter_heading(chapter, title, [f"answers-chapter-{chapter}"])
        for exercise, number, exercise_title, body in found:
            if body is None:
                continue
            heading = f"Answer {chapter}.{number}: {exercise_title}"
            answer = nodes.section("", ids=[answer_id(doc, number)])
            answer += nodes.title(heading, heading)
            content = _resolved_in(app, doc, copy.deepcopy(_solution_body(body)))
            _rebase_links(content, builder, doc, docname)
            _qualify_ids(content, doc)
            answer += content
            answer += _link(f"Back to Exercise {chapter}.{number}", builder.get_relative_uri(docname, doc) + "#" + exercise["ids"][0])
            section += answer
        chapters.append(section)
    return chapters


def _answers_in_latex(largetree: nodes.document, env) -> list[nodes.Node]:
    """Move every solution of the assembled book into answer sections; leave a link where each was."""
    numbers = chapter_numbers(env)
    chapters: dict[int, nodes.section] = {}
    for start in largetree.findall(addnodes.start_of_file):
        doc = start["docname"]
        if doc not in numbers:
            continue
        chapter = numbers[doc]
        for exercise, number, exercise_title in exercises(start):
            body = next(iter(exercise.findall(solution)), None)
            if body is None:
                continue
            if chapter not in chapters:
                chapters[chapter] = _chapter_heading(chapter, env.titles[doc].astext(), [f"answers-chapter-{chapter}"])
            heading = f"Answer {chapter}.{number}: {exercise_title}"
            answer = nodes.section("", ids=[answer_id(doc, number)])
            answer += nodes.title(heading, heading)
            for reference in body.findall(nodes.reference):
                if "refid" in reference:  # LaTeX qualifies a bare id with the file it is written in: name the chapter
                    reference["refuri"] = f"%{doc}#" + reference.attributes.pop("refid")
            answer += _solution_body(body)
            answer += _link(f"Back to Exercise {chapter}.{number}", f"%{doc}#{exercise['ids'][0]}")
            chapters[chapter] += answer
            body.replace_self(_link(f"Answer {chapter}.{number} is at the back of the book.", f"%{env.book_answers_doc}#{answer_id(doc, number)}"))
    return [chapters[number] for number in sorted(chapters)]


def _exercise_index(app: Sphinx, docname: str) -> list[nodes.Node]:
    """Where every answer is inline (the HTML, the instructor edition): a list of the exercises, by chapter."""
    env, builder = app.env, app.builder
    latex = builder.format == "latex"
    where = "follows its exercise" if is_instructor(app) else "is folded under its exercise: open it after you have tried"
    intro = nodes.paragraph(text=f"In this edition each answer {where}. The exercises, by chapter:")
    out: list[nodes.Node] = [intro]
    for doc, chapter, title, found in _exercise_entries(env):
        out.append(nodes.rubric(text=f"Chapter {chapter}: {title}"))
        items = nodes.bullet_list()
        for exercise, number, exercise_title, _ in found:
            uri = f"%{doc}#{exercise['ids'][0]}" if latex else builder.get_relative_uri(docname, doc) + "#" + exercise["ids"][0]
            item = nodes.list_item()
            item += _link(f"Exercise {chapter}.{number}: {exercise_title}", uri)
            items += item
        out.append(items)
    return out


# -- doctree-resolved: titles, links, answers -------------------------------------------------------------------------


def _resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    env = app.env
    if getattr(env, "book_resolving_answers", False):
        return
    numbers = chapter_numbers(env)
    latex = app.builder.format == "latex"
    back = answers_at_the_back(app)
    answers_doc = getattr(env, "book_answers_doc", None)

    if latex:  # the assembled book: one tree, every chapter inside a start_of_file node
        placeholder = next(iter(doctree.findall(answers)), None)
        if back and placeholder is not None:
            placeholder.replace_self(_answers_in_latex(doctree, env))
        elif placeholder is not None:
            placeholder.replace_self(_exercise_index(app, answers_doc))
        for start in doctree.findall(addnodes.start_of_file):
            if start["docname"] in numbers:
                for exercise, number, _ in exercises(start):
                    _retitle(exercise, f"Exercise {numbers[start['docname']]}.{number}")
        return

    if docname in numbers:
        chapter = numbers[docname]
        for exercise, number, _ in exercises(doctree):
            _retitle(exercise, f"Exercise {chapter}.{number}")
            _retitle_toc_entry(env, docname, exercise, f"Exercise {chapter}.{number}")
            body = next(iter(exercise.findall(solution)), None)
            if back and body is not None and answers_doc:
                uri = app.builder.get_relative_uri(docname, answers_doc) + "#" + answer_id(docname, number)
                body.replace_self(_link(f"Answer {chapter}.{number} is in the answers at the back of the book.", uri))
    placeholder = next(iter(doctree.findall(answers)), None)
    if placeholder is not None:
        placeholder.replace_self(_answers_for_epub(app, docname) if back else _exercise_index(app, docname))


def _purge(app, env, docname):
    if getattr(env, "book_answers_doc", None) == docname:
        env.book_answers_doc = None


def _merge(app, env, docnames, other):
    if getattr(other, "book_answers_doc", None):
        env.book_answers_doc = other.book_answers_doc


def _reread_answers(app, env, added, changed, removed) -> list[str]:
    """The answers page shows every chapter's exercises: read it again whenever any page changed."""
    doc = getattr(env, "book_answers_doc", None)
    return [doc] if doc and (added or changed or removed) else []


def setup(app: Sphinx) -> dict:
    app.add_node(teaching_notes)
    app.add_node(answers)
    app.add_directive("teaching-notes", TeachingNotes)
    app.add_directive("answers", Answers)
    # Before Sphinx's table-of-contents collector (priority 500), so the instructor's section is in the page's toc.
    app.connect("doctree-read", _place_teaching_notes, priority=300)
    app.connect("doctree-resolved", _resolved)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _reread_answers)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
