"""Bad input stops the build with the file and line, and never replaces the last good artifact."""
from __future__ import annotations

import re

import pytest
from conftest import run_checked, sphinx_build

from bookext import publish

GOOD = "# A small book\n\nSome text.\n"


def assert_fails_at(result, filename: str, line: int, *fragments: str) -> None:
    assert result.returncode != 0, "the build should fail"
    output = result.stderr + result.stdout
    assert re.search(rf"{re.escape(filename)}:{line}: (WARNING|ERROR)", output), output
    for fragment in fragments:
        assert fragment in output, output


def test_broken_cross_reference_names_file_and_line(project):
    source = project({"index.md": "# Title\n\nSee {ref}`no-such-label` here.\n"})
    assert_fails_at(sphinx_build(source), "index.md", 3, "no-such-label")


def test_missing_image_names_file_and_line(project):
    source = project({"index.md": "# Title\n\n```{figure} missing.png\n:alt: nothing\n\nCaption.\n```\n"})
    assert_fails_at(sphinx_build(source), "index.md", 3, "missing.png")


def test_malformed_directive_names_file_and_line(project):
    source = project({"index.md": "# Title\n\nText.\n\n```{figure} x.png\n:widht: 50%\n\nCaption.\n```\n"})
    assert_fails_at(sphinx_build(source), "index.md", 5, "widht")


def test_unknown_directive_names_file_and_line(project):
    source = project({"index.md": "# Title\n\n```{no-such-directive}\nbody\n```\n"})
    assert_fails_at(sphinx_build(source), "index.md", 3, "no-such-directive")


def test_failed_build_keeps_the_last_good_artifact_and_forgets_its_environment(project, tmp_path):
    source = project({"index.md": GOOD})
    build_dir = tmp_path / "build"
    published = publish.build_html(run_checked, build_dir, source=source)
    before = (published / "index.html").read_bytes()
    (source / "index.md").write_text("# A small book\n\nSee {ref}`missing`.\n")
    with pytest.raises(AssertionError, match=r"index.md:3"):
        publish.build_html(run_checked, build_dir, source=source)
    assert (published / "index.html").read_bytes() == before, "the failed build replaced the published page"
    assert not (build_dir / ".doctrees" / "html" / "environment.pickle").exists()
    # Unchanged source, second attempt: the warning is reported again instead of being skipped as up to date.
    with pytest.raises(AssertionError, match=r"index.md:3"):
        publish.build_html(run_checked, build_dir, source=source)


UNCLOSED_AT_END = """# Title

## Worked example

:::{admonition} Worked example: a sum
:class: worked-example
1 + 1 = 2.

## Further reading

The section MyST would otherwise swallow into the box above.
"""


def test_an_unclosed_fence_that_swallows_a_section_names_its_opening_line(project):
    source = project({"index.md": UNCLOSED_AT_END})
    assert_fails_at(sphinx_build(source), "index.md", 5, "contains the heading on line 9", "closing ::: missing")


def test_a_fence_open_at_end_of_file_names_its_opening_line(project):
    text = "# Title\n\nText.\n\n```{note}\nThe note, and nothing closes it.\n"
    assert_fails_at(sphinx_build(project({"index.md": text})), "index.md", 5, "never closed")


def test_closed_and_nested_fences_pass(project):
    text = (
        "# Title\n\n::::{note}\n:::{tip}\nInner.\n:::\n\n```python\n# a comment, not a heading\n:::\n```\n::::\n\n"
        "## Next section\n\nText.\n"
    )
    result = sphinx_build(project({"index.md": text}))
    assert result.returncode == 0, result.stderr
