"""symdiff.cost: operation counts of the primal, JVP and gradient programs."""

from __future__ import annotations

import math

import numpy as np

import symdiff
from symdiff import Cost, cost
from symdiff.api.costs import Counts, ProgramCost


def small(x, y):
    return x * y + math.sin(x)


def test_counts_of_a_small_function() -> None:
    # primal: x * y, sin(x), + ; JVP: those and x_dot * y, cos(x), x_dot * cos(x), + ;
    # gradient: sin(x) (kept: it may raise), cos(x) + y.
    c = cost(small, 1.0, 2.0)
    assert isinstance(c, Cost)
    assert c.primal == ProgramCost(Counts(arithmetic=2, transcendental=1))
    assert c.forward == ProgramCost(Counts(arithmetic=5, transcendental=2))
    assert c.reverse == ProgramCost(Counts(arithmetic=1, transcendental=2))
    assert c.primal.once.total == 3 and c.reverse.once.total == 3


def test_table() -> None:
    text = str(cost(small, 1.0, 2.0))
    lines = text.splitlines()
    assert lines[0] == "operation counts of small"
    assert lines[1].split() == ["arithmetic", "transcendental", "total", "×", "primal"]
    assert lines[2].split() == ["primal", "2", "1", "3", "1.0"]
    assert lines[3].split() == ["forward", "(jvp)", "5", "2", "7", "2.3"]
    assert lines[4].split() == ["reverse", "(grad)", "1", "2", "3", "1.0"]


def test_loop_bodies_are_counted_once_per_iteration() -> None:
    def total(x, n):
        s = 0.0
        for k in range(n):
            s += math.sin(k * x)
        return s

    c = cost(total, 0.5, 10)
    # k * x, sin, s + _: one loop, counted once whatever n is.
    assert c.primal.loops == (Counts(arithmetic=2, transcendental=1),)
    assert cost(total, 0.5, 1000) == c
    assert len(c.reverse.loops) == 2  # the forward loop (kept for its errors) and backwards
    assert all(body.total > 0 for body in c.reverse.loops)
    text = str(c)
    assert "loop bodies, per iteration" in text and "loop 2" in text
    assert "each loop body is counted once per iteration" in text


def test_array_operations_and_argnums() -> None:
    def f(w, X):
        return np.sum(np.tanh(X @ w))

    c = cost(f, np.ones(3), np.ones((4, 3)))
    assert c.primal.once.array == 2  # matmul, sum
    assert c.primal.once.transcendental == 1
    assert c.reverse.once.array >= 3  # the transposed product and the sum's broadcast
    assert "array" in str(c)
    by_x = cost(f, np.ones(3), np.ones((4, 3)), argnums=1)
    assert by_x.primal == c.primal


def test_cost_of_a_derivative() -> None:
    c = cost(symdiff.grad(small), 1.0, 2.0)
    assert c.primal == cost(small, 1.0, 2.0).reverse  # the gradient is its primal
