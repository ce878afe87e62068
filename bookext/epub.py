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
        opf.write_text(text, encoding="utf-8")

    def build_epub(self) -> None:
        """Sphinx's archive (mimetype first and stored, then the package files), with one fixed timestamp."""
        names = ["mimetype", "META-INF/container.xml", "content.opf", "toc.ncx", *self.files]
        entries = [
            (Path(self.outdir, name), name, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
            for name in names
        ]
        target = Path(self.outdir, self.config.epub_basename + ".epub")
        reproducible.write_zip(target, entries, reproducible.source_date_epoch())


def setup(app: Sphinx) -> dict:
    app.add_config_value("epub_cover_script", "diagrams/book_cover.py", "env", types=[str])
    app.add_builder(BookEpubBuilder, override=True)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
