"""Import the course's code listings (book/<module>/code/*.py) by path, so tests exercise the files the chapters show."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BOOK = Path(__file__).resolve().parent.parent / "book"


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
    # `\$` is how the source writes a literal dollar sign; compare against what the reader sees.
    return (BOOK / relative_path).read_text(encoding="utf-8").replace("\\$", "$")
