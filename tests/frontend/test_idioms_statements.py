"""Calls used as statements, for what they change: ``np.add.at`` (finite-element
assembly), ``out.fill(v)``, ``np.copyto``, ``out.sort()`` and ``xs.extend(ys)``; and
``slice(...)`` objects used as indices."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff.errors import UnsupportedSyntaxError
from symdiff.testing import check_grads

# A 1-D bar of four elements on five nodes: each element's two node numbers.
ELEMENTS = np.array([[0, 1], [1, 2], [2, 3], [3, 4]])
UNIT = np.array([[1.0, -1.0], [-1.0, 1.0]])


def stiffness(k):
    """The global stiffness matrix of the bar, assembled with np.add.at."""
    K = np.zeros((5, 5))
    for e in range(len(k)):
        nodes = ELEMENTS[e]
        np.add.at(K, (nodes[:, None], nodes[None, :]), k[e] * UNIT)
    return K


def compliance(k, f):
    """The bar's compliance f^T u with u = K^-1 f, the first node held fixed."""
    K = stiffness(k)
    u = np.linalg.solve(K[1:, 1:], f[1:])
    return f[1:] @ u


def reference_stiffness(k):
    K = np.zeros((5, 5))
    for e, (i, j) in enumerate(ELEMENTS):
        K[np.ix_([i, j], [i, j])] += k[e] * UNIT
    return K


def test_finite_element_assembly_with_add_at():
    k, f = np.array([1.0, 2.0, 1.5, 3.0]), np.array([0.0, 0.0, 1.0, 0.0, 1.0])
    np.testing.assert_allclose(symdiff.jacfwd(stiffness)(k),
                               np.stack([reference_stiffness(np.eye(4)[i]) for i in range(4)],
                                        axis=-1))
    # In a series bar, compliance is sum_e (load through e)^2 / k_e.
    through = np.array([2.0, 2.0, 1.0, 1.0])
    assert compliance(k, f) == pytest.approx(np.sum(through ** 2 / k))
    np.testing.assert_allclose(symdiff.grad(compliance)(k, f), -through ** 2 / k ** 2)
    np.testing.assert_allclose(symdiff.hessian(compliance)(k, f),
                               np.diag(2 * through ** 2 / k ** 3), atol=1e-12)
    check_grads(compliance, (k, f), order=2)
    text = symdiff.source(compliance, args=(k, f))
    assert "np.add.at(" in text


def test_add_at_accumulates_repeated_indices():
    def histogram_energy(v, bins):
        counts = np.zeros(3)
        np.add.at(counts, bins, v ** 2)
        np.add.at(counts, 0, 1.0)
        return np.sum(counts ** 2)

    v, bins = np.array([0.5, -1.0, 2.0, 0.3]), np.array([0, 2, 2, 1])
    counts = np.array([1.0 + 0.25, 0.09, 1.0 + 4.0])
    np.testing.assert_allclose(symdiff.grad(histogram_energy)(v, bins),
                               2 * counts[bins] * 2 * v)
    check_grads(lambda v: histogram_energy(v, bins), (v,), order=2)


def test_fill_and_copyto_write_into_an_array_the_function_made():
    def padded(v):
        out = np.empty(len(v) + 2)
        out.fill(1.0)
        out[1:-1] = v
        return np.sum(np.diff(out) ** 2)

    def doubled(v):
        out = np.zeros_like(v)
        np.copyto(out, 2.0 * v)
        return np.sum(out * v)

    v = np.array([0.5, 2.0, -1.0])
    check_grads(padded, (v,), order=2)
    np.testing.assert_allclose(symdiff.grad(doubled)(v), 4.0 * v)
    check_grads(doubled, (v,), order=2)


def trimmed_mean(x, k):
    """The mean of x without its k smallest and k largest entries."""
    s = x * 1.0
    s.sort()
    return np.mean(s[k:len(s) - k])


