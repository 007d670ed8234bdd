"""The Makefile is safe on any machine: without an active virtual environment `make demo`
and `make test` make and use the project's own .venv (a PEP 668 system Python refuses
pip installs), with one they use it, and `make graphviz` runs apt-get only as root,
otherwise printing how to install Graphviz."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="needs make")


def dry_run(target: str, cwd: Path, **env: str) -> list[str]:
    """The commands `make -n target` would run with the Makefile from `cwd` (a folder
    with no .venv of its own yet)."""
    outer = ("VIRTUAL_ENV", "CONDA_PREFIX", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")  # make test's
    environ = {k: v for k, v in os.environ.items() if k not in outer}
    environ.update(env)
    done = subprocess.run([MAKE or "make", "-n", "--no-print-directory", "-f",
                           str(ROOT / "Makefile"), target],
                          cwd=cwd, env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize("target", ["demo", "test"])
def test_without_a_virtual_environment_the_project_venv_is_made_and_used(
        tmp_path: Path, target: str) -> None:
    lines = dry_run(target, tmp_path)
    assert any("python3 -m venv .venv" in line for line in lines), lines
    runs = [line for line in lines if "pip install" in line or "pytest" in line
            or "seed.py" in line]
    assert runs and all(line.startswith(".venv/bin/python ") for line in runs), runs


@pytest.mark.parametrize("target", ["demo", "test"])
def test_an_active_virtual_environment_is_used_as_it_is(tmp_path: Path, target: str) -> None:
    lines = dry_run(target, tmp_path, VIRTUAL_ENV="/opt/env")
    assert not any("-m venv" in line for line in lines), lines
    runs = [line for line in lines if "pip install" in line or "pytest" in line
            or "seed.py" in line]
    assert runs and all(line.startswith("/opt/env/bin/python ") for line in runs), runs


def test_make_graphviz_as_a_user_prints_how_to_install(tmp_path: Path) -> None:
    # A user (id -u is not 0) without dot: no apt-get, a message, and make succeeds.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool, script in (("id", "echo 1000"), ("apt-get", "echo apt-get ran >&2; exit 1")):
        path = bin_dir / tool
        path.write_text(f"#!/bin/sh\n{script}\n")
        path.chmod(0o755)
    env = {**os.environ, "PATH": str(bin_dir)}
    done = subprocess.run([MAKE or "make", "-s", "graphviz"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "apt-get ran" not in done.stderr
    assert "Graphviz (its dot program) is not installed" in done.stderr
    assert "sudo apt-get install graphviz" in done.stderr
