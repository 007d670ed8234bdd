"""Functions the picture tests draw (their source must be in a file)."""

from __future__ import annotations

import math

SCALE = 3.0


def e(a, b):
    c = a + b
    d = b + 1
    return c * d


def mixed(x, y):
    z = math.sin(x) * y
    w = z + x**2
    return w / y - math.exp(-x * y)


def with_global(x):
    return SCALE * math.log(x) * x


def square(t):
    return t * t


def calls_helper(x, y=2.0):
    u = square(x) + y
    return math.sqrt(u)


def maxes(x, y):
    m = max(x, y)
    return abs(m - 3.0) * math.tanh(x)


def branch(x):
    if x > 0:
        return x * 2
    return -x


def ternary(x):
    return x if x > 0 else -x


def loop(x):
    total = 0.0
    for _ in range(3):
        total = total + x
    return total


def halving(x):
    while x > 1.0:
        x = x * 0.5
    return x


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-3:
        x = 0.5 * (x + a / x)
    return x


def breaks(x):
    s = x
    for _ in range(10):
        s = s * 1.5
        if s > 4.0:
            break
    return s


def endless(x):
    while x > 1e-300:
        x = x * 0.5
    return x


def horner(x):
    p = 0.0
    for c in (1.0, -2.0, 3.0):
        p = p * x + c
    return p


def powers(x, n):
    s = 0.0
    for k in range(n):
        if k % 2 == 0:
            s = s + x ** k
        else:
            s = s - math.sin(x * k)
    return s


def pair(x, y):
    return x * y, x + y


def logarithm(x):
    return math.log(x)


def slices(xs):
    return sum(xs[::2])


def unused_log(x):
    unused = math.log(x)  # noqa: F841 (run for its error only)
    return x * 2
