"""Numerical methods: penalised smoothing, finite elements, graph energies, quadrature."""

from __future__ import annotations

import numpy as np

from benchmarks.realistic.entry import Entry

rng = np.random.default_rng(4)


def smoothing_spline_objective(f, y, lam=2.0):
    return np.sum((y - f) ** 2) + lam * np.sum(np.diff(f, n=2) ** 2)


def smoothing_spline_grad(f, y, lam=2.0):
    D = np.diff(np.eye(len(f)), n=2, axis=0)
    return 2 * (f - y) + 2 * lam * D.T @ (D @ f)


def fem_compliance(E, load=1.0, length=1.0):
    """A clamped 1-D bar of len(E) linear elements, pulled at its free end: f . u."""
    n = len(E)
    h = length / n
    K = np.zeros((n + 1, n + 1))
    for e in range(n):
        ke = E[e] / h * np.array([[1.0, -1.0], [-1.0, 1.0]])
        K[e:e + 2, e:e + 2] += ke
    f = np.zeros(n + 1)
    f[-1] = load
    u = np.linalg.solve(K[1:, 1:], f[1:])
    return f[1:] @ u


def fem_compliance_grad(E, load=1.0, length=1.0):
    # Elements in series: compliance = load**2 * sum(h / E).
    h = length / len(E)
    return -load**2 * h / E**2


def laplacian_energy(x, A):
    L = np.diag(A.sum(axis=1)) - A
    return 0.5 * x @ L @ x


def trapezoid_arc_length(c, n=64):
    """Length of the curve y = c0 sin(t) + c1 t**2 on [0, 1] by the trapezoid rule."""
    t = np.linspace(0.0, 1.0, n)
    dy = c[0] * np.cos(t) + 2 * c[1] * t
    return np.trapezoid(np.sqrt(1 + dy**2), t)


A = rng.uniform(size=(5, 5))
A = np.triu(A, 1) + np.triu(A, 1).T
ENTRIES = [
    Entry("smoothing_spline", "numerics", smoothing_spline_objective,
          (rng.normal(size=7), np.sin(np.linspace(0, 3, 7))), exact=smoothing_spline_grad),
    Entry("fem_compliance", "numerics", fem_compliance, (np.array([1.0, 2.0, 1.5, 0.7]),),
          exact=fem_compliance_grad),
    Entry("laplacian_energy", "numerics", laplacian_energy, (rng.normal(size=5), A),
          argnums=(0, 1)),
    Entry("trapezoid_arc_length", "numerics", trapezoid_arc_length,
          (np.array([0.7, -0.4]),)),
]
