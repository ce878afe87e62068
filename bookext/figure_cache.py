"""A content-addressed store of rendered figures shared by every builder and every build.

A render is stored as `<stem>-<hash>.<ext>`; the hash covers everything that can change the picture (source bytes,
options, config files, tool versions), so a file that exists is reused and a changed input gets a new name. Renders are
written into a scratch folder and moved in only when every format exists, so a failed or interrupted render never
leaves a broken file in the cache.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

FORMATS = ("svg", "pdf", "png")  # HTML/slides, LaTeX, ePub
RENDER_LOG_ENV = "BOOK_FIGURE_RENDER_LOG"  # tests and `nox -s bench` count renders through this file


def cache_key(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))  # length-prefixed, so ("ab", "c") != ("a", "bc")
        digest.update(data)
    return digest.hexdigest()[:16]


class FigureCache:
    def __init__(self, root: Path):
        self.root = Path(root)

    def paths(self, stem: str, key: str) -> dict[str, Path]:
        return {fmt: self.root / f"{stem}-{key}.{fmt}" for fmt in FORMATS}

    def has(self, stem: str, key: str) -> bool:
        return all(path.is_file() for path in self.paths(stem, key).values())

    def scratch(self) -> Path:
        """A private folder on the cache's file system, so the final moves are atomic renames."""
        self.root.mkdir(parents=True, exist_ok=True)
        folder = self.root / ".tmp" / f"{os.getpid()}-{time.monotonic_ns()}"
        folder.mkdir(parents=True)
        return folder

    def store(self, stem: str, key: str, rendered: dict[str, Path], source: str) -> dict[str, Path]:
        """Move finished renders into the cache (each an atomic rename) and log the render."""
        missing = [fmt for fmt in FORMATS if not rendered.get(fmt) or not rendered[fmt].is_file() or not rendered[fmt].stat().st_size]
        if missing:
            raise FileNotFoundError(f"produced no {', '.join(missing).upper()} output")
        targets = self.paths(stem, key)
        for fmt in FORMATS:
            os.replace(rendered[fmt], targets[fmt])
        log = os.environ.get(RENDER_LOG_ENV)
        if log:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"figure": stem, "key": key, "source": source}) + "\n")
        return targets

    @staticmethod
    def discard(folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)


def reread_when_tools_change(env, name: str, versions: str) -> list[str]:
    """For `env-get-outdated`: every document, when the tool versions recorded in the environment under `name`
    differ from `versions` or were never recorded (an environment written before they were).

    A render's cache key holds its tools' versions, but Sphinx only re-reads a page whose source changed, so without
    this an incremental build after `apt-get upgrade` keeps showing the old renders. Rereading every page is cheap
    next to that: the figures whose tools did not change are found in the cache.
    """
    recorded = getattr(env, "book_tool_versions", {})
    env.book_tool_versions = {**recorded, name: versions}
    if recorded.get(name) == versions:
        return []
    return sorted(env.found_docs)
