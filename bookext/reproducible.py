"""One date for everything a build writes, so two builds of one commit produce the same bytes.

Standard library only (the noxfile, the tests and the Sphinx extensions share it). The date is `SOURCE_DATE_EPOCH`
(https://reproducible-builds.org/specs/source-date-epoch/) if the caller set it, else the time of the last commit.
Sphinx (the HTML's "last updated", the PDF's title page, the ePub's dc:date), matplotlib and xdvipdfmx (with
`FORCE_SOURCE_DATE=1`) read it from the environment; the ePub's zip entries and the PDFs Chromium prints (decks,
handouts, mermaid figures) are stamped here.
"""
from __future__ import annotations

import datetime
import os
import re
import subprocess
import zipfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def source_date_epoch() -> int:
    if os.environ.get("SOURCE_DATE_EPOCH", "").strip():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        result = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"], capture_output=True, text=True)
    except OSError:  # no git on PATH: treat the folder like a tarball
        result = None
    if result and result.returncode == 0 and result.stdout.strip():
        return int(result.stdout.strip())
    # Not a git checkout (a source tarball): the newest source file is the best date there is.
    return int(max(path.stat().st_mtime for path in (ROOT / "book").rglob("*") if path.is_file()))


def set_environment() -> int:
    """Export the date for every tool the build starts; returns it."""
    epoch = source_date_epoch()
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    os.environ["FORCE_SOURCE_DATE"] = "1"  # TeX Live: \today, the PDF's dates and its /ID come from it
    return epoch


def _utc(epoch: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)


def write_zip(target: Path, files: Iterable[tuple[Path, str, int]], epoch: int) -> None:
    """A zip whose bytes depend only on the files' contents and order: one timestamp, fixed permissions."""
    stamp = max(_utc(epoch), datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC)).timetuple()[:6]
    with zipfile.ZipFile(target, "w") as archive:
        for path, name, compression in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = compression
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever machine built it
            archive.writestr(info, path.read_bytes())


_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate) \(D:)(\d{14})")


def stamp_pdf_dates(path: Path, epoch: int, required: bool = True) -> None:
    """Replace the wall-clock dates a renderer wrote into a PDF's Info dictionary, in place.

    Only the 14 digits change (whatever time-zone suffix follows stays), so the file keeps its length and the
    cross-reference offsets stay valid. Chromium (Skia) and cairo 1.16 (graphviz) ignore SOURCE_DATE_EPOCH.
    """
    data = path.read_bytes()
    date = _utc(epoch).strftime("%Y%m%d%H%M%S").encode()
    stamped, count = _PDF_DATE.subn(lambda match: match.group(1) + date, data)
    if count == 0 and required:
        raise ValueError(f"{path}: no /CreationDate or /ModDate found; has the renderer's PDF output changed?")
    path.write_bytes(stamped)


def stamp_chromium_pdf(path: Path, epoch: int) -> None:
    """Chromium always writes both dates: a PDF without them means its output changed, so say so."""
    stamp_pdf_dates(path, epoch, required=True)
