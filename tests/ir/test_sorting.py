"""Sorting as IR primitives (`ir.sorting`), checked through emitted code against central
finite differences: forward mode, reverse mode, their adjointness, the JVP of the VJP
(the permutations are themselves differentiable); the types of positions; and the
emitted text."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from symdiff.ir.builder import Builder
from symdiff.ir.node import Node
from symdiff.ir.types import MANY, ArrayType
from symdiff.transforms.programs import finish, jvp_program, vjp_program
from tests.ir.support import (
    Build,
    check_emitted,
    check_jvp_of_vjp,
    check_primitive,
    program_of,
    run_emitted,
    sample_values,
)


def _sort(axis: int) -> Build:
    def build(b: Builder, p: list[Node]) -> Node:
        x = b.apply("sin", p[0])
        weights = b.apply("arange", 1.0, b.add(b.apply("size", x, attrs=((axis,),)), 1.0),
                          1.0, attrs=((None,), "float64", False))
        if axis != x.type.ndim - 1:
            weights = b.apply("expand_dims", weights, attrs=((1,),))
        return b.mul(b.apply("sort", x, attrs=(axis, x.type.ndim)), weights)
    return build


def _permute(b: Builder, p: list[Node]) -> Node:
    # Reordered by the permutation that sorts the second argument (not differentiated).
    order = b.apply("argsort", p[1], attrs=(1, 2))
    return b.mul(b.apply("permute", b.mul(p[0], p[0]), order, attrs=(1,)), p[1])


CASES: list[tuple[str, Build, list[Any]]] = [
    ("sort", _sort(0), [np.ones(6)]),
    ("sort-rows", _sort(1), [np.ones((3, 4))]),
    ("sort-columns", _sort(0), [np.ones((3, 4))]),
    ("permute", _permute, [np.ones((2, 5)), np.ones((2, 5))]),
]


def _sample(shapes: list[Any], dtype: type, seed: int) -> list[Any]:
    return sample_values(shapes, dtype, np.random.default_rng(seed), -2.0, 2.0)


@pytest.mark.parametrize(("name", "build", "shapes"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sorting_derivatives(name: str, build: Build, shapes: list[Any], dtype: type) -> None:
    check_primitive(build, _sample(shapes, dtype, 11), dtype)


@pytest.mark.parametrize(("name", "build", "shapes"), CASES, ids=[c[0] for c in CASES])
def test_the_rules_are_differentiable(name: str, build: Build, shapes: list[Any]) -> None:
    check_jvp_of_vjp(build, _sample(shapes, np.float64, 5))


def test_the_gradient_of_a_sort_follows_its_permutation() -> None:
    x = np.array([0.3, -1.2, 2.5, 0.1])
    primal = program_of(lambda b, p: b.apply("sort", p[0], attrs=(0, 1)), [x])
    ct = np.array([1.0, 10.0, 100.0, 1000.0])  # one weight per rank
    (g,) = run_emitted(finish(vjp_program(primal)), x, ct)
    np.testing.assert_array_equal(g, [100.0, 1.0, 1000.0, 10.0])
    _, t = run_emitted(finish(jvp_program(primal)), x, ct)
    np.testing.assert_array_equal(t, [10.0, 1000.0, 1.0, 100.0])


def test_positions_are_int64_and_not_differentiated() -> None:
    b = Builder()
    x = b.param("x", ArrayType("float32", (MANY, 1)))
    assert b.apply("argsort", x, attrs=(0, 2)).type == ArrayType("int64", (MANY, 1))
    assert b.apply("argmax", x, attrs=(None, False)).type is None
    assert b.apply("argmin", x, attrs=((0,), False)).type == ArrayType("int64", (1,))
    assert b.apply("argmax", x, attrs=((1,), True)).type == ArrayType("int64", (MANY, 1))
    for op in ("argsort", "argmax", "argmin"):
        assert not b.apply(op, x, attrs=(0, 2) if op == "argsort" else ((0,), False)
                           ).prim.differentiable


EMITTED = [
    ("sort", ["np.sort(_t0)", "np.take_along_axis(_t0, np.argsort(np.argsort(np.sin(x0))), "
              "axis=0)"]),
    ("sort-columns", ["np.sort(_t0, axis=0)",
                      "np.argsort(np.argsort(np.sin(x0), axis=0), axis=0)"]),
    ("permute", ["np.take_along_axis(x0 * x0, np.argsort(x1), axis=1)"]),
]


@pytest.mark.parametrize(("name", "snippets"), EMITTED, ids=[e[0] for e in EMITTED])
def test_emitted_code_reads_as_numpy(name: str, snippets: list[str]) -> None:
    _, build, shapes = next(c for c in CASES if c[0] == name)
    check_emitted(build, _sample(shapes, np.float64, 0), snippets)
