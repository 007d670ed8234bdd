"""The array benchmark's hand-written gradients agree with central finite differences, and
its report completes whatever symdiff supports."""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import symdiff
from benchmarks import arrays, report_arrays
from benchmarks._table import table


def central_differences(
    f: Callable[..., float], args: Sequence[np.ndarray], argnum: int, h: float = 1e-6
) -> np.ndarray:
    """Gradient of `f` with respect to array argument `argnum`, one entry at a time."""
    x = np.array(args[argnum], dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        step = h * max(1.0, abs(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += step
        down[i] -= step
        args_up = [*args[:argnum], up, *args[argnum + 1 :]]
        args_down = [*args[:argnum], down, *args[argnum + 1 :]]
        grad[i] = (f(*args_up) - f(*args_down)) / (2 * step)
    return grad


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_logistic_grad(seed: int) -> None:
    w, X, y = arrays.logistic_data(n=40, d=6, seed=seed)
    w = 3.0 * w + np.linspace(-2.0, 2.0, w.size)  # margins of both signs, some large
    got = arrays.logistic_grad(w, X, y)
    assert got.shape == w.shape and got.dtype == np.float64
    want = central_differences(arrays.logistic_loss, (w, X, y), 0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_logistic_loss_is_stable_for_large_margins() -> None:
    X = np.array([[1.0], [-1.0]])
    y = np.array([1.0, 0.0])
    w = np.array([800.0])  # exp(800) would overflow in the naive log(1 + exp(z))
    assert arrays.logistic_loss(w, X, y) == pytest.approx(0.0, abs=1e-300)
    assert arrays.logistic_loss(-w, X, y) == pytest.approx(800.0)
    np.testing.assert_allclose(arrays.logistic_grad(-w, X, y), [-1.0])


def test_logistic_loss_known_value() -> None:
    # At w = 0 every probability is 1/2, so the loss is log 2 whatever the data.
    w, X, y = arrays.logistic_data(n=30, d=4)
    assert arrays.logistic_loss(np.zeros_like(w), X, y) == pytest.approx(np.log(2.0))


@pytest.mark.parametrize("seed", [0, 1])
def test_mlp_grad(seed: int) -> None:
    args = arrays.mlp_data(n=20, d=5, hidden=7, k=3, seed=seed)
    grads = arrays.mlp_grad(*args)
    assert len(grads) == 4
    for argnum, got in enumerate(grads):
        assert got.shape == args[argnum].shape and got.dtype == np.float64
        want = central_differences(arrays.mlp_loss, args, argnum)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("n", [2, 3, 10])
def test_rosenbrock_grad(n: int) -> None:
    x = arrays.rosenbrock_point(n)
    got = arrays.rosenbrock_grad(x)
    assert got.shape == (n,)
    want = central_differences(arrays.rosenbrock, (x,), 0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_rosenbrock_minimum() -> None:
    ones = np.ones(5)
    assert arrays.rosenbrock(ones) == 0.0
    np.testing.assert_array_equal(arrays.rosenbrock_grad(ones), np.zeros(5))


def test_data_shapes() -> None:
    w, X, y = arrays.logistic_data(n=50, d=4)
    assert (w.shape, X.shape, y.shape) == ((4,), (50, 4), (50,))
    assert set(np.unique(y)) <= {0.0, 1.0}
    shapes = [a.shape for a in arrays.mlp_data(n=50, d=6, hidden=8, k=2)]
    assert shapes == [(6, 8), (8,), (8, 2), (2,), (50, 6), (50, 2)]
    assert arrays.rosenbrock_point(7).shape == (7,)


# The report (benchmarks/report_arrays.py), on small data and without JAX or autograd.


def small_cases() -> tuple[report_arrays.ArrayCase, ...]:
    return tuple(
        dataclasses.replace(case, data=data)
        for case, data in zip(
            report_arrays.CASES,
            (lambda: arrays.logistic_data(n=64, d=3), lambda: arrays.mlp_data(8, 4, 5, 2)),
            strict=True,
        )
    )


def test_report_completes_whether_or_not_symdiff_supports_numpy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    report_arrays.report_calls(small_cases(), tools=(), repeat=1)
    report_arrays.report_scale(n=64, tools=(), repeat=1)
    out = capsys.readouterr().out
    for name in ("logistic", "mlp"):
        row = next(line for line in out.splitlines() if re.match(rf"{name}\s+symdiff\.grad ", line))
        assert "unsupported: " in row or re.search(r"\d\.\d\d", row), row
    assert "logistic_loss(w (3,), X (64, 3), y (64,))" in out
    assert "reverse: hand-written" in out and "forward: f(x + h e_i)" in out
    assert re.search(r"forward ÷ reverse at n = 64: [\d.e+]+", out)


def test_unsupported_names_the_error_in_one_line() -> None:
    err = symdiff.UnsupportedSyntaxError(
        "unsupported construct: the @ operator", f"{report_arrays.ROOT}/benchmarks/arrays.py",
        27, 8, "    z = X @ w\n")
    assert report_arrays.unsupported(err) == (
        'unsupported: File "benchmarks/arrays.py", line 27, column 9: '
        "unsupported construct: the @ operator")
    assert report_arrays.unsupported(TypeError("no\nmore")) == "unsupported: TypeError: no"


def test_mismatch_refuses_a_wrong_gradient() -> None:
    want = (np.ones(3), np.zeros((2, 2)))
    assert report_arrays.mismatch((np.ones(3) + 1e-12, np.zeros((2, 2))), want) == ""
    assert "max difference 0.5" in report_arrays.mismatch((np.ones(3), np.full((2, 2), 0.5)), want)
    assert "shapes" in report_arrays.mismatch(np.ones(3), want)


def test_over_runs_the_same_code_with_another_numpy() -> None:
    calls = []

    class Recording:
        def __getattr__(self, name: str) -> Callable[..., object]:
            calls.append(name)
            return getattr(np, name)

    x = arrays.rosenbrock_point(5)
    assert report_arrays.over(arrays.rosenbrock, Recording())(x) == arrays.rosenbrock(x)
    assert calls == ["sum"]


def test_table_prints_a_short_row_as_a_note() -> None:
    text = table(["a", "b", "c"], [["x", "1", "2"], ["yy", "unsupported: it is long"]])
    assert text.splitlines()[-1] == "yy  unsupported: it is long"
    assert text.splitlines()[2] == "x   1  2"
    assert text.splitlines()[0] == "a   b  c"


def test_the_jacobian_section_runs_and_picks_a_mode(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import report_jacobian

    report_jacobian.main(n=5, repeat=1)
    out = capsys.readouterr().out
    assert "reverse" in out and "forward" in out and "5 -> 1" in out


def test_the_second_derivative_section_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import report_higher

    report_higher.main(sizes=(3,), repeat=1)
    assert "hessian ÷ f" in capsys.readouterr().out
