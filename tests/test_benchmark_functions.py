"""The benchmark's hand-written gradients agree with central finite differences."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.functions import (
    CALL_ARGS,
    ESSAY_ARGS,
    call_price,
    call_price_grad,
    essay,
    essay_grad,
)


def central_differences(f: Callable[..., float], args: Sequence[float]) -> list[float]:
    """Gradient of `f` at `args` by central differences with a relative step."""
    grads = []
    for i, x in enumerate(args):
        h = 1e-6 * max(1.0, abs(x))
        up = [*args[:i], x + h, *args[i + 1 :]]
        down = [*args[:i], x - h, *args[i + 1 :]]
        grads.append((f(*up) - f(*down)) / (2 * h))
    return grads


def test_essay_values() -> None:
    assert essay(*ESSAY_ARGS) == 6.0
    assert essay_grad(*ESSAY_ARGS) == (2.0, 5.0)


@pytest.mark.parametrize("args", [ESSAY_ARGS, (-3.5, 0.25), (1e3, -7.0)])
def test_essay_grad(args: tuple[float, float]) -> None:
    assert essay_grad(*args) == pytest.approx(central_differences(essay, args), rel=1e-6)


@pytest.mark.parametrize(
    "args",
    [
        CALL_ARGS,
        (50.0, 60.0, 2.0, 0.05, 0.4),  # out of the money, long dated
        (120.0, 80.0, 0.1, -0.01, 0.15),  # deep in the money, negative rate
        (100.0, 100.0, 1.0, 0.0, 0.2),  # at the money, zero rate
    ],
)
def test_call_price_grad(args: tuple[float, ...]) -> None:
    expected = central_differences(call_price, args)
    assert call_price_grad(*args) == pytest.approx(expected, rel=1e-5, abs=1e-7)


def test_call_price_known_value() -> None:
    # Hull's textbook example: S=42, K=40, T=0.5, r=0.1, sigma=0.2 gives 4.76.
    assert call_price(42.0, 40.0, 0.5, 0.1, 0.2) == pytest.approx(4.759, abs=1e-3)


def test_rosenbrock_gradient_matches_finite_differences(monkeypatch) -> None:
    import symdiff

    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    from benchmarks import functions

    fn = functions.rosenbrock
    grad = symdiff.grad(fn)
    for n in (0, 1, 2, 5, 50):
        x = functions.rosenbrock_point(n)
        got = grad(x)
        assert isinstance(got, list) and len(got) == n
        eps = 1e-6
        for i in range(n):
            up, down = list(x), list(x)
            up[i] += eps
            down[i] -= eps
            want = (fn(up) - fn(down)) / (2 * eps)
            assert abs(got[i] - want) <= 1e-5 * max(1.0, abs(want)), (n, i, got[i], want)


def test_python_backend_loop_report(capsys) -> None:
    from benchmarks.run import report_loops_python

    report_loops_python(n=20)
    out = capsys.readouterr().out
    assert "grad(ndarray)" in out and "<= 3" in out and "<= 2" in out
