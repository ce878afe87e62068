"""How legible each lecture slide is on a projector: the smallest text on it, in CSS px at 1920×1080.

Text sizes are font sizes (the em box), as a style sheet states them, after every scale the slide goes through:
- HTML text: its computed font-size × Reveal.getScale() (reveal scales the 1280×720 slide with a CSS transform);
- math: MathJax SVG draws glyphs in units of 1/1000 em, so a glyph's size is 1000 × the scale of its screen CTM;
- figures: an <img> of an SVG. The SVG file is opened in a page of its own, its root set to the size the <img> has
  on the slide, and each <text>/<tspan> measures computed font-size × the scale of its getScreenCTM(). Computed
  styles are needed because mermaid sets sizes in a <style> sheet, not in attributes; the CTM carries the viewBox
  fit, preserveAspectRatio and every nested transform (mermaid nests scale() and translate()).

Run `python tests/deck_legibility.py BUILD [BUILD ...]` (a folder of built decks) for a table per deck and build,
and each deck's ten slides with the smallest text. tests/test_deck_legibility.py holds the floors to the build.
"""
from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

VIEWPORT = {"width": 1920, "height": 1080}  # a 1080p projector, full screen
FLOOR_ANY = 18.0  # px, any text: figure labels, captions, code, the slide number
FLOOR_BODY = 28.0  # px, body text: headings, bullets, paragraphs, tables and their math
FIGURE_MIN_SHARE = 0.5  # of the slide's width or height, unless one of two figures side by side


@dataclass
class Figure:
    name: str  # file name in _images/
    width_share: float  # displayed width / slide width
    height_share: float
    side_by_side: bool  # one of two figures next to each other on the slide
    smallest_px: float | None = None  # None: no text in it, or not an SVG
    smallest_text: str = ""

    def too_small(self) -> bool:
        return not self.side_by_side and max(self.width_share, self.height_share) < FIGURE_MIN_SHARE


@dataclass
class SlideMeasure:
    number: int  # 1-based, as reveal's slide number shows it
    title: str
    smallest_px: float | None  # any text on the slide (None: no text at all); the slide number is not counted here
    where: str
    smallest_body_px: float | None
    body_where: str
    slide_number_px: float | None  # reveal's "c/t" counter; None when it is not shown
    height_used: float  # bounding box of the slide's title and visible content blocks / slide height
    figures: list[Figure] = field(default_factory=list)

    def problems(self, deck: str) -> list[str]:
        """One line per broken rule, naming the deck source and the slide (the slide number is a deck-wide check)."""
        found = []
        if self.smallest_px is not None and self.smallest_px < FLOOR_ANY:
            found.append(f"{deck}.md slide {self.number}: smallest text {self.smallest_px:.1f} px in {self.where} (floor {FLOOR_ANY:.0f} px)")
        if self.smallest_body_px is not None and self.smallest_body_px < FLOOR_BODY:
            found.append(f"{deck}.md slide {self.number}: smallest body text {self.smallest_body_px:.1f} px in {self.body_where} (floor {FLOOR_BODY:.0f} px)")
        for figure in self.figures:
            if figure.too_small():
                found.append(
                    f"{deck}.md slide {self.number}: figure {figure.name} is {figure.width_share:.0%} of the slide's width "
                    f"and {figure.height_share:.0%} of its height (at least {FIGURE_MIN_SHARE:.0%} of one, unless one of two side by side)"
                )
        return found


