"""A tool's version, asked once per binary: the answer is kept beside the figure cache, keyed by the binary's path,
size and modification time, so later builds compute their cache keys without starting `dot -V` or `chromium --version`.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

CACHE_NAME = "tool-versions.json"


def version(binary: str, args: list[str], cache_dir: Path) -> str:
    """What `binary args` prints on stdout (on stderr if stdout is empty, as `dot -V` does), from the cache when the
    binary is unchanged. Not both: Debian's chromium wrapper also writes shell noise to stderr that varies from run
    to run (it embeds the free memory), which would change every mermaid render's cache key."""
    real = os.path.realpath(binary)
    info = os.stat(real)
    key = f"{real}:{info.st_size}:{info.st_mtime_ns}:{' '.join(args)}"
    cache_file = cache_dir / CACHE_NAME
    try:
        known = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        known = {}
    if key not in known:
        result = subprocess.run([binary, *args], capture_output=True, text=True)
        known[key] = result.stdout.strip() or result.stderr.strip()
        cache_dir.mkdir(parents=True, exist_ok=True)
        scratch = cache_file.with_name(f".{CACHE_NAME}.{os.getpid()}")
        scratch.write_text(json.dumps(known, indent=1, sort_keys=True))
        os.replace(scratch, cache_file)  # concurrent builds each write a whole file; the last one wins
    return known[key]
