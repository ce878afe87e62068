"""Figures from code: every kind in every format, the render cache, and each failure reported at its file:line."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import BIN, ROOT, own_folders

from bookext import publish, toolprobe

DIAGRAM = """\
from book_style import architecture
from diagrams.onprem.network import Nginx
from diagrams.onprem.database import PostgreSQL

with architecture(""):
    Nginx("lb") >> PostgreSQL("db")
"""
PLOT = """\
import matplotlib.pyplot as plt
from book_style import plot_style, save_plot

plot_style()
fig, ax = plt.subplots()
ax.plot([1, 2, 3], [1, 4, 9])
save_plot(fig)
"""
MERMAID = "sequenceDiagram\n    participant C as Client\n    C->>S: GET /x\n    S-->>C: 503\n"
CHAPTER = f"""\
# Figures

```{{diagram}} arch
:name: fig-arch
:alt: A load balancer in front of a database.

The architecture.
```

```{{plot}} curve
:name: fig-curve
:alt: A rising curve.

The curve.
```

```{{mermaid}}
:name: fig-seq
:alt: A client gets a 503.
:caption: The failure path.

{MERMAID}```
"""


class FigureProject:
    """A small book using the real conf.py, with its own figure scripts, cache and render log."""

    def __init__(self, root: Path):
        self.root = root
        self.source = root / "src"
        self.scripts = root / "scripts"
        self.cache = root / "cache"
        self.log = root / "renders.jsonl"
        self.scripts.mkdir(parents=True)
        self.source.mkdir()
        shutil.copy(ROOT / "diagrams" / "book_style.py", self.scripts)
        self.write_script("arch", DIAGRAM)
        self.write_script("curve", PLOT)
        self.write_chapter(CHAPTER)

    def write_script(self, name: str, text: str) -> None:
        (self.scripts / f"{name}.py").write_text(text)

    def write_chapter(self, text: str) -> None:
        (self.source / "index.md").write_text(text)

    def build(self, builder: str = "html", tags=(), env=None, **settings) -> subprocess.CompletedProcess:
        out = self.root / f"out-{builder}"
        settings = {**own_folders(self.root), "figures_script_dir": self.scripts, "figures_cache_dir": self.cache, **settings}
        command = publish.sphinx_build_command(builder, self.source, out, self.root / f"doctrees-{builder}", tags, settings)
        command[0] = str(BIN / "sphinx-build")
        environment = {**os.environ, "BOOK_FIGURE_RENDER_LOG": str(self.log), **(env or {})}
        return subprocess.run(command, capture_output=True, text=True, env=environment)

    def renders(self) -> list[str]:
        return [json.loads(line)["figure"] for line in self.log.read_text().splitlines()] if self.log.exists() else []

    def output(self, builder: str) -> Path:
        return self.root / f"out-{builder}"


@pytest.fixture
def figures(tmp_path) -> FigureProject:
    return FigureProject(tmp_path)


def ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stderr


def test_each_kind_appears_in_each_format_in_its_best_image_type(figures):
    ok(figures.build("html"))
    html = (figures.output("html") / "index.html").read_text()
    assert len(re.findall(r'<img[^>]+src="_images/(?:arch|curve|mermaid)-[0-9a-f]{16}\.svg"', html)) == 3
    assert html.count("Figure 1") and html.count("Figure 3"), "figures are numbered"
    ok(figures.build("latex"))
    tex = next(figures.output("latex").glob("*.tex")).read_text()
    assert len(re.findall(r"\\sphinxincludegraphics(?:\[[^]]*\])?\{\{(?:arch|curve|mermaid)-[0-9a-f]{16}\}\.pdf\}", tex)) == 3
    ok(figures.build("epub", tags=("epub",)))
    xhtml = (figures.output("epub") / "index.xhtml").read_text()
    assert len(re.findall(r'src="_images/(?:arch|curve|mermaid)-[0-9a-f]{16}\.png"', xhtml)) == 3


def test_renders_are_portable_and_sharp(figures):
    ok(figures.build("html"))
    svg = next(figures.cache.glob("arch-*.svg")).read_text()
    assert "<!DOCTYPE" not in svg and "site-packages" not in svg and "data:image/png;base64," in svg
    png = next(figures.cache.glob("curve-*.png"))
    from PIL import Image

    with Image.open(png) as image:
        assert image.info.get("dpi", (0,))[0] >= 299, "plots are 300 DPI"


def test_second_build_renders_nothing_and_an_edit_renders_only_that_figure(figures):
    ok(figures.build("html"))
    assert sorted(figures.renders()) == ["arch", "curve", "mermaid"]
    ok(figures.build("latex"))  # another format reuses the same renders; the PDF adds its cover (bookext.frontmatter)
    assert figures.renders()[3:] == ["book_cover"]
    ok(figures.build("html"))
    assert len(figures.renders()) == 4, "nothing changed, so nothing is rendered again"
    figures.write_script("curve", PLOT.replace("[1, 4, 9]", "[1, 2, 3]"))
    ok(figures.build("html"))
    assert figures.renders()[4:] == ["curve"], "editing one script renders that figure only"


def assert_fails_at(result, line: int, *fragments: str) -> None:
    assert result.returncode != 0
    assert re.search(rf"index\.md:{line}: (WARNING|ERROR)", result.stderr), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def assert_cache_clean(figures) -> None:
    files = [p for p in figures.cache.rglob("*") if p.is_file()] if figures.cache.exists() else []
    leftovers = [p for p in files if p.name != toolprobe.CACHE_NAME]  # tool versions, not renders
    assert all(re.match(r"(arch|curve|mermaid)-[0-9a-f]{16}\.(svg|pdf|png|imports\.json)$", p.name) for p in leftovers), leftovers


def test_a_script_that_raises_fails_with_location_and_traceback(figures):
    figures.write_script("curve", "raise RuntimeError('the model diverged')\n")
    assert_fails_at(figures.build("html"), 10, "scripts/curve.py", "RuntimeError: the model diverged")
    assert_cache_clean(figures)


def test_a_script_that_writes_no_image_fails(figures):
    figures.write_script("curve", "print('forgot to save')\n")
    assert_fails_at(figures.build("html"), 10, "produced no SVG, PDF, PNG output")
    assert not list(figures.cache.glob("curve-*"))


def test_a_script_that_hangs_times_out(figures):
    figures.write_script("curve", "import time\ntime.sleep(60)\n")
    assert_fails_at(figures.build("html", figures_timeout=2), 10, "timed out after 2 s")
    assert not list(figures.cache.glob("curve-*"))


def test_a_mermaid_syntax_error_names_the_chapter_line(figures):
    figures.write_chapter(CHAPTER.replace("C->>S: GET /x", "C->>S GET /x"))
    # The diagram's body starts on line 22; the broken message is its third line.
    assert_fails_at(figures.build("html"), 24, "Parse error on line 3")
    assert_cache_clean(figures)


@pytest.mark.parametrize("kind, line", [("diagram", 3), ("mermaid", 17)])
def test_a_figure_without_alt_text_fails(figures, kind, line):
    alt = ":alt: A load balancer in front of a database.\n" if kind == "diagram" else ":alt: A client gets a 503.\n"
    figures.write_chapter(CHAPTER.replace(alt, ""))
    assert_fails_at(figures.build("html"), line, "alt")


def test_a_missing_script_names_the_path(figures):
    figures.write_chapter(CHAPTER.replace("```{diagram} arch", "```{diagram} no_such_script"))
    assert_fails_at(figures.build("html"), 3, "no_such_script.py, which does not exist")


def test_a_missing_graphviz_says_how_to_install_it(figures):
    python_only = str(Path(sys.executable).parent)
    result = figures.build("html", env={"PATH": python_only})
    assert_fails_at(result, 3, "sudo apt-get install graphviz")


def test_a_missing_browser_names_the_setting_and_the_install_command(figures):
    result = figures.build("html", env={"BOOK_CHROMIUM": "/nonexistent/chromium"})
    assert_fails_at(result, 17, "BOOK_CHROMIUM=/nonexistent/chromium is not an executable file")
    assert "sudo apt-get install chromium" in result.stderr


def test_the_decks_render_the_same_sources_for_the_projector_once(figures):
    """A deck (reveal.js) built from the same directives renders each figure for slides (figures_target, larger mermaid
    text): renders of their own, cached like the book's, so a second deck build renders nothing."""
    ok(figures.build("html"))
    ok(figures.build("revealjs", tags=("slides",), root_doc="index"))
    assert sorted(figures.renders()[3:]) == ["arch", "curve", "mermaid"]
    book = rendered_keys(figures)
    deck = dict(re.findall(r'src="_images/(arch|curve|mermaid)-([0-9a-f]{16})\.svg"', (figures.output("revealjs") / "index.html").read_text()))
    assert sorted(deck) == ["arch", "curve", "mermaid"] and all(deck[name] != book[name] for name in deck)
    ok(figures.build("revealjs", tags=("slides",), root_doc="index"))
    assert len(figures.renders()) == 6, "the deck's renders are cached"


