"""Rearranging and repeating an array's entries: ``np.roll``, ``np.repeat``,
``np.tile``.

Contract:
- Counts (a shift, a number of repeats) are ints, constants or values known at run
  time, given as arguments after the array. Each operation is linear in the array.
- ``roll(x, shift)`` moves the entries of `x` by `shift` along axis ``attrs[0]``,
  wrapping around; ``attrs[1]`` is the rank of `x` (a vector's roll is written without
  its axis). Its transpose is the roll back by ``-shift``.
- ``repeat(x, count)`` repeats each entry `count` times along axis ``attrs[0]``;
  ``tile(x, *reps)`` repeats the whole array ``reps[i]`` times along axis i (`x` taken
  with leading axes of length one when it has fewer axes than `reps`). Both carry the
  result's lengths (`ir.types` dims) last in their attributes. Their transposes sum the
  cotangent over the copies: reshaped so that each copy count is an axis of its own,
  summed over those axes.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.arrays import linear_jvp, np_call
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive
from symdiff.ir.shapes import dims_type, size_of
from symdiff.ir.types import Dim


def _emit_roll(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    axis, ndim = attrs
    return np_call("roll", *args, **({} if ndim == 1 else {"axis": axis}))


def _roll_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    return b.apply("roll", ct, b.neg(node.args[1]), attrs=node.attrs), None


def _emit_repeat(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    axis, dims = attrs
    return np_call("repeat", *args, **({} if len(dims) == 1 else {"axis": axis}))


def _count_dim(count: Node) -> Dim:
    return count.value if count.is_const else None  # type: ignore[return-value]


def _repeat_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    # (..., n * count, ...) as (..., n, count, ...), summed over the copies.
    (x, count), axis = node.args, node.attrs[0]
    lengths = [size_of(b, x, i) for i in range(x.type.ndim)]
    lengths.insert(axis + 1, count)
    dims = list(x.type.dims)
    dims.insert(axis + 1, _count_dim(count))
    copies = b.apply("reshape", ct, *lengths, attrs=(tuple(dims),))
    return b.apply("sum", copies, attrs=((axis + 1,), False)), None


def _emit_tile(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    x, *reps = args
    return np_call("tile", x, reps[0] if len(reps) == 1 else ast.Tuple(reps, ast.Load()))


def _tile_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    # (r0 * n0, r1 * n1, ...) as (r0, n0, r1, n1, ...) where a count is not one, summed
    # over the counts (the leading axes x lacks are counts alone).
    x, *given = node.args
    t = x.type
    lead = max(len(given) - t.ndim, 0)
    reps = [b.const(1)] * (t.ndim - len(given)) + given
    lengths: list[Node] = []
    dims: list[Dim] = []
    summed = []
    for i, count in enumerate(reps):
        if not (count.is_const and count.value == 1):
            summed.append(len(lengths))
            lengths.append(count)
            dims.append(_count_dim(count))
        if i >= lead:
            lengths.append(size_of(b, x, i - lead))
            dims.append(t.dims[i - lead])
    g = ct
    if summed or lead:
        g = b.apply("reshape", ct, *lengths, attrs=(tuple(dims),))
    if summed:
        g = b.apply("sum", g, attrs=(tuple(summed), False))
    return (g, *(None,) * len(given))


# attrs (axis, rank)
ROLL = Primitive(
    "roll", 2, None, _emit_roll, type_rule=lambda types, attrs: types[0],
    jvp_rule=linear_jvp, vjp_rule=_roll_vjp, may_raise=False)


# (x, count); attrs (axis, dims)
REPEAT = Primitive(
    "repeat", 2, None, _emit_repeat, type_rule=dims_type, jvp_rule=linear_jvp,
    vjp_rule=_repeat_vjp)

# (x, *reps); attrs (dims,)
TILE = Primitive(
    "tile", None, None, _emit_tile, type_rule=dims_type, jvp_rule=linear_jvp,
    vjp_rule=_tile_vjp)


RECORDS: tuple[Primitive, ...] = (ROLL, REPEAT, TILE)
