"""``np.take`` and ``x.take()`` in user code, end to end: an embedding lookup, the
log-probabilities of labels, constant lists of columns, single entries of the flattened
array; in both modes and at second order against finite differences, repeated indices
accumulating in the gradient; the generated code; and located errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian
from tests.frontend import support

RNG = np.random.default_rng(13)
TOKENS = np.array([2, 0, 2, 1])
LABELS = np.array([1, 0, 2])

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def embedding_loss(E, w):
    # Rows of an embedding table looked up by token ids (the same id twice).
    H = np.take(E, TOKENS, axis=0)
    return np.sum(np.tanh(H @ w) ** 2)


def label_log_likelihood(Z):
    # The log-softmax of each row at its label, taken from the flattened array.
    logp = Z - np.log(np.sum(np.exp(Z), axis=1, keepdims=True))
    rows = np.arange(Z.shape[0])
    return -np.sum(np.take(logp, rows * Z.shape[1] + LABELS))


def picked_columns(X):
    return np.sum(np.take(X, [0, 2], axis=1) ** 3) + np.take(X, 3) * X.take(1) + \
        np.sum(X.take(LABELS, axis=1) ** 2) + np.take(X[0], -1)


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (embedding_loss, (rn(3, 4), rn(4))),
    (label_log_likelihood, (rn(3, 3),)),
    (picked_columns, (rn(2, 3),)),
]


test_both_modes_and_second_order_against_finite_differences = support.gradients_test(CASES)


def test_repeated_ids_accumulate() -> None:
    E, w = rn(3, 4), rn(4)
    g = grad(embedding_loss)(E, w)
    H = E[TOKENS]
    back = (2 * np.tanh(H @ w) * (1 - np.tanh(H @ w) ** 2))[:, None] * w
    want = np.zeros_like(E)
    np.add.at(want, TOKENS, back)
    np.testing.assert_allclose(g, want, rtol=1e-12)
    assert hessian(label_log_likelihood)(rn(3, 3)).shape == (3, 3, 3, 3)


def test_take_reads_as_indexing() -> None:
    g = grad(picked_columns)
    g(rn(2, 3))
    assert "X[:, [0, 2]]" in g.source and "X.reshape(-1)" in g.source


# Errors ----------------------------------------------------------------------------------


def take_mode(x):
    return np.sum(np.take(x, [0, 5], mode="clip"))  # E:mode


def computed_list(x, i):
    return np.sum(np.take(x, [i, 0]))  # E:list


def float_indices(x):
    return np.sum(np.take(x, x))  # E:float


ERRORS = [
    (take_mode, (rn(3),), "mode", "mode=", ["mode=", "np.take"]),
    (computed_list, (rn(3), 1), "list", "np.take", ["constant ints"]),
    (float_indices, (rn(3),), "float", "np.take", ["integers, not float64"]),
]


test_unsupported_arguments_are_located = support.located_errors_test(ERRORS, __file__)
