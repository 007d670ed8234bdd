"""Tuple loop targets: ``for (i, j), w in zip(edges, weights)``, ``for i, (a, b) in
enumerate(pairs)`` and ``for i, j in edges`` over lists of tuples (data from outside
the function, or a list the function writes) and over the rows of integer arrays."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff.errors import UnsupportedSyntaxError
from symdiff.testing import check_grads

# A small ring graph with a chord: (i, j) edges and their weights.
EDGES = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]
WEIGHTS = [1.0, 2.0, 0.5, 1.5, 0.25]
EDGE_ARRAY = np.array(EDGES)


def laplacian():
    n = 4
    L = np.zeros((n, n))
    for (i, j), w in zip(EDGES, WEIGHTS, strict=True):
        L[i, i] += w
        L[j, j] += w
        L[i, j] -= w
        L[j, i] -= w
    return L


def dirichlet_energy(x):
    """The graph Laplacian energy x^T L x, summed over the edges."""
    e = 0.0
    for (i, j), w in zip(EDGES, WEIGHTS, strict=True):
        e += w * (x[i] - x[j]) ** 2
    return e


def test_graph_energy_over_a_zip_of_edge_tuples_and_weights():
    x = np.array([0.3, -1.0, 2.0, 0.5])
    L = laplacian()
    np.testing.assert_allclose(symdiff.grad(dirichlet_energy)(x), 2 * L @ x)
    np.testing.assert_allclose(symdiff.hessian(dirichlet_energy)(x), 2 * L)
    np.testing.assert_allclose(symdiff.jacrev(dirichlet_energy)(x), 2 * L @ x)
    out, tangent = symdiff.jvp(dirichlet_energy, (x,), (np.ones(4),))
    assert out == pytest.approx(x @ L @ x)
    assert tangent == pytest.approx(0.0, abs=1e-12)  # constants are in L's null space
    _, vjp_fn = symdiff.vjp(dirichlet_energy, x)
    np.testing.assert_allclose(vjp_fn(0.5)[0], L @ x)
    check_grads(dirichlet_energy, (x,), order=2)


def test_edges_as_the_rows_of_an_integer_array():
    def energy(x, weights):
        return sum(w * (x[i] - x[j]) ** 2 for (i, j), w in zip(EDGE_ARRAY, weights,
                                                               strict=True))

    def energy_plain(x):
        e = 0.0
        for i, j in EDGE_ARRAY:
            e += (x[i] - x[j]) ** 2
        return e

    x, w = np.array([0.3, -1.0, 2.0, 0.5]), np.array(WEIGHTS)
    np.testing.assert_allclose(symdiff.grad(energy)(x, w), 2 * laplacian() @ x)
    check_grads(energy, (x, w), order=2)
    check_grads(energy_plain, (x,), order=2)


SPRINGS = [(1.0, 0.5), (2.0, 1.5), (0.5, 1.0)]  # (stiffness, rest length)


def chain_energy(x):
    """A chain of springs: ``enumerate`` of (stiffness, rest length) pairs."""
    e = 0.0
    for i, (k, rest) in enumerate(SPRINGS):
        e += 0.5 * k * (x[i + 1] - x[i] - rest) ** 2
    return e


def test_enumerate_of_a_list_of_pairs_from_outside():
    x = np.array([0.0, 0.7, 2.0, 3.2])
    stretch = np.diff(x) - np.array([r for _, r in SPRINGS])
    force = np.array([k for k, _ in SPRINGS]) * stretch
    want = np.concatenate(([0.0], force)) - np.concatenate((force, [0.0]))
    np.testing.assert_allclose(symdiff.grad(chain_energy)(x), want)
    check_grads(chain_energy, (x,), order=2)


def test_a_list_of_tuples_the_function_writes():
    def weighted_pairs(a, b):
        pairs = [(a, 1.0), (a * b, 2.0)]
        pairs.append((b, 0.5))
        s = 0.0
        for i, (value, weight) in enumerate(pairs):
            s += (i + 1) * weight * value ** 2
        for k in range(len(pairs)):  # indexed at run time: one list per field
            value, weight = pairs[k]
            s += weight * value
        return s

    a, b = 0.7, -1.3
    ga = 2 * a + 4 * 2 * a * b * b + 1.0 + 2.0 * b
    gb = 4 * 2 * a * a * b + 3 * 0.5 * 2 * b + 2.0 * a + 0.5
    assert symdiff.grad(weighted_pairs, (0, 1))(a, b) == pytest.approx((ga, gb))
    check_grads(weighted_pairs, (a, b), order=2)


def test_tuple_targets_over_reversed_and_array_rows():
    def horner_pairs(a):
        s = 0.0
        for p, q in reversed([(a, 1.0), (2 * a, 3.0)]):
            s = s * 0.5 + p * q
        return s

    def cross_terms(p):
        s = 0.0
        for a, b in p.reshape(-1, 2):
            s += a * b
        return s

    assert symdiff.grad(horner_pairs)(1.5) == pytest.approx(0.5 * 6.0 + 1.0)
    p = np.array([1.0, -2.0, 3.0, 0.5])
    np.testing.assert_allclose(symdiff.grad(cross_terms)(p), [-2.0, 1.0, 0.5, 3.0])
    check_grads(cross_terms, (p,), order=2)


def test_unsupported_tuple_lists_are_located():
    def built_in_a_loop(x):
        pairs = [(x[k], x[k + 1]) for k in range(len(x) - 1)]
        return sum(a * b for a, b in pairs)

    with pytest.raises(UnsupportedSyntaxError, match="list of tuples built in a loop"):
        symdiff.grad(built_in_a_loop)(np.ones(3))

    def ragged(x):
        s = 0.0
        for i, j in [(0, 1), (1, 2, 3)]:
            s += x[i] * x[j]
        return s

    with pytest.raises(UnsupportedSyntaxError, match="tuples of different lengths"):
        symdiff.grad(ragged)(np.ones(4))

    def too_many(x):
        s = 0.0
        for (i, j, k), w in zip(EDGES, WEIGHTS, strict=True):
            s += w * x[i] * x[j] * x[k]
        return s

    with pytest.raises(UnsupportedSyntaxError, match="cannot unpack 2 values into 3"):
        symdiff.grad(too_many)(np.ones(4))
