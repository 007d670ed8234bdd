"""Formulas in labels: names, short numbers, Python's precedence."""

from __future__ import annotations

import math

import pytest

from symdiff.ir.builder import Builder
from symdiff.pictures.formula import formula, number, operation


@pytest.mark.parametrize(("value", "text"), [
    (2.0, "2"), (-3.0, "-3"), (0.5, "0.5"), (-0.0, "-0"), (7, "7"), (True, "True"),
    (math.pi, "3.14159"), (1e20, "1e+20"), (math.inf, "inf"), (math.nan, "nan"),
])
def test_number(value, text) -> None:
    assert number(value) == text


def test_formula_prints_named_nodes_and_operations() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    c = b.mul(b.add(x, y), b.cos(x))
    names = {x: "x", y: "y"}
    assert formula(c, names) == "(x + y) * cos(x)"
    assert formula(c, {**names, c: "c"}) == "c"
    assert operation(c, {**names, c: "c"}) == "(x + y) * cos(x)"


def test_negative_constants_keep_their_sign_with_their_number() -> None:
    b = Builder()
    x = b.param("x")
    assert formula(b.pow(-2.0, x), {x: "x"}) == "(-2) ** x"
    assert formula(b.mul(x, -0.5), {x: "x"}) == "x * (-0.5)"


def test_globals_print_by_their_path() -> None:
    b = Builder()
    x, k = b.param("x"), b.global_(("config", "K"))
    assert formula(b.mul(k, x), {x: "x"}) == "config.K * x"
