"""A number read like the 0-d array NumPy makes of it (``x.shape == ()``, ``x.ndim``,
``x.size``), ``np.shape``, ``np.ndim`` and ``np.size`` of numbers and arrays, and shapes
compared as tuples (``if x.shape != y.shape: raise ...``), in both modes and at
second order; located errors for what is left out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jvp, source, value_and_grad
from symdiff.errors import UnsupportedSyntaxError
from symdiff.testing import check_grads
from tests.frontend import support

FILE = Path(__file__).resolve()
LINES = FILE.read_text().splitlines()
RNG = np.random.default_rng(5)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def energy(x):
    # Written for a number or an array: sums over the entries either way.
    assert x.shape == () and x.ndim == 0 and x.size == 1
    return 0.5 * x ** 2 * x.size


def scaled_mean(x):
    # A mean written with np.size, for numbers and arrays alike.
    return np.sum(np.sin(x)) / np.size(x) + np.ndim(x) * x.ndim


def dot_checked(w, v):
    if w.shape != v.shape:
        raise ValueError("w and v must have one shape")
    if len(np.shape(w)) == 2 and np.shape(w)[1] == 3:
        return np.sum(w * v) * np.size(w, axis=1)
    return np.sum(w * v)


def tuple_order(x):
    return x.shape < (3,)  # E:order


def size_axis_of_a_number(x):
    return np.size(x, 0) * x  # E:size


def shape_of_a_list(x):
    xs = []
    for i in range(3):
        xs.append(x * i)
    return x * len(xs.shape)  # E:list


def test_number_attributes() -> None:
    # (check_grads differences Python floats, which have no .shape: checked by hand)
    assert grad(energy)(3.0) == pytest.approx(3.0)
    assert jvp(energy, (0.7,), (2.0,)) == pytest.approx((0.245, 1.4))
    assert hessian(energy)(0.7) == pytest.approx(1.0)


def test_np_size_and_ndim_of_numbers_and_arrays() -> None:
    x = RNG.uniform(-1, 1, (2, 3))
    check_grads(scaled_mean, (x,), modes=("fwd", "rev"), order=2)
    assert grad(scaled_mean)(x) == pytest.approx(np.cos(x) / 6)
    value, g = value_and_grad(scaled_mean)(0.4)
    assert (value, g) == pytest.approx((np.sin(0.4), np.cos(0.4)))
    assert hessian(scaled_mean)(0.4) == pytest.approx(-np.sin(0.4))


def test_shapes_compared_as_tuples() -> None:
    w, v = RNG.uniform(-1, 1, (2, 3)), RNG.uniform(-1, 1, (2, 3))
    assert grad(dot_checked)(w, v) == pytest.approx(3 * v)
    assert jacfwd(dot_checked, argnums=1)(w[0], v[0]) == pytest.approx(w[0])
    with pytest.raises(ValueError, match="one shape"):
        grad(dot_checked)(w, v.T)
    text = source(dot_checked, args=(w, v))
    assert "x.shape" not in text and "w.shape[0] == v.shape[0]" in text


@support.error_cases([
    (tuple_order, "order", "x.shape < (3,)", ["tuple", "=="]),
    (size_axis_of_a_number, "size", "np.size(x, 0)", ["np.size", "has no axes"]),
    (shape_of_a_list, "list", "xs.shape", [".shape on a list"]),
])
def test_located_errors(f, tag, snippet, words) -> None:
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(f)(1.5)
    support.assert_located(info.value, FILE, LINES, tag, snippet, words)
