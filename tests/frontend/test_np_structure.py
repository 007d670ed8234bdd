"""NumPy matrix structure in user code, end to end: ``np.tril``, ``np.triu``,
``np.diag`` both ways, ``np.diagonal`` and ``x.diagonal()``, in realistic functions
(a Cholesky-factor parameterisation of a covariance, a Gaussian log-density, a
tridiagonal system), in both modes and at second order against finite differences
(`symdiff.testing.check_grads`), through hessian, jacfwd and jacrev; and located errors
for what is not supported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jacrev
from tests.frontend import support

RNG = np.random.default_rng(7)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def gaussian_nll(A, x):
    # A covariance parameterised by a lower-triangular factor with a positive diagonal.
    L = np.tril(A, -1) + np.diag(np.exp(np.diag(A)))
    z = np.linalg.solve(L, x)
    return 0.5 * np.sum(z ** 2) + np.sum(np.diag(A))


def covariance_penalty(A):
    S = np.tril(A) @ np.tril(A).T
    off = S - np.diag(np.diagonal(S))
    return np.sum(off ** 2) + np.sum(np.triu(A, 1) ** 2)


def tridiagonal_energy(d, e, x):
    T = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    return 0.5 * x @ T @ x


def diagonals_of_a_stack(T):
    # One diagonal of each matrix of the stack, then one across its first and last axes.
    return np.sum(np.diagonal(T, 0, 1, 2) ** 2) + np.sum(np.diagonal(T, offset=1, axis1=0,
                                                                     axis2=2) ** 3)


def rectangular_diagonals(W):
    return np.sum(W.diagonal() ** 2) + np.sum(W.diagonal(1)[:2] * W.diagonal(-1)) + \
        np.sum(np.triu(W, -1) * W)


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (gaussian_nll, (rn(3, 3) * 0.3, rn(3))),
    (covariance_penalty, (rn(3, 3),)),
    (tridiagonal_energy, (rn(4), rn(3), rn(4))),
    (diagonals_of_a_stack, (rn(2, 3, 4),)),
    (rectangular_diagonals, (rn(3, 4),)),
]


test_both_modes_and_second_order_against_finite_differences = support.gradients_test(CASES)


def test_hessian_of_a_tridiagonal_quadratic_form_is_the_matrix() -> None:
    d, e, x = rn(4), rn(3), rn(4)
    T = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    np.testing.assert_allclose(hessian(tridiagonal_energy, argnums=2)(d, e, x), T,
                               rtol=1e-12, atol=1e-12)
    H = hessian(gaussian_nll)(rn(3, 3) * 0.3, rn(3))
    assert H.shape == (3, 3, 3, 3)
    np.testing.assert_allclose(H, H.transpose(2, 3, 0, 1), rtol=1e-10, atol=1e-12)


def test_jacobians_of_the_structure_are_its_masks() -> None:
    A = rn(3, 4)
    np.testing.assert_array_equal(jacfwd(np.tril)(A).reshape(12, 12),
                                  np.diag(np.tril(np.ones((3, 4))).ravel()))
    np.testing.assert_array_equal(jacrev(lambda M: np.triu(M, 2))(A).reshape(12, 12),
                                  np.diag(np.triu(np.ones((3, 4)), 2).ravel()))
    want = np.zeros((2, 3, 4))
    want[0, 1, 0] = want[1, 2, 1] = 1.0  # the entries below the diagonal
    np.testing.assert_array_equal(jacrev(lambda M: np.diagonal(M, -1))(A), want)
    np.testing.assert_array_equal(jacfwd(lambda M: M.diagonal(-1))(A), want)


def test_the_gradient_reads_as_numpy() -> None:
    g = grad(covariance_penalty)
    g(rn(3, 3))
    assert "np.tril(A)" in g.source and "np.diagonal(S)" in g.source
    assert "np.triu(" in g.source and "np.eye(" in g.source


# Errors ----------------------------------------------------------------------------------


def tril_of_a_vector(x):
    return np.sum(np.tril(x))  # E:vector


def computed_offset(x, k):
    return np.sum(np.triu(x, k=int(k)))  # E:offset


def same_axes(x):
    return np.sum(np.diagonal(x, 0, 1, 1))  # E:axes


def diag_of_a_stack(x):
    return np.sum(np.diag(x))  # E:stack


ERRORS = [
    (tril_of_a_vector, (rn(3),), "vector", "np.tril", ["np.tril", "fewer than two axes"]),
    (computed_offset, (rn(3, 3), 1.0), "offset", "np.triu", ["k must be a constant int"]),
    (same_axes, (rn(2, 3, 3),), "axes", "np.diagonal", ["axis1 and axis2"]),
    (diag_of_a_stack, (rn(2, 3, 3),), "stack", "np.diag", ["vector", "matrix"]),
]


test_unsupported_arguments_are_located = support.located_errors_test(ERRORS, __file__)
