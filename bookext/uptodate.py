"""Skip a format whose inputs have not changed since it was last published.

Standard library only. A format's inputs are its sources, the one conf.py, the extensions, the figure scripts, the
templates and static files, both lock files, the tags and settings it is built with, the date it stamps
(SOURCE_DATE_EPOCH), the tool binaries it runs (by path, size and modification time: stat, never a child process), and
the artifacts it embeds (the HTML copies the PDF and the ePub). Their digest is recorded next to the published artifact
after a successful build, and a later build with the same digest and an untouched artifact does nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_INPUTS = ("conf.py", "bookext", "diagrams", "_templates", "_static", "requirements.lock", "package-lock.json")
TOOLS = ("make", "latexmk", "xelatex", "xdvipdfmx", "xindy", "dot", "node", "java")


def _files(path: Path) -> Iterable[Path]:
    if path.is_file():
        yield path
    elif path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and "__pycache__" not in child.parts and not any(p.startswith(".") for p in child.relative_to(path).parts):
                yield child


def _stat(path: Path) -> str:
    info = path.stat()
    return f"{info.st_size}:{info.st_mtime_ns}"


def inputs_digest(
    source: Path, tags: Sequence[str], settings: dict, embedded: Sequence[Path] = (), extra: Sequence[str] = ()
) -> str:
    digest = hashlib.sha256()

    def add(label: str, value: str | bytes) -> None:
        digest.update(label.encode() + b"\0" + (value if isinstance(value, bytes) else value.encode()) + b"\0")

    roots = [source, *(ROOT / name for name in SHARED_INPUTS)]
    if "figures_script_dir" in settings:
        roots.append(Path(settings["figures_script_dir"]))
    for root in roots:
        for path in _files(root):
            add(str(path), path.read_bytes())
    add("tags", json.dumps(sorted(tags)))
    add("settings", json.dumps({k: str(v) for k, v in sorted(settings.items())}))
    add("SOURCE_DATE_EPOCH", os.environ.get("SOURCE_DATE_EPOCH", ""))
    from bookext import browser

    tools = [shutil.which(name) for name in TOOLS]
    tools.append(browser.find() if browser.available() else None)
    for tool in tools:
        add("tool", f"{tool}:{_stat(Path(tool).resolve())}" if tool else "missing")
    for artifact in embedded:
        add("embedded", f"{artifact}:{_stat(artifact)}" if artifact.exists() else f"{artifact}:missing")
    for item in extra:
        add("extra", item)
    return digest.hexdigest()


def _stamp_file(build_dir: Path, name: str) -> Path:
    return build_dir / ".stamps" / f"{name}.json"


def _target_state(target: Path) -> str:
    if target.is_dir():
        marker = target / "index.html"
        return _stat(marker) if marker.exists() else "no index"
    return _stat(target) if target.exists() else "missing"


def is_current(build_dir: Path, name: str, digest: str, target: Path) -> bool:
    stamp = _stamp_file(build_dir, name)
    if not stamp.exists():
        return False
    recorded = json.loads(stamp.read_text())
    return recorded == {"inputs": digest, "target": _target_state(target)}


def record(build_dir: Path, name: str, digest: str, target: Path) -> None:
    stamp = _stamp_file(build_dir, name)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"inputs": digest, "target": _target_state(target)}))


def forget(build_dir: Path, name: str) -> None:
    _stamp_file(build_dir, name).unlink(missing_ok=True)
