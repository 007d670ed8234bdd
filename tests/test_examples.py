"""Each example runs as a script, exits cleanly and prints its key numbers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name: str, cache_dir: Path) -> str:
    """Run `name` with its own disk cache (the user's cache is left alone); return stdout."""
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SYMDIFF_CACHE_DIR": str(cache_dir)},
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def seed_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    return run_example("seed.py", tmp_path_factory.mktemp("cache"))


def test_seed_value_and_gradient(seed_output: str) -> None:
    assert "e(2, 1) = 6" in seed_output
    assert "(2.0, 5.0)" in seed_output


def test_seed_edges(seed_output: str) -> None:
    for label in ("∂c/∂a = 1", "∂c/∂b = 1", "∂d/∂b = 1", "∂e/∂c = 2", "∂e/∂d = 3"):
        assert label in seed_output


def test_seed_forward_mode_from_b(seed_output: str) -> None:
    assert "∂a/∂b = 0, ∂b/∂b = 1, ∂c/∂b = 1, ∂d/∂b = 1, ∂e/∂b = 5" in seed_output


def test_seed_reverse_mode_from_e(seed_output: str) -> None:
    for label in ("∂e/∂e = 1", "∂e/∂c = 2", "∂e/∂d = 3", "∂e/∂a = 2", "∂e/∂b = 5"):
        assert label in seed_output


def test_seed_prints_generated_sources(seed_output: str) -> None:
    assert seed_output.count("def ") >= 2


def test_black_scholes(tmp_path: Path) -> None:
    out = run_example("black_scholes.py", tmp_path)
    assert "price = 10.4" in out  # S=100, K=95, T=0.5, r=3%, sigma=25%
    assert "0.6784611075" in out  # delta
    assert "25.33757194" in out  # vega
    assert "def " in out


def test_loops(tmp_path: Path) -> None:
    out = run_example("loops.py", tmp_path)
    assert "p'(2) = 222.0" in out
    assert "for k_1 in reversed(range(5)):" in out and "tape.pop()" in out
    assert "d y(5) / d y0 = 0.076945" in out
    assert "for _ in reversed(range(trips)):" in out
    assert "0.353553390593  (exact: 0.353553390593)" in out
    assert "x_bar[i_1] += " in out and "[-2.0, -2.0, 0.0]  (exact: [-2.0, -2.0, 0.0])" in out
    assert "ys_bar.pop()" in out and "0.609438373712  (exact: 0.609438373712)" in out


@pytest.fixture
def numpy_support(monkeypatch: pytest.MonkeyPatch) -> None:
    """The NumPy examples compile their gradients afresh (no disk cache)."""
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


def losses(out: str) -> list[float]:
    return [float(m) for m in re.findall(r"loss ([\d.]+)", out)]


def test_logistic_regression(numpy_support: None, tmp_path: Path) -> None:
    out = run_example("logistic_regression.py", tmp_path)
    assert "matches X.T @ (1/2 - y) / n: True" in out
    falling = losses(out)
    assert falling[0] == pytest.approx(0.6931, abs=1e-4)  # log 2 at w = 0
    assert falling == sorted(falling, reverse=True) and falling[-1] < 0.36


def test_mlp(numpy_support: None, tmp_path: Path) -> None:
    out = run_example("mlp.py", tmp_path)
    falling = losses(out)
    assert falling == sorted(falling, reverse=True) and falling[-1] < 0.01
    error = float(re.search(r"largest error of the fit on the curve: ([\d.]+)", out)[1])
    assert error < 0.2


def test_robot_arm(tmp_path: Path) -> None:
    out = run_example("robot_arm.py", tmp_path)
    assert "mode jacobian picks: reverse" in out
    assert "forward and reverse agree: True" in out
    distances = [float(m) for m in re.findall(r"distance to target ([\d.e+-]+)", out)]
    assert distances == sorted(distances, reverse=True) and distances[-1] < 1e-6


def test_newton(tmp_path: Path) -> None:
    out = run_example("newton.py", tmp_path)
    assert "Hessian at (-1.2, 1): ((1330.0, 480.0), (480.0, 200.0))" in out
    assert "def rosenbrock_hessian(x, y):" in out
    assert "minimum: (1.0000000000, 1.0000000000)" in out
    steps = re.findall(r"\|grad\| = ([\d.e+-]+)", out)
    assert float(steps[-1]) < 1e-12 and len(steps) < 12
    assert "reverse (grad)" in out
