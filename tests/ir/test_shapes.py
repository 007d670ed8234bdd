"""Shape operations, constructors and cumulative operations as IR primitives, checked
through emitted code against central finite differences: forward mode (JVP), reverse
mode (VJP), their adjointness, and the JVP of the VJP (the derivative-only helpers are
themselves differentiable); what the types know of lengths; and the emitted text."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from symdiff.codegen.emit import emit_module
from symdiff.ir.arrays import fit
from symdiff.ir.builder import Builder
from symdiff.ir.node import Node, Program
from symdiff.ir.shapes import product_dim, sum_dim
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

_program, _run = program_of, run_emitted


def _size(b: Builder, x: Node, axis: int) -> Node:
    return b.apply("size", x, attrs=((axis,),))


def _first_zero(b: Builder, p: list[Node]) -> Node:
    return b.apply("cumprod", p[0], attrs=(None,))


def _cat(b: Builder, p: list[Node]) -> Node:
    return b.apply("concatenate", p[0], b.mul(p[1], p[1]), attrs=(0,))


def _cat_columns(b: Builder, p: list[Node]) -> Node:
    return b.apply("concatenate", p[0], b.apply("sin", p[1]), p[0], attrs=(1,))


def _stack(b: Builder, p: list[Node]) -> Node:
    return b.apply("stack", p[0], b.mul(p[0], p[1]), attrs=(1,))


def _array(b: Builder, p: list[Node]) -> Node:
    return b.apply("array", b.mul(p[0], p[1]), p[0], b.apply("sin", p[1]), p[1],
                   attrs=((2, 2), "float64", False))


def _reshape(b: Builder, p: list[Node]) -> Node:
    x = p[0]
    return b.apply("reshape", x, _size(b, x, 0), -1, attrs=((MANY, MANY),))


def _reshape_unknown(b: Builder, p: list[Node]) -> Node:
    # x.reshape(2, -1) * w: whether w broadcasts along the unknown axis is found out
    # when the code runs
    y = b.apply("reshape", p[0], 2, -1, attrs=((2, None),))
    return b.mul(y, p[1])


def _full(b: Builder, p: list[Node]) -> Node:
    n = _size(b, p[1], 0)
    return b.mul(b.apply("full", b.mul(p[0], p[0]), n, 3, attrs=((MANY, 3), "float64",
                                                                  False, False)), p[1])


def _linspace(b: Builder, p: list[Node]) -> Node:
    return b.apply("sin", b.apply("linspace", p[0], p[1], 7,
                                  attrs=(True, (7,), "float64", False)))


def _arange(b: Builder, p: list[Node]) -> Node:
    return b.apply("exp", b.apply("arange", p[0], 3.0, p[1], attrs=((None,), "float64", False)))


def _apply(op: str, *attrs: Any) -> Build:
    return lambda b, p: b.apply(op, p[0], attrs=attrs)


CASES: list[tuple[str, Build, list[Any]]] = [
    ("reshape-run-time", _reshape, [np.ones((3, 4))]),
    ("reshape-unknown-broadcast", _reshape_unknown, [np.ones(6), np.ones((2, 3))]),
    ("reshape-unknown-length-one", _reshape_unknown, [np.ones(2), np.ones((2, 3))]),
    ("squeeze", _apply("squeeze", (1,)), [np.ones((3, 1, 2))]),
    ("expand-dims", _apply("expand_dims", (0, 2)), [np.ones((3, 2))]),
    ("concatenate", _cat, [np.ones(3), np.ones(2)]),
    ("concatenate-columns", _cat_columns, [np.ones((2, 3)), np.ones((2, 1))]),
    ("stack", _stack, [np.ones(3), np.ones(3)]),
    ("array", _array, [1.0, 1.0]),
    ("pick", _apply("pick", 1, (2,)), [np.ones((2, 3, 4))]),
    ("flip", _apply("flip", 1), [np.ones((2, 3))]),
    ("cumsum", _apply("cumsum", None), [np.ones(5)]),
    ("cumsum-flattened", _apply("cumsum", None), [np.ones((2, 3))]),
    ("cumsum-axis", _apply("cumsum", 0), [np.ones((3, 2))]),
    ("cumprod", _apply("cumprod", None), [np.ones(5)]),
    ("cumprod-axis", _apply("cumprod", 1), [np.ones((2, 4))]),
    ("cumprod-flattened", _first_zero, [np.ones((2, 3))]),
    ("diff", _apply("diff", 1, 0, (None,)), [np.ones(5)]),
    ("diff-twice-axis", _apply("diff", 2, 0, (None, MANY)), [np.ones((5, 2))]),
    ("full", _full, [1.0, np.ones((4, 3))]),
    ("linspace", _linspace, [1.0, 1.0]),
    ("arange", _arange, [1.0, 1.0]),
]


@pytest.mark.parametrize(("name", "build", "shapes"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_shape_primitive_derivatives(name: str, build: Build, shapes: list[Any],
                                     dtype: type) -> None:
    rng = np.random.default_rng(11)
    values = sample_values(shapes, dtype, rng)
    check_primitive(build, values, dtype)


SECOND_ORDER = ["reshape-run-time", "reshape-unknown-length-one", "squeeze", "concatenate",
                "stack", "array", "pick", "cumsum-flattened", "cumprod", "diff", "full"]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_the_derivative_helpers_are_differentiable(name: str) -> None:
    _, build, shapes = next(c for c in CASES if c[0] == name)
    check_jvp_of_vjp(build, sample_values(shapes, np.float64, np.random.default_rng(5)))


@pytest.mark.parametrize("x", [
    [1.5, 0.0, 2.0, 0.0, 3.0], [0.0, 0.0, 2.0], [2.0, -3.0, 0.0], [0.0], [1.2, -0.7, 3.0]])
def test_cumprod_derivatives_are_exact_at_zeros(x: list[float]) -> None:
    # A polynomial: the exact derivative is d/dx_j prod_{i<=k} x_i, by brute force.
    values = [np.array(x)]
    primal = _program(_apply("cumprod", None), values)
    n = len(x)
    jacobian = np.array([[np.prod([x[i] for i in range(k + 1) if i != j]) if j <= k else 0.0
                          for j in range(n)] for k in range(n)])
    u = np.arange(1.0, n + 1.0)
    _, tangent = _run(finish(jvp_program(primal)), values[0], u)
    np.testing.assert_allclose(tangent, jacobian @ u)
    (cotangent,) = _run(finish(vjp_program(primal)), values[0], u)
    np.testing.assert_allclose(cotangent, u @ jacobian)
    assert np.all(np.isfinite(cotangent))


def test_what_is_known_of_joined_and_multiplied_lengths() -> None:
    assert sum_dim((3, 4)) == 7
    assert sum_dim((MANY, 1, 1)) == MANY  # at least 2
    assert sum_dim((MANY, MANY)) == MANY  # 0 or at least 2 each: never 1
    assert sum_dim((MANY, 1)) is None  # 0 + 1 is 1
    assert sum_dim((None, 2)) == MANY
    assert product_dim((MANY, 1)) == MANY
    assert product_dim((2, 3)) == 6
    assert product_dim((None, 0)) == 0
    assert product_dim((None, 2)) is None
    assert product_dim(()) == 1


def test_types_of_shape_operations() -> None:
    b = Builder()
    x = b.param("x", ArrayType("float32", (MANY, 1)))
    v = b.param("v", ArrayType("float64", (3,)))
    assert b.apply("squeeze", x, attrs=((1,),)).type == ArrayType("float32", (MANY,))
    assert b.apply("expand_dims", x, attrs=((0,),)).type == ArrayType("float32", (1, MANY, 1))
    joined = b.apply("concatenate", x, x, attrs=(1,)).type
    assert joined == ArrayType("float32", (MANY, 2))
    assert b.apply("stack", v, v, attrs=(1,)).type == ArrayType("float64", (3, 2))
    assert b.apply("concatenate", v, b.apply("squeeze", x, attrs=((1,),)), attrs=(0,)).type \
        == ArrayType("float64", (MANY,))
    # constructors are arrays even though their arguments are numbers
    assert b.apply("full", 0.0, 2, 3, attrs=((2, 3), "float32", True, False)).type \
        == ArrayType("float32", (2, 3))
    assert b.apply("array", b.const(1.0), b.const(2.0), attrs=((2,), "float64", False)).type \
        == ArrayType("float64", (2,))
    assert b.apply("cumsum", x, attrs=(None,)).type == ArrayType("float32", (MANY,))


def test_fit_sums_an_axis_known_only_at_run_time_when_it_has_length_one() -> None:
    b = Builder()
    y = b.param("y", ArrayType("float64", (2, None)))
    g = b.param("g", ArrayType("float64", (2, MANY)))
    fitted = fit(b, g, y)
    assert fitted.op == "sum_if_one"
    program = Program("f", (g, y), fitted, b)
    assert "np.sum(g, axis=1, keepdims=True) if y.shape[1] == 1 else g" in emit_module(program)
    ones = np.ones((2, 3))
    np.testing.assert_array_equal(_run(program, ones, np.ones((2, 1))), [[3.0], [3.0]])
    np.testing.assert_array_equal(_run(program, ones, np.ones((2, 3))), ones)
    # a length known exactly fits a length known not to be one: nothing to do
    exact = b.param("e", ArrayType("float64", (3,)))
    many = b.param("m", ArrayType("float64", (MANY,)))
    assert fit(b, exact, many) is exact


EMITTED = [
    ("concatenate", ["np.concatenate([x0, x1 * x1])", "_t0 = x0.shape[0]", "out_bar[:_t0]",
                     "out_bar[_t0:]"]),
    ("concatenate-columns", ["np.concatenate([x0, np.sin(x1), x0], axis=1)",
                             "_t1 = _t0 + 1", "out_bar[:, :_t0] + out_bar[:, _t1:]",
                             "out_bar[:, _t0:_t1]"]),
    ("stack", ["np.stack([x0, x0 * x1], axis=1)", "out_bar[:, 0]", "out_bar[:, 1]"]),
    ("array", ["np.array([[x0 * x1, x0], [math.sin(x1), x1]])", "out_bar[0, 0]",
               "out_bar[1, 1]"]),
    ("reshape-run-time", ["x0.reshape(x0.shape[0], -1)", ".reshape(x0.shape)"]),
    ("cumsum", ["np.cumsum(x0)", "np.cumsum(out_bar[::-1])[::-1]"]),
    ("cumsum-axis", ["np.cumsum(x0, axis=0)", "np.cumsum(out_bar[::-1], axis=0)[::-1]"]),
    ("diff", ["np.diff(x0)", "-np.diff(np.pad(out_bar, (1, 1)))"]),
    ("diff-twice-axis", ["np.diff(x0, n=2, axis=0)",
                         "np.diff(np.pad(out_bar, [(2, 2), (0, 0)]), n=2, axis=0)"]),
]


@pytest.mark.parametrize(("name", "snippets"), EMITTED, ids=[e[0] for e in EMITTED])
def test_emitted_code_reads_as_numpy(name: str, snippets: list[str]) -> None:
    _, build, shapes = next(c for c in CASES if c[0] == name)
    check_emitted(build, sample_values(shapes, np.float64, np.random.default_rng(0)), snippets)
