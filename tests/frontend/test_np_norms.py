"""``np.linalg.norm`` with ``ord``, ``axis`` and ``keepdims`` (issue 14): vector norms of
any order, the matrix 1, -1, inf, -inf, Frobenius and singular-value (2, -2, 'nuc')
norms, NumPy's values, derivatives in both modes against finite differences (to second
order where the norm is smooth), the conventions at kinks, an L1-regularised regression,
a spectrally normalised layer and a nuclear-norm matrix completion."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import grad, hessian, jacfwd, jacrev, jvp, value_and_grad
from symdiff.testing import check_grads
from tests.frontend import support

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()
RNG = np.random.default_rng(77)

pytestmark = pytest.mark.usefixtures("no_disk_cache")

ORDER = 3  # an ord read from a global


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def vector_norms(x):
    return (np.linalg.norm(x, 1) + np.linalg.norm(x, ord=np.inf) + np.linalg.norm(x, -np.inf)
            + np.linalg.norm(x, 3) + np.linalg.norm(x, 0.5) + np.linalg.norm(x, ORDER) ** 2
            + np.linalg.norm(x, -1) + np.linalg.norm(x, 2) + np.linalg.norm(x, 0))


def matrix_norms(A):
    return (np.linalg.norm(A, 1) + np.linalg.norm(A, -1) + np.linalg.norm(A, np.inf)
            + np.linalg.norm(A, -np.inf) + np.linalg.norm(A, "fro") ** 2)


def along_axes(T):
    return (np.sum(np.linalg.norm(T, 1, axis=2) ** 2)
            + np.sum(np.linalg.norm(T, np.inf, axis=(0, 2), keepdims=True))
            + np.sum(np.linalg.norm(T, 1, axis=(2, 0)) ** 2)
            + np.sum(np.linalg.norm(T, 4, axis=0, keepdims=True) * T)
            + np.sum(np.linalg.norm(T, "fro", axis=(1, 2))))


def spectral_normalise(W, x):
    """A layer whose weights are divided by their largest singular value."""
    return np.sum(np.tanh(W / np.linalg.norm(W, 2) @ x) ** 2)


def condition_and_nuclear(A, Y, mask):
    """Matrix completion with a nuclear-norm penalty, and A's condition number."""
    fit = 0.5 * np.sum(mask * (A - Y) ** 2) + 0.1 * np.linalg.norm(A, "nuc")
    return fit + np.linalg.norm(A, ord=2) / np.linalg.norm(A, -2)


def singular_norms_along_axes(A):
    return (np.sum(np.linalg.norm(A, 2, axis=(1, 0), keepdims=True) * A)
            + np.linalg.norm(A, "nuc", axis=(0, 1)) ** 2 + np.linalg.norm(A.T, -2, (0, 1)))


