"""A long-lived Node.js helper spoken to over a pipe, one JSON document per line each way.

Starting Chromium (mermaid) or MathJax costs far more than one render, so each Sphinx process starts a helper on
first use, reuses it for every render of the build, and stops it at the end.
"""
from __future__ import annotations

import json
import select
import subprocess
from pathlib import Path


class NodeWorkerError(RuntimeError):
    pass


class NodeWorker:
    def __init__(self, script: Path, cwd: str, timeout: float, env: dict[str, str] | None = None):
        self.script, self.cwd, self.timeout, self.env = script, cwd, timeout, env
        self.process: subprocess.Popen | None = None

    def request(self, payload: dict) -> dict:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                ["node", str(self.script)], cwd=self.cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True, bufsize=1, env=self.env,
            )
        self.process.stdin.write(json.dumps(payload) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], self.timeout)
        if not ready:
            self.process.kill()
            self.process = None
            raise NodeWorkerError(f"timed out after {self.timeout:g} s (figures_timeout)")
        reply = self.process.stdout.readline()
        if not reply:
            self.close()
            raise NodeWorkerError(f"{self.script.name} stopped unexpectedly")
        return json.loads(reply)

    def close(self) -> None:
        if self.process is not None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


def shared_worker(app, script: Path, env: dict[str, str] | None = None) -> NodeWorker:
    """The build's one worker for `script`, started lazily; `close_workers` stops them all when the build ends."""
    workers = app.__dict__.setdefault("_book_node_workers", {})
    if script not in workers:
        workers[script] = NodeWorker(script, app.confdir, app.config.figures_timeout, env)
    return workers[script]


def close_workers(app, exception) -> None:
    for worker in getattr(app, "_book_node_workers", {}).values():
        worker.close()
