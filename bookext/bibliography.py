"""The bibliography's style: entries labelled "Author Year" (matching the author-year citations in the text), sorted
by author, with titles printed as written (pybtex's default lower-cases article titles: "The amazon builders' library").
"""
from __future__ import annotations

import string
from collections import Counter

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.template import field, sentence
from sphinx.application import Sphinx


def _surname(person) -> str:
    return " ".join(person.last_names) or " ".join(person.first_names)


def author_year(entry) -> str:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    if not people:
        who = entry.fields.get("organization") or entry.fields.get("publisher") or entry.key
    elif len(people) == 1:
        who = _surname(people[0])
    elif len(people) == 2:
        who = f"{_surname(people[0])} and {_surname(people[1])}"
    else:
        who = f"{_surname(people[0])} et al."
    return f"{who.replace('{', '').replace('}', '')} {entry.fields.get('year', 'n.d.')}"


def suffix(index: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa, 27 -> ab: as many distinct suffixes as one author-year needs."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = string.ascii_lowercase[remainder] + letters
    return letters


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        labels = [author_year(entry) for entry in sorted_entries]
        counts, seen = Counter(labels), Counter()
        for label in labels:
            if counts[label] > 1:  # Beyer et al. 2016a, 2016b, ... 2016z, 2016aa
                yield label + suffix(seen[label])
                seen[label] += 1
            else:
                yield label


class BookStyle(PlainStyle):
    default_label_style = "book-author-year"

    def format_title(self, e, which_field, as_sentence=True):
        title = field(which_field)
        return sentence[title] if as_sentence else title


def setup(app: Sphinx) -> dict:
    register_plugin("pybtex.style.labels", "book-author-year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "book", BookStyle)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
