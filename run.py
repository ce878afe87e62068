#!/usr/bin/env python3
"""The README's two commands: `python3 run.py build` builds every artifact, `python3 run.py tests` runs the tests.

From a fresh clone on Debian or Ubuntu with only Python 3.11+: installs the missing system packages with apt-get when
run as root (otherwise stops at once with the exact apt-get line), creates .venv from requirements.lock, and hands
over to nox. Anything after the session name goes to nox's session (`python3 run.py pdf -- --letter`).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

if sys.version_info < (3, 11):
    sys.exit(f"Python 3.11 or newer is required; this is {sys.version.split()[0]}.")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bookext import environment  # noqa: E402  (standard library only)


def install_system_packages() -> None:
    missing = environment.missing_apt_packages()
    if not missing:
        return
    command = environment.apt_install_command(missing)
    if os.geteuid() != 0:
        sys.exit(f"Missing system packages: {', '.join(missing)}\nInstall them with:\n    {command}")
    print(f"Installing system packages: {', '.join(missing)}", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.check_call(["apt-get", "update", "-q"], env=env)
    subprocess.check_call(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    install_system_packages()
    environment.sync_python_env()
    session, rest = argv[0], argv[1:]
    nox = [str(environment.VENV / "bin" / "nox"), "--noxfile", str(environment.ROOT / "noxfile.py"), "-s", session]
    return subprocess.call(nox + rest, cwd=environment.ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
