"""NumPy products beyond matmul in user code, end to end: ``np.kron`` (a Kronecker-
structured linear map), ``np.tensordot`` (a bilinear layer, contractions given by a
count or by pairs of axes) and ``np.cross`` (torques and velocities of a rigid body,
batched, along another axis), in both modes and at second order against finite
differences, through hessian and jacobians; the generated code; NumPy's error for
vectors of another length; and located errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jacrev
from tests.frontend import support

RNG = np.random.default_rng(17)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def kronecker_regression(A, B, x, y):
    # A separable 2-D linear map: kron(A, B) applied to a flattened image.
    return 0.5 * np.sum((np.kron(A, B) @ x - y) ** 2)


def kron_shapes(a, M):
    return np.sum(np.kron(a, a) ** 2) + np.sum(np.kron(M, a) * np.kron(a, M)) + \
        np.sum(np.kron(2.0, M))


def bilinear_layer(W, x, y):
    # out[k] = x . W[k] . y, by two contractions.
    Wx = np.tensordot(W, x, axes=([1], [0]))
    return np.sum(np.tanh(np.tensordot(Wx, y, axes=1)) ** 2)


def contractions(T, M, v):
    return (np.sum(np.tensordot(T, M) ** 2) + np.sum(np.tensordot(M, T, axes=([0, 1], [1, 2])))
            + np.tensordot(v, v, 1) + np.sum(np.tensordot(M, v, axes=[[1], [0]]) ** 3)
            + np.sum(np.tensordot(v, M, axes=0)) + np.sum(np.tensordot(v, v[0], axes=0)))


def rigid_body_energy(omega, points, masses):
    # Kinetic energy of point masses spinning at angular velocity omega: v = omega x r.
    v = np.cross(omega, points)
    return 0.5 * np.sum(masses * np.sum(v ** 2, axis=1))


def torque_balance(q, forces):
    # A two-link arm in 3-D: link directions from joint angles, torque of each force
    # about the base, driven to zero.
    r1 = np.array([np.cos(q[0]), np.sin(q[0]), 0.0])
    r2 = r1 + np.array([np.cos(q[0] + q[1]), np.sin(q[0] + q[1]), q[2]])
    tau = np.cross(r1, forces[0]) + np.cross(r2, forces[1])
    return np.sum(tau ** 2)


def columns_crossed(A, B):
    # Vectors as the columns of 3 x n arrays.
    return np.sum(np.cross(A, B, axis=0) ** 2) + np.sum(np.cross(A.T, B[:, 0]))


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (kronecker_regression, (rn(2, 3), rn(2, 2), rn(6), rn(4))),
    (kron_shapes, (rn(3), rn(2, 3))),
    (bilinear_layer, (rn(3, 4, 2), rn(4), rn(2))),
    (contractions, (rn(2, 3, 4), rn(3, 4), rn(4))),
    (rigid_body_energy, (rn(3), rn(5, 3), np.abs(rn(5)))),
    (torque_balance, (rn(3), rn(2, 3))),
    (columns_crossed, (rn(3, 4), rn(3, 4))),
]


test_both_modes_and_second_order_against_finite_differences = support.gradients_test(CASES)


def test_the_jacobian_of_a_kronecker_map_is_the_kronecker_product() -> None:
    A, B, x = rn(2, 3), rn(2, 2), rn(6)
    np.testing.assert_allclose(jacfwd(lambda x: np.kron(A, B) @ x)(x), np.kron(A, B))
    np.testing.assert_allclose(jacrev(lambda a: np.kron(a, B[0]))(A[0]),
                               np.kron(np.eye(3), B[0][:, None]))
    H = hessian(kronecker_regression, argnums=2)(A, B, x, rn(4))
    np.testing.assert_allclose(H, np.kron(A, B).T @ np.kron(A, B), rtol=1e-12)


def test_products_read_as_numpy() -> None:
    g = grad(kronecker_regression)
    g(rn(2, 3), rn(2, 2), rn(6), rn(4))
    assert "np.kron(A, B)" in g.source and "np.einsum(" in g.source
    g = grad(bilinear_layer)
    g(rn(3, 4, 2), rn(4), rn(2))
    assert "Wx = np.einsum('abc,b->ac', W, x)" in g.source


def test_the_inertia_tensor_is_the_hessian_of_the_kinetic_energy() -> None:
    points, masses = rn(5, 3), np.abs(rn(5))
    inertia = sum(m * (r @ r * np.eye(3) - np.outer(r, r))
                  for r, m in zip(points, masses, strict=True))
    np.testing.assert_allclose(hessian(rigid_body_energy)(rn(3), points, masses), inertia,
                               rtol=1e-12, atol=1e-12)


def test_vectors_of_another_length_raise_as_numpy_would_not() -> None:
    g = grad(torque_balance)
    g(rn(3), rn(2, 3))
    # r1 and r2 are made of three values; each force's length is checked when it runs
    assert g.source.count(".shape[0] != 3:") == 2 and "r1.shape" not in g.source
    with pytest.raises(ValueError, match="3 components"):
        grad(rigid_body_energy)(rn(2), rn(5, 2), np.abs(rn(5)))


# Errors ----------------------------------------------------------------------------------


def too_many_axes(M):
    return np.sum(np.tensordot(M, M, axes=3))  # E:count


def uneven_axes(M):
    return np.sum(np.tensordot(M, M, axes=([0, 1], [0])))  # E:pairs


def computed_axes(M, k):
    return np.sum(np.tensordot(M, M, axes=k))  # E:computed


def plane_vectors(a, b):
    return np.cross(np.array([a, b]), np.array([b, a]))  # E:plane


def cross_axisa(A):
    return np.sum(np.cross(A, A, axisa=0))  # E:axisa


ERRORS = [
    (too_many_axes, (rn(2, 3),), "count", "np.tensordot", ["cannot contract 3 axes"]),
    (uneven_axes, (rn(2, 3),), "pairs", "np.tensordot", ["as many different axes"]),
    (computed_axes, (rn(2, 2), 1), "computed", "np.tensordot", ["axes must be a constant"]),
    (plane_vectors, (0.3, 0.4), "plane", "np.cross", ["3 components", "these have 2"]),
    (cross_axisa, (rn(3, 3),), "axisa", "axisa=", ["axisa=", "np.cross"]),
]


test_unsupported_arguments_are_located = support.located_errors_test(ERRORS, __file__)
