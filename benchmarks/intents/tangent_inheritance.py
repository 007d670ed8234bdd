"""Tangent tests/test_inheritance.py (pedronahum/tangent): methods found through class
inheritance, differentiated through."""

from __future__ import annotations

import numpy as np

from benchmarks.intents import Intent
from benchmarks.intents.tangent_classes import derivative

SUITE = "tangent tests/test_inheritance.py"


class Base:
    def square(self, x):
        return x * x

    def value(self, x):
        return x * x

    def helper(self, x):
        return 2.0 * x


class Child(Base):
    def value(self, x):
        return x * x * x

    def uses_helper(self, x):
        return self.helper(x) + x * x


class Scaled:
    def __init__(self, k):
        self.k = k


class ScaledChild(Scaled):
    def __init__(self, k, offset):
        super().__init__(k)
        self.offset = offset

    def apply(self, x):
        return self.k * x / self.offset


class Grand(Child):
    def top(self, x):
        return 2.0 * self.uses_helper(x)


class Trig(Base):
    def mixed(self, x):
        return np.cos(x) + self.square(x)


class Bare(Base):
    def __init__(self):
        pass


def inherited(x):
    return Child().square(x)


def inherited_twice(x):
    c = Child()
    return c.square(x) + c.square(3.0 * x)


def overridden(x):
    return Child().value(x)


def base_value(x):
    return Base().value(x)


def with_super(x):
    return ScaledChild(3.0, 2.0).apply(x)


def three_levels(x):
    return Grand().top(x)


def grandparent_method(x):
    return Grand().square(x)


def across_hierarchy(x):
    return Child().uses_helper(x)


def trig(x):
    return Trig().mixed(x)


def bare(x):
    return Bare().square(x)


def both_inherited(x):
    c = Child()
    return c.square(x) + c.helper(x)


INTENTS = [
    Intent("test_simple_inheritance", "a method inherited from the base class",
           lambda: derivative(inherited, lambda x: 2 * x, (3.0,))),
    Intent("test_inherited_method_with_multiple_uses", "an inherited method called twice",
           lambda: derivative(inherited_twice, lambda x: 2 * x + 18 * x, (2.0,))),
    Intent("test_method_override", "an overriding method is the one differentiated",
           lambda: derivative(overridden, lambda x: 3 * x * x, (2.0,))),
    Intent("test_base_class_method_still_works", "the base class keeps its own method",
           lambda: derivative(base_value, lambda x: 2 * x, (2.0,))),
    Intent("test_attribute_inheritance_with_super", "an attribute set by super().__init__",
           lambda: derivative(with_super, lambda x: 1.5, (4.0,))),
    Intent("test_combined_parent_child_attributes", "attributes of parent and child together",
           lambda: derivative(with_super, lambda x: 1.5, (1.0,))),
    Intent("test_multi_level_inheritance", "a method of a grandchild calling up the chain",
           lambda: derivative(three_levels, lambda x: 4.0 + 4 * x, (2.0,))),
    Intent("test_calling_grandparent_method", "a method defined two levels up",
           lambda: derivative(grandparent_method, lambda x: 2 * x, (3.0,))),
    Intent("test_method_chaining_across_hierarchy", "a child method calling an inherited one",
           lambda: derivative(across_hierarchy, lambda x: 2.0 + 2 * x, (3.0,))),
    Intent("test_numpy_with_inheritance", "NumPy inside an inherited hierarchy",
           lambda: derivative(trig, lambda x: -np.sin(x) + 2 * x, (0.7,))),
    Intent("test_empty_derived_class", "a subclass with an empty __init__",
           lambda: derivative(bare, lambda x: 2 * x, (3.0,))),
    Intent("test_multiple_inherited_methods", "two inherited methods combined",
           lambda: derivative(both_inherited, lambda x: 2 * x + 2.0, (3.0,))),
]
