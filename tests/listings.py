"""Import the course's code listings (book/<module>/code/*.py) by path, so tests exercise the files the chapters show,
and pin the numbers of the chapters' prose to the sentences that state them."""
from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Callable

# BOOK_SOURCE_DIR points the content tests at another copy of book/, e.g. one with a number changed on purpose.
BOOK = Path(os.environ.get("BOOK_SOURCE_DIR") or Path(__file__).resolve().parent.parent / "book")


def load_listing(relative_path: str) -> ModuleType:
    """Load `book/<relative_path>` as a module, e.g. load_listing("m0-fundamentals/code/backoff.py")."""
    path = BOOK / relative_path
    name = "listing_" + "_".join(path.with_suffix("").relative_to(BOOK).parts).replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and typing resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def chapter_text(relative_path: str) -> str:
    """The MyST source of a chapter, for tests that check a number in the prose against its formula."""
    # `\$` is how the source writes a literal dollar sign; compare against what the reader sees. The teaching notes
    # (instructor edition only) are not what a student reads, and quote the chapter's numbers on purpose: without
    # them, "this sentence occurs once" means once in the chapter.
    text = (BOOK / relative_path).read_text(encoding="utf-8")
    text = re.sub(r"^:::\{teaching-notes\}.*?^:::[ \t]*$", "", text, flags=re.S | re.M)
    return text.replace("\\$", "$")


def _is_digit(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isdigit()


def occurrences(text: str, fragment: str) -> list[int]:
    """Where `fragment` occurs in `text`, both with whitespace runs folded to one space, as a whole number at each end:
    "4.4" is not found inside "14.4" or "4.45", nor "1,200" inside "11,200"."""
    text, fragment = " ".join(text.split()), " ".join(fragment.split())
    found, start = [], text.find(fragment)
    while start != -1:
        end = start + len(fragment)
        cut_before = fragment[0].isdigit() and (
            _is_digit(text, start - 1) or (text[start - 1 : start] in (".", ",") and _is_digit(text, start - 2))
        )
        cut_after = fragment[-1].isdigit() and (
            _is_digit(text, end) or (text[end : end + 1] in (".", ",") and _is_digit(text, end + 1))
        )
        if not (cut_before or cut_after):
            found.append(start)
        start = text.find(fragment, start + 1)
    return found


def pinned(text: str, fragment: str) -> None:
    """Assert that `fragment` occurs exactly once in `text` (see `occurrences`).

    A prose check pins a computed number to the sentence that states it. A fragment that also occurs elsewhere would
    still be found after that sentence was edited, so the fragment must carry enough of its sentence to be unique.
    """
    found = occurrences(text, fragment)
    if len(found) == 1:
        return
    flat = " ".join(text.split())
    width = len(" ".join(fragment.split()))
    where = "\n".join(f"  ...{flat[max(0, i - 60) : i + width + 60]}..." for i in found[:6])
    problem = "not found" if not found else f"occurs {len(found)} times; widen it to its sentence:\n{where}"
    raise AssertionError(f"{fragment!r} {problem}")


def prose(relative_path: str) -> str:
    """The chapter with line breaks and runs of spaces folded to single spaces, so a wrapped phrase still matches."""
    return " ".join(chapter_text(relative_path).split())


class FakeClock:
    """A manual clock for listings that take a `clock` callable: tests move time forward instead of sleeping."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def without_lock(listing_class: type) -> type:
    """The listing's class with its `_lock` replaced by a no-op: the naive version a thread-safety test must catch."""

    def __init__(self, *args, **kwargs) -> None:
        listing_class.__init__(self, *args, **kwargs)
        self._lock = contextlib.nullcontext()

    return type(f"{listing_class.__name__}WithoutLock", (listing_class,), {"__init__": __init__})


def granted_by_racing_threads(try_once: Callable[[], bool], threads: int, tries: int) -> int:
    """Threads released together by a barrier each call `try_once` `tries` times; how many calls it granted.
    A limiter, budget or bucket is exact under threads when this equals what it holds, whatever the interleaving."""
    start, granted = threading.Barrier(threads), []

    def client() -> None:
        start.wait()
        granted.append(sum(try_once() for _ in range(tries)))

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(granted)
