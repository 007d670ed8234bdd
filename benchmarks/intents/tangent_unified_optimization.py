"""Tangent tests/test_unified_optimization.py (pedronahum/tangent): the optimised gradient
is right and carries no dead code, with loops, branches and unused arguments."""

# ruff: noqa: F841, B007  (unused values are what these intents are about)
from __future__ import annotations

import symdiff
from benchmarks.intents import Intent, close, lean

SUITE = "tangent tests/test_unified_optimization.py"


def folded_and_dead(x, y):
    a = 2.0 * 3.0
    b = x + a
    c = y * y
    return b


def copied(x, y):
    a = x * x
    b = a
    c = y * y
    return b


def three_passes(x, y, z):
    factor = 1.0 * 2.0
    a = x * factor
    b = y * y
    c = a
    result = c
    wasted = z * z * z
    return result


def five_squares(x, y, z):
    a = x * x
    b = y * y
    c = z * z
    d = a + 10.0
    e = b + c
    return d


def loops(x, y):
    total = 0.0
    for w in [1.0, 2.0, 3.0]:
        step = 1.0 + 1.0
        total = total + x * step
    unused = 0.0
    for _ in range(2):
        unused = unused + y
    return total


def branchy(x, y, flag):
    c1 = 2.0 * 2.0
    c2 = 3.0 * 3.0
    if flag > 0:
        out = x * c1
    else:
        out = x * c2
    unused = y * y
    return out


def layers(x, w1, w2, w3, lr, momentum):
    out = x * w1 * w2 * w3
    scale = 1.0 / 100.0
    reg = w1 * w1 + w2 * w2 + w3 * w3
    velocity = momentum * 0.9
    step = lr * scale
    return out


def cancelling(x, y, z):
    a = x * x + y * y
    b = a / 2.0
    c = b + z
    unused = x * y * z
    return c - z


def gradient_is(f, want, *args, argnums=0):
    close(symdiff.grad(f, argnums=argnums)(*args), want)
    lean(symdiff.source(f, argnums=argnums))


def _branches() -> None:
    gradient_is(branchy, 4.0, 2.0, 5.0, 1.0)
    close(symdiff.grad(branchy)(2.0, 5.0, -1.0), 9.0)


def _stable() -> None:
    g = symdiff.grad(cancelling)
    for x in (1.0, 10.0, 100.0):
        for y in (1.0, 100.0):
            for z in (1.0, 100.0):
                close(g(x, y, z), x, rtol=1e-12)


INTENTS = [
    Intent("test_constant_folding_with_dce", "folded constants and an unused product: the "
           "gradient is right and lean", lambda: gradient_is(folded_and_dead, 1.0, 5.0, 10.0)),
    Intent("test_assignment_propagation_with_dce", "a copied value and an unused product",
           lambda: gradient_is(copied, 6.0, 3.0, 5.0)),
    Intent("test_multi_pass_optimization", "folding, copies and dead code together",
           lambda: gradient_is(three_passes, 2.0, 3.0, 4.0, 5.0)),
    Intent("test_unified_vs_basic_optimization", "clean-up does not change the gradient",
           lambda: gradient_is(five_squares, 4.0, 2.0, 3.0, 4.0)),
    Intent("test_loop_optimization", "a loop over constants and an unused loop",
           lambda: gradient_is(loops, 6.0, 2.0, 5.0)),
    Intent("test_conditional_optimization", "a branch on a run-time flag, each side",
           _branches),
    Intent("test_complex_function_correctness", "a chain of products among unused "
           "training bookkeeping", lambda: gradient_is(layers, 2.0 * 0.3 * 0.7, 2.0, 0.5, 0.3,
                                                       0.7, 0.01, 0.9, argnums=1)),
    Intent("test_numerical_stability", "the gradient of (a + z) - z is that of a, over "
           "scales", _stable),
]
