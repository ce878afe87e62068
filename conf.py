"""One Sphinx configuration for every format of the course: HTML, PDF (LaTeX), ePub and the lecture decks.

Builds run as `sphinx-build -c . book OUT` (the decks: `-c . slides OUT -t slides`); `nox -l` lists the sessions
that do it. What differs by format is chosen with tags (`-t slides`, `-t epub`, `-t letter`), never by copies of
this file.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # the local extensions in bookext/

# -- Project information -----------------------------------------------------
# https://www.sphinx-doc.org/en/master/usage/configuration.html#project-information
project = "System Design: A Staff-Level Course"
author = "A Dev Writes"
copyright = "2026, A Dev Writes"
language = "en"
# The book's version is an edition and a date, not a release number: the date is the last commit's
# (SOURCE_DATE_EPOCH when set), so a rebuild of the same commit prints the same date.
from bookext import frontmatter, reproducible  # noqa: E402

EDITION = "instructor" if tags.has("instructor") else "student"  # noqa: F821
BUILD_EPOCH = reproducible.source_date_epoch()
version = frontmatter.edition_date(BUILD_EPOCH)  # the ePub's required version: "2026-12-02"
release = ""  # LaTeX prints the release on the title page and in the page heads

# -- General configuration ---------------------------------------------------
# https://www.sphinx-doc.org/en/master/usage/configuration.html#general-configuration
extensions = [
    "myst_parser",
    "sphinx.ext.mathjax",
    "sphinxcontrib.bibtex",
    # local extensions, last
    "bookext.bibliography",  # registers the "book" pybtex style used below
    "bookext.mathsvg",  # checks every formula; typesets the ePub's math
    "bookext.mermaid",  # also sets up sphinxcontrib.mermaid, bookext.figures and bookext.gallery
    "bookext.exercises",
    "bookext.editions",  # student (default) and instructor (-t instructor) editions; answers at the back
    "bookext.fences",  # an unclosed ::: or ``` fails the build instead of swallowing the sections after it
    "bookext.offline",
    "bookext.epub",
    "bookext.a11y",  # accessible markup on every HTML, ePub and slide page (one post-processing step)
    "bookext.frontmatter",  # the PDF's cover, title page, colophon and running heads
]
if tags.has("slides"):  # noqa: F821 (Sphinx injects `tags`)
    extensions += ["sphinx_revealjs", "bookext.slides"]

root_doc = "index"
source_suffix = {".md": "markdown"}
templates_path = ["_templates"]
exclude_patterns = ["**/code/**", "**/README.md"]
nitpicky = True
numfig = True
numfig_format = {"figure": "Figure %s", "table": "Table %s", "code-block": "Listing %s"}
math_numfig = True
math_eqref_format = "Eq. {number}"
suppress_warnings = [
    # MyST warns about a heading level that jumps (e.g. H1 to H3) inside admonitions; the course uses none of these,
    # so nothing is suppressed here yet. Keep this list empty unless a warning is understood and harmless.
]

# -- MyST --------------------------------------------------------------------
# https://myst-parser.readthedocs.io/en/latest/configuration.html
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "deflist"]
myst_heading_anchors = 3

# -- Bibliography ------------------------------------------------------------
# https://sphinxcontrib-bibtex.readthedocs.io/en/latest/usage.html
bibtex_bibfiles = ["book/references.bib"]  # relative to this file, like every path here
bibtex_default_style = "book"
bibtex_reference_style = "author_year"

# -- Figures (bookext.figures, bookext.mermaid) --------------------------------
figures_script_dir = "diagrams"
figures_cache_dir = "_build/.figure-cache"
# mermaid in the book's visual language: DejaVu Sans like the body text, Okabe-Ito colours (diagrams/book_style.py),
# and no HTML labels, which render as foreignObject that PDF and ePub cannot show.
mermaid_output_format = "svg"  # never "raw": that loads mermaid.js from a CDN (bookext.mermaid pre-renders instead)
mermaid_config = {
    "theme": "base",
    # Mermaid draws some shapes (notes) with rough.js, seeded at random unless a seed is given: one seed, same bytes.
    "handDrawnSeed": 1,
    "fontFamily": "DejaVu Sans, sans-serif",
    "htmlLabels": False,
    "flowchart": {"htmlLabels": False, "curve": "basis"},
    "sequence": {"mirrorActors": False, "showSequenceNumbers": False},
    "themeVariables": {
        "fontFamily": "DejaVu Sans, sans-serif",
        "fontSize": "15px",
        "primaryColor": "#DCEEFB",
        "primaryBorderColor": "#0072B2",
        "primaryTextColor": "#222222",
        "lineColor": "#222222",
        "secondaryColor": "#FDF0D5",
        "tertiaryColor": "#E6F5EF",
        "actorBkg": "#DCEEFB",
        "actorBorder": "#0072B2",
        "noteBkgColor": "#FDF0D5",
        "noteBorderColor": "#E69F00",
        "activationBkgColor": "#E6F5EF",
        "activationBorderColor": "#009E73",
    },
}

# -- Math --------------------------------------------------------------------
# HTML and slides: MathJax, vendored from node_modules by bookext.offline (Sphinx's default loads it from a CDN).
# ePub: the same MathJax run at build time writes each formula as an SVG image (bookext.mathsvg), so no reading
# system needs JavaScript and no raw TeX is left. LaTeX typesets the PDF's math itself.
mathjax_path = "mathjax/tex-svg-full.js"
html_math_renderer = "svgmath" if tags.has("epub") else "mathjax"  # noqa: F821

# -- Options for HTML output -------------------------------------------------
# https://sphinx-book-theme.readthedocs.io/en/stable/
html_theme = "sphinx_book_theme"
html_title = "System Design"
html_static_path = ["_static"]
html_css_files = ["book.css"]
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": False,  # its "print to PDF" is a browser print; the sidebar links the real PDF and ePub
    "use_fullscreen_button": False,
}
html_context = {"default_mode": "auto"}  # follows the reader's system setting; the switch in the header overrides it
html_sidebars = {"**": ["navbar-logo.html", "search-button-field.html", "sbt-sidebar-nav.html", "sidebar-downloads.html"]}
html_last_updated_fmt = "%d %B %Y"
html_copy_source = False
html_show_sourcelink = False

# -- Options for the lecture decks (sphinx-revealjs, `-t slides`) -----------
# https://sphinx-revealjs.readthedocs.io/en/stable/configurations/
# reveal.js ships inside sphinx-revealjs (no CDN); math uses the same vendored MathJax as the HTML book.
if tags.has("slides"):  # noqa: F821
    # Figures drawn for a projector: larger labels and a 16:9 canvas from the same scripts (diagrams/book_style.py),
    # and mermaid text at 24 px instead of 15, each cached apart from the book's renders.
    figures_target = "slides"
    mermaid_config["themeVariables"]["fontSize"] = "24px"
    # Sequence diagrams size their own text (mermaid's defaults: 16 px actors, messages and notes) and space their
    # messages for a page; on a 16:9 slide a tall diagram is scaled by its height, so tighter rows mean larger text.
    mermaid_config["sequence"] = {
        **mermaid_config["sequence"], "actorFontSize": 24, "messageFontSize": 24, "noteFontSize": 24,
        "messageMargin": 22, "boxMargin": 6, "noteMargin": 6, "actorMargin": 30, "height": 48,
    }
    root_doc = "course-overview"  # every deck is a standalone page; the first lecture's deck is the root
    suppress_warnings.append("toc.not_included")  # decks are not chained by a toctree: each is a self-contained page
    # A scaled figure is otherwise a link to its image file, which the printed deck turns into a file:// link to the
    # build machine's staging folder.
    html_scaled_image_link = False
revealjs_html_theme = "revealjs-simple"
revealjs_style_theme = "white"
revealjs_static_path = ["_static"]
revealjs_css_files = ["slides.css"]
revealjs_script_conf = """{
    width: 1280, height: 720, margin: 0.06,
    hash: true, slideNumber: "c/t", showSlideNumber: "all",
    transition: "none", center: false, controls: true, progress: true
}"""
revealjs_script_plugins = [{"name": "RevealNotes", "src": "revealjs/plugin/notes/notes.js"}]

# -- Options for LaTeX (PDF) output ------------------------------------------
# https://www.sphinx-doc.org/en/master/latex.html
latex_engine = "xelatex"
latex_documents = [("index", "system-design.tex", project, author, "manual")]
latex_toplevel_sectioning = "part"  # a module is a Part, a topic a Chapter
latex_show_urls = "footnote"
latex_show_pagerefs = False
latex_use_xindy = True
latex_additional_files = ["_templates/latex/booktypography.sty"]
# `-t print` (`nox -s pdf -- --print`): a trade paperback, 7 x 9.25 in, two-sided with mirrored margins (the wider one
# at the spine), chapters on right-hand pages, links in black without boxes, and no cover page (a printer takes the
# cover as a file of its own). The screen editions (A4, Letter) keep one-sided pages and blue links.
PRINT = tags.has("print")  # noqa: F821
PRINT_GEOMETRY = r"\usepackage[paperwidth=7in,paperheight=9.25in,inner=0.875in,outer=0.625in,top=0.85in,bottom=0.9in]{geometry}"
latex_elements = {
    "papersize": "letterpaper" if tags.has("letter") else "a4paper",  # noqa: F821
    "pointsize": "11pt",
    # On screen, chapters start on the next page, not the next right-hand page: no blank pages.
    "extraclassoptions": "twoside,openright" if PRINT else "openany",
    "geometry": PRINT_GEOMETRY if PRINT else r"\usepackage{geometry}",
    # DejaVu covers the arrows, ≤ ≥ ≈ and Greek the text uses; Sphinx's default FreeSerif is not installed.
    "fontpkg": r"""
