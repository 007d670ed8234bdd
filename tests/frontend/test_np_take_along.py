"""``np.take_along_axis`` in user code, end to end: a top-k loss through ``np.argsort``,
the log-probabilities of labels, a sort along the first axis by a key column, constant
indices with repeats; in both modes and at second order against finite differences
(float64 and float32), through hessian and the Jacobians; the generated code; and
located errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp
from tests.frontend import support

RNG = np.random.default_rng(14)
LABELS = np.array([[2], [0], [1], [2]])
K = 2
PICK = np.array([[0, 0, 2], [1, 2, 2]])

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def top_k_loss(W, X):
    # Per example, the sum of the K largest class scores' squared margins over the
    # mean: a smooth top-k hinge. argsort picks the classes; the gradient reaches only
    # the scores picked.
    S = X @ W
    top = np.take_along_axis(S, np.argsort(S, axis=1)[:, -K:], axis=1)
    return np.mean(np.sum((top - np.mean(S, axis=1, keepdims=True)) ** 2, axis=1))


def label_nll(Z):
    # The negative log-likelihood of each row's label, its log-softmax read at the label.
    logp = Z - np.log(np.sum(np.exp(Z), axis=1, keepdims=True))
    return -np.sum(np.take_along_axis(logp, LABELS, axis=1))


def sorted_by_key(A, v):
    # The rows of A reordered by its first column, each column weighted along the order.
    order = np.argsort(A[:, :1], axis=0)
    rows = np.take_along_axis(A, order, axis=0)
    return np.sum(np.tanh(rows @ v) * np.arange(1.0, A.shape[0] + 1.0))


def repeated_and_flat(X):
    picked = np.take_along_axis(X, PICK, axis=-1)
    flat = np.take_along_axis(X, np.array([5, 0, 5]), axis=None)
    return np.sum(picked ** 3) + np.sum(np.exp(flat)) * X[0, 1]


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (top_k_loss, (rn(3, 4), rn(5, 3))),
    (label_nll, (rn(4, 3),)),
    (sorted_by_key, (rn(4, 3), rn(3))),
    (repeated_and_flat, (rn(2, 3),)),
]


test_both_modes_and_second_order_against_finite_differences = support.gradients_test(CASES)


def test_values_match_numpy_and_repeats_accumulate() -> None:
    X = rn(2, 3)
    value, g = value_and_grad(repeated_and_flat)(X)
    assert value == pytest.approx(repeated_and_flat(X))
    want = np.zeros_like(X)
    np.add.at(want, (np.arange(2)[:, None], PICK), 3 * np.take_along_axis(X, PICK, 1) ** 2)
    flat = X.ravel()[[5, 0, 5]]
    np.add.at(want.reshape(-1), [5, 0, 5], np.exp(flat) * X[0, 1])
    want[0, 1] += np.sum(np.exp(flat))
    np.testing.assert_allclose(g, want, rtol=1e-12)


def test_transforms_of_the_top_k_loss() -> None:
    W, X = rn(3, 4), rn(5, 3)
    g = grad(top_k_loss)(W, X)
    out, pull = vjp(lambda W: top_k_loss(W, X), W)
    np.testing.assert_allclose(pull(1.0)[0], g, rtol=1e-12)
    U = rn(3, 4)
    _, t = jvp(lambda W: top_k_loss(W, X), (W,), (U,))
    assert t == pytest.approx(np.sum(g * U))
    H = hessian(top_k_loss)(W, X)
    assert H.shape == (3, 4, 3, 4)
    np.testing.assert_allclose(H.reshape(12, 12), H.reshape(12, 12).T, atol=1e-12)
    Z = rn(4, 3)
    np.testing.assert_allclose(jacfwd(grad(label_nll))(Z), jacrev(grad(label_nll))(Z),
                               atol=1e-12)


def test_take_along_reads_as_indexing() -> None:
    g = grad(label_nll)
    g(rn(4, 3))
    assert "np.add.at(" in g.source and "take_along_axis" not in g.source


# Errors ----------------------------------------------------------------------------------


def rank_mismatch(X):
    return np.sum(np.take_along_axis(X, np.array([0, 1]), axis=1))  # E:rank


def float_indices(X):
    return np.sum(np.take_along_axis(X, X, axis=0))  # E:float


def computed_axis(X, a):
    return np.sum(np.take_along_axis(X, LABELS, axis=a))  # E:axis


ERRORS = [
    (rank_mismatch, (rn(2, 3),), "rank", "np.take_along_axis", ["1 axes", "the array 2"]),
    (float_indices, (rn(2, 3),), "float", "np.take_along_axis", ["integers, not float64"]),
    (computed_axis, (rn(4, 3), 1), "axis", "np.take_along_axis", ["constant int"]),
]


test_unsupported_arguments_are_located = support.located_errors_test(ERRORS, __file__)