def test_diagram_and_mermaid_rasters_are_print_resolution(figures):
    """The ePub's PNGs: at least 300 DPI at the figure's natural size (72 pt/inch for graphviz, 96 px/inch for CSS)."""
    ok(figures.build("html"))
    from PIL import Image

    svg = next(figures.cache.glob("arch-*.svg")).read_text()
    width_pt = float(re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg).group(1))
    with Image.open(next(figures.cache.glob("arch-*.png"))) as png:
        assert png.width / (width_pt / 72) >= 299
    svg = next(figures.cache.glob("mermaid-*.svg")).read_text()
    width_px = float(re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+)', svg).group(1))
    with Image.open(next(figures.cache.glob("mermaid-*.png"))) as png:
        assert png.width / (width_px / 96) >= 290


# -- What invalidates a render: the style module, the tools' versions, the mermaid configuration ------------------------


def rendered_keys(figures) -> dict[str, str]:
    """The cache key of each figure the HTML page shows."""
    html = (figures.output("html") / "index.html").read_text()
    return dict(re.findall(r'src="_images/(arch|curve|mermaid)-([0-9a-f]{16})\.svg"', html))


def assert_rendered_again(figures, before: dict[str, str], expected: list[str]) -> None:
    """Exactly `expected` were rendered in the last build, and the page shows their new renders and the others' old ones."""
    assert sorted(figures.renders()[3:]) == expected
    after = rendered_keys(figures)
    assert sorted(after) == ["arch", "curve", "mermaid"]
    assert sorted(name for name in after if after[name] != before[name]) == expected