\setmainfont{DejaVu Serif}
\setsansfont{DejaVu Sans}
\setmonofont{DejaVu Sans Mono}[Scale=0.88]
""",
    "preamble": r"""
\usepackage{unicode-math}
\usepackage{eso-pic}
\usepackage[fit]{truncate}
\usepackage{booktypography}
\setmathfont{DejaVu Math TeX Gyre}
\setlength{\headheight}{14pt}
"""
    + frontmatter.running_heads(two_sided=PRINT)
    # emptypage: the blank left-hand page before a chapter carries no running head or page number.
    + (r"\hypersetup{hidelinks}\usepackage{emptypage}" if PRINT else ""),
    "releasename": "",
    "maketitle": frontmatter.maketitle(
        "System Design", "A Staff-Level Course", author, EDITION, BUILD_EPOCH, frontmatter.source_revision(), "A Dev Writes",
        cover=not PRINT,
    ),
    "sphinxsetup": (
        "hmargin={2.2cm,2.2cm}, vmargin={2.4cm,2.6cm}, TitleColor={rgb}{0,0.447,0.698},"
        # the chapter opener's goals box (bookext.frontmatter draws it as a "hint"): Okabe-Ito sky blue
        " div.hint_border-TeXcolor={rgb}{0.337,0.706,0.914}, div.hint_title-background-TeXcolor={rgb}{0.87,0.94,0.98}"
    ),
    "printindex": r"\footnotesize\raggedright\printindex",
    "figure_align": "htbp",
}

# -- Options for ePub output -------------------------------------------------
# https://www.sphinx-doc.org/en/master/usage/configuration.html#options-for-epub-output
epub_title = project
epub_author = author
epub_publisher = author
epub_contributor = author
epub_description = (
    "A Staff-level course in designing scalable, reliable distributed systems: mental models over memorisation, "
    "failure-first design, and every number derived or cited."
)
epub_copyright = copyright
# Sphinx writes epub_uid both as the OPF identifier's XML id and as the NCX dtb:uid, which epubcheck requires to equal
# the identifier itself; so the two are one stable, XML-id-safe UUID string.
epub_identifier = epub_uid = "uuid-5b1f3c9e-6a0d-4c57-9a43-2f8d1e7c4b21"
epub_scheme = "uuid"
epub_cover = ("_static/cover.png", "epub-cover.html")
epub_basename = "system-design"
epub_show_urls = "footnote"
epub_use_index = True
epub_tocscope = "includehidden"  # module pages list their chapters in hidden toctrees; the ePub navigation needs them
epub_exclude_files = ["search.html"]
epub_css_files = ["book.css"]
# EPUB Accessibility 1.1 (bookext.epub writes the schema.org metadata and declares only the features the book has).
epub_accessibility_summary = (
    "Reflowable text with structural navigation: headings, a table of contents and an index. Every figure, diagram "
    "and chart has a short text alternative; math is typeset as images whose alternative text is the formula in "
    "words. Code and tables are text. No print page numbers. Checked with DAISY Ace (automated checks only): no "
    "critical, serious or moderate violations."
)
epub_accessibility_conforms_to = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
