"""Reductions (prod, max, min, norm), einsum, trace and np.linalg primitives, checked
through emitted code: forward and reverse mode against central finite differences and
each other, derivatives of each value's shape and dtype, and the conventions at ties,
zeros and the norm's kink."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff.ir import linalg
from symdiff.ir.builder import Builder
from symdiff.ir.node import Node
from symdiff.ir.types import MANY, ArrayType
from symdiff.transforms.programs import finish, jvp_program, vjp_program
from tests.ir.support import program_of as _program
from tests.ir.support import run_emitted as _run

Build = Callable[[Builder, list[Node]], Node]
RNG = np.random.default_rng(11)


def _reduce(op: str, axes: Any = None, keepdims: bool = False) -> Build:
    return lambda b, p: b.apply(op, p[0], attrs=(axes, keepdims))


def _einsum(subscripts: str) -> Build:
    return lambda b, p: b.apply("einsum", *p, attrs=(subscripts,))


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


SQUARE = _normal(3, 3) + 3.0 * np.eye(3)
STACK = _normal(2, 3, 3) + 3.0 * np.eye(3)  # a stack of two well-conditioned matrices
WITH_ZEROS = np.array([[0.0, 2.0, -1.5, 0.5], [0.0, 1.2, 0.0, 3.0], [1.1, -0.7, 0.9, 2.0]])
TIES = np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 0.5, 0.5, 2.0], [-4.0, 1.0, 0.0, 0.2]])

CASES: list[tuple[str, Build, list[Any]]] = [
    ("prod-all", _reduce("prod"), [_normal(3, 4)]),
    ("prod-axis1", _reduce("prod", (1,)), [_normal(3, 4)]),
    ("prod-axis0-keep", _reduce("prod", (0,), True), [_normal(3, 4)]),
    ("prod-axes-3d", _reduce("prod", (0, 2)), [_normal(2, 3, 4)]),
    ("prod-zeros-rows", _reduce("prod", (1,)), [WITH_ZEROS]),
    ("prod-zeros-all", _reduce("prod"), [WITH_ZEROS[2:] * WITH_ZEROS[:1]]),
    ("amax-all", _reduce("amax"), [_normal(3, 4)]),
    ("amax-axis0", _reduce("amax", (0,)), [_normal(3, 4)]),
    ("amin-axis1-keep", _reduce("amin", (1,), True), [_normal(3, 4)]),
    ("amax-ties", _reduce("amax", (1,)), [TIES]),
    ("amin-ties", _reduce("amin", (1,)), [TIES]),
    ("amax-ties-all", _reduce("amax"), [TIES[:1]]),
    ("norm-all", _reduce("norm"), [_normal(5)]),
    ("norm-frobenius", _reduce("norm"), [_normal(3, 4)]),
    ("norm-axis1", _reduce("norm", (1,)), [_normal(3, 4)]),
    ("norm-axis0-keep", _reduce("norm", (0,), True), [_normal(3, 4)]),
    ("einsum-matmul", _einsum("ij,jk->ik"), [_normal(2, 3), _normal(3, 4)]),
    ("einsum-dot", _einsum("i,i->"), [_normal(3), _normal(3)]),
    ("einsum-broadcast", _einsum("i,i->"), [_normal(1), _normal(3)]),
    ("einsum-batched", _einsum("bij,bjk->bik"), [_normal(2, 3, 4), _normal(2, 4, 2)]),
    ("einsum-trace", _einsum("ii->"), [_normal(3, 3)]),
    ("einsum-diagonal", _einsum("ii->i"), [_normal(3, 3)]),
    ("einsum-triple-diagonal", _einsum("iii->"), [_normal(3, 3, 3)]),
    ("einsum-row-sums", _einsum("ij->i"), [_normal(3, 4)]),
    ("einsum-transpose", _einsum("ij->ji"), [_normal(3, 4)]),
    ("einsum-outer", _einsum("i,j->ij"), [_normal(3), _normal(2)]),
    ("einsum-three", _einsum("ij,j,jk->ik"), [_normal(2, 3), _normal(3), _normal(3, 2)]),
    ("einsum-scalar-operand", _einsum("i,->i"), [_normal(3), 0.7]),
    ("trace", lambda b, p: b.apply("trace", p[0]), [_normal(3, 3)]),
    ("trace-rectangular", lambda b, p: b.apply("trace", p[0]), [_normal(2, 4)]),
    ("trace-3d", lambda b, p: b.apply("trace", p[0]), [_normal(3, 2, 4)]),
    ("det", lambda b, p: b.apply("det", p[0]), [SQUARE]),
    ("inv", lambda b, p: b.apply("inv", p[0]), [SQUARE]),
    ("solve-vector", lambda b, p: b.apply("solve", p[0], p[1]), [SQUARE, _normal(3)]),
    ("solve-matrix", lambda b, p: b.apply("solve", p[0], p[1]), [SQUARE, _normal(3, 2)]),
    ("det-stack", lambda b, p: b.apply("det", p[0]), [STACK]),
    ("inv-stack", lambda b, p: b.apply("inv", p[0]), [STACK]),
    ("solve-stack", lambda b, p: b.apply("solve", p[0], p[1]), [STACK, _normal(2, 3, 2)]),
    # The stack axes broadcast: one right-hand side for every matrix, and back.
    ("solve-stack-one-rhs", lambda b, p: b.apply("solve", p[0], p[1]), [STACK, _normal(3, 2)]),
    ("solve-one-matrix", lambda b, p: b.apply("solve", p[0], p[1]), [SQUARE, _normal(2, 3, 2)]),
    ("solve-broadcast", lambda b, p: b.apply("solve", p[0], p[1]),
     [STACK[:, None], _normal(1, 4, 3, 1)]),
]


def _like(v: Any, dtype: type) -> Any:
    if isinstance(v, np.ndarray):
        return RNG.standard_normal(v.shape).astype(dtype)
    return float(RNG.standard_normal())


@pytest.mark.parametrize(("name", "build", "values"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_derivatives_match_finite_differences(name: str, build: Build, values: list[Any],
                                              dtype: type) -> None:
    values = [v.astype(dtype) if isinstance(v, np.ndarray) else v for v in values]
    primal = _program(build, values)
    out = _run(primal, *values)
    tangents = [_like(v, dtype) for v in values]
    value, tangent = _run(finish(jvp_program(primal)), *values, *tangents)
    np.testing.assert_array_equal(value, out)
    assert np.shape(tangent) == np.shape(out)
    if isinstance(out, np.ndarray):
        assert tangent.dtype == out.dtype
    # Central differences in float64 (ties are kinks: the equal split is their mean).
    h = 1e-6
    wide = [np.asarray(v, np.float64) if isinstance(v, np.ndarray) else v for v in values]
    plus = _run(primal, *[v + h * t for v, t in zip(wide, tangents, strict=True)])
    minus = _run(primal, *[v - h * t for v, t in zip(wide, tangents, strict=True)])
    tol = 1e-6 if dtype == np.float64 else 2e-3
    np.testing.assert_allclose(tangent, (plus - minus) / (2 * h), rtol=tol, atol=tol)
    ct = _like(out, dtype) if isinstance(out, np.ndarray) else 0.8
    cts = _run(finish(vjp_program(primal)), *values, ct)
    for v, c in zip(values, cts, strict=True):
        assert np.shape(c) == np.shape(v)
        if isinstance(v, np.ndarray):
            assert c.dtype == v.dtype and c.flags.writeable
    lhs = float(np.sum(np.asarray(ct, np.float64) * tangent))
    rhs = sum(float(np.sum(np.asarray(c, np.float64) * t))
              for c, t in zip(cts, tangents, strict=True))
    assert lhs == pytest.approx(rhs, rel=tol, abs=tol)


def _gradient(build: Build, x: np.ndarray) -> np.ndarray:
    (g,) = _run(finish(vjp_program(_program(build, [x]))), x, 1.0)
    return g


def test_ties_of_max_and_min_share_the_cotangent_equally() -> None:
    x = np.array([1.0, 5.0, 5.0, 5.0, -2.0, -2.0])
    np.testing.assert_allclose(_gradient(_reduce("amax"), x), [0, 1 / 3, 1 / 3, 1 / 3, 0, 0])
    np.testing.assert_allclose(_gradient(_reduce("amin"), x), [0, 0, 0, 0, 0.5, 0.5])
    rows = np.array([[2.0, 2.0], [1.0, 3.0]])
    build = lambda b, p: b.apply("sum", b.apply("amax", p[0], attrs=((1,), False)),  # noqa: E731
                                 attrs=(None, False))
    np.testing.assert_allclose(_gradient(build, rows), [[0.5, 0.5], [0.0, 1.0]])


def test_prod_is_exact_at_zeros() -> None:
    # One zero: only it has a nonzero derivative; two zeros: every derivative is 0.
    np.testing.assert_array_equal(_gradient(_reduce("prod"), np.array([0.0, 2.0, 3.0])),
                                  [6.0, 0.0, 0.0])
    np.testing.assert_array_equal(_gradient(_reduce("prod"), np.array([0.0, 2.0, 0.0])),
                                  [0.0, 0.0, 0.0])
    rows = np.array([[0.0, 4.0], [3.0, 5.0], [0.0, 0.0]])
    build = lambda b, p: b.apply("sum", b.apply("prod", p[0], attrs=((1,), False)),  # noqa: E731
                                 attrs=(None, False))
    np.testing.assert_array_equal(_gradient(build, rows), [[4.0, 0.0], [5.0, 3.0], [0, 0]])


def test_norm_has_derivative_zero_at_zero() -> None:
    with np.errstate(all="raise"):  # and no 0 / 0 on the way
        np.testing.assert_array_equal(_gradient(_reduce("norm"), np.zeros(3)), np.zeros(3))
        rows = np.array([[0.0, 0.0], [3.0, 4.0]])
        build = lambda b, p: b.apply("sum", b.apply("norm", p[0], attrs=((1,), False)),  # noqa: E731
                                     attrs=(None, False))
        np.testing.assert_allclose(_gradient(build, rows), [[0.0, 0.0], [0.6, 0.8]])
        primal = _program(_reduce("norm"), [np.zeros(3)])
        assert _run(finish(jvp_program(primal)), np.zeros(3), np.ones(3))[1] == 0.0


def test_parse_reads_explicit_and_implicit_subscripts() -> None:
    assert linalg.parse("ij,jk->ik", 2) == (("ij", "jk"), "ik")
    assert linalg.parse("ij,jk", 2) == (("ij", "jk"), "ik")
    assert linalg.parse("ii", 1) == (("ii",), "")
    assert linalg.parse("ba", 1) == (("ba",), "ab")
    assert linalg.parse(" i , i -> ", 2) == (("i", "i"), "")
    for bad, count, words in (("...i->i", 1, "'...'"), ("ij->ik", 1, "'k' is in no operand"),
                              ("i,i->ii", 2, "repeats"), ("i->i", 2, "name 1 operands, got 2"),
                              ("i2->i", 1, "not a letter")):
        with pytest.raises(ValueError, match=words):
            linalg.parse(bad, count)


def test_types_follow_subscripts_and_axes() -> None:
    b = Builder()
    m = b.param("m", ArrayType("float32", (MANY, 1)))
    n = b.param("n", ArrayType("float32", (MANY, MANY)))
    assert b.apply("einsum", m, n, attrs=("ij,jk->ki",)).type == ArrayType("float32", (MANY, MANY))
    assert b.apply("einsum", n, attrs=("ii->",)).type is None
    assert b.apply("prod", n, attrs=((1,), True)).type == ArrayType("float32", (MANY, 1))
    assert b.apply("amax", n, attrs=(None, False)).type is None
    assert b.apply("keepdims", b.apply("norm", n, attrs=((0,), False)),
                   attrs=((0,),)).type == ArrayType("float32", (1, MANY))
    assert b.apply("trace", n).type is None
    assert b.apply("solve", n, m).type == ArrayType("float32", (MANY, 1))
