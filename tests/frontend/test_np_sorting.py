"""Sorting in user code, end to end: ``np.sort`` in losses that depend on order (a
trimmed mean, the sum of the k largest losses, a Wasserstein distance between two
samples), ``np.argsort``, ``np.argmax`` and ``np.argmin`` (and their methods) as
indices; in both modes and at second order against finite differences, through hessian
and jacobians; and located errors (``x.sort()`` sorts in place)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jvp, value_and_grad
from symdiff.testing import check_grads
from tests.frontend import support

RNG = np.random.default_rng(21)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def trimmed_mean_loss(w, X, y, k):
    # The mean squared residual without the k largest and the k smallest: robust to
    # outliers. The gradient reaches only the residuals kept.
    r = (X @ w - y) ** 2
    return np.mean(np.sort(r)[k:-k])


def top_k_loss(losses, k):
    # The sum of the k largest entries (a conditional value at risk).
    return np.sum(np.sort(losses)[-k:])


def wasserstein(x, y):
    # The 1-D Wasserstein-2 distance between two samples of the same size: their order
    # statistics matched up.
    return np.mean((np.sort(x) - np.sort(y)) ** 2)


def sorted_along_axes(X):
    ranks = np.arange(1.0, X.shape[0] + 1.0)[:, None]
    return np.sum(np.sort(X, axis=0) * ranks) + np.sum(np.sort(X) ** 3) + \
        np.sum(np.sort(X, axis=None)[::-1][:2])


def picked_by_position(x, X):
    best = x[np.argmax(x)] * x[x.argmin()]
    smallest = x[np.argsort(x)[:2]]
    rows = X[np.arange(X.shape[0]), X.argmax(axis=1)]
    return best + np.sum(smallest ** 2) + np.sum(rows ** 2) + \
        np.sum(np.take(x, np.argmin(X, axis=1))) + np.sum(X[:, x.argsort()][0])


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (lambda w, X, y: trimmed_mean_loss(w, X, y, 2), (rn(3), rn(9, 3), rn(9))),
    (lambda losses: top_k_loss(losses, 3), (rn(7),)),
    (wasserstein, (rn(6), rn(6))),
    (sorted_along_axes, (rn(3, 4),)),
    (picked_by_position, (rn(4), rn(3, 4))),
]
IDS = ["trimmed_mean_loss", "top_k_loss", "wasserstein", "sorted_along_axes",
       "picked_by_position"]


test_both_modes_and_second_order_against_finite_differences = support.gradients_test(
    CASES, IDS)


def test_a_trimmed_mean_gradient_reaches_the_kept_entries_only() -> None:
    x = np.array([5.0, -3.0, 0.5, 1.5, -0.2, 9.0, 0.1])
    g = grad(lambda x: np.mean(np.sort(x)[2:-2]))(x)
    np.testing.assert_allclose(g, [0.0, 0.0, 1 / 3, 1 / 3, 0.0, 0.0, 1 / 3])  # 0.5, 1.5, 0.1
    value, g = value_and_grad(top_k_loss)(x, 2)
    assert value == 14.0
    np.testing.assert_array_equal(g, [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0])
    assert jvp(top_k_loss, (x, 2), (np.arange(7.0), 0.0))[1] == 5.0
    np.testing.assert_array_equal(jacfwd(np.sort)(x), np.eye(7)[np.argsort(x)])


def test_the_hessian_of_a_sorted_quadratic_is_permuted() -> None:
    x, y = rn(5), rn(5)
    H = hessian(wasserstein)(x, y)
    P = np.eye(5)[np.argsort(x)]
    np.testing.assert_allclose(H, 2 / 5 * P.T @ P, atol=1e-12)


def test_positions_index_and_are_not_differentiated() -> None:
    g = grad(picked_by_position)
    g(rn(4), rn(3, 4))
    assert "np.argmax(x)" in g.source and "np.argsort(x)" in g.source
    assert "np.argmax(X, axis=1)" in g.source
    assert "argmax(x_" not in g.source  # no derivative of a position


def rows_sorted_in_place(X):
    S = X * 1.0
    S.sort()  # a statement: along the last axis, as NumPy's
    return np.sum(S * np.arange(3.0))


def test_sort_statement_of_a_matrix_the_function_made():
    X = rn(2, 3)
    want = np.zeros_like(X)
    want[np.arange(2)[:, None], np.argsort(X, axis=1)] = np.arange(3.0)
    np.testing.assert_allclose(grad(rows_sorted_in_place)(X), want)
    check_grads(rows_sorted_in_place, (X,), order=2)


# Errors ----------------------------------------------------------------------------------


def sort_in_place(x):
    x.sort()  # E:in-place
    return np.sum(x)


def sort_value_used(x):
    s = x.copy()
    return np.sum(s.sort())  # E:sort-value


def sort_kind(x):
    return np.sum(np.sort(x, kind="stable"))  # E:kind


def computed_axis(X, a):
    return np.sum(np.argsort(X, axis=a))  # E:axis


ERRORS = [
    (sort_in_place, (rn(3),), "in-place", "x.sort()", ["caller's data", "x.copy()"]),
    (sort_value_used, (rn(3),), "sort-value", "s.sort()", ["in place", "np.sort(x)"]),
    (sort_kind, (rn(3),), "kind", "kind=", ["kind=", "np.sort"]),
    (computed_axis, (rn(2, 3), 1), "axis", "np.argsort", ["axis must be a constant"]),
]


test_unsupported_arguments_are_located = support.located_errors_test(ERRORS, __file__)