# Show slide `n` (0-based) and wait until reveal reports it current, as tests/test_slides.py does, then measure the
# HTML and math on it and list its figures. Runs in the deck's page.
MEASURE_SLIDE_JS = """async (n) => {
    const slide = Reveal.getSlides()[n];
    if (Reveal.getCurrentSlide() !== slide) {
        await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`slide ${n + 1} never became current`)), 5000);
            Reveal.on("slidechanged", function changed(event) {
                if (event.currentSlide !== slide) return;
                Reveal.off("slidechanged", changed);
                clearTimeout(timer);
                resolve();
            });
            const { h, v } = Reveal.getIndices(slide);
            Reveal.slide(h, v);
        });
    }
    const images = [...slide.querySelectorAll("img")];
    await Promise.all(images.map((img) => img.decode().catch(() => null)));  // an unloaded <img> has no size yet

    const scale = Reveal.getScale();
    const box = document.querySelector(".reveal .slides").getBoundingClientRect();  // the 1280x720 slide, scaled
    const shown = (el) => el.checkVisibility({ visibilityProperty: true }) && !el.closest("aside.notes");
    const kindOf = (el) =>
        el.closest("figcaption") ? "figcaption"
        : el.closest(".footnote, .footnote-reference, .footnote-list, aside.footnote, a.footnote") ? "footnote"
        : el.closest("pre, code, kbd, samp, .highlight") ? "code"
        : el.closest("figure") ? "figure"
        : "body";
    const snippet = (text) => JSON.stringify(text.trim().replace(/\\s+/g, " ").slice(0, 40));
    const texts = [];  // {px, kind, where}
    const scaleOf = (m) => Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));  // rotation-free: rotated axis labels count

    // HTML text: every visible text node outside math (MathJax's hidden MathML copy holds text nodes too).
    const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!node.data.trim() || !el || el.closest("mjx-container, svg") || !shown(el)) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        if (![...range.getClientRects()].some((r) => r.width > 0 && r.height > 0)) continue;  // clipped or empty
        const kind = kindOf(el);
        const where = kind !== "body" ? kind : el.closest("table") ? "table" : el.closest("h1, h2, h3, h4, li, p, dt, dd")?.localName ?? el.localName;
        texts.push({ px: parseFloat(getComputedStyle(el).fontSize) * scale, kind, where: `${where} ${snippet(node.data)}` });
    }
    // Math: glyphs are <use>/<path data-c> in 1/1000 em; characters outside MathJax's font are <text>.
    for (const container of slide.querySelectorAll("mjx-container")) {
        if (!shown(container)) continue;
        const kind = kindOf(container);
        for (const glyph of container.querySelectorAll("svg [data-c], svg text")) {
            const m = glyph.getScreenCTM();
            if (!m) continue;
            const px = glyph.localName === "text" ? parseFloat(getComputedStyle(glyph).fontSize) * scaleOf(m) : 1000 * scaleOf(m);
            texts.push({ px, kind, where: `math${kind === "body" ? "" : " in " + kind}` });
        }
    }
    // SVG drawn inline (not math): its <text> measured where it stands.
    for (const text of slide.querySelectorAll("svg text, svg tspan")) {
        if (text.closest("mjx-container") || !shown(text) || ![...text.childNodes].some((c) => c.nodeType === 3 && c.data.trim())) continue;
        texts.push({ px: parseFloat(getComputedStyle(text).fontSize) * scaleOf(text.getScreenCTM()), kind: "figure", where: `inline svg ${snippet(text.textContent)}` });
    }

    const figures = images.filter(shown).map((img) => {
        const r = img.getBoundingClientRect();
        const style = getComputedStyle(img);
        // The SVG is drawn in the content box: the border box less borders and padding (scaled like the rest).
        const inset = (a, b) => (parseFloat(style[a]) + parseFloat(style[b])) * scale;
        return {
            src: img.src, rect: [r.left, r.top, r.right, r.bottom],
            content: [r.width - inset("borderLeftWidth", "borderRightWidth") - inset("paddingLeft", "paddingRight"),
                      r.height - inset("borderTopWidth", "borderBottomWidth") - inset("paddingTop", "paddingBottom")],
            width_share: r.width / box.width, height_share: r.height / box.height,
        };
    });

    // Height used: from the top of the highest visible child to the bottom of the lowest.
    // The slide's title and the blocks of its body (bookext/slides.py wraps them in one .slide-body, which always spans the slide).
    const blocks = [...slide.children].flatMap((c) => c.classList.contains("slide-body") ? [...c.children] : [c]);
    const children = blocks.filter(shown).map((c) => c.getBoundingClientRect()).filter((r) => r.height > 0);
    const used = children.length ? (Math.max(...children.map((r) => r.bottom)) - Math.min(...children.map((r) => r.top))) / box.height : 0;

    const number = document.querySelector(".reveal .slide-number");  // outside the scaled slide: its px are final
    return {
        title: (slide.querySelector("h1, h2, h3")?.textContent ?? "").replace(/\\s+/g, " ").trim(),
        texts, figures, used,
        slide_number_px: number && number.checkVisibility() && number.textContent.trim() ? parseFloat(getComputedStyle(number).fontSize) : null,
    };
}"""

