"""`symdiff build` writes the same bytes on every Python from 3.10 to 3.13: each
interpreter `.ci/pythons.py` finds builds every generated example module, and
``--check`` finds it identical to the committed one (which this Python's own run of
tests/cli/test_build.py checks too). An interpreter runs from its project environment
``.venv-3.X`` (made by `make test-all`) or as it is if it has NumPy; the others are
skipped, named in the skip message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_build import GENERATED, command_of

ROOT = Path(__file__).resolve().parents[2]


VERSION = "import sys; print('{}.{}'.format(*sys.version_info[:2]))"


def _version(python: str, *modules: str) -> str | None:
    """The version of `python` if it runs and imports `modules`."""
    imports = "".join(f"import {m}; " for m in modules)
    done = subprocess.run([python, "-c", imports + VERSION], capture_output=True, text=True,
                          timeout=120)
    return done.stdout.strip() if done.returncode == 0 else None


def interpreters() -> tuple[dict[str, str], list[str]]:
    """Python version -> an interpreter of it with NumPy; and the versions without one."""
    found = subprocess.run([sys.executable, str(ROOT / ".ci" / "pythons.py")],
                           capture_output=True, text=True, timeout=600).stdout.split()
    usable: dict[str, str] = {}
    missing: list[str] = []
    for python in found:
        version = _version(python)
        venv = ROOT / f".venv-{version}" / "bin" / "python"
        for candidate in (str(venv), python):
            if Path(candidate).exists() and _version(candidate, "numpy") == version:
                usable[version] = candidate
                break
        else:
            missing.append(f"{version} (no NumPy at {python}; make test-all makes .venv-{version})")
    return usable, missing


def test_every_python_builds_the_same_bytes() -> None:
    usable, missing = interpreters()
    this = "{}.{}".format(*sys.version_info[:2])
    others = {v: p for v, p in usable.items() if v != this}
    if not others:
        pytest.skip("no other Python 3.10-3.13 with NumPy to compare with: "
                    + ("; ".join(missing) or "none found"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SYMDIFF_CACHE": "0"}
    stale = []
    for version, python in sorted(others.items()):
        for path in GENERATED:
            done = subprocess.run([python, "-m", "symdiff", *command_of(path), "--check"],
                                  cwd=path.parent, env=env, capture_output=True, text=True,
                                  timeout=600)
            if done.returncode != 0:
                stale.append(f"Python {version}: {path.name}: {done.stderr.strip()}")
    assert stale == []