def test_sort_in_place_and_np_sort():
    x = np.array([3.0, -1.0, 0.5, 7.0, 2.0])
    want = np.zeros(5)
    want[[0, 2, 4]] = 1.0 / 3.0  # the middle three
    np.testing.assert_allclose(symdiff.grad(trimmed_mean)(x, 1), want)
    check_grads(lambda x: trimmed_mean(x, 1), (x,), order=2)

    def spread(x):
        s = np.sort(x)
        return s[-1] - s[0] + np.sum(s * np.arange(len(s)))

    np.testing.assert_allclose(symdiff.grad(spread)(x), [3.0, -1.0, 1.0, 5.0, 2.0])
    check_grads(spread, (x,), order=2)


def test_extend_a_list():
    def total(x, extra):
        terms = [x * x, 2.0 * x]
        terms.extend([x ** 3, 1.0])
        terms.extend(extra)
        return sum(terms) + terms[2]

    assert symdiff.grad(total)(1.5, [0.5, 0.25]) == pytest.approx(2 * 1.5 + 2 + 6 * 1.5 ** 2)
    g = symdiff.grad(total, argnums=1)(1.5, [0.5, 0.25])
    assert g == pytest.approx([1.0, 1.0])
    check_grads(lambda x: total(x, [0.5]), (1.5,), order=2)


def test_statements_that_would_change_what_the_function_did_not_make():
    def into_argument(x):
        np.add.at(x, 0, 1.0)
        return np.sum(x)

    def sort_argument(x):
        x.sort()
        return x[0]

    def sort_list(xs):
        ys = [v * 2.0 for v in xs]
        ys.sort()
        return ys[0]

    def helper(out, v):
        np.add.at(out, 0, v)
        return v

    def caller(x):
        out = np.zeros(2)
        helper(out, x)
        return np.sum(out)

    def printed(x):
        print(x)
        return x

    cases = [(into_argument, np.ones(2), "would change the caller's data"),
             (sort_argument, np.ones(2), "would change the caller's data"),
             (sort_list, [1.0, 2.0], "sorting a list in place"),
             (caller, 1.0, "cannot change 'out' in place"),
             (printed, 1.0, "expression statement")]
    for f, arg, words in cases:
        with pytest.raises(UnsupportedSyntaxError, match=words):
            symdiff.grad(f)(arg)


def interior_energy(u, h):
    """A Laplacian's energy over the interior nodes, through slice objects."""
    n = len(u)
    inner, left, right = slice(1, n - 1), slice(0, n - 2), slice(2, None)
    lap = (u[left] - 2.0 * u[inner] + u[right]) / h ** 2
    return 0.5 * np.sum(lap ** 2) + np.sum(u[inner][::2])


def test_slice_objects_index_arrays_and_lists():
    u, h = np.array([0.0, 0.3, 0.9, 1.2, 0.8, 0.1]), 0.5
    check_grads(interior_energy, (u, h), order=2)
    value, g = symdiff.value_and_grad(interior_energy)(u, h)
    assert value == pytest.approx(interior_energy(u, h))

    def window(xs, lo, hi):
        s = slice(lo, hi)
        return sum(xs[s]) * xs[s][0]

    assert symdiff.grad(window)([1.0, 2.0, 3.0, 4.0], 1, 3) == pytest.approx(
        [0.0, 5.0 + 2.0, 2.0, 0.0])

    def every_other(X):
        cols = slice(None, None, 2)
        return np.sum(X[:, cols] ** 2)

    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(symdiff.grad(every_other)(X), 2 * X * [1.0, 0.0, 1.0])

    with pytest.raises(UnsupportedSyntaxError, match="slice is used where a number"):
        symdiff.grad(lambda x: x * slice(1, 2))(1.0)


def check_positive(x, name):
    if np.any(x <= 0.0):
        raise ValueError("must be positive")


def log_likelihood(sigma, r):
    check_positive(sigma, "sigma")  # a helper called for its check, its value dropped
    return -np.sum(np.log(sigma) + 0.5 * (r / sigma) ** 2)


def test_a_helper_called_for_its_checks():
    sigma, r = np.array([0.5, 2.0]), np.array([0.3, -1.0])
    np.testing.assert_allclose(symdiff.grad(log_likelihood)(sigma, r),
                               -1.0 / sigma + r ** 2 / sigma ** 3)
    check_grads(lambda s: log_likelihood(s, r), (sigma,), order=2)
    with pytest.raises(ValueError, match="must be positive"):
        symdiff.grad(log_likelihood)(np.array([0.5, -2.0]), r)
