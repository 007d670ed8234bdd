"""Array primitives and broadcasting, checked through emitted code against central
finite differences: forward mode (JVP), reverse mode (VJP) and their adjointness,
with cotangents and tangents of exactly each value's shape."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from symdiff.ir.builder import Builder
from symdiff.ir.types import MANY, ArrayType
from symdiff.transforms.programs import finish, vjp_program
from tests.ir.support import Build, check_primitive, program_of, run_emitted

_program, _run = program_of, run_emitted


CASES: list[tuple[str, Build, list[Any]]] = [
    ("add-broadcast-row", lambda b, p: b.add(p[0], p[1]), [np.ones((3, 4)), np.ones(4)]),
    ("mul-broadcast-column", lambda b, p: b.mul(p[0], p[1]), [np.ones((3, 4)), np.ones((3, 1))]),
    ("mul-scalar", lambda b, p: b.mul(p[0], p[1]), [np.ones((2, 3)), 1.5]),
    ("sin", lambda b, p: b.apply("sin", p[0]), [np.ones(5)]),
    ("exp-log", lambda b, p: b.apply("log", b.apply("exp", p[0])), [np.ones((2, 2))]),
    ("sum-all", lambda b, p: b.apply("sum", p[0], attrs=(None, False)), [np.ones((3, 4))]),
    ("sum-axis0", lambda b, p: b.apply("sum", p[0], attrs=((0,), False)), [np.ones((3, 4))]),
    ("sum-axis1-keep", lambda b, p: b.apply("sum", p[0], attrs=((1,), True)),
     [np.ones((3, 4))]),
    ("matmul-2d-2d", lambda b, p: b.apply("matmul", p[0], p[1]),
     [np.ones((3, 4)), np.ones((4, 2))]),
    ("matmul-2d-1d", lambda b, p: b.apply("matmul", p[0], p[1]), [np.ones((3, 4)), np.ones(4)]),
    ("matmul-1d-2d", lambda b, p: b.apply("matmul", p[0], p[1]), [np.ones(3), np.ones((3, 4))]),
    ("matmul-1d-1d", lambda b, p: b.apply("matmul", p[0], p[1]), [np.ones(3), np.ones(3)]),
    ("matmul-batched", lambda b, p: b.apply("matmul", p[0], p[1]),
     [np.ones((2, 3, 4)), np.ones((4, 5))]),
    ("transpose", lambda b, p: b.apply("transpose", p[0], attrs=(None,)), [np.ones((3, 4))]),
    ("transpose-axes", lambda b, p: b.apply("transpose", p[0], attrs=((1, 2, 0),)),
     [np.ones((2, 3, 4))]),
    ("maximum", lambda b, p: b.apply("max", p[0], p[1]), [np.ones(4), np.ones(4)]),
    ("where", lambda b, p: b.select(b.apply("gt", p[0], 0.0), p[0], b.mul(p[0], p[0])),
     [np.ones(6)]),
    ("outer", lambda b, p: b.apply("outer", p[0], p[1]), [np.ones(3), np.ones(2)]),
]


@pytest.mark.parametrize(("name", "build", "shapes"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_array_primitive_derivatives(name: str, build: Build, shapes: list[Any],
                                     dtype: type) -> None:
    rng = np.random.default_rng(7)
    values = [rng.uniform(0.5, 1.5, np.shape(v)).astype(dtype) if isinstance(v, np.ndarray)
              else float(v) for v in shapes]
    check_primitive(build, values, dtype, seed=7)


def test_a_gradient_is_a_new_writable_array_of_the_arguments_shape() -> None:
    values = [np.ones((3, 4))]
    primal = _program(lambda b, p: b.apply("sum", p[0], attrs=(None, False)), values)
    (g,) = _run(finish(vjp_program(primal)), *values, 1.0)
    assert g.shape == (3, 4) and g.flags.writeable
    g *= 2.0


def test_types_follow_broadcasting() -> None:
    b = Builder()
    x = b.param("x", ArrayType("float64", (MANY, MANY)))
    row = b.param("row", ArrayType("float64", (1, MANY)))
    v = b.param("v", ArrayType("float64", (MANY,)))
    assert b.add(x, row).type == ArrayType("float64", (MANY, MANY))
    assert b.mul(v, 2.0).type == v.type
    assert b.apply("sum", x, attrs=((0,), False)).type == ArrayType("float64", (MANY,))
    assert b.apply("sum", x, attrs=(None, False)).type is None
    assert b.apply("matmul", x, v).type == ArrayType("float64", (MANY,))


def test_a_cast_keeps_its_operands_shape() -> None:
    # x.astype(like.dtype): the dtype of `like`, the shape of `x` (a batched x's too).
    values = [np.ones((2, 3)), np.ones(3, np.float32)]
    program = _program(lambda b, p: b.apply("astype_like", p[0], p[1]), values)
    assert program.result.type == ArrayType("float32", (MANY, MANY))  # type: ignore[union-attr]
    out = _run(program, *values)
    assert out.shape == (2, 3) and out.dtype == np.float32
