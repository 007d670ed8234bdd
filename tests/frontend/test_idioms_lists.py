"""Lists the function builds, read as Python and NumPy read them: ``max``/``min`` of a
list (built by appends in a loop, by a comprehension, or written out), of a generator
and of a vector; NumPy reductions and joins of lists and tuples that mix numbers and
arrays."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff.errors import UnsupportedSyntaxError
from symdiff.testing import check_grads

TS = [0.0, 0.5, 1.0, 1.5, 2.0]
YS = [0.1, 0.9, 2.2, 2.8, 4.1]


def worst_residual(theta, ts, ys):
    """A Chebyshev (minimax) line fit's objective plus a small L1 term: the largest
    absolute residual, from a list built in a loop."""
    residuals = []
    for t, y in zip(ts, ys, strict=True):
        residuals.append(abs(theta[0] + theta[1] * t - y))
    return max(residuals) + 0.1 * sum(residuals)


def test_max_of_a_list_built_in_a_loop():
    theta = np.array([0.2, 1.7])
    r = [abs(theta[0] + theta[1] * t - y) for t, y in zip(TS, YS, strict=True)]
    k = int(np.argmax(r))
    sign = np.sign([theta[0] + theta[1] * t - y for t, y in zip(TS, YS, strict=True)])
    want = np.array([sign[k], sign[k] * TS[k]]) + 0.1 * np.array(
        [np.sum(sign), np.sum(sign * np.array(TS))])
    g = symdiff.grad(worst_residual)(theta, TS, YS)
    np.testing.assert_allclose(g, want)
    value, g2 = symdiff.value_and_grad(worst_residual)(theta, TS, YS)
    assert value == pytest.approx(worst_residual(theta, TS, YS))
    np.testing.assert_allclose(g2, want)
    np.testing.assert_allclose(symdiff.jacrev(worst_residual)(theta, TS, YS), want)
    np.testing.assert_allclose(symdiff.jacfwd(worst_residual)(theta, TS, YS), want)
    np.testing.assert_allclose(symdiff.hessian(worst_residual)(theta, TS, YS), np.zeros((2, 2)))
    check_grads(lambda th: worst_residual(th, TS, YS), (theta,))
    assert "max(residuals)" in symdiff.source(worst_residual, args=(theta, TS, YS))


def peak_energy(x):
    energies = [x[i] ** 2 * (i + 1) for i in range(len(x))]
    return max(energies) - min(energies)


def test_max_and_min_of_a_comprehension_in_every_transform():
    x = np.array([0.3, -1.2, 0.8, 0.5])
    e = x ** 2 * np.arange(1, 5)
    hi, lo = int(np.argmax(e)), int(np.argmin(e))
    want = np.zeros(4)
    want[hi] += 2 * x[hi] * (hi + 1)
    want[lo] -= 2 * x[lo] * (lo + 1)
    np.testing.assert_allclose(symdiff.grad(peak_energy)(x), want)
    out, tangent = symdiff.jvp(peak_energy, (x,), (np.ones(4),))
    assert out == pytest.approx(peak_energy(x))
    assert tangent == pytest.approx(want.sum())
    out, vjp_fn = symdiff.vjp(peak_energy, x)
    np.testing.assert_allclose(vjp_fn(2.0)[0], 2 * want)
    h = np.zeros((4, 4))
    h[hi, hi], h[lo, lo] = 2 * (hi + 1), -2 * (lo + 1)
    np.testing.assert_allclose(symdiff.hessian(peak_energy)(x), h)
    check_grads(peak_energy, (x,))  # no batching rule for lists: no jacfwd inside


def test_max_of_a_list_literal_a_generator_and_a_vector():
    def hinge(a, b):
        return max([0.0, 1.0 - a * b, 0.5 * a])

    assert symdiff.grad(hinge, argnums=(0, 1))(0.2, 1.5) == pytest.approx((-1.5, -0.2))
    assert symdiff.grad(hinge, argnums=(0, 1))(3.0, 1.5) == pytest.approx((0.5, 0.0))
    check_grads(hinge, (0.2, 1.5), order=2)

    def largest_step(xs):
        return max(abs(b - a) for a, b in zip(xs[:-1], xs[1:], strict=True))

    assert symdiff.grad(largest_step)([0.0, 1.0, 3.0, 2.5]) == pytest.approx(
        [0.0, -1.0, 1.0, 0.0])

    def top(v):
        return max(v) * min(v)

    v = np.array([0.5, 2.0, -1.0])
    np.testing.assert_allclose(symdiff.grad(top)(v), [0.0, -1.0, 2.0])
    check_grads(top, (v,), order=2)


def test_ties_share_the_derivative_as_np_max_does():
    def peak(x):
        return max([x[0], x[1], x[2]])

    np.testing.assert_allclose(symdiff.grad(peak)(np.array([2.0, 2.0, 1.0])), [0.5, 0.5, 0.0])
    np.testing.assert_allclose(symdiff.grad(lambda x: np.max(x))(np.array([2.0, 2.0, 1.0])),
                               [0.5, 0.5, 0.0])


def test_max_of_an_empty_list_raises_as_python_does():
    def worst(x, n):
        errors = [x * k for k in range(n)]
        return max(errors)

    assert symdiff.grad(worst)(2.0, 3) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="empty"):
        symdiff.grad(worst)(2.0, 0)


def test_max_of_a_matrix_or_of_arrays_is_located():
    with pytest.raises(UnsupportedSyntaxError, match="rows.*np.max"):
        symdiff.grad(lambda x: max(x) @ np.ones(2))(np.ones((2, 2)))
    with pytest.raises(UnsupportedSyntaxError, match="other than numbers"):
        symdiff.grad(lambda x: np.sum(max([x, 2 * x])))(np.ones(2))


def softmax_with_bias(z, b):
    """NumPy reductions of a tuple of numbers and arrays, and of a list of numbers."""
    total = np.sum([1.0, np.sum(np.exp(z)), b * b])
    return np.log(total) + np.mean([b, 2.0 * b, np.max(z)])


def test_numpy_reductions_of_lists_that_mix_numbers_and_arrays():
    z, b = np.array([0.1, -0.4, 0.7]), 0.3
    value, (gz, gb) = symdiff.value_and_grad(softmax_with_bias, (0, 1))(z, b)
    assert value == pytest.approx(softmax_with_bias(z, b))
    total = 1.0 + np.exp(z).sum() + b * b
    np.testing.assert_allclose(gz, np.exp(z) / total + np.array([0, 0, 1]) / 3)
    assert gb == pytest.approx(2 * b / total + 1.0)
    check_grads(softmax_with_bias, (z, b), order=2)


def dirichlet_energy(v, h):
    """A 1-D Laplacian energy with zero boundary values padded on: np.concatenate of
    list literals and an array."""
    u = np.concatenate(([0.0], v, [0.0]))
    return 0.5 * np.sum(np.diff(u) ** 2) / h - h * np.sum(v)


def test_concatenate_pads_an_array_with_list_literals():
    v, h = np.array([0.2, 0.5, 0.4, 0.1]), 0.2
    n = len(v)
    laplacian = (2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)) / h
    np.testing.assert_allclose(symdiff.grad(dirichlet_energy)(v, h), laplacian @ v - h)
    np.testing.assert_allclose(symdiff.hessian(dirichlet_energy)(v, h), laplacian)
    np.testing.assert_allclose(symdiff.jacfwd(dirichlet_energy)(v, h), laplacian @ v - h)
    check_grads(dirichlet_energy, (v, h), order=2)


def test_numpy_functions_of_a_list_built_in_a_loop():
    def spread(x):
        parts = []
        for i in range(len(x)):
            parts.append(x[i] * (i + 1))
        stacked = np.stack(parts)
        return np.sum(parts) + np.var(parts) + np.prod(stacked)

    x = np.array([0.5, -0.2, 0.9])
    check_grads(spread, (x,))
    out = spread(x)
    assert symdiff.value_and_grad(spread)(x)[0] == pytest.approx(out)
