"""symdiff is typed for its users: it ships ``py.typed``, `mypy --strict` accepts an
ordinary annotated script using the public API (and rejects misuse of the callables the
transforms return), and the public modules themselves pass ``--strict``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import symdiff

pytest.importorskip("mypy")

ROOT = Path(symdiff.__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_name("typed_script.py")
PUBLIC = ["symdiff/__init__.py", "symdiff/api", "symdiff/testing.py", "symdiff/errors.py",
          "symdiff/rules/custom.py"]


def _mypy(args: list[str], cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    # symdiff found on PYTHONPATH is an installed package to mypy: used only with py.typed.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_py_typed_is_shipped_in_the_package_data() -> None:
    assert (ROOT / "symdiff" / "py.typed").is_file()
    config = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'\[tool\.setuptools\.package-data\]\s+symdiff = \[[^]]*"py\.typed"',
                     config)


def test_strict_mypy_accepts_a_typed_user_script(tmp_path: Path) -> None:
    shutil.copy(SCRIPT, tmp_path / SCRIPT.name)
    done = _mypy([SCRIPT.name], tmp_path, tmp_path / "cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_the_typed_script_runs_and_its_types_are_true() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT)], env={
        **os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "log(exp(x) + 1.0)" in done.stdout


MISUSE = textwrap.dedent("""\
    import math

    import numpy as np
    from numpy.typing import NDArray

    import symdiff


    def nll(mu: float, sigma: float, data: NDArray[np.float64]) -> float:
        return float(np.sum(((data - mu) / sigma) ** 2) + data.size * math.log(sigma))


    @symdiff.grad
    def logistic(x: float) -> float:
        return math.log(1.0 + math.exp(x))


    name: str = logistic(0.3)
    logistic("0.3")
    symdiff.hessian(nll)(0.1)
    symdiff.jacrev(nll)(0.1, 1.2, "data")
    out, pullback, extra = symdiff.vjp(nll, 0.1, 1.2, np.ones(3))
    symdiff.value_and_grad(nll)(0.1, 1.2)
    """)


def test_strict_mypy_rejects_misuse_of_the_returned_callables(tmp_path: Path) -> None:
    (tmp_path / "misuse.py").write_text(MISUSE)
    done = _mypy(["misuse.py"], tmp_path, tmp_path / "cache")
    lines = {int(m[1]): m[2] for m in re.finditer(r"misuse\.py:(\d+): error: .*\[([a-z-]+)\]",
                                                  done.stdout)}
    first = MISUSE.splitlines().index("name: str = logistic(0.3)") + 1
    assert lines == {first: "assignment", first + 1: "arg-type", first + 2: "call-arg",
                     first + 3: "arg-type", first + 4: "misc", first + 5: "call-arg"}, \
        done.stdout


def test_public_modules_pass_strict_mypy(tmp_path: Path) -> None:
    done = _mypy(["--follow-imports=silent", *PUBLIC], ROOT, tmp_path / "cache")
    assert done.returncode == 0, done.stdout + done.stderr
