"""`transforms.lists`: a float64 vector read one element at a time, as a Python list.

Contract tested here: the reverse-mode gradient of a loop that only reads elements of a
1-D float64 array and only returns its gradient reads ``x.tolist()`` and accumulates
into ``[0.0] * n``, and returns an array of the input's dtype and shape, equal to the
last bit to the gradient of the same numbers as a list. A float32 array, a matrix, a
function that also returns its value, an array used whole, and an operation that raises
on floats but only warns on NumPy scalars (a division) keep the array path.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import symdiff
from examples.loops import rosenbrock
from symdiff.testing import check_grads


def smoothness(x):
    """A roughness penalty of a signal: squared first differences plus a ridge term."""
    s = 0.0
    for i in range(len(x) - 1):
        d = x[i + 1] - x[i]
        s += d * d + 0.01 * x[i] * x[i]
    return s


def inverse_sum(x):
    s = 0.0
    for i in range(len(x)):
        s += 1.0 / x[i]
    return s


def mixed(x):
    s = 0.0
    for i in range(len(x)):
        s += x[i] * x[i]
    return s + np.sum(x)


def matrix_trace_square(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i, i] * a[i, i]
    return s


def tanh_energy(x):
    """A chain of tanh couplings, as in a 1-D Ising-like energy of soft spins."""
    e = 0.0
    for i in range(len(x) - 1):
        e += -math.tanh(x[i]) * math.tanh(x[i + 1])
    return e


POINT = np.linspace(-1.2, 1.5, 9)


def _source(fn, x):
    return symdiff.source(fn, args=(x,))


@pytest.mark.parametrize("fn", [rosenbrock, smoothness, tanh_energy])
def test_vector_read_by_element_is_read_as_a_list(fn):
    text = _source(fn, POINT)
    assert ".tolist()" in text and "[0.0] *" in text
    assert "zeros_like" not in text
    got = symdiff.grad(fn)(POINT)
    assert type(got) is np.ndarray and got.dtype == np.float64 and got.shape == POINT.shape
    assert got.tolist() == symdiff.grad(fn)(POINT.tolist())  # the same bits


def test_realistic_checks_through_every_transform():
    check_grads(smoothness, (POINT,))
    x = POINT.copy()
    value, g = symdiff.value_and_grad(smoothness)(x)
    assert value == smoothness(x) and np.array_equal(g, symdiff.grad(smoothness)(x))
    primal, pullback = symdiff.vjp(smoothness, x)
    assert np.array_equal(pullback(1.0)[0], g)
    assert np.allclose(symdiff.jacrev(smoothness)(x), g)
    assert np.allclose(symdiff.hessian(smoothness)(x), symdiff.jacfwd(
        symdiff.grad(smoothness))(x))


def test_float32_keeps_its_dtype_and_the_array_path():
    x = POINT.astype(np.float32)
    assert ".tolist()" not in _source(rosenbrock, x)
    got = symdiff.grad(rosenbrock)(x)
    assert got.dtype == np.float32 and got.shape == x.shape


@pytest.mark.parametrize("fn, x", [
    (mixed, POINT),
    (matrix_trace_square, np.arange(9.0).reshape(3, 3)),
])
def test_arrays_not_read_one_element_at_a_time_stay_arrays(fn, x):
    assert ".tolist()" not in _source(fn, x)
    check_grads(fn, (x,), modes=("rev",))


def test_value_and_grad_keeps_numpy_scalars():
    value, _ = symdiff.value_and_grad(rosenbrock)(POINT)
    assert type(value) is type(rosenbrock(POINT)) is np.float64


def test_division_keeps_the_array_path_and_its_warnings():
    # On a float 1.0 / 0.0 raises; on a NumPy scalar it warns and gives inf, as the
    # function does on this array: the gradient must not start raising.
    assert ".tolist()" not in _source(inverse_sum, POINT)
    x = np.array([1.0, 0.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert inverse_sum(x) == math.inf
        g = symdiff.grad(inverse_sum)(x)
    assert g[0] == -1.0 and g[1] == -math.inf


def weighted_rosenbrock(x, w):
    """Rosenbrock with a weight per term, differentiated in both arrays."""
    s = 0.0
    for i in range(len(x) - 1):
        s += w[i] * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
    return s


@pytest.mark.parametrize("n", [0, 1, 2])
def test_short_vectors(n):
    x = np.arange(float(n))
    got = symdiff.grad(rosenbrock)(x)
    assert got.shape == (n,) and got.dtype == np.float64
    assert got.tolist() == symdiff.grad(rosenbrock)(x.tolist())


def test_strided_view():
    x = np.linspace(0.1, 2.0, 12)[::2]
    assert symdiff.grad(rosenbrock)(x).tolist() == symdiff.grad(rosenbrock)(x.tolist())


def test_unproven_index_and_a_power_in_the_derivative_keep_arrays():
    # w[i] may be out of range (w's length is not x's), and w_bar gets (...) ** 2,
    # which raises on floats: both arrays stay arrays.
    base = np.linspace(0.1, 2.0, 12)
    x, w = base[::2], base[1::2] * 10.0
    text = symdiff.source(weighted_rosenbrock, argnums=(0, 1), args=(x, w))
    assert ".tolist()" not in text
    gx, gw = symdiff.grad(weighted_rosenbrock, argnums=(0, 1))(x, w)
    lx, lw = symdiff.grad(weighted_rosenbrock, argnums=(0, 1))(x.tolist(), w.tolist())
    assert gx.tolist() == lx and gw.tolist() == lw
    check_grads(weighted_rosenbrock, (x, w), modes=("rev",))
