"""A loop appending arrays to a list: a ``for`` over a constant range is unrolled while
compiling, so the list is a list of the arrays (``np.stack``, ``np.array``,
``np.concatenate``, ``np.vstack``, ``sum``, ``np.sum`` of it, and its items), checked
in both modes at second order (float64 and float32) and through hessian and the
Jacobians. The IR's loop-built lists hold numbers, so any other such loop (an unknown
or large trip count, a break, a while loop) is a located error, not arrays typed as
numbers. Numbers appended keep working."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import grad, hessian, jacfwd, jacrev
from symdiff.frontend.accumulators import UNROLL_LIMIT
from tests.frontend import support

X = np.array([1.0, 2.0, -1.0])
V = np.array([0.5, -1.0, 2.0])
W = np.array([0.3, -0.2, 0.5])
RNG = np.random.default_rng(16)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def summed_layers(w: np.ndarray) -> float:
    parts = []
    for i in range(3):
        parts.append(np.tanh(X * w[i]))
    return np.sum(np.tanh(sum(parts)))


def first_row(w: np.ndarray) -> float:
    parts = []
    for i in range(3):
        parts.append(X * w[i])
    return np.sum(np.exp(np.stack(parts)[0]) * V)


def averaged(w: np.ndarray) -> float:
    parts = []
    for i in range(3):
        parts.append(X * w[i])
    return np.mean(np.stack(parts), axis=0) @ V


def rnn_states(Wh, Wx, xs):
    # An Elman RNN over 4 steps: the hidden states collected, then read as a matrix,
    # the last one, all of them joined, and their sum.
    h = np.zeros(3)
    hs = []
    for t in range(4):
        h = np.tanh(Wh @ h + Wx @ xs[t])
        hs.append(h)
    H = np.stack(hs)
    return np.sum(H[1:] * H[:-1]) + np.sum(np.array(hs)[-1] ** 2) + \
        np.sum(np.concatenate(hs) ** 3) / 10.0 + np.sum(sum(hs) ** 2) + np.sum(hs) / 4.0


def polynomial_features(x, c):
    # Columns 1, x, x^2, x^3 of a design matrix, one appended per degree (the
    # counter starting at an offset), fitted by least squares.
    cols = [np.ones_like(x)]
    for k in range(1, 4, 1):
        cols.append(x ** k)
    A = np.vstack(cols).T
    return np.sum((A @ c - np.sin(x)) ** 2)


def multi_step_forecast(a, y0):
    # An AR(2) recursion run forward 5 steps; each step's pair of lags kept.
    y_prev, y = y0[0], y0[1]
    lags = []
    for _ in range(5):
        y_prev, y = y, a[0] * y + a[1] * y_prev
        lags.append(np.array([y_prev, y]))
    return np.sum(np.stack(lags) ** 2)


def scaled_copies(w):
    # A list comprehension of arrays over a constant range: the same unrolled loop.
    return np.sum(np.stack([X * w[i] ** i for i in range(3)]) ** 2)


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (summed_layers, (W,)),
    (first_row, (W,)),
    (averaged, (W,)),
    (rnn_states, (0.5 * rn(3, 3), rn(3, 2), rn(4, 2))),
    (polynomial_features, (rn(5), rn(4))),
    (multi_step_forecast, (np.array([0.5, 0.3]), rn(2))),
    (scaled_copies, (W,)),
]


test_both_modes_and_second_order_against_finite_differences = support.gradients_test(CASES)


def test_the_list_holds_the_arrays() -> None:
    args = (0.5 * rn(3, 3), rn(3, 2), rn(4, 2))
    value, g = symdiff.value_and_grad(rnn_states)(*args)
    assert value == pytest.approx(rnn_states(*args), rel=1e-12)
    H = hessian(rnn_states, argnums=0)(*args)
    assert H.shape == (3, 3, 3, 3)
    np.testing.assert_allclose(jacfwd(grad(averaged))(W), jacrev(grad(averaged))(W),
                               atol=1e-12)
    f = grad(rnn_states)
    f(*args)
    assert "np.stack([h_1, h_2, h_3, h_4])" in f.source


def test_numbers_appended_in_a_loop_still_work() -> None:
    def total(w: np.ndarray) -> float:
        parts = []
        for i in range(3):
            parts.append(np.sum(np.tanh(X * w[i])))
        return sum(parts) + max(parts)

    got = symdiff.grad(total)(W)
    h = 1e-6
    want = [(total(W + h * e) - total(W - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(got, want, atol=1e-6)


# Errors ----------------------------------------------------------------------------------


def unknown_count(w, n):
    parts = []
    for i in range(n):
        parts.append(X * w[i])  # E:count
    return np.sum(np.stack(parts))


def with_break(w):
    parts = []
    for i in range(3):
        if i == 2:
            break
        parts.append(X * w[i])  # E:break
    return np.sum(np.stack(parts))


def while_loop(w):
    parts = []
    i = 0
    while i < 3:
        parts.append(X * w[i])  # E:while
        i += 1
    return np.sum(np.stack(parts))


def too_long(w):
    parts = []
    for i in range(UNROLL_LIMIT + 1):
        parts.append(X * w[i % 3])  # E:long
    return np.sum(np.stack(parts))


ERRORS = [
    (unknown_count, (W, 3), "count", "X * w[i]", ["a list of arrays built in this loop"]),
    (with_break, (W,), "break", "X * w[i]", ["without break"]),
    (while_loop, (W,), "while", "X * w[i]", ["only a for loop"]),
    (too_long, (W,), "long", "X * w[i % 3]", ["at most 128"]),
]


test_other_loops_appending_arrays_are_located_errors = support.located_errors_test(
    ERRORS, __file__)