def test_a_style_change_renders_the_script_figures_again(figures):
    ok(figures.build("html"))
    before = rendered_keys(figures)
    style = figures.scripts / "book_style.py"
    assert 'INK = "#222222"' in style.read_text()
    style.write_text(style.read_text().replace('INK = "#222222"', 'INK = "#333333"'))
    ok(figures.build("html"))
    # Both scripts import book_style; a mermaid diagram takes its style from conf.py, not from it.
    assert_rendered_again(figures, before, ["arch", "curve"])



def test_a_change_to_a_module_the_script_imports_renders_it_again(figures):
    """A plot's numbers often come from a listing or a sibling script (one source of numbers for the figure, the
    prose and the tests); editing that module must render the figure again, and re-read the page that shows it."""
    figures.write_script("model", "SQUARES = [1, 4, 9]\n")
    figures.write_script("curve", PLOT.replace("[1, 4, 9]", "model.SQUARES").replace("import matplotlib", "import model\nimport matplotlib", 1))
    ok(figures.build("html"))
    before = rendered_keys(figures)
    ok(figures.build("html"))
    assert rendered_keys(figures) == before, "nothing changed, so nothing is rendered again"
    figures.write_script("model", "SQUARES = [1, 2, 3]\n")
    ok(figures.build("html"))
    assert_rendered_again(figures, before, ["curve"])
    assert "model.py" in (figures.cache / next(figures.cache.glob("curve-*.imports.json")).name).read_text()

@pytest.fixture(params=["graphviz", "chromium"])
def tool_upgrade(request, tmp_path) -> SimpleNamespace:
    """One tool, upgraded in place: `install(version)` writes a wrapper at a fixed path that runs the real tool and
    reports `version`; `env` makes a build use the wrapper; `expected` are the figures whose renders depend on it."""
    folder = tmp_path / "tools"
    folder.mkdir()
    if request.param == "graphviz":
        real, flag = shutil.which("dot"), "-V"
        env = {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}
        expected = ["arch", "curve"]  # every script figure's key holds the graphviz version (figures.tool_versions)
    else:
        from bookext import browser

        real, flag = browser.find(), "--version"
        env = {browser.ENVIRONMENT_VARIABLE: str(folder / Path(real).name)}
        expected = ["mermaid"]
    wrapper = folder / Path(real).name

    def install(version: str) -> None:
        wrapper.write_text(f'#!/bin/sh\nif [ "$1" = "{flag}" ]; then echo "{request.param} {version}"; exit 0; fi\nexec {real} "$@"\n')
        wrapper.chmod(0o755)

    return SimpleNamespace(env=env, expected=expected, install=install)


def test_a_tool_upgrade_renders_the_figures_that_use_it_again(figures, tool_upgrade):
    tool_upgrade.install("1.0")
    ok(figures.build("html", env=tool_upgrade.env))
    before = rendered_keys(figures)
    tool_upgrade.install("2.0.1")  # the same path: toolprobe sees the binary's new size and time, and asks again
    shutil.rmtree(figures.root / "doctrees-html")  # a full read, with the figure cache kept
    ok(figures.build("html", env=tool_upgrade.env))
    assert_rendered_again(figures, before, tool_upgrade.expected)


