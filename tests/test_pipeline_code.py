"""Small, fast tests of the pipeline's own code."""
from __future__ import annotations

import os

import pytest

from bookext import environment, figure_cache, publish
from bookext.mermaid import chapter_message


def test_cache_key_separates_parts_and_is_stable():
    assert figure_cache.cache_key("ab", "c") != figure_cache.cache_key("a", "bc")
    assert figure_cache.cache_key("x", b"y") == figure_cache.cache_key("x", "y")
    assert len(figure_cache.cache_key("x")) == 16


def test_store_is_all_or_nothing(tmp_path):
    cache = figure_cache.FigureCache(tmp_path / "cache")
    scratch = cache.scratch()
    (scratch / "f.svg").write_text("<svg/>")
    (scratch / "f.pdf").write_bytes(b"%PDF")
    rendered = {fmt: scratch / f"f.{fmt}" for fmt in figure_cache.FORMATS}
    with pytest.raises(FileNotFoundError, match="PNG"):
        cache.store("f", "k", rendered, source="test")
    assert not cache.has("f", "k") and not list(cache.root.glob("f-k.*"))
    (scratch / "f.png").write_bytes(b"\x89PNG")
    cache.store("f", "k", rendered, source="test")
    assert cache.has("f", "k")


def test_render_log_counts_stores(tmp_path, monkeypatch):
    log = tmp_path / "renders.jsonl"
    monkeypatch.setenv(figure_cache.RENDER_LOG_ENV, str(log))
    cache = figure_cache.FigureCache(tmp_path / "cache")
    scratch = cache.scratch()
    for fmt in figure_cache.FORMATS:
        (scratch / f"g.{fmt}").write_text("x")
    cache.store("g", "k", {fmt: scratch / f"g.{fmt}" for fmt in figure_cache.FORMATS}, source="diagrams/g.py")
    assert log.read_text().count("\n") == 1 and "diagrams/g.py" in log.read_text()


def test_publish_dir_swaps_whole_trees(tmp_path):
    staged, target = tmp_path / "staged", tmp_path / "site"
    staged.mkdir()
    (staged / "a.html").write_text("new")
    (staged / ".buildinfo").write_text("internal")
    target.mkdir()
    (target / "old.html").write_text("old")
    publish.publish_dir(staged, target)
    assert sorted(p.name for p in target.iterdir()) == ["a.html"]
    assert not list(tmp_path.glob(".site.*"))


def test_latex_log_check_names_missing_glyphs(tmp_path):
    log = tmp_path / "book.log"
    log.write_text("ok\nMissing character: There is no ⇒ (U+21D2) in font DejaVu Serif!\n")
    with pytest.raises(publish.LatexLogError, match="U\\+21D2"):
        publish.check_latex_log(log)
    log.write_text("all fine\n")
    publish.check_latex_log(log)


def test_sphinx_command_is_strict():
    command = publish.sphinx_build_command("html", publish.ROOT / "book", publish.ROOT / "_build/x", publish.ROOT / "_build/d")
    for flag in ("--nitpicky", "--fail-on-warning", "--keep-going"):
        assert flag in command


def test_apt_command_is_exact_and_uses_sudo_only_when_needed():
    command = environment.apt_install_command(["graphviz", "xindy"])
    prefix = "" if os.geteuid() == 0 else "sudo "
    assert command == f"{prefix}apt-get update && {prefix}apt-get install -y --no-install-recommends graphviz xindy"


class FakeDiagram(dict):
    line = 40


def test_mermaid_parse_error_maps_to_the_chapter_line():
    diagram = FakeDiagram(content_line=45)
    error = "Parse error on line 5:\n...A->>B hello\n------^\nExpecting 'TXT'\nParser.parseError (https://x.invalid/a.mjs:1:2)"
    message, line = chapter_message(error, diagram)
    assert line == 45 + 5 - 1
    assert message.startswith("Parse error on line 5:") and "parseError (" not in message


def test_bibliography_labels_never_run_out_of_suffixes():
    from bookext.bibliography import suffix

    names = [suffix(i) for i in range(26 * 27 + 1)]
    assert names[:2] == ["a", "b"] and names[25:28] == ["z", "aa", "ab"] and names[-1] == "aaa"
    assert len(set(names)) == len(names), "every entry of one author-year gets its own label"
