"""Sorting and the positions of order statistics: ``np.sort``, ``np.argsort``,
``np.argmax``, ``np.argmin``.

Contract:
- ``sort`` and ``argsort`` work along axis ``attrs[0]`` of an array of ``attrs[1]``
  axes (written without the axis when it is the last). ``argsort``, ``argmax`` and
  ``argmin`` give int64 positions: no derivative, and usable as indices; ``argmax`` and
  ``argmin`` reduce over ``attrs[0]`` (one axis in a tuple, or None for the flattened
  array, a number) keeping it as length one when ``attrs[1]``, as the reductions do.
- The derivatives of ``sort`` follow the permutation that sorts: the tangent is the
  argument's tangent permuted by ``argsort(x)``, the cotangent permuted back by its
  inverse, ``argsort(argsort(x))``. Entries that tie are given to the positions that
  permutation gives them (any order of equal entries sorts them).
- ``permute(x, order)`` is `x` reordered along axis ``attrs[0]`` by `order`, a
  permutation of the positions along it for each of its other indices
  (``np.take_along_axis``); it is linear in `x`, and its transpose is the permutation by
  the inverse, ``argsort(order)``. It is a rule's tool, for permutations only.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.arrays import linear_jvp, np_call
from symdiff.ir.linalg import emit_reduction
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive, one_tangent
from symdiff.ir.types import ArrayType, Type, broadcast, reduced


def _emit_along(name: str) -> Any:
    def emit(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
        axis, ndim = attrs
        return np_call(name, args[0], **({} if axis == ndim - 1 else {"axis": axis}))
    return emit


def _order(b: NodeBuilder, x: Node, attrs: tuple[Any, ...]) -> Node:
    """The permutation that sorts `x` along the axis of `attrs`."""
    return b.apply("argsort", x, attrs=attrs)


def _sort_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    return b.apply("permute", one_tangent(ts), _order(b, node.args[0], node.attrs),
                   attrs=(node.attrs[0],))


def _sort_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    order = _order(b, node.args[0], node.attrs)
    return (b.apply("permute", ct, _order(b, order, node.attrs), attrs=(node.attrs[0],)),)


def _permute_type(types: list[ArrayType], attrs: tuple[Any, ...]) -> Type:
    x, order = types
    joined = broadcast(ArrayType("int64", x.dims), order)
    assert joined is not None
    return ArrayType(x.dtype, joined.dims)


def _permute_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    order = node.args[1]
    inverse = b.apply("argsort", order, attrs=(node.attrs[0], order.type.ndim))
    return b.apply("permute", ct, inverse, attrs=node.attrs), None


def _arg_extremum_type(types: list[ArrayType], attrs: tuple[Any, ...]) -> Type:
    positions = reduced(types[0], *attrs)
    return None if positions is None else ArrayType("int64", positions.dims)


# attrs (axis, rank)
SORT = Primitive(
    "sort", 1, None, _emit_along("sort"), type_rule=lambda types, attrs: types[0],
    jvp_rule=_sort_jvp, vjp_rule=_sort_vjp, may_raise=False)

ARGSORT = Primitive(
    "argsort", 1, None, _emit_along("argsort"),
    type_rule=lambda types, attrs: ArrayType("int64", types[0].dims), differentiable=False,
    may_raise=False)

# (x, order); attrs (axis,)
PERMUTE = Primitive(
    "permute", 2, None, lambda args, attrs: np_call(
        "take_along_axis", *args, axis=attrs[0]),
    type_rule=_permute_type, jvp_rule=linear_jvp, vjp_rule=_permute_vjp, may_raise=False)

# attrs ((axis,) or None, keepdims); an empty array has no position of its max: NumPy
# raises.
ARGMAX = Primitive(
    "argmax", 1, None, emit_reduction("argmax"), type_rule=_arg_extremum_type,
    differentiable=False, makes_int=True)

ARGMIN = Primitive(
    "argmin", 1, None, emit_reduction("argmin"), type_rule=_arg_extremum_type,
    differentiable=False, makes_int=True)


RECORDS: tuple[Primitive, ...] = (SORT, ARGSORT, PERMUTE, ARGMAX, ARGMIN)
