"""``symdiff build --backend numba``: a standalone module whose derivatives are
``@numba.njit(cache=True)`` functions, importing only numba, NumPy and the standard
library; the same inputs give the same bytes, and ``--check`` tells a current file from
a stale one."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")

import symdiff
from examples import loops
from symdiff.cli import main

ROOT = Path(__file__).resolve().parents[2]
LOOPS = ROOT / "examples" / "loops.py"
ARGS = ["-f", "horner", "-f", "newton_sqrt", "-f", "rosenbrock", "--modes",
        "grad,value_and_grad,jvp,hessian", "--backend", "numba"]


def build(output: Path) -> int:
    return main(["build", str(LOOPS), *ARGS, "-o", str(output)])


def load(path: Path) -> object:
    spec = importlib.util.spec_from_file_location(f"built_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _memory_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


def test_the_module_is_njit_functions_importing_numba_numpy_and_the_stdlib(
        tmp_path: Path) -> None:
    out = tmp_path / "loops_numba.py"
    assert build(out) == 0
    tree = ast.parse(out.read_text())
    imported = {alias.name.split(".")[0] for node in tree.body if isinstance(node, ast.Import)
                for alias in node.names}
    assert not any(isinstance(node, ast.ImportFrom) for node in tree.body)
    assert imported - set(sys.stdlib_module_names) == {"numba", "numpy"}
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    jitted = {name for name, f in functions.items()
              if [ast.unparse(d) for d in f.decorator_list] == ["numba.njit(cache=True)"]}
    # Every generated derivative; the Hessian of a list is assembled in Python from hvp.
    assert jitted == set(functions) - {"rosenbrock_hessian", "_assemble_hessian"}
    assert "rosenbrock_hvp" in jitted
    text = out.read_text()
    assert "reversed(" not in text and "--backend numba" in text
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select",
                           "E,F,W,I,B,UP", "--line-length", "100", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_its_functions_agree_with_symdiff(tmp_path: Path) -> None:
    out = tmp_path / "loops_numba_run.py"
    assert build(out) == 0
    m = load(out)
    x = np.array([0.3, 1.2, -0.7, 2.0])
    np.testing.assert_allclose(m.rosenbrock_grad(x), symdiff.grad(loops.rosenbrock)(x),
                               rtol=1e-12)
    np.testing.assert_allclose(m.rosenbrock_hessian(x), symdiff.hessian(loops.rosenbrock)(x),
                               rtol=1e-12)
    assert m.horner_value_and_grad(1.5) == pytest.approx(
        symdiff.value_and_grad(loops.horner)(1.5), rel=1e-12)
    assert m.newton_sqrt_jvp(2.0, 1.0) == pytest.approx(
        symdiff.jvp(loops.newton_sqrt, (2.0,), (1.0,)), rel=1e-12)
    assert m.newton_sqrt_hessian(2.0) == pytest.approx(
        symdiff.hessian(loops.newton_sqrt)(2.0), rel=1e-12)
    assert type(m.horner_grad).__module__.startswith("numba")
    # cache=True: numba wrote its machine code beside the module.
    assert list((tmp_path / "__pycache__").glob("*.nbi"))


def test_deterministic_and_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                   ) -> None:
    first, second = tmp_path / "a.py", tmp_path / "b.py"
    assert build(first) == 0 and build(second) == 0
    assert first.read_text().replace("-o a.py", "") == second.read_text().replace("-o b.py", "")
    check = ["build", str(LOOPS), *ARGS, "-o", str(first), "--check"]
    assert main(check) == 0
    first.write_text(first.read_text().replace("numba.njit(cache=True)", "numba.njit", 1))
    assert main(check) == 1
    assert "--backend numba" in capsys.readouterr().err
    # The Python backend's module for the same functions is another file.
    python = ["build", str(LOOPS), *ARGS[:-2], "-o", str(second), "--check"]
    assert main(python) == 1
