"""What an object made inside the differentiated function cannot do is a located error
naming the construct, never a crash or a wrong derivative."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import pytest

import symdiff
from symdiff.errors import UnsupportedSyntaxError

pytestmark = pytest.mark.usefixtures("no_disk_cache")


class Account:
    def __init__(self, balance):
        self.balance = balance

    def deposit(self, amount):
        self.balance = self.balance + amount

    @property
    def doubled(self):
        return 2.0 * self.balance

    @doubled.setter
    def doubled(self, value):
        self.balance = value / 2.0

    @functools.cached_property
    def tripled(self):
        return 3.0 * self.balance


class Made:
    def __new__(cls, k):
        return super().__new__(cls)

    def __init__(self, k):
        self.k = k


class Tracked(dict):
    pass


@dataclass(frozen=True)
class Rate:
    value: float


@dataclass
class History:
    start: float
    steps: list = field(default_factory=list)


def returns_object(x):
    return Account(x)


def used_as_number(x):
    return Account(x) * x


def changed_in_a_branch(x):
    a = Account(x)
    if x > 0:
        a.balance = 2.0 * x
    return a.balance


def changed_in_a_loop(x):
    a = Account(x)
    for _ in range(3):
        a.deposit(x)
    return a.balance


def merged_after_if(x):
    if x > 0:
        a = Account(x)
    else:
        a = Account(-x)
    return a.balance


def carried_out_of_a_loop(x):
    a = Account(x)
    for _ in range(2):
        a = Account(a.balance * x)
    return a.balance


def cached_property_read(x):
    return Account(x).tripled


def property_set(x):
    a = Account(x)
    a.doubled = x
    return a.balance


def own_new(x):
    return Made(x).k


def library_base(x):
    return Tracked().get("k", x)


def frozen_changed(x):
    r = Rate(x)
    r.value = 2.0 * x
    return r.value


def default_factory(x):
    return History(x).start


def missing_argument(x):
    return Account().balance


def unknown_attribute(x):
    return Account(x).interest


def type_of_a_number(x):
    return x * isinstance(x, float)


def super_outside_a_method(x):
    return super().f(x)


def filtered_comprehension(x):
    accounts = [Account(v) for v in (x, 2.0 * x) if v > 0]
    return accounts[0].balance


def indexed(x):
    return Account(x)[0]


def changes_an_outside_object(x):
    ACCOUNT.balance = x
    return x


ACCOUNT = Account(1.0)


@pytest.mark.parametrize("fn, message", [
    (returns_object, "the function returns an object of class Account, not a number"),
    (used_as_number, "an object of class Account is used where a number is expected"),
    (changed_in_a_branch, "assigning to a.balance inside this branch or loop body changes "
                          "an object made outside it"),
    (changed_in_a_loop, "assigning to self.balance inside this branch or loop body"),
    (merged_after_if, "variable 'a' is assigned an object inside this if statement that "
                      "differs between the branches"),
    (carried_out_of_a_loop, "it holds an object the loop at line"),
    (cached_property_read, "Account.tripled is a cached_property of Account"),
    (property_set, "assigning to a.doubled runs the setter of Account.doubled"),
    (own_new, "Made(...) creates an object of class Made, which defines __new__"),
    (library_base, "Tracked(...) creates an object of class Tracked, which derives from "
                   "builtins.dict"),
    (frozen_changed, "assigning to r.value: Rate is a frozen dataclass"),
    (default_factory, "field 'steps' has a default_factory"),
    (missing_argument, "Account() missing required argument 'balance'"),
    (unknown_attribute, "Account objects have no attribute 'interest'"),
    (type_of_a_number, "isinstance() of a number or array"),
    (super_outside_a_method, "super() outside a method of a class"),
    (filtered_comprehension, "a list comprehension that makes objects is run once per "
                             "item while compiling"),
    (indexed, "Account(x)[0]: Account objects have no method __getitem__"),
    (changes_an_outside_object, "assigning to ACCOUNT.balance changes an object the "
                                "function did not make"),
])
def test_what_an_object_made_inside_cannot_do(fn, message):
    with pytest.raises(UnsupportedSyntaxError, match=re.escape(message)) as info:
        symdiff.grad(fn)(1.5)
    assert info.value.filename.endswith("test_instances_errors.py")
    assert info.value.lineno is not None
