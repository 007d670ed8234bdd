"""Functions for test_lower that need module-level names: globals and imports."""

import math as m
from math import sin

SCALE = 2.0


def scaled(x):
    return SCALE * x * x


def from_import(x):
    return sin(x) * 3.0


def module_alias(x):
    return m.cos(x) + m.pi * x


_t0 = 3.0  # a global named like a generated temporary


def global_named_like_temporary(x):
    s = m.sin(x * x)
    return _t0 * s * s + m.cos(x * x)


def returns_global(x):
    return SCALE


def returns_global_and_value(x):
    return x * x, SCALE
