"""Figures from code: every kind in every format, the render cache, and each failure reported at its file:line."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BIN, ROOT

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
        settings = {"figures_script_dir": self.scripts, "figures_cache_dir": self.cache, **settings}
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
    ok(figures.build("latex"))  # another format reuses the same renders
    ok(figures.build("html"))
    assert len(figures.renders()) == 3, "nothing changed, so nothing is rendered again"
    figures.write_script("curve", PLOT.replace("[1, 4, 9]", "[1, 2, 3]"))
    ok(figures.build("html"))
    assert figures.renders()[3:] == ["curve"], "editing one script renders that figure only"


def assert_fails_at(result, line: int, *fragments: str) -> None:
    assert result.returncode != 0
    assert re.search(rf"index\.md:{line}: (WARNING|ERROR)", result.stderr), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def assert_cache_clean(figures) -> None:
    files = [p for p in figures.cache.rglob("*") if p.is_file()] if figures.cache.exists() else []
    leftovers = [p for p in files if p.name != toolprobe.CACHE_NAME]  # tool versions, not renders
    assert all(re.match(r"(arch|curve|mermaid)-[0-9a-f]{16}\.(svg|pdf|png)$", p.name) for p in leftovers), leftovers


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


def test_plot_scripts_are_byte_stable(tmp_path):
    """The same script run twice writes identical files (seeded data, no timestamps)."""
    outputs = []
    for run in ("a", "b"):
        folder = tmp_path / run
        folder.mkdir()
        env = {**os.environ, "BOOK_FIGURE_OUTPUT": str(folder / "fig"), "SOURCE_DATE_EPOCH": "0", "PYTHONHASHSEED": "0"}
        subprocess.run([sys.executable, str(ROOT / "diagrams" / "m0_fanout_tail.py")], cwd=folder, env=env, check=True)
        outputs.append({fmt: (folder / f"fig.{fmt}").read_bytes() for fmt in ("svg", "pdf", "png")})
    assert outputs[0] == outputs[1]


def test_the_decks_use_the_same_renders(figures):
    """A deck (reveal.js) built from the same directives reuses the book's renders: nothing is rendered again."""
    ok(figures.build("html"))
    ok(figures.build("revealjs", tags=("slides",), root_doc="index"))
    assert len(figures.renders()) == 3
    deck = (figures.output("revealjs") / "index.html").read_text()
    assert len(re.findall(r'src="_images/(?:arch|curve|mermaid)-[0-9a-f]{16}\.svg"', deck)) == 3


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
