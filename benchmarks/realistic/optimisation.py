"""Optimisation test functions, written the way benchmark suites write them."""

from __future__ import annotations

import numpy as np

from benchmarks.realistic.entry import Entry


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


def rastrigin(x, A=10.0):
    return A * len(x) + np.sum(x**2 - A * np.cos(2 * np.pi * x))


def rastrigin_grad(x, A=10.0):
    return 2 * x + 2 * np.pi * A * np.sin(2 * np.pi * x)


def ackley(x, a=20.0, b=0.2, c=2 * np.pi):
    n = len(x)
    return (-a * np.exp(-b * np.sqrt(np.sum(x**2) / n))
            - np.exp(np.sum(np.cos(c * x)) / n) + a + np.e)


def beale(x, y):
    return ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2
            + (2.625 - x + x * y**3) ** 2)


def beale_grad(x, y):
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    dx = 2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1)
    dy = 2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y**2
    return dx, dy


def himmelblau(p):
    x, y = p
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def himmelblau_grad(p):
    x, y = p
    a, b = x**2 + y - 11, x + y**2 - 7
    return np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])


x5 = np.array([-1.2, 1.0, 0.8, -0.5, 0.3])
ENTRIES = [
    Entry("rosenbrock", "optimisation", rosenbrock, (x5,), exact=rosenbrock_grad),
    Entry("rastrigin", "optimisation", rastrigin, (x5,), exact=rastrigin_grad),
    Entry("ackley", "optimisation", ackley, (x5,)),
    Entry("beale", "optimisation", beale, (1.2, 0.7), argnums=(0, 1), exact=beale_grad),
    Entry("himmelblau", "optimisation", himmelblau, (np.array([2.5, 1.7]),),
          exact=himmelblau_grad),
]
