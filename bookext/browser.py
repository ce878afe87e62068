"""Where the Chromium is that renders mermaid, prints the decks and runs the browser tests: asked here, and only here.

Standard library only (run.py and the noxfile import it before any environment exists). The search order:

1. `BOOK_CHROMIUM`, if set: the caller meant that browser, so a wrong value is an error, not a reason to look further;
2. `chromium`, `chromium-browser`, `google-chrome`, `google-chrome-stable` on PATH (Debian's package, other
   distributions' names, the Chrome that GitHub's Ubuntu runners ship), skipping Ubuntu's snap shims, which print an
   install hint instead of starting a browser when snapd is absent (containers, Read the Docs);
3. a browser that puppeteer downloaded into its cache (`npx puppeteer browsers install chrome-headless-shell`), for
   machines with network access and no packaged browser.
"""
from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

ENVIRONMENT_VARIABLE = "BOOK_CHROMIUM"
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = (
    "install Debian's Chromium (sudo apt-get install chromium), or set BOOK_CHROMIUM to a Chromium or Chrome binary"
)


class BrowserNotFound(RuntimeError):
    pass


def _is_snap_shim(path: Path) -> bool:
    """Ubuntu's transitional chromium packages install a shell script that runs (or asks for) the snap."""
    try:
        head = path.read_bytes()[:4096]
    except OSError:
        return False
    return head.startswith(b"#!") and b"snap" in head


def _puppeteer_downloads() -> list[Path]:
    cache = Path(os.environ.get("PUPPETEER_CACHE_DIR") or Path.home() / ".cache" / "puppeteer")
    found = []
    for pattern in ("chrome-headless-shell/linux-*/*/chrome-headless-shell", "chrome/linux-*/*/chrome"):
        found += sorted(cache.glob(pattern), reverse=True)  # the newest version first
    return [path for path in found if os.access(path, os.X_OK)]


def candidates() -> list[Path]:
    """Every usable browser on this machine, in the order `find` prefers them."""
    found = []
    for name in NAMES:
        path = shutil.which(name)
        if path and not _is_snap_shim(Path(path)):
            found.append(Path(path))
    return found + _puppeteer_downloads()


@functools.cache
def find() -> str:
    """The browser's path; raises BrowserNotFound with what to install."""
    chosen = os.environ.get(ENVIRONMENT_VARIABLE)
    if chosen:
        path = shutil.which(chosen)
        if not path:
            raise BrowserNotFound(f"{ENVIRONMENT_VARIABLE}={chosen} is not an executable file; {INSTALL_HINT}")
        return path
    found = candidates()
    if not found:
        raise BrowserNotFound(f"no Chromium or Chrome found (looked for {', '.join(NAMES)} and puppeteer's cache); {INSTALL_HINT}")
    return str(found[0])


def available() -> bool:
    try:
        find()
    except BrowserNotFound:
        return False
    return True


def node_environment() -> dict[str, str]:
    """The environment for the Node scripts that launch the browser (they read BOOK_CHROMIUM and nothing else)."""
    return {**os.environ, ENVIRONMENT_VARIABLE: find()}