# In a page showing one SVG file: size its root as the <img> is on the slide, then find its smallest text.
MEASURE_SVG_JS = """([width, height]) => {
    const root = document.documentElement;
    root.style.maxWidth = "none";  // mermaid caps its own width, which an <img> box ignores
    root.style.width = `${width}px`;
    root.style.height = `${height}px`;
    let smallest = null;
    for (const el of root.querySelectorAll("text, tspan, foreignObject *")) {
        const own = [...el.childNodes].filter((c) => c.nodeType === 3).map((c) => c.data).join("").trim();
        if (!own || el.closest("defs, symbol, marker, clipPath, mask, pattern") || !el.checkVisibility({ visibilityProperty: true })) continue;
        // HTML inside a foreignObject has no CTM of its own: it takes that of its foreignObject.
        const m = (el instanceof SVGGraphicsElement ? el : el.closest("foreignObject")).getScreenCTM();
        const px = parseFloat(getComputedStyle(el).fontSize) * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
        if (!smallest || px < smallest.px) smallest = { px, text: own.replace(/\\s+/g, " ").slice(0, 40) };
    }
    return smallest;
}"""


def wait_until_presentable(page) -> None:
    """As tests/test_slides.py: reveal started, web fonts loaded, every formula typeset (sizes are final only then)."""
    page.wait_for_function("() => window.Reveal?.isReady()", timeout=15000)
    page.evaluate(
        """async () => {
            await document.fonts.ready;
            if (document.querySelector(".math")) await MathJax.startup.promise;
        }"""
    )


def _svg_text(page, url: str, size: tuple[float, float], cache: dict) -> dict | None:
    """The smallest text of the SVG at `url` drawn at `size` CSS px, measured in a second page of the same browser."""
    key = (url, round(size[0], 1), round(size[1], 1))
    if key not in cache:
        svg_page = page.context.browser.new_page(viewport=VIEWPORT)  # a page's own context takes no second page
        try:
            svg_page.goto(url)
            cache[key] = svg_page.evaluate(MEASURE_SVG_JS, list(size))
        finally:
            svg_page.close()
    return cache[key]


def _side_by_side(figures: list[dict]) -> list[bool]:
    """Exactly two figures that share a row (overlap vertically) and not a column (no horizontal overlap)."""
    def row(a, b):
        return a["rect"][1] < b["rect"][3] and b["rect"][1] < a["rect"][3] and (a["rect"][2] <= b["rect"][0] or b["rect"][2] <= a["rect"][0])

    return [len(figures) == 2 and row(*figures) for _ in figures]


def _smallest(texts: list[dict]) -> tuple[float | None, str]:
    if not texts:
        return None, ""
    best = min(texts, key=lambda t: t["px"])
    return best["px"], best["where"]


