"""The one Python environment every build and test uses, and the system tools they need.

Standard library only: `run.py` imports this with the system Python before any environment exists, and the
noxfile imports it under whatever Python runs nox.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
PACKAGE_LOCK = ROOT / "package-lock.json"

# Debian packages the build and the tests need (README.md lists them). tests/test_environment.py checks that every
# program in PROGRAMS and every library the bundled binaries load comes from one of these (or from what they depend on).
APT_PACKAGES = [
    "make",  # bookext.publish runs Sphinx's LaTeX Makefile (`make all-pdf`)
    "latexmk", "texlive-xetex", "texlive-latex-recommended", "texlive-latex-extra", "texlive-fonts-recommended",
    "xindy",  # back-of-book index for xelatex
    "dvisvgm",  # math as SVG in the ePub
    "graphviz",  # `dot`, used by the diagrams library
    "fonts-dejavu",  # the book's fonts, with the math font DejaVu Math TeX Gyre
    "chromium",  # pre-renders mermaid, prints slide PDFs, runs the browser tests (any Chrome will do: bookext.browser)
    "libatomic1",  # loaded by the Node.js binary inside the playwright wheel (the browser tests' driver)
    "epubcheck", "default-jre-headless",  # validates the ePub
    "poppler-utils",  # pdffonts, pdftotext, pdfinfo, pdftoppm for the PDF and deck checks
    "python3-venv",
]
# Installed outside apt on some machines (e.g. Node from NodeSource): checked by command, installed from Debian if absent.
APT_COMMANDS = {"node": "nodejs", "npm": "npm", "java": "default-jre-headless"}

# Every program the build and the tests start, by name, with the package that provides it. Programs that another
# program starts count too: Sphinx's Makefile runs latexmk, which runs xelatex (and xdvipdfmx) and xindy.
PROGRAMS = {
    "make": "make",
    "latexmk": "latexmk",
    "xelatex": "texlive-xetex",
    "xdvipdfmx": "texlive-xetex",
    "xindy": "xindy",
    "dot": "graphviz",
    "java": "default-jre-headless",
    "node": "nodejs",
    "npm": "npm",
    "pdftotext": "poppler-utils",
    "pdffonts": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "dpkg-query": "dpkg",
    "apt-get": "apt",
    "ldd": "libc-bin",  # the dependency test
    "git": "git",  # the date every build writes is the last commit's (bookext.reproducible)
}


def _browser_found() -> bool:
    from bookext import browser  # standard library only as well

    return browser.available()


def missing_apt_packages() -> list[str]:
    if not shutil.which("dpkg-query"):
        return []
    installed = installed_packages(APT_PACKAGES)
    missing = [
        package for package in APT_PACKAGES
        if package not in installed and not (package == "chromium" and _browser_found())
    ]
    for command, package in APT_COMMANDS.items():
        if not shutil.which(command) and package not in missing:
            missing.append(package)
    if package_is_virtual_venv_ok() and "python3-venv" in missing:
        missing.remove("python3-venv")  # this Python's venv works already (e.g. a pyenv build)
    return missing


def installed_packages(packages: list[str]) -> set[str]:
    """Which of `packages` dpkg has installed, asked in one call (unknown names are simply not installed)."""
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package}\t${Status}\n", *packages], capture_output=True, text=True
    )
    return {
        line.split("\t")[0].split(":")[0] for line in result.stdout.splitlines() if line.endswith("install ok installed")
    }


def package_is_virtual_venv_ok() -> bool:
    try:
        import ensurepip  # noqa: F401  (Debian's python3 lacks it until python3-venv is installed)
    except ImportError:
        return False
    return True


def apt_install_command(packages: list[str]) -> str:
    sudo = "" if os.geteuid() == 0 else "sudo "
    return f"{sudo}apt-get update && {sudo}apt-get install -y --no-install-recommends {' '.join(packages)}"


def _digest(*paths: Path) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def venv_python() -> Path:
    return VENV / "bin" / "python"


def python_env_is_current() -> bool:
    stamp = VENV / ".requirements-lock.sha256"
    return venv_python().exists() and stamp.exists() and stamp.read_text() == _digest(LOCK)


def sync_python_env(run=subprocess.check_call) -> None:
    """Create .venv once and install exactly requirements.lock; later calls do nothing until the lock changes."""
    if python_env_is_current():
        return
    if not venv_python().exists():
        run([sys.executable, "-m", "venv", str(VENV)])
    run([str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(LOCK)])
    (VENV / ".requirements-lock.sha256").write_text(_digest(LOCK))


def node_env_is_current() -> bool:
    stamp = ROOT / "node_modules" / ".package-lock.sha256"
    return stamp.exists() and stamp.read_text() == _digest(PACKAGE_LOCK)


def sync_node_env(run=subprocess.check_call) -> None:
    """`npm ci` from package-lock.json when it changed; puppeteer uses Debian's Chromium, so its download is skipped."""
    if node_env_is_current():
        return
    env = {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"}
    run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT, env=env)
    (ROOT / "node_modules" / ".package-lock.sha256").write_text(_digest(PACKAGE_LOCK))
