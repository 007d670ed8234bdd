"""Guards and choices in differentiated code: ``np.any``/``np.all``, ``np.isnan``,
``np.isfinite``, ``math.isfinite``, ``np.isclose``/``np.allclose`` in tests and raises;
``np.nan_to_num``, ``np.select``, ``np.where(cond)`` as indices, boolean masks, and
``np.argmax``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import symdiff
from symdiff.testing import check_grads


def gradient_step(x, lr):
    """One step of gradient descent on a quadratic bowl, guarded against divergence."""
    g = 2.0 * x * np.arange(1.0, len(x) + 1.0)
    x_new = x - lr * g
    if not np.all(np.isfinite(x_new)):
        raise FloatingPointError("the step diverged")
    loss = np.sum(np.arange(1.0, len(x) + 1.0) * x_new ** 2)
    if not math.isfinite(loss):
        raise FloatingPointError("the loss overflowed")
    return loss


def test_an_optimiser_step_guarded_by_isfinite():
    x, lr = np.array([0.5, -1.0, 2.0]), 0.1
    c = np.arange(1.0, 4.0)
    shrink = 1.0 - 2.0 * lr * c
    np.testing.assert_allclose(symdiff.grad(gradient_step)(x, lr), 2 * c * shrink ** 2 * x)
    np.testing.assert_allclose(symdiff.hessian(gradient_step)(x, lr), np.diag(2 * c * shrink ** 2))
    check_grads(gradient_step, (x, lr), order=2)
    with pytest.raises(FloatingPointError, match="diverged"), np.errstate(over="ignore"):
        symdiff.grad(gradient_step)(np.array([1e308, 1.0, 1.0]), 10.0)
    with pytest.raises(FloatingPointError, match="diverged"):
        symdiff.jvp(gradient_step, (np.array([np.nan, 1.0, 1.0]), lr), (x, 0.0))


def nll(mu, x):
    if np.any(np.isnan(x)):
        raise ValueError("missing data")
    if np.allclose(x, mu):
        return 0.0 * mu[0]
    return 0.5 * np.sum((x - mu) ** 2)


def test_any_isnan_and_allclose_guards():
    mu, x = np.array([0.1, 0.2]), np.array([1.0, -0.5])
    np.testing.assert_allclose(symdiff.grad(nll)(mu, x), mu - x)
    np.testing.assert_allclose(symdiff.grad(nll)(x + 1e-12, x), [0.0, 0.0])
    with pytest.raises(ValueError, match="missing data"):
        symdiff.grad(nll)(mu, np.array([1.0, np.nan]))
    check_grads(nll, (mu, x), order=2)


def test_isclose_and_all_or_any_with_axes():
    def settle(a, b):
        if np.isclose(a, b, atol=1e-3):
            return a
        return a * b

    assert symdiff.grad(settle, (0, 1))(1.0, 1.0005) == pytest.approx((1.0, 0.0))
    assert symdiff.grad(settle, (0, 1))(1.0, 2.0) == pytest.approx((2.0, 1.0))

    def rows(X):
        keep = np.all(X > 0.0, axis=1, keepdims=True)
        return np.sum(np.where(keep, X ** 2, 0.0)) + np.sum(X.any(axis=0) * X)

    X = np.array([[1.0, 2.0], [-1.0, 3.0], [0.5, 0.5]])
    keep = np.array([[1.0], [0.0], [1.0]])
    np.testing.assert_allclose(symdiff.grad(rows)(X), 2 * X * keep + 1.0)
    check_grads(rows, (X,), order=2)


def test_nan_to_num_passes_the_derivative_where_finite():
    def safe_ratio(a, b):
        return np.sum(np.nan_to_num(a / b, nan=0.0, posinf=1e3) ** 2)

    a, b = np.array([1.0, 2.0, 0.5]), np.array([2.0, 0.5, 4.0])
    np.testing.assert_allclose(symdiff.grad(safe_ratio)(a, b), 2 * a / b ** 2)
    check_grads(safe_ratio, (a, b), order=2)

    def clean(x):
        return np.sum(np.nan_to_num(x) * 2.0)

    x = np.array([1.0, np.nan, np.inf, -2.0])
    np.testing.assert_allclose(symdiff.grad(clean)(x), [2.0, 0.0, 0.0, 2.0])
    with np.errstate(over="ignore"):  # 2 * the largest float
        _, tangent = symdiff.jvp(clean, (x,), (np.ones(4),))
    assert tangent == 4.0  # the replaced entries pass nothing on


def huber_by_select(r, delta):
    """The Huber loss as a three-way np.select."""
    loss = np.select([r < -delta, r > delta],
                     [-delta * (r + 0.5 * delta), delta * (r - 0.5 * delta)],
                     default=0.5 * r ** 2)
    return np.sum(loss)


def test_select_is_a_chain_of_where():
    r, delta = np.array([-3.0, -0.5, 0.2, 2.5]), 1.0
    np.testing.assert_allclose(symdiff.grad(huber_by_select)(r, delta), np.clip(r, -1.0, 1.0))
    np.testing.assert_allclose(symdiff.hessian(huber_by_select)(r, delta),
                               np.diag([0.0, 1.0, 1.0, 0.0]))
    check_grads(huber_by_select, (r, delta), order=2)
    out, tangent = symdiff.jvp(huber_by_select, (r, delta), (np.ones(4), 0.0))
    assert tangent == pytest.approx(np.clip(r, -1.0, 1.0).sum())


def positive_part(x):
    idx = np.where(x > 0)  # the indices, a tuple of one vector
    return np.sum(x[idx] ** 2) + np.sum(x[np.nonzero(x < 0)[0]]) + np.sum(x[x > 1.0])


def test_where_indices_and_masks_read_entries():
    x = np.array([0.5, -2.0, 3.0, -0.1, 1.5])
    want = 2 * x * (x > 0) + (x < 0) + (x > 1.0)
    np.testing.assert_allclose(symdiff.grad(positive_part)(x), want)
    np.testing.assert_allclose(symdiff.hessian(positive_part)(x), np.diag(2.0 * (x > 0)))
    check_grads(positive_part, (x,), order=2)

    def clipped(x):
        out = x * 3.0
        out[out > 2.0] = 2.0  # a mask's entries are distinct: assigning through it works
        return np.sum(out ** 2)

    np.testing.assert_allclose(symdiff.grad(clipped)(x), 18.0 * x * (3 * x <= 2.0))
    check_grads(clipped, (x,), order=2)


def test_argmax_picks_an_entry():
    def winner(scores, values):
        return values[np.argmax(scores)] * np.max(scores)

    s, v = np.array([0.1, 2.0, 0.7]), np.array([3.0, -1.0, 4.0])
    gs, gv = symdiff.grad(winner, (0, 1))(s, v)
    np.testing.assert_allclose(gs, [0.0, -1.0, 0.0])
    np.testing.assert_allclose(gv, [0.0, 2.0, 0.0])
