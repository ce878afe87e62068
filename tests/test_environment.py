"""What a fresh machine needs is declared: every program the build and the tests start, and every shared library the
binaries shipped through pip and npm load, comes from a package `run.py` installs (or from the base system).

Everything here asks this machine's dpkg, so a package that is installed by chance (make, libatomic1) but declared
nowhere is caught even though the build works here.
"""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bookext import browser, environment  # noqa: E402

# What the README assumes a fresh machine already has: a minimal Debian (Essential and Priority: required packages,
# and apt), plus the python3 and git the README's commands are run with, and the certificates pip and npm need.
BASE_SYSTEM = ["apt", "python3", "git", "ca-certificates"]
# Programs the code starts from .venv/bin (installed from requirements.lock, not from Debian).
VENV_PROGRAMS = {"sphinx-build", "sphinx-autobuild", "python", "pytest", "ruff", "uv", "nox"}

pytestmark = pytest.mark.skipif(not shutil.which("dpkg-query"), reason="checks Debian packages")


@cache
def installed() -> dict[str, dict[str, str]]:
    fields = ["Package", "Status", "Priority", "Essential", "Depends", "Pre-Depends", "Provides"]
    output = subprocess.run(
        ["dpkg-query", "-W", "-f=" + "\t".join(f"${{{field}}}" for field in fields) + "\n"],
        capture_output=True, text=True, check=True,
    ).stdout
    packages = {}
    for line in output.splitlines():
        record = dict(zip(fields, line.split("\t"), strict=True))
        if record["Status"].endswith("install ok installed"):
            packages[record["Package"]] = record
    return packages


def _names(relation_field: str) -> list[list[str]]:
    """`a (>= 1) | b, c:any` -> [["a", "b"], ["c"]]."""
    groups = []
    for group in filter(None, (part.strip() for part in relation_field.split(","))):
        groups.append([re.split(r"[\s(:]", alternative.strip(), maxsplit=1)[0] for alternative in group.split("|")])
    return groups


def closure(declared: list[str]) -> set[str]:
    """The installed packages that `declared` and the base system bring in, following Depends and Pre-Depends."""
    packages = installed()
    providers: dict[str, list[str]] = {}
    for name, record in packages.items():
        for (virtual, *_) in _names(record["Provides"]):
            providers.setdefault(virtual, []).append(name)
    base = [name for name, record in packages.items() if record["Essential"] == "yes" or record["Priority"] == "required"]
    todo = [*declared, *BASE_SYSTEM, *base]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        for real in [name] if name in packages else providers.get(name, []):
            if real in seen:
                continue
            seen.add(real)
            record = packages[real]
            for group in _names(record["Depends"]) + _names(record["Pre-Depends"]):
                todo.extend(group)  # every installed alternative counts: apt picked one of them
    return seen


def declared_packages() -> list[str]:
    return [*environment.APT_PACKAGES, *environment.APT_COMMANDS.values()]


def owners(paths: list[str]) -> dict[str, str]:
    """The package owning each file, trying the /usr-merged and unmerged spellings of its path."""
    spellings = {}
    for path in paths:
        real = os.path.realpath(path)
        for spelling in {path, real, re.sub(r"^/usr/", "/", real), re.sub(r"^/(s?bin|lib\w*)/", r"/usr/\1/", real)}:
            spellings[spelling] = path
    result = subprocess.run(["dpkg-query", "-S", *spellings], capture_output=True, text=True)
    found = {}
    for line in result.stdout.splitlines():
        package, _, file = line.partition(": ")
        if file in spellings and ", " not in package:  # "a, b: /dir" lines are shared directories
            found[spellings[file]] = package.split(":")[0]
    return found


