"""Tangent tests/test_optimization.py (pedronahum/tangent): the generated derivative is
cleaned up (copies propagated, dead code removed, constants folded). symdiff has no such
passes on Python text; the intents are checked on the code it generates."""

# ruff: noqa: F841, B007  (unused values are what these intents are about)
from __future__ import annotations

import symdiff
from benchmarks.intents import Intent, lean

SUITE = "tangent tests/test_optimization.py"


def renamed(x):
    y = x
    z = y
    return z * z


def unused(x):
    y = 2.0 * x
    return x * x


def affine(x):
    return 3.0 * x + 1.0


def cube(y):
    return y * y * y


def unused_calls(x):
    y = affine(x)
    z = cube(y)
    return x * x


def constants(x):
    a = 2.0 * 3.0
    b = x * 1.0
    c = b - 0.0
    d = c / 1.0
    e = d**1
    return e * a + x**2.0 + 2.0**3.0


INTENTS = [
    Intent("test_assignment_propagation", "copies of a value under new names leave no copy "
           "statements", lambda: lean(symdiff.source(renamed))),
    Intent("test_dce", "a computed value nobody uses leaves no code",
           lambda: lean(symdiff.source(unused))),
    Intent("test_fixed_point", "calls whose results are unused leave no code, to a fixed "
           "point", lambda: lean(symdiff.source(unused_calls))),
    Intent("test_constant_folding", "arithmetic on constants is folded and dead identities "
           "dropped", lambda: lean(symdiff.source(constants))),
]
