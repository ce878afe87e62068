"""ePub specifics: figures as PNG, a cover rendered from a figure script, and the EPUB 3 cover-image property.

Sphinx marks the cover only the EPUB 2 way (`<meta name="cover">`); EPUB 3 reading systems look for
`properties="cover-image"` on the manifest item, so the builder adds it after writing content.opf.
"""
from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.builders.epub3 import Epub3Builder
from sphinx.errors import ExtensionError

from bookext import reproducible
from bookext.figures import FigureScriptError, render_script
from bookext.offline import add_static_file


class BookEpubBuilder(Epub3Builder):
    # PNG first: reading systems render it everywhere, and epubcheck rejects the SVG that graphviz and mermaid write.
    supported_image_types = ["image/png", "image/jpeg", "image/gif", "image/svg+xml"]

    def init(self) -> None:
        super().init()
        script = Path(self.app.confdir, self.config.epub_cover_script)
        try:
            if not script.is_file():
                raise FigureScriptError("does not exist (epub_cover_script)")
            cover = render_script(self.app, script, "plot")["png"]
        except FigureScriptError as exc:
            raise ExtensionError(f"the ePub cover script {script} {exc}") from None
        add_static_file(self.app, cover, Path("cover.png"))

    def prepare_writing(self, docnames) -> None:
        # Sphinx's <html> tag for ePub pages has no language, so a screen reader guesses how to pronounce every page.
        lang = html.escape(self.config.language or "en")
        self.html_tag = (
            f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" '
            f'lang="{lang}" xml:lang="{lang}">'
        )
        super().prepare_writing(docnames)

    def build_content(self) -> None:
        # Sphinx lists every file in the output folder in the spine, then adds the cover page it writes itself: in an
        # incremental build the previous cover page is listed twice, which epubcheck rejects (RSC-005). Remove it first.
        Path(self.outdir, self.coverpage_name).unlink(missing_ok=True)
        super().build_content()
        opf = Path(self.outdir, "content.opf")
        cover_image = self.config.epub_cover[0] if self.config.epub_cover else ""
        text = opf.read_text(encoding="utf-8")
        text = re.sub(
            rf'(<item id="[^"]+" href="{re.escape(cover_image)}" media-type="image/png")\s*/>',
            r'\1 properties="cover-image" />',
            text,
        )
        text = text.replace("  </metadata>", accessibility_metadata(self.app, self.outdir, self.files) + "  </metadata>", 1)
        opf.write_text(text, encoding="utf-8")

    def build_navigation_doc(self) -> None:
        super().build_navigation_doc()
        # EPUB Accessibility: the navigation document's toc carries the ARIA role that matches its epub:type (Ace:
        # epub-type-has-matching-role).
        nav = Path(self.outdir, "nav.xhtml")
        text = nav.read_text(encoding="utf-8")
        nav.write_text(text.replace('<nav epub:type="toc">', '<nav epub:type="toc" role="doc-toc">'), encoding="utf-8")

    def build_epub(self) -> None:
        """Sphinx's archive (mimetype first and stored, then the package files), with one fixed timestamp."""
        names = ["mimetype", "META-INF/container.xml", "content.opf", "toc.ncx", *self.files]
        entries = [
            (Path(self.outdir, name), name, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
            for name in names
        ]
        target = Path(self.outdir, self.config.epub_basename + ".epub")
        reproducible.write_zip(target, entries, reproducible.source_date_epoch())


_IMG = re.compile(r"<img\b[^>]*>")
_ALT = re.compile(r'\salt="([^"]*)"')


def accessibility_metadata(app: Sphinx, outdir: str, files: list[str]) -> str:
    """EPUB Accessibility 1.1 metadata (schema.org's properties in the package document), each claim checked against
    the files being packaged: a feature is declared only when the book has it."""
    pages = {name: Path(outdir, name).read_text(encoding="utf-8") for name in files if name.endswith(".xhtml")}
    images = [tag for text in pages.values() for tag in _IMG.findall(text)]
    every_image_described = all((_ALT.search(tag) or [None, ""])[1].strip() for tag in images)
    math = [tag for tag in images if 'class="math"' in tag]
    features = ["structuralNavigation", "tableOfContents", "readingOrder"]
    if images and every_image_described:
        features.append("alternativeText")
    if any(name.startswith("genindex") for name in pages):
        features.append("index")
    if math:
        features.append("describedMath")  # each formula's alt text is the formula in words (bookext.mathsvg)
    summary = app.config.epub_accessibility_summary
    lines = [
        '<meta property="schema:accessMode">textual</meta>',
        *(['<meta property="schema:accessMode">visual</meta>'] if images else []),
        # Diagrams and charts carry alt text, but a short text alternative does not replace every chart; so the book
        # claims text and images together suffice, not text alone.
        f'<meta property="schema:accessModeSufficient">{"textual,visual" if images else "textual"}</meta>',
        *(f'<meta property="schema:accessibilityFeature">{feature}</meta>' for feature in features),
        '<meta property="schema:accessibilityHazard">none</meta>',  # no flashing, no motion simulation, no sound
        f"<meta property=\"schema:accessibilitySummary\">{html.escape(summary, quote=False)}</meta>",
    ]
    if app.config.epub_accessibility_conforms_to:
        lines += [
            f"<meta property=\"dcterms:conformsTo\">{html.escape(app.config.epub_accessibility_conforms_to, quote=False)}</meta>",
            f"<meta property=\"a11y:certifiedBy\">{html.escape(app.config.epub_publisher, quote=False)}</meta>",
        ]
    return "".join(f"    {line}\n" for line in lines)


def setup(app: Sphinx) -> dict:
    app.add_config_value("epub_accessibility_summary", "", "env", types=[str])
    # The conformance claim; tests/test_accessibility.py runs DAISY Ace on every build and fails on a violation.
    app.add_config_value("epub_accessibility_conforms_to", "", "env", types=[str])
    app.add_config_value("epub_cover_script", "diagrams/book_cover.py", "env", types=[str])
    app.add_builder(BookEpubBuilder, override=True)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
