"""NumPy joins and splits in user code, end to end: ``np.hstack``, ``np.vstack``,
``np.column_stack``, ``np.dstack``, ``np.append``, ``np.atleast_1d``/``2d``/``3d``,
``np.split``, ``np.array_split``, ``np.hsplit``, ``np.vsplit`` and ``np.dsplit`` (by a
number of parts or at indices, unpacked), in realistic functions (a stacked feature
matrix for a regression, a parameter vector split into weights and bias), in both
modes and at second order against finite differences, through hessian; NumPy's
ValueError for an unequal split; and located errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jvp
from symdiff.testing import check_grads
from tests.frontend import support

RNG = np.random.default_rng(3)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def polynomial_regression(w, x, y):
    # A design matrix of stacked feature columns: 1, x, x**2, sin(x).
    F = np.column_stack([np.ones_like(x), x, x ** 2, np.sin(x)])
    r = F @ w - y
    return 0.5 * np.mean(r ** 2)


def two_layer(theta, X):
    # theta packs a weight vector and a bias: split at the number of features.
    w, b = np.split(theta, [X.shape[1]])
    return np.sum(np.tanh(X @ w + b) ** 2)


def halves_and_thirds(x):
    left, right = np.split(x, 2)
    a, b, c = np.array_split(x, 3)
    parts = np.split(x, [1, 3])
    return np.sum(left * right) + np.sum(a ** 2) * np.sum(c) + np.sum(b ** 3) + \
        np.sum(parts[1] ** 2) * len(parts)


def columns_split(M):
    first, rest = np.split(M, [1], axis=1)
    top, bottom = np.array_split(M, 2, axis=0)
    return np.sum(first * rest) + np.sum(top ** 2) - np.sum(bottom ** 3)


def stacked_rows(x, y):
    V = np.vstack([x, y * x, np.ones(3)])
    H = np.hstack([x, y])
    B = np.hstack([V, V ** 2])
    return np.sum(V @ H[:3]) + np.sum(B ** 2) + np.sum(np.vstack([V, x]) ** 3)


def scalars_joined(a, b):
    v = np.hstack([a, b, a * b])
    row = np.atleast_2d(a)
    u, w = np.atleast_1d(a, np.sin(b))
    return np.sum(v ** 2) + np.sum(row * u) + np.sum(w ** 3) + np.sum(np.column_stack([u, w]))


def channels(T, v):
    # Feature maps stacked along a third (channel) axis, a channel appended, and the
    # stack split back by rows, columns and channels.
    D = np.dstack([T[0], T[1] * 2.0, np.atleast_3d(T[0])[:, :, 0]])
    E = np.atleast_3d(v)
    left, right = np.hsplit(T[0], [1])
    top, bottom = np.vsplit(T, 2)
    a, b = np.dsplit(D, [2])
    w = np.append(v, v[0] * 2.0)
    W = np.append(T[0], T[1][:1], axis=0)
    return (np.sum(D ** 2) + np.sum(E * v[:, None]) + np.sum(left * right) + np.sum(top * bottom)
            + np.sum(a ** 2) * np.sum(b) + np.sum(w ** 3) + np.sum(W ** 2))


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (polynomial_regression, (rn(4), rn(6), rn(6))),
    (two_layer, (rn(4), rn(5, 3))),
    (halves_and_thirds, (rn(6),)),
    (columns_split, (rn(3, 4),)),
    (stacked_rows, (rn(3), rn(3))),
    (scalars_joined, (0.3, 0.7)),
    (channels, (rn(2, 3, 4), rn(4))),
]


test_both_modes_and_second_order_against_finite_differences = support.gradients_test(CASES)


def test_the_hessian_of_a_least_squares_fit_is_the_gram_matrix() -> None:
    w, x, y = rn(4), rn(6), rn(6)
    F = np.column_stack([np.ones_like(x), x, x ** 2, np.sin(x)])
    np.testing.assert_allclose(hessian(polynomial_regression)(w, x, y), F.T @ F / 6,
                               rtol=1e-12)
    assert jacfwd(two_layer)(rn(4), rn(5, 3)).shape == (4,)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # np.row_stack's, in NumPy 2
@pytest.mark.skipif(not hasattr(np, "row_stack"), reason="NumPy 2.5 removed np.row_stack")
def test_row_stack_is_vstack() -> None:
    def rows(x, y):
        return np.sum(np.row_stack([x, y * x]) ** 2)

    check_grads(rows, (rn(3), rn(3)))


def test_an_unequal_split_raises_as_numpy_does() -> None:
    with pytest.raises(ValueError, match="equal division"):
        grad(halves_and_thirds)(rn(5))
    with pytest.raises(ValueError, match="equal division"):
        jvp(halves_and_thirds, (rn(5),), (rn(5),))
    # array_split does not mind: its first parts are one longer
    check_grads(lambda x: np.sum(np.array_split(x, 3)[0] ** 2) * np.sum(
        np.array_split(x, 3)[2]), (rn(7),))


def test_the_parts_are_slices() -> None:
    g = grad(halves_and_thirds)
    g(rn(6))
    text = g.source
    assert "_t1 = _t0 // 2" in text and "left = x[:_t1]" in text and "right = x[_t1:]" in text
    assert "if _t0 % 2 != 0:" in text and "min(1, " in text and "x[1:3]" in text


# Errors ----------------------------------------------------------------------------------


def unequal_known_length(s):
    return np.sum(np.split(np.ones(5) * s, 2)[0])  # E:unequal


def computed_count(x):
    return np.sum(np.split(x, len(x) // 2)[0])  # E:count


def float_index(x):
    return np.sum(np.split(x, [1.5])[0])  # E:index


def unknown_keyword(x):
    return np.sum(np.hstack([x, x], dtype=np.float32))  # E:keyword


ERRORS = [
    (unequal_known_length, (0.5,), "unequal", "np.split", ["equal division", "5 into 2"]),
    (computed_count, (rn(4),), "count", "np.split", ["constant number of parts"]),
    (float_index, (rn(4),), "index", "np.split", ["must be ints"]),
    (unknown_keyword, (rn(4),), "keyword", "dtype=", ["dtype=", "np.hstack"]),
]


test_unsupported_arguments_are_located = support.located_errors_test(ERRORS, __file__)
