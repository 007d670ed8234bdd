"""Every new array is its own array: ``np.zeros``, ``np.ones``, ``np.empty``,
``np.full``, the ``_like`` forms, ``np.array`` of a literal (or of an array: a copy) and
``.copy()`` each make a value common-subexpression elimination never merges with
another, written into or not, so two arrays made alike can be written into apart, in
loops and branches, in both modes (`symdiff.testing.check_grads`). The generated code
stays the same for the same function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff.frontend.lower import lower
from symdiff.ir.regions import all_nodes
from symdiff.ir.types import of_value
from symdiff.testing import check_grads

pytestmark = pytest.mark.usefixtures("no_disk_cache")

RNG = np.random.default_rng(15)


def zeros(x, c):
    n = len(x)
    P = np.zeros(n)
    Q = np.zeros(n)
    for i in range(n):
        P[i] += x[i] * x[i]
        Q[i] += 2.0 * x[i]
    if c > 0:
        P[0] = c * x[1]
        Q[1] = c
    return np.sum(P * Q) + c * np.sum(P - Q)


def ones(x, c):
    P = np.ones(len(x))
    Q = np.ones(len(x))
    for i in range(len(x)):
        P[i] *= x[i] * x[i]
        Q[i] += 2.0 * x[i]
    if c > 0:
        P[0] = c * x[1]
        Q[1] = c
    return np.sum(P * Q) + c * np.sum(P - Q)


def empty(x, c):
    P = np.empty(len(x))
    Q = np.empty(len(x))
    for i in range(len(x)):
        P[i] = x[i] * x[i]
        Q[i] = 2.0 * x[i]
    if c > 0:
        P[0] = c * x[1]
        Q[1] = c
    return np.sum(P * Q) + c * np.sum(P - Q)


def full(x, c):
    P = np.full(len(x), 0.5)
    Q = np.full(len(x), 0.5)
    for i in range(len(x)):
        P[i] += x[i] * x[i]
        Q[i] -= 2.0 * x[i]
    if c > 0:
        P[0] = c * x[1]
        Q[1] = c
    return np.sum(P * Q) + c * np.sum(P - Q)


def zeros_like(x, c):
    P = np.zeros_like(x)
    Q = np.zeros_like(x)
    for i in range(len(x)):
        P[i] += x[i] * x[i]
        Q[i] += 2.0 * x[i]
    if c > 0:
        P[0] = c * x[1]
        Q[1] = c
    return np.sum(P * Q) + c * np.sum(P - Q)


def ones_like(x, c):
    P = np.ones_like(x)
    Q = np.ones_like(x)
    for i in range(len(x)):
        P[i] *= x[i] * x[i]
        Q[i] += 2.0 * x[i]
    if c > 0:
        P[0] = c * x[1]
        Q[1] = c
    return np.sum(P * Q) + c * np.sum(P - Q)


def empty_like(x, c):
    P = np.empty_like(x)
    Q = np.empty_like(x)
    for i in range(len(x)):
        P[i] = x[i] * x[i]
        Q[i] = 2.0 * x[i]
    if c > 0:
        P[0] = c * x[1]
        Q[1] = c
    return np.sum(P * Q) + c * np.sum(P - Q)


def full_like(x, c):
    P = np.full_like(x, 0.5)
    Q = np.full_like(x, 0.5)
    for i in range(len(x)):
        P[i] += x[i] * x[i]
        Q[i] -= 2.0 * x[i]
    if c > 0:
        P[0] = c * x[1]
        Q[1] = c
    return np.sum(P * Q) + c * np.sum(P - Q)


def literal(x, c):
    P = np.array([0.0, 0.0, 0.0])
    Q = np.array([0.0, 0.0, 0.0])
    for i in range(3):
        P[i] += x[i] * x[i]
        Q[i] += 2.0 * x[i]
    if c > 0:
        P[0] = c * x[1]
        Q[1] = c
    return np.sum(P * Q) + c * np.sum(P - Q)


def copies(x, c):
    y = x * 0.5
    P = y.copy()
    Q = y.copy()
    for i in range(len(x)):
        P[i] += x[i] * x[i]
        Q[i] += 2.0 * x[i]
    if c > 0:
        P[0] = c * x[1]
        Q[1] = c
    return np.sum(P * Q) + c * np.sum(P - Q) + np.sum(y)


def np_copies(x, c):
    P = np.copy(x)
    Q = np.array(x)
    for i in range(len(x)):
        P[i] += x[i] * x[i]
        Q[i] += 2.0 * x[i]
    if c > 0:
        P[0] = c * x[1]
        Q[1] = c
    return np.sum(P * Q) + c * np.sum(P - Q) + np.sum(x)


def new_zeros(n):
    return np.zeros(n)


def from_a_helper(x, c):
    P = new_zeros(len(x))
    Q = new_zeros(len(x))
    for i in range(len(x)):
        P[i] += x[i] * x[i]
        Q[i] += 2.0 * x[i]
    if c > 0:
        P[0] = c * x[1]
        Q[1] = c
    return np.sum(P * Q) + c * np.sum(P - Q)


MADE = [zeros, ones, empty, full, zeros_like, ones_like, empty_like, full_like, literal,
        copies, np_copies, from_a_helper]


@pytest.mark.parametrize("c", [0.7, -0.7])
@pytest.mark.parametrize("f", MADE)
def test_two_arrays_made_alike_are_written_into_apart(f: Callable[..., Any],
                                                      c: float) -> None:
    x = RNG.standard_normal(3)
    check_grads(f, (x, c))
    assert symdiff.value_and_grad(f)(x, c)[0] == pytest.approx(f(x, c), rel=1e-12)


def unwritten(x):
    a = np.zeros(3)
    b = np.zeros(3)
    u = np.full_like(x, 2.0)
    v = np.full_like(x, 2.0)
    p = np.array([1.0, 2.0, 3.0])
    q = np.array([1.0, 2.0, 3.0])
    s = x.copy()
    t = x.copy()
    return np.sum((a + x) * (b - x) * u * v * p * q * s * t)


def test_allocations_are_never_merged_and_the_code_is_the_same_each_time() -> None:
    x = RNG.standard_normal(3)
    program = lower(unwritten, types=(of_value(x),))
    made = [n for n in all_nodes(program) if n.op in ("full", "full_like", "array", "copy")]
    assert len(made) == 8, made
    check_grads(unwritten, (x,))
    texts = {symdiff.source(unwritten, args=(x,)) for _ in range(2)}
    texts |= {symdiff.source(unwritten, mode="forward", args=(x,)) for _ in range(2)}
    assert len(texts) == 2
