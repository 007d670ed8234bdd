"""Print the interpreter of each Python from 3.10 to 3.13 on this machine, one path a
line: ``python3.X`` on PATH if it runs, else the newest ``3.X.*`` pyenv has installed.
A version not found is named on standard error and skipped. Standard library only:
`make test-all` runs it with any Python."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

VERSIONS = ("3.10", "3.11", "3.12", "3.13")


def runs_as(path: str, version: str) -> bool:
    """Whether `path` starts and is Python `version` (a pyenv shim of a version not
    selected exits with an error)."""
    try:
        done = subprocess.run([path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def pyenv_versions() -> Path:
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    return Path(root) / "versions"


def candidates(version: str) -> list[str]:
    found = [shutil.which(f"python{version}")]
    installed = pyenv_versions().glob(f"{version}.*")
    newest = sorted(installed, key=lambda p: [int(n) for n in re.findall(r"\d+", p.name)],
                    reverse=True)
    found += [str(p / "bin" / "python") for p in newest]
    return [path for path in found if path]


def find(version: str) -> str | None:
    return next((path for path in candidates(version) if runs_as(path, version)), None)


def main() -> int:
    for version in VERSIONS:
        path = find(version)
        if path is None:
            print(f"pythons: no Python {version} found (python{version} on PATH or in "
                  f"pyenv at {pyenv_versions()}); skipped", file=sys.stderr)
        else:
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