def test_an_incremental_build_renders_again_after_a_tool_upgrade(figures, tool_upgrade):
    """publish.Build keeps doctrees between builds, so this is what `nox -s build` does after `apt-get upgrade`."""
    tool_upgrade.install("1.0")
    ok(figures.build("html", env=tool_upgrade.env))
    before = rendered_keys(figures)
    tool_upgrade.install("2.0.1")
    ok(figures.build("html", env=tool_upgrade.env))
    assert_rendered_again(figures, before, tool_upgrade.expected)


def test_a_mermaid_config_change_renders_the_mermaid_figures_again(figures):
    ok(figures.build("html"))
    before = rendered_keys(figures)
    # conf.py's mermaid_config goes into each diagram's front matter; `-D mermaid_config.theme=...` overrides one key.
    ok(figures.build("html", **{"mermaid_config.theme": "neutral"}))
    assert_rendered_again(figures, before, ["mermaid"])


# -- Every figure script is byte-stable -----------------------------------------------------------------------------

FIGURE_SCRIPTS = sorted(path for path in (ROOT / "diagrams").glob("*.py") if path.name != "book_style.py")


def named_figures() -> dict[str, str]:
    """{script name: directive} for every {diagram} and {plot} in the book and the decks."""
    chapters = [*(ROOT / "book").rglob("*.md"), *(ROOT / "slides").glob("*.md")]
    return {
        name: kind
        for chapter in chapters
        for kind, name in re.findall(r"\{(diagram|plot)\}\s+(\w+)", chapter.read_text(encoding="utf-8"))
    }


def render_into(cache: Path, script: Path, kind: str, target: str = "book") -> dict[str, bytes]:
    """Render a script the way the {diagram} and {plot} directives do, into `cache`; return the cached files."""
    from bookext.figures import render_script

    # This test is about bytes, not speed: the slowest simulations take about 20 s alone, and a busy 2-core machine can
    # stretch that past the build's default timeout (120 s).
    config = SimpleNamespace(figures_cache_dir=str(cache), figures_timeout=900, figures_target=target)
    return {fmt: path.read_bytes() for fmt, path in render_script(SimpleNamespace(confdir=str(ROOT), config=config), script, kind).items()}


@pytest.mark.parametrize("script, kind", [("m0_fanout_tail", "plot"), ("m0_request_path", "diagram")])
def test_a_deck_renders_the_same_script_with_larger_labels(tmp_path, script, kind):
    """The decks' build (figures_target "slides") runs the book's script for a projector, cached as a render of its own."""
    path = ROOT / "diagrams" / f"{script}.py"
    book, slides = render_into(tmp_path, path, kind)["svg"], render_into(tmp_path, path, kind, "slides")["svg"]
    assert len(list(tmp_path.glob(f"{script}-*.svg"))) == 2, "two renders, two cache entries"

    def sizes(svg: bytes) -> list[float]:
        return [float(size) for size in re.findall(rb"font-size[:=]\s*\"?([\d.]+)", svg)]

    assert sizes(book) and min(sizes(slides)) >= 1.4 * min(sizes(book)), "labels are larger on a slide"


def test_every_figure_script_renders_the_same_bytes_twice(tmp_path):
    """Every script in diagrams/, plots and diagrams alike, rendered by bookext.figures into two empty caches, gives
    identical SVG, PDF and PNG files (seeded data, no dates, no random ids). About 2 minutes of CPU, two renders at a
    time (processes: the PNG post-processing runs in Python), so about a minute on two idle cores."""
    named = named_figures()
    assert set(named.values()) == {"diagram", "plot"}
    assert set(named) <= {script.stem for script in FIGURE_SCRIPTS}, "every figure the book shows is rendered here"
    kinds = [named.get(script.stem, "plot") for script in FIGURE_SCRIPTS]  # the cover is not in a chapter
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        first = pool.map(render_into, [tmp_path / "a"] * len(FIGURE_SCRIPTS), FIGURE_SCRIPTS, kinds)
        second = pool.map(render_into, [tmp_path / "b"] * len(FIGURE_SCRIPTS), FIGURE_SCRIPTS, kinds)
        renders = list(zip(FIGURE_SCRIPTS, first, second, strict=True))
    differing = [f"{script.name}: {fmt}" for script, one, two in renders for fmt in ("svg", "pdf", "png") if one[fmt] != two[fmt]]
    assert differing == [], "these renders differ between two runs"