def programs_the_code_starts() -> set[str]:
    """Literal program names passed to subprocess (run, check_call, call, Popen, check_output) in the Python code."""
    names = set()
    files = [*ROOT.glob("bookext/*.py"), *ROOT.glob("tests/*.py"), ROOT / "noxfile.py", ROOT / "run.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            first = node.args[0]
            if function in {"run", "check_call", "call", "Popen", "check_output"} and isinstance(first, ast.List) and first.elts:
                head = first.elts[0]
                if isinstance(head, ast.Constant) and isinstance(head.value, str):
                    names.add(head.value)
    return names


def test_every_program_the_code_starts_is_listed():
    unlisted = programs_the_code_starts() - set(environment.PROGRAMS) - VENV_PROGRAMS
    assert not unlisted, f"add these to bookext.environment.PROGRAMS (and their package to APT_PACKAGES): {sorted(unlisted)}"


def test_every_program_comes_from_a_declared_package():
    where = {name: shutil.which(name) for name in environment.PROGRAMS}
    assert all(where.values()), f"not installed: {[name for name, path in where.items() if not path]}"
    owner = owners(list(where.values()))
    brought = closure(declared_packages())
    problems = [
        f"{name} ({where[name]}) is from {owner.get(where[name], 'no package')}, which nothing declared brings in"
        for name in environment.PROGRAMS
        if owner.get(where[name]) not in brought
    ]
    assert not problems, "\n".join(problems)


def bundled_binaries() -> list[Path]:
    """ELF programs and libraries that pip and npm put in .venv and node_modules."""
    found = []
    for top in (ROOT / ".venv", ROOT / "node_modules"):
        for path in top.rglob("*"):
            if path.is_file() and not path.is_symlink() and (path.suffix == ".so" or ".so." in path.name or os.access(path, os.X_OK)):
                with open(path, "rb") as handle:
                    if handle.read(4) == b"\x7fELF":
                        found.append(path)
    return found


def test_bundled_binaries_find_every_library_in_declared_packages():
    binaries = bundled_binaries()
    names = {path.name for path in binaries}
    assert "node" in names, "the playwright wheel's Node.js driver is among the binaries checked"
    missing, system_libraries = [], {}
    for binary in binaries:
        result = subprocess.run(["ldd", str(binary)], capture_output=True, text=True)
        for line in result.stdout.splitlines():
            if "not found" in line:
                missing.append(f"{binary.relative_to(ROOT)}: {line.strip()}")
            match = re.search(r"=> (/\S+)", line)
            if match and not match.group(1).startswith(str(ROOT)):
                system_libraries.setdefault(match.group(1), binary)
    assert not missing, "\n".join(missing)
    owner = owners(sorted(system_libraries))
    brought = closure(declared_packages())
    problems = [
        f"{library} (loaded by {system_libraries[library].relative_to(ROOT)}) is from {owner.get(library, 'no package')}, "
        "which nothing declared brings in"
        for library in sorted(system_libraries)
        if owner.get(library) not in brought
    ]
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- finding the browser


def test_the_browser_variable_wins_and_a_wrong_one_is_an_error(monkeypatch, tmp_path):
    fake = tmp_path / "my-chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    browser.find.cache_clear()
    monkeypatch.setenv("BOOK_CHROMIUM", str(fake))
    assert browser.find() == str(fake)
    browser.find.cache_clear()
    monkeypatch.setenv("BOOK_CHROMIUM", str(tmp_path / "nothing-here"))
    with pytest.raises(browser.BrowserNotFound, match="BOOK_CHROMIUM=.*nothing-here"):
        browser.find()
    browser.find.cache_clear()


def test_snap_shims_are_skipped_and_puppeteer_downloads_are_found(monkeypatch, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "chromium-browser"
    shim.write_text('#!/bin/sh\necho "Command \'/usr/bin/chromium-browser\' requires the chromium snap to be installed."\n')
    shim.chmod(0o755)
    download = tmp_path / "cache" / "chrome-headless-shell" / "linux-140.0.1" / "chrome-headless-shell-linux64" / "chrome-headless-shell"
    download.parent.mkdir(parents=True)
    download.write_bytes(b"\x7fELF")
    download.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PUPPETEER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("BOOK_CHROMIUM", raising=False)
    browser.find.cache_clear()
    try:
        assert browser.find() == str(download)
        download.unlink()
        browser.find.cache_clear()
        with pytest.raises(browser.BrowserNotFound, match="apt-get install chromium"):
            browser.find()
    finally:
        browser.find.cache_clear()
