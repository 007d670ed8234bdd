"""Tests of values that guard a computation, and what they pick: ``np.any``/``np.all``,
``np.isclose``, ``np.nonzero`` (``np.where`` of a condition alone) and
``np.nan_to_num``.

Contract:
- ``any(x)`` and ``all(x)`` reduce over ``attrs[0]`` (None: every axis) with
  ``keepdims`` ``attrs[1]``, as ``np.any``/``np.all`` do; ``isclose(a, b)`` is NumPy's
  elementwise test with ``rtol``, ``atol`` and ``equal_nan`` in its attributes. They
  give truth values, so they have no derivative; NumPy's own calls are emitted.
- ``nonzero(c)`` is ``np.nonzero(c)[attrs[0]]``: the indices along one axis of the
  entries of `c` that are true, an int64 vector whose length is known only at run time;
  no derivative (an index).
- ``nan_to_num(x)`` replaces NaN, inf and -inf by ``attrs`` (None: NumPy's default);
  its derivative is 1 where `x` is finite and 0 where it was replaced.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.arrays import np_call
from symdiff.ir.linalg import emit_reduction
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive, one_tangent
from symdiff.ir.types import ArrayType, Type, reduced


def _reduced_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    (t,) = types
    return None if t is None else reduced(ArrayType("bool", t.dims), attrs[0], attrs[1])


def _emit_isclose(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    rtol, atol, equal_nan = attrs
    kws: dict[str, Any] = {}
    if rtol != 1e-05:
        kws["rtol"] = rtol
    if atol != 1e-08:
        kws["atol"] = atol
    if equal_nan:
        kws["equal_nan"] = True
    return np_call("isclose", *args, **kws)


def _emit_nonzero(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    return ast.Subscript(np_call("nonzero", args[0]), ast.Constant(attrs[0]), ast.Load())


def _emit_nan_to_num(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    kws = {k: v for k, v in zip(("nan", "posinf", "neginf"), attrs, strict=True)
           if v is not None}
    return np_call("nan_to_num", args[0], **kws)


def _kept(b: NodeBuilder, x: Node, t: Node) -> Node:
    """`t` where `x` is finite, else 0 (chosen, not multiplied: t may be nan there)."""
    return b.select(b.apply("isfinite", x), t, 0.0)


ANY = Primitive(
    "any", 1, None, emit_reduction("any"), type_rule=_reduced_type, differentiable=False,
    may_raise=False, cost="comparison")

ALL = Primitive(
    "all", 1, None, emit_reduction("all"), type_rule=_reduced_type, differentiable=False,
    may_raise=False, cost="comparison")

ISCLOSE = Primitive(
    "isclose", 2, None, _emit_isclose, differentiable=False, may_raise=False,
    cost="comparison")

NONZERO = Primitive(
    "nonzero", 1, None, _emit_nonzero,
    type_rule=lambda types, attrs: ArrayType("int64", (None,)), differentiable=False,
    may_raise=False, cost="comparison")

NAN_TO_NUM = Primitive(
    "nan_to_num", 1, None, _emit_nan_to_num,
    jvp_rule=lambda b, node, ts: _kept(b, node.args[0], one_tangent(ts)),
    vjp_rule=lambda b, node, ct: (_kept(b, node.args[0], ct),), may_raise=False,
    cost="comparison")


RECORDS: tuple[Primitive, ...] = (
    ANY, ALL, ISCLOSE, NONZERO, NAN_TO_NUM,
)
