"""Products (``np.prod``, ``np.cumprod``) are exact where entries are zero, to second
order: Hessians against the analytic ones at points with no, one, two and three zeros,
exactly symmetric, by forward over reverse (``hessian``) and reverse over reverse
(``vjp`` of ``grad``) (issue 12, item 3)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jacrev, jvp, vjp


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


def product(x):
    return np.prod(x)


def cumulative(x):
    return np.sum(np.cumprod(x))


def weighted_cumulative(x):
    return np.sum(np.cumprod(x) * (np.arange(len(x)) - 1.5))


def rows(x):
    return np.sum(np.prod(x, axis=1) * np.array([1.0, -1.5]))


def columns_cumulative(x):
    return np.sum(np.cumprod(x, axis=0) * np.array([[1.0, 2.0, -1.0], [0.5, -3.0, 2.0]]))


def others(x: np.ndarray, skip: tuple[int, ...]) -> float:
    return math.prod(v for k, v in enumerate(x) if k not in skip)


def hessian_of_product(x: np.ndarray) -> np.ndarray:
    n = len(x)
    return np.array([[0.0 if i == j else others(x, (i, j)) for j in range(n)]
                     for i in range(n)])


def hessian_of_cumulative(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    # d2/dx_j dx_l sum_i w_i prod_{k <= i} x_k = sum_{i >= max(j, l)} w_i prod_{k<=i, k!=j,l}
    n = len(x)
    h = np.zeros((n, n))
    for j, k in itertools.product(range(n), repeat=2):
        if j != k:
            h[j, k] = sum(w[i] * others(x[: i + 1], (j, k)) for i in range(max(j, k), n))
    return h


POINTS = [[1.0, 2.0, 3.0], [0.0, 2.0, 3.0], [1.0, 2.0, 0.0], [2.0, 0.0, 3.0],
          [0.0, 0.0, 3.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.5, -2.0, 0.0],
          [0.0, 0.0, 0.0, 2.0], [-1.5, 0.0, 0.5, 2.0]]


def reverse_over_reverse(f: Callable[..., Any], x: np.ndarray) -> np.ndarray:
    """The Hessian column by column, as the VJP of the gradient."""
    pull = vjp(grad(f), x)[1]
    return np.array([pull(e) for e in np.eye(x.size).reshape((x.size, *x.shape))]).reshape(
        x.size, x.size)


@pytest.mark.parametrize("x", POINTS, ids=str)
def test_the_hessian_of_a_product_is_exact_at_zeros(x: list[float]) -> None:
    a = np.array(x)
    want = hessian_of_product(a)
    for got in (hessian(product)(a), reverse_over_reverse(product, a)):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(grad(product)(a), [others(a, (i,)) for i in range(len(a))])


@pytest.mark.parametrize("x", POINTS, ids=str)
@pytest.mark.parametrize("f", [cumulative, weighted_cumulative])
def test_the_hessian_of_a_cumulative_product_is_exact_at_zeros(f: Callable[..., Any],
                                                               x: list[float]) -> None:
    a = np.array(x)
    w = np.ones(len(a)) if f is cumulative else np.arange(len(a)) - 1.5
    want = hessian_of_cumulative(a, w)
    for got in (hessian(f)(a), reverse_over_reverse(f, a)):
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
        np.testing.assert_array_equal(got, got.T)


@pytest.mark.parametrize("x", [[[0.0, 2.0, 0.0], [1.5, 0.0, 3.0]],
                               [[0.0, 0.0, 2.0], [1.0, 2.0, 3.0]],
                               [[0.0, 0.0, 0.0], [0.0, -1.0, 0.0]]], ids=str)
@pytest.mark.parametrize("f", [rows, columns_cumulative])
def test_hessians_along_an_axis_match_finite_differences(f: Callable[..., Any],
                                                         x: list[list[float]]) -> None:
    a = np.array(x)
    h = hessian(f)(a).reshape(a.size, a.size)
    g = grad(f)
    eps = 1e-6
    columns = [(g(a + eps * e) - g(a - eps * e)).ravel() / (2 * eps)
               for e in np.eye(a.size).reshape((a.size, *a.shape))]
    np.testing.assert_allclose(h, np.array(columns).T, rtol=1e-7, atol=1e-7)
    np.testing.assert_array_equal(h, h.T)
    np.testing.assert_array_equal(h, reverse_over_reverse(f, a))


@pytest.mark.parametrize("x", [[0.0, 0.0, 3.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]], ids=str)
def test_the_jacobian_of_the_gradient_agrees_at_zeros(x: list[float]) -> None:
    a = np.array(x)
    np.testing.assert_array_equal(jacfwd(grad(product))(a), hessian_of_product(a))
    np.testing.assert_array_equal(jacrev(grad(cumulative))(a),
                                  hessian_of_cumulative(a, np.ones(3)))
    u = np.array([1.0, 0.5, -2.0])
    assert jvp(grad(product), (a,), (u,))[1] @ u == pytest.approx(
        u @ hessian_of_product(a) @ u)
