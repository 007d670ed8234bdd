"""Tangent tests/test_classes.py (the maintained fork, pedronahum/tangent): functions that
make an instance of a user class and call its methods, differentiated through."""

from __future__ import annotations

import numpy as np

import symdiff
from benchmarks.intents import Intent, close

SUITE = "tangent tests/test_classes.py"


class Powers:
    def square(self, x):
        return x * x

    def cube(self, x):
        return x * x * x

    def shift(self, x):
        return x + 7.0


class Gain:
    def __init__(self, k):
        self.k = k

    def apply(self, x):
        return self.k * x


class Quadratic:
    def __init__(self, a, b, c):
        self.a, self.b, self.c = a, b, c

    def __call__(self, x):
        return self.a * x * x + self.b * x + self.c


class Composer:
    def inner(self, x):
        return x * x

    def outer(self, x):
        return 3.0 * x

    def chained(self, x):
        return self.outer(self.inner(x))

    def summed(self, x):
        return self.inner(x) + self.outer(x)


class Waves:
    def wave(self, x):
        return np.sin(x) + x * x

    def energy(self, x):
        return np.sum(x * x)


class Pair:
    def blend(self, x, y):
        return x * y + x * x


def derivative(f, want, *points, argnums=0):
    """The gradient of `f` at each point equals `want` there."""
    g = symdiff.grad(f, argnums=argnums)
    for args in points:
        close(g(*args), want(*args))


def square(x):
    return Powers().square(x)


def cube(x):
    return Powers().cube(x)


def shifted(x):
    return Powers().shift(x)


def square_plus_cube(x):
    p = Powers()
    return p.square(x) + p.cube(x)


def gained(x):
    return Gain(2.5).apply(x)


def quadratic(x):
    return Quadratic(2.0, -1.0, 4.0)(x)


def two_gains(x):
    return Gain(2.0).apply(x) + Gain(-0.5).apply(x)


def chained(x):
    return Composer().chained(x)


def summed(x):
    return Composer().summed(x)


def wave(x):
    return Waves().wave(x)


def energy(x):
    return Waves().energy(x)


def blend(x, y):
    return Pair().blend(x, y)


INTENTS = [
    Intent("test_simple_method_square", "a method squaring its argument, on an instance "
           "made inside the function", lambda: derivative(square, lambda x: 2 * x, (3.0,),
                                                          (5.0,))),
    Intent("test_simple_method_cube", "a method cubing its argument",
           lambda: derivative(cube, lambda x: 3 * x * x, (2.0,), (3.0,))),
    Intent("test_simple_method_constant", "a method adding a constant",
           lambda: derivative(shifted, lambda x: 1.0, (3.0,), (100.0,))),
    Intent("test_multiple_methods_same_class", "two methods of one instance, added",
           lambda: derivative(square_plus_cube, lambda x: 2 * x + 3 * x * x, (2.0,), (3.0,))),
    Intent("test_instance_attribute_simple", "a method reading an attribute set in __init__",
           lambda: derivative(gained, lambda x: 2.5, (3.0,), (10.0,))),
    Intent("test_instance_attribute_multiple", "a method reading several attributes",
           lambda: derivative(quadratic, lambda x: 4.0 * x - 1.0, (2.0,), (5.0,))),
    Intent("test_instance_attribute_different_instances", "two instances with different "
           "attributes", lambda: derivative(two_gains, lambda x: 1.5, (3.0,))),
    Intent("test_method_calling_method", "a method calling another through self",
           lambda: derivative(chained, lambda x: 6.0 * x, (3.0,), (5.0,))),
    Intent("test_method_multiple_chained_calls", "a method adding two calls through self",
           lambda: derivative(summed, lambda x: 2 * x + 3.0, (3.0,), (4.0,))),
    Intent("test_numpy_operations_in_method", "NumPy functions inside a method",
           lambda: derivative(wave, lambda x: np.cos(x) + 2 * x, (1.0,))),
    Intent("test_numpy_array_operations", "a method reducing an array",
           lambda: derivative(energy, lambda x: 2 * x, (np.array([1.0, 2.0, 3.0]),))),
    Intent("test_method_multiple_parameters", "a method of two arguments, in the first",
           lambda: derivative(blend, lambda x, y: y + 2 * x, (3.0, 4.0))),
    Intent("test_method_wrt_second_parameter", "a method of two arguments, in the second",
           lambda: derivative(blend, lambda x, y: x, (3.0, 4.0), argnums=1)),
    Intent("test_class_instantiation_with_no_args", "an instance made without arguments, "
           "two of its methods", lambda: derivative(square_plus_cube, lambda x: 2 * x + 3 * x * x,
                                                    (2.0,))),
]
