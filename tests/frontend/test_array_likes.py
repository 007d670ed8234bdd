"""NumPy functions given a Python list written in the function where they take an array
(``np.linalg.norm([dx, dy])``, ``np.append([a, 2.0], b)``, ``np.linalg.det([[a, b],
[c, d]])``): the list is read as ``np.array`` of it, in both modes and at second
order, through jacfwd, jacrev and hessian."""

from __future__ import annotations

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jacrev, value_and_grad
from symdiff.testing import check_grads

RNG = np.random.default_rng(11)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def distance(x1, y1, x2, y2):
    # The Euclidean distance between two points, as a list of the coordinate gaps.
    return np.linalg.norm([x2 - x1, y2 - y1])


def residual_norms(p, t):
    # Rows of residuals, one per model, each row an array built from the parameters.
    return np.linalg.norm([np.sin(p * t), p * t - 1.0, np.exp(-p) * t], axis=1)


def padded(a, b):
    # A list of a parameter and constants, and another parameter appended.
    return np.append([a, 2.0, 3.0], b)


def area(ax, ay, bx, by):
    # The area of the parallelogram of two vectors: the determinant of their rows.
    return np.linalg.det([[ax, ay], [bx, by]])


def rotated_trace(theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.trace([[c, -s], [s, c]]) + np.sum(np.diag([c, s]) ** 2)


def test_norm_of_a_list_of_numbers() -> None:
    point = (0.3, -1.2, 2.0, 0.5)
    check_grads(distance, point, modes=("fwd", "rev"), order=2)
    value, g = value_and_grad(distance, argnums=(0, 1, 2, 3))(*point)
    gap = np.array([point[2] - point[0], point[3] - point[1]])
    assert value == pytest.approx(np.hypot(*gap))
    assert g[2] == pytest.approx(gap[0] / np.hypot(*gap))


def test_norm_of_a_list_of_arrays_along_an_axis() -> None:
    t = RNG.uniform(0.5, 2.0, 4)
    check_grads(residual_norms, (0.7, t), modes=("fwd", "rev"), order=2)
    assert jacrev(residual_norms)(0.7, t) == pytest.approx(jacfwd(residual_norms)(0.7, t))


def test_append_to_a_list() -> None:
    check_grads(padded, (1.5, -4.0), modes=("fwd", "rev"), order=2)
    assert jacfwd(padded, argnums=(0, 1))(1.5, -4.0)[1] == pytest.approx([0, 0, 0, 1.0])


def test_matrix_functions_of_nested_lists() -> None:
    check_grads(area, (1.0, 0.5, -0.3, 2.0), modes=("fwd", "rev"), order=2)
    assert grad(area, argnums=0)(1.0, 0.5, -0.3, 2.0) == pytest.approx(2.0)
    check_grads(rotated_trace, (0.4,), modes=("fwd", "rev"), order=2)
    assert hessian(rotated_trace)(0.4) == pytest.approx(-2 * np.cos(0.4))  # 2 cos + 1