def measure_deck(page, html_path) -> list[SlideMeasure]:
    """Open the deck at 1920×1080 in `page` (a Playwright page), show every slide in turn and measure it."""
    page.set_viewport_size(VIEWPORT)
    page.goto(Path(html_path).resolve().as_uri())
    page.wait_for_load_state("networkidle")
    wait_until_presentable(page)
    svg_cache: dict = {}
    measures = []
    for index in range(page.evaluate("Reveal.getTotalSlides()")):
        raw = page.evaluate(MEASURE_SLIDE_JS, index)
        texts, figures = raw["texts"], []
        for figure, paired in zip(raw["figures"], _side_by_side(raw["figures"]), strict=True):
            name = figure["src"].rsplit("/", 1)[-1]
            found = _svg_text(page, figure["src"], tuple(figure["content"]), svg_cache) if name.endswith(".svg") else None
            figures.append(Figure(name, figure["width_share"], figure["height_share"], paired,
                                  found and found["px"], found["text"] if found else ""))
            if found:
                texts.append({"px": found["px"], "kind": "figure", "where": f'figure {name} "{found["text"]}"'})
        smallest, where = _smallest(texts)
        body, body_where = _smallest([t for t in texts if t["kind"] == "body"])
        measures.append(SlideMeasure(index + 1, raw["title"], smallest, where, body, body_where,
                                     raw["slide_number_px"], raw["used"], figures))
    return measures


def deck_row(deck: str, measures: list[SlideMeasure]) -> str:
    """One row of the summary table (markdown)."""
    sizes = [m.smallest_px for m in measures if m.smallest_px is not None]
    under = sum(1 for px in sizes if px < FLOOR_ANY)
    body_under = sum(1 for m in measures if m.smallest_body_px is not None and m.smallest_body_px < FLOOR_BODY)
    small_figures = sum(1 for m in measures for f in m.figures if f.too_small())
    numbers = {m.slide_number_px for m in measures if m.slide_number_px is not None}
    return (f"| {deck} | {len(measures)} | {under} ({under / len(measures):.0%}) | {min(sizes):.1f} | "
            f"{statistics.median(m.height_used for m in measures):.0%} | {body_under} | {small_figures} | "
            f"{', '.join(f'{px:g}' for px in sorted(numbers)) or 'none'} |")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")  # a title or a figure's label may hold a pipe


TABLE_HEAD = (
    f"| deck | slides | slides with text < {FLOOR_ANY:.0f} px | smallest text (px) | median share of slide height used "
    f"| slides with body text < {FLOOR_BODY:.0f} px | figures under {FIGURE_MIN_SHARE:.0%} of width and height | slide number (px) |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|"
)


def main(builds: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from conftest import CHROMIUM_ARGS  # the suite's flags (offline, file access); conftest puts the repo on sys.path

    from bookext import browser

    results: dict[str, list[tuple[str, list[SlideMeasure]]]] = {}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser.find(), args=CHROMIUM_ARGS)
        for build in builds:
            for html in sorted(Path(build).glob("*.html")):
                if html.stem == "index":
                    continue  # the list of decks, not a deck
                page = chromium.new_page()
                results.setdefault(html.stem, []).append((build, measure_deck(page, html)))
                page.close()
        chromium.close()

    print(TABLE_HEAD.replace("| deck |", "| deck | build |", 1).replace("|---|", "|---|---|", 1) if len(builds) > 1 else TABLE_HEAD)
    for deck, runs in results.items():
        for build, measures in runs:
            row = deck_row(deck, measures)
            print(row.replace(f"| {deck} |", f"| {deck} | {build} |", 1) if len(builds) > 1 else row)
    for deck, runs in results.items():
        for build, measures in runs:
            print(f"\n{deck} ({build}): the 10 slides with the smallest text\n")
            print("| slide | title | smallest (px) | where | smallest body (px) | body where |\n|---:|---|---:|---|---:|---|")
            ranked = sorted((m for m in measures if m.smallest_px is not None), key=lambda m: m.smallest_px)
            for m in ranked[:10]:
                body = f"{m.smallest_body_px:.1f}" if m.smallest_body_px is not None else "–"
                print(f"| {m.number} | {_cell(m.title)} | {m.smallest_px:.1f} | {_cell(m.where)} | {body} | {_cell(m.body_where)} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python tests/deck_legibility.py BUILT_DECKS_FOLDER [ANOTHER ...]")
    main(sys.argv[1:])
