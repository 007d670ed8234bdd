"""``np.median``, ``np.quantile`` and ``np.percentile`` (issue 14) with ``axis``,
``keepdims`` and ``method``, at a number q (an argument too) or a list of them: NumPy's
values, derivatives in both modes against finite differences (to second order: the
statistic is piecewise linear in the array), the derivative going to the entries the
statistic reads (ties sharing it), and a robust regression loss."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import grad, hessian, jacfwd, jacrev, value_and_grad
from symdiff.testing import check_grads
from tests.frontend import support

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()
RNG = np.random.default_rng(50)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def robust_fit(w, X, y):
    """Least median of absolute residuals: a fit that ignores up to half the points."""
    return np.median(np.abs(X @ w - y))


def mad_scaled(x):
    """Deviations from the median, scaled by the median absolute deviation."""
    centre = np.median(x)
    mad = np.median(np.abs(x - centre))
    return np.sum(((x - centre) / mad) ** 2)


def spreads(X):
    low, high = np.percentile(X, [25, 75], axis=0)
    return (np.sum((high - low) ** 2) + np.sum(np.quantile(X, 0.9, axis=1, keepdims=True) * X)
            + np.sum(np.median(X, axis=(0, 1), keepdims=True) ** 2)
            + np.quantile(X, 0.3, method="lower") + np.quantile(X, 0.7, method="higher")
            + np.percentile(X, 55, method="nearest") + np.quantile(X, 0.45, method="midpoint"))


def value_at_risk(returns, level):
    """The loss exceeded with probability 1 - level: a quantile at a run-time level."""
    return -np.quantile(returns, 1.0 - level)


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (robust_fit, (rn(3), rn(9, 3), rn(9))),
    (mad_scaled, (rn(7),)),
    (spreads, (rn(6, 5),)),
    (value_at_risk, (rn(20) * 0.01, 0.93)),
]


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_both_modes_to_second_order(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    check_grads(f, args, order=2)


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_float32(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    args = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args)
    check_grads(f, args, eps=1e-3, rtol=5e-2, atol=5e-3)


def test_values_are_numpys() -> None:
    X, q = rn(5, 4), 0.37

    def statistics(X, q):
        return (np.median(X), np.median(X, 0), np.median(X, axis=1, keepdims=True),
                np.quantile(X, q), np.quantile(X, [0.1, 0.5], axis=0),
                np.percentile(X, (10.0, q * 100), axis=1, keepdims=True),
                np.quantile(X, 0.6, axis=(0, 1), method="nearest"),
                np.percentile(X, 30, 0, method="midpoint"))

    got = symdiff.vjp(statistics, X, q)[0]
    for g, w in zip(got, statistics(X, q), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-15)
        assert np.shape(g) == np.shape(w)


def test_the_derivative_goes_to_the_entries_read() -> None:
    x = np.array([5.0, 1.0, 4.0, 2.0, 3.0, 9.0])
    # Even length: the two middle entries (3 and 4) share it.
    np.testing.assert_array_equal(grad(np.median)(x), [0, 0, 0.5, 0, 0.5, 0])
    # q = 0.9 of 6 entries sits at 4.5: half of the 5th smallest, half of the 6th.
    np.testing.assert_allclose(grad(lambda x: np.quantile(x, 0.9))(x), [0.5, 0, 0, 0, 0, 0.5])
    # With respect to q: (higher - lower) * (n - 1).
    assert grad(lambda q: np.quantile(x, q))(0.9) == pytest.approx((9.0 - 5.0) * 5)
    assert grad(lambda q: np.percentile(x, q))(90.0) == pytest.approx((9.0 - 5.0) * 5 / 100)


def test_ties_share_the_derivative() -> None:
    x = np.array([2.0, 7.0, 2.0, 0.0, 2.0])
    np.testing.assert_allclose(grad(np.median)(x), [1 / 3, 0, 1 / 3, 0, 1 / 3])
    np.testing.assert_allclose(grad(lambda x: np.quantile(x, 0.3, method="lower"))(x),
                               [1 / 3, 0, 1 / 3, 0, 1 / 3])


def test_robust_fit_in_every_mode() -> None:
    w, X, y = rn(3), rn(11, 3), rn(11)
    value, g = value_and_grad(robust_fit)(w, X, y)
    assert value == pytest.approx(robust_fit(w, X, y))
    r = X @ w - y
    i = np.argsort(np.abs(r))[5]  # the median of 11 residuals
    np.testing.assert_allclose(g, np.sign(r[i]) * X[i], rtol=1e-12)
    np.testing.assert_array_equal(hessian(robust_fit)(w, X, y), np.zeros((3, 3)))

    def rows(X):
        return np.median(X, axis=1)

    np.testing.assert_array_equal(jacfwd(rows)(X), jacrev(rows)(X))


def median_of_a_number(x):
    return np.median(x[0, 0])  # E:number


def array_q(x):
    return np.quantile(x, x[0])  # E:q


def other_method(x):
    return np.quantile(x, 0.5, method="weibull")  # E:method


def out_given(x):
    return np.median(x, 0, x[0])  # E:out


ERRORS = [
    (median_of_a_number, "number", "np.median(", ["np.median", "a number"]),
    (array_q, "q", "x[0]", ["q must be a number", "not an array"]),
    (other_method, "method", "method=", ["method='weibull'", "linear"]),
    (out_given, "out", "x[0]", ["out=", "not supported"]),
]


@support.error_cases(ERRORS)
def test_unsupported_arguments_are_located(f: Callable[..., Any], tag: str, snippet: str,
                                           words: list[str]) -> None:
    support.raises_located(lambda: grad(f)(rn(3, 3)), THIS_FILE, LINES, tag, snippet, words)
