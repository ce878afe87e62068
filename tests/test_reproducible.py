"""Two builds of one commit are byte-identical, and a build with nothing changed does no work.

The session's book (tests/conftest.py) is built with a figure cache seeded from the repository's; a second build
here renders every figure afresh into an empty cache of its own, in another folder, minutes later. Every published file must come out
with the same bytes: no wall-clock date, no random identifier, no path of the machine that built it.
"""
from __future__ import annotations

import datetime
import hashlib
import os
import zipfile
from pathlib import Path

import pytest
from conftest import own_folders, run_checked
from pypdf import PdfReader

from bookext import publish, reproducible, toolprobe, uptodate

PUBLISHED = ("html", "pdf", "epub", "slides")


def digests(build_dir: Path) -> dict[str, str]:
    return {
        str(path.relative_to(build_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in PUBLISHED
        for path in sorted((build_dir / folder).rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="session")
def second_book(book, tmp_path_factory) -> Path:
    build_dir = tmp_path_factory.mktemp("second-book")
    settings = own_folders(build_dir)  # an empty figure cache: every figure is rendered again
    publish.build_epub(run_checked, build_dir, settings=settings)
    publish.build_pdf(run_checked, build_dir, settings=settings)
    publish.build_slides(run_checked, build_dir, settings=settings)
    publish.build_html(run_checked, build_dir, settings=settings)
    return build_dir


def test_two_builds_of_one_commit_publish_the_same_bytes(book, second_book):
    first, second = digests(book.build_dir), digests(second_book)
    # The session folder also holds what other tests built into it (the US Letter PDF): compare what both hold.
    assert len(second) > 300 and set(second) <= set(first)
    differing = sorted(name for name in second if first[name] != second[name])
    assert not differing, f"{len(differing)} published files differ between two builds: {differing[:20]}"


def test_every_date_the_build_writes_is_the_commit_date(book):
    epoch = reproducible.source_date_epoch()
    stamp = datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)
    with zipfile.ZipFile(book.epub) as archive:
        entries = archive.infolist()
    assert entries[0].filename == "mimetype" and entries[0].compress_type == zipfile.ZIP_STORED
    *day, seconds = stamp.timetuple()[:6]
    assert {entry.date_time for entry in entries} == {(*day, seconds - seconds % 2)}  # zip keeps even seconds
    for pdf in [book.pdf, *book.slides.glob("*.pdf")]:
        info = PdfReader(pdf).metadata  # xdvipdfmx may keep it in a compressed object stream
        assert info.creation_date == stamp and info.modification_date in (None, stamp), pdf.name


def test_chromium_dates_are_replaced_in_place(tmp_path):
    pdf = tmp_path / "deck.pdf"
    original = b"%PDF-1.4\n1 0 obj\n<</Creator (x) /CreationDate (D:20261202141857+00'00') /ModDate (D:20261202141857+00'00')>>\nendobj\n"
    pdf.write_bytes(original)
    reproducible.stamp_chromium_pdf(pdf, 0)
    stamped = pdf.read_bytes()
    assert len(stamped) == len(original), "offsets in the cross-reference table must stay valid"
    assert stamped.count(b"D:19700101000000+00'00'") == 2 and b"2026" not in stamped
    pdf.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(ValueError, match="no /CreationDate"):
        reproducible.stamp_chromium_pdf(pdf, 0)


def test_an_unchanged_format_is_not_rebuilt_and_any_change_rebuilds_it(project, tmp_path):
    source = project({"index.md": "# A small book\n\nSome text.\n"})
    build_dir = tmp_path / "build"
    commands: list[list] = []

    def recording_run(command: list) -> None:
        commands.append(command)
        run_checked(command)

    def build() -> int:
        commands.clear()
        publish.build_html(recording_run, build_dir, source=source, settings=own_folders(build_dir))
        return len(commands)

    assert build() == 1
    assert build() == 0, "nothing changed, so nothing may run"
    (source / "index.md").write_text("# A small book\n\nOther text.\n")
    assert build() == 1, "a source edit rebuilds"
    (build_dir / "html" / "index.html").unlink()
    assert build() == 1, "a damaged artifact is rebuilt"
    os.environ["SOURCE_DATE_EPOCH"] = str(int(os.environ["SOURCE_DATE_EPOCH"]) + 1)
    try:
        assert build() == 1, "another date is another input"
    finally:
        os.environ["SOURCE_DATE_EPOCH"] = str(int(os.environ["SOURCE_DATE_EPOCH"]) - 1)
    (build_dir / "pdf").mkdir(parents=True)
    (build_dir / "pdf" / "system-design.pdf").write_bytes(b"%PDF")
    assert build() == 1, "the HTML embeds the PDF: a new PDF rebuilds it"
    assert build() == 0


def test_inputs_include_the_extensions_and_the_tools(tmp_path, monkeypatch):
    source = tmp_path / "src"
    source.mkdir()
    (source / "index.md").write_text("# Title\n")
    before = uptodate.inputs_digest(source, [], {})
    monkeypatch.setattr(uptodate, "TOOLS", (*uptodate.TOOLS, "sh"))
    assert uptodate.inputs_digest(source, [], {}) != before, "a tool binary is part of the key"
    assert uptodate.inputs_digest(source, ["epub"], {}) != uptodate.inputs_digest(source, [], {})


def test_a_tool_is_asked_its_version_once_per_binary(tmp_path):
    log = tmp_path / "calls"
    tool = tmp_path / "fake-tool"
    tool.write_text(f"#!/bin/sh\necho call >> {log}\necho 'fake-tool 1.0'\n")
    tool.chmod(0o755)
    cache = tmp_path / "cache"
    assert toolprobe.version(str(tool), ["--version"], cache) == "fake-tool 1.0"
    assert toolprobe.version(str(tool), ["--version"], cache) == "fake-tool 1.0"
    assert log.read_text().count("call") == 1
    tool.write_text(tool.read_text().replace("1.0", "2.0"))  # a new binary: new size and time
    assert toolprobe.version(str(tool), ["--version"], cache) == "fake-tool 2.0"
    assert log.read_text().count("call") == 2


def test_no_published_pdf_links_into_the_build_machine(book):
    for pdf in [book.pdf, *book.slides.glob("*.pdf")]:
        assert b"file://" not in pdf.read_bytes(), f"{pdf.name} links to a file on the machine that built it"