def lasso(w, X, y, lam):
    """Least squares with an L1 penalty on the weights."""
    residual = X @ w - y
    return 0.5 * np.mean(residual ** 2) + lam * np.linalg.norm(w, ord=1)


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (vector_norms, (rn(6),)),
    (matrix_norms, (rn(3, 4),)),
    (along_axes, (rn(2, 3, 4),)),
    (lasso, (rn(3), rn(8, 3), rn(8), 0.1)),
    (spectral_normalise, (rn(3, 4), rn(4))),
    (condition_and_nuclear, (rn(4, 3), rn(4, 3), (RNG.random((4, 3)) > 0.3) * 1.0)),
    (singular_norms_along_axes, (rn(3, 5),)),
]


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_both_modes_to_second_order(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    check_grads(f, args, order=2)


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_float32(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    args = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args)
    check_grads(f, args, eps=1e-3, rtol=5e-2, atol=5e-3)
    g = grad(f)(*args)
    assert g.dtype == np.float32


def test_values_are_numpys() -> None:
    x, A, T = rn(5), rn(3, 4), rn(2, 3, 4)

    def norms(x, A, T):
        return (np.linalg.norm(x, 1), np.linalg.norm(x, np.inf), np.linalg.norm(x, -np.inf),
                np.linalg.norm(x, 0), np.linalg.norm(x, 3.5), np.linalg.norm(x, -2),
                np.linalg.norm(x, 1, keepdims=True), np.linalg.norm(A, 1),
                np.linalg.norm(A, -np.inf), np.linalg.norm(A, np.inf, keepdims=True),
                np.linalg.norm(T, 1, axis=(2, 0)), np.linalg.norm(T, -1, axis=(0, 1),
                                                                  keepdims=True),
                np.linalg.norm(T, 1, axis=1), np.linalg.norm(T, "fro", axis=(2, 1)),
                np.linalg.norm(A, 2), np.linalg.norm(A, -2), np.linalg.norm(A, "nuc"),
                np.linalg.norm(A, 2, axis=(1, 0), keepdims=True))

    got = symdiff.vjp(norms, x, A, T)[0]
    for g, w in zip(got, norms(x, A, T), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-13)
        assert np.shape(g) == np.shape(w)


def test_kinks_follow_the_conventions() -> None:
    x = np.array([0.0, -2.0, 2.0, 1.0])
    # abs'(0) = 0: a zero entry adds nothing to the 1-norm's gradient.
    np.testing.assert_array_equal(grad(lambda x: np.linalg.norm(x, 1))(x), [0, -1, 1, 1])
    # Ties for the largest magnitude share the derivative, as np.max's ties do.
    np.testing.assert_array_equal(grad(lambda x: np.linalg.norm(x, np.inf))(x),
                                  [0, -0.5, 0.5, 0])
    np.testing.assert_array_equal(grad(lambda x: np.linalg.norm(x, -np.inf))(x), [0, 0, 0, 0])
    # Counting the non-zero entries has derivative 0.
    assert jvp(lambda x: np.linalg.norm(x, 0), (x,), (np.ones(4),)) == (3.0, 0.0)
    # Two columns with the largest sum share the matrix 1-norm's derivative.
    A = np.array([[1.0, -2.0], [2.0, 1.0]])
    np.testing.assert_array_equal(grad(lambda A: np.linalg.norm(A, 1))(A),
                                  [[0.5, -0.5], [0.5, 0.5]])


def test_singular_value_norms_differentiate_as_their_factors() -> None:
    A = rn(4, 3)
    U, _, Vh = np.linalg.svd(A, full_matrices=False)
    # d s_i = u_i^T dA v_i: the largest, the smallest and the sum of the singular values.
    np.testing.assert_allclose(grad(lambda A: np.linalg.norm(A, 2))(A), np.outer(U[:, 0], Vh[0]),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad(lambda A: np.linalg.norm(A, -2))(A),
                               np.outer(U[:, -1], Vh[-1]), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(jacrev(lambda A: np.linalg.norm(A, "nuc"))(A), U @ Vh,
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hessian(lambda A: np.linalg.norm(A, "nuc"))(A),
                               jacfwd(jacrev(lambda A: np.linalg.norm(A, "nuc")))(A),
                               rtol=1e-8, atol=1e-10)


def test_lasso_in_every_mode() -> None:
    w, X, y = rn(3), rn(10, 3), rn(10)
    value, g = value_and_grad(lasso)(w, X, y, 0.3)
    assert value == pytest.approx(lasso(w, X, y, 0.3))
    np.testing.assert_allclose(g, X.T @ (X @ w - y) / 10 + 0.3 * np.sign(w), rtol=1e-12)
    # The penalty is piecewise linear: the Hessian is the least-squares one.
    np.testing.assert_allclose(hessian(lasso)(w, X, y, 0.3), X.T @ X / 10, rtol=1e-12)


def spectral_of_a_stack(A):
    return np.linalg.norm(A[None], ord=2)  # E:spectral


def not_a_matrix_order(A):
    return np.linalg.norm(A, 3)  # E:three


def unknown_string(A):
    return np.linalg.norm(A[0], "max")  # E:max


def run_time_order(A):
    return np.linalg.norm(A[0], A[1, 1])  # E:runtime


ERRORS = [
    (spectral_of_a_stack, "spectral", "np.linalg.norm(", ["more than two axes", "axis"]),
    (not_a_matrix_order, "three", "3)", ["ord=3", "not a norm of matrices"]),
    (unknown_string, "max", '"max"', ["'max'", "'fro' and 'nuc'"]),
    (run_time_order, "runtime", "A[1, 1]", ["ord must be", "known while compiling"]),
]


@support.error_cases(ERRORS)
def test_unsupported_orders_are_located(f: Callable[..., Any], tag: str, snippet: str,
                                        words: list[str]) -> None:
    support.raises_located(lambda: grad(f)(rn(3, 3)), THIS_FILE, LINES, tag, snippet, words)
