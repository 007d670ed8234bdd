"""``np.block`` in user code, end to end: a 2 x 2 block covariance and its
log-determinant, a bordered (KKT) system solved, rows of vectors and numbers, a matrix
of numbers; in both modes and at second order against finite differences (float64 and
float32), through hessian and the Jacobians; the values NumPy gives; and located
errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jacrev, jvp
from tests.frontend import support

RNG = np.random.default_rng(15)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def block_cov_logdet(A, B, c):
    # The covariance of two groups of variables, built from its blocks: each group's own
    # covariance on the diagonal, their cross-covariance off it.
    S11 = A @ A.T + np.eye(2)
    S22 = np.diag(c ** 2) + 3.0 * np.eye(3)
    S = np.block([[S11, B], [B.T, S22]])
    return np.linalg.slogdet(S)[1]


def kkt_solution(w, a):
    # Minimise 1/2 x'Hx - g'x subject to a'x = 1: the bordered system's solution.
    H = np.diag(np.exp(w)) + 0.1
    K = np.block([[H, a[:, None]], [a[None, :], np.zeros((1, 1))]])
    rhs = np.block([np.sin(w), 1.0])
    return np.sum(np.linalg.solve(K, rhs)[:-1] ** 2)


def rows_and_numbers(x, y):
    # A 1-d block of a vector, a number and a vector; a vector given a leading axis
    # under a matrix; a lone array.
    v = np.block([x, 2.0 * x[0], y])
    M = np.block([[np.outer(x, y)], [y]])
    return np.sum(v ** 3) + np.sum(np.tanh(M)) + np.sum(np.block(x) * y)


def rotation_block(t, s):
    # A 2-d block of numbers: a scaled rotation.
    R = np.block([[s * np.cos(t), -s * np.sin(t)], [s * np.sin(t), s * np.cos(t)]])
    v = R @ np.array([1.0, 2.0])
    return np.sum(v ** 2) + R[0, 1] * R[1, 1]


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (block_cov_logdet, (rn(2, 2), 0.3 * rn(2, 3), rn(3))),
    (kkt_solution, (rn(3), rn(3) + 2.0)),
    (rows_and_numbers, (rn(3), rn(3))),
    (rotation_block, (0.3, 1.2)),
]


test_both_modes_and_second_order_against_finite_differences = support.gradients_test(CASES)


@pytest.mark.parametrize(("f", "args"), CASES[:3], ids=[f.__name__ for f, _ in CASES[:3]])
def test_values_are_numpys(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    value, _ = jvp(f, args, tuple(np.zeros_like(a) for a in args))
    assert value == pytest.approx(f(*args), rel=1e-12)


def test_the_log_determinant_gradient_is_the_inverse() -> None:
    # d logdet S / dB = 2 (S^-1)_{12}, the off-diagonal block of the inverse.
    A, B, c = rn(2, 2), 0.3 * rn(2, 3), rn(3)
    S = np.block([[A @ A.T + np.eye(2), B], [B.T, np.diag(c ** 2) + 3.0 * np.eye(3)]])
    g = grad(block_cov_logdet, argnums=1)(A, B, c)
    np.testing.assert_allclose(g, 2 * np.linalg.inv(S)[:2, 2:], rtol=1e-10)
    H = hessian(block_cov_logdet, argnums=2)(A, B, c)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    w, a = rn(3), rn(3) + 2.0
    np.testing.assert_allclose(jacfwd(grad(kkt_solution))(w, a),
                               jacrev(grad(kkt_solution))(w, a), atol=1e-10)


def test_block_joins_with_concatenate() -> None:
    g = grad(block_cov_logdet)
    g(rn(2, 2), rn(2, 3), rn(3))
    assert "np.concatenate(" in g.source and "np.block" not in g.source


# Errors ----------------------------------------------------------------------------------


def tuple_rows(x):
    return np.sum(np.block([(x, x), (x, x)]))  # E:tuple


def uneven_depth(x):
    return np.sum(np.block([[x, x], x]))  # E:depth


def empty_row(x):
    return np.sum(np.block([[x], []]))  # E:empty


ERRORS = [
    (tuple_rows, (rn(2),), "tuple", "np.block", ["tuple is not one"]),
    (uneven_depth, (rn(2),), "depth", "np.block", ["different depths"]),
    (empty_row, (rn(2),), "empty", "np.block", ["empty list"]),
]


test_unsupported_arguments_are_located = support.located_errors_test(ERRORS, __file__)
