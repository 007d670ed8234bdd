"""Rearranging, repeating and padding an array's entries: ``np.roll``, ``np.repeat``,
``np.tile``, ``np.pad``.

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
- ``pad`` pads with ``attrs[0]``, one (before, after) pair of constant widths per axis,
  in mode ``attrs[1]``: ``"constant"`` with the value of its second argument (linear in
  the array and the value together), or ``"edge"`` (the first and last entries
  repeated). ``unpad`` is the interior of a padded array (a view): the constant pad's
  transpose, and each other's. The edge pad's transpose adds the sums of the padding
  to the entries they repeat, one axis at a time.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.arrays import linear_jvp, np_call
from symdiff.ir.indexing import FULL
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive
from symdiff.ir.shapes import dims_type, size_of
from symdiff.ir.types import Dim

Widths = tuple[tuple[int, int], ...]


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


def _widths(widths: Widths) -> ast.expr:
    """`widths` as ``np.pad`` reads them: one int, one pair, or a pair per axis."""
    pairs = set(widths)
    if len(pairs) == 1:
        ((before, after),) = pairs
        if before == after:
            return ast.Constant(before)
        return ast.Tuple([ast.Constant(before), ast.Constant(after)], ast.Load())
    return ast.Tuple([ast.Tuple([ast.Constant(w) for w in pair], ast.Load())
                      for pair in widths], ast.Load())


def _emit_pad(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    widths, mode, _ = attrs
    if mode == "edge":
        return np_call("pad", args[0], _widths(widths), mode="edge")
    value = args[1]
    if isinstance(value, ast.Constant) and value.value == 0:
        return np_call("pad", args[0], _widths(widths))
    return np_call("pad", args[0], _widths(widths), constant_values=value)


def _pad_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    if node.attrs[1] == "edge":
        return linear_jvp(b, node, ts)
    tx, tv = ts
    x = tx if tx is not None else b.apply("zeros_like", node.args[0])
    return b.apply("pad", x, 0.0 if tv is None else tv, attrs=node.attrs)


def _pad_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    x, *value = node.args
    widths, mode, _ = node.attrs
    if mode == "edge":
        return (_edge_vjp(b, x, widths, ct),)
    inside = b.apply("unpad", ct, attrs=(widths, x.type.dims))
    if value[0].is_const:
        return inside, None
    border = b.apply("pad", b.apply("zeros_like", x), 1.0, attrs=node.attrs)
    return inside, b.apply("sum", b.mul(ct, border), attrs=(None, False))


def _edge_vjp(b: NodeBuilder, x: Node, widths: Widths, ct: Node) -> Node:
    """Along each padded axis, from the last: the interior, plus the sums of the padding
    before and after it onto its first and last entries."""
    g = ct
    for axis in reversed(range(len(widths))):
        before, after = widths[axis]
        if before == after == 0:
            continue
        dims = (*g.type.dims[:axis], x.type.dims[axis], *g.type.dims[axis + 1:])
        one = tuple((w if i == axis else (0, 0)) for i, w in enumerate(widths))
        inside = b.apply("unpad", g, attrs=(one, dims))
        rest = b.sub(size_of(b, x, axis), 1)
        for width, start, stop, pads in ((before, None, before, (0, rest)),
                                          (after, -after, None, (rest, 0))):
            if width:
                key = (*(FULL,) * axis, ("slice", start, stop, None))
                edge = b.apply("sum", b.apply("index", g, attrs=(key,)), attrs=((axis,), True))
                inside = b.add(inside, b.apply("pad_axis", edge, *pads, attrs=(axis, dims)))
        g = inside
    return g


def _emit_unpad(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    widths = list(attrs[0])
    while widths and widths[-1] == (0, 0):
        widths.pop()
    items: list[ast.expr] = [ast.Slice(ast.Constant(before) if before else None,
                                       ast.Constant(-after) if after else None)
                             for before, after in widths]
    index = items[0] if len(items) == 1 else ast.Tuple(items, ast.Load())
    return ast.Subscript(args[0], index, ast.Load())


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


# (x, value) for mode "constant", (x,) for "edge"; attrs (widths, mode, dims)
PAD = Primitive(
    "pad", None, None, _emit_pad, type_rule=dims_type, jvp_rule=_pad_jvp,
    vjp_rule=_pad_vjp, may_raise=lambda node: node.attrs[1] == "edge")  # of an empty axis

# attrs (widths, dims)
UNPAD = Primitive(
    "unpad", 1, None, _emit_unpad, type_rule=dims_type, jvp_rule=linear_jvp,
    vjp_rule=lambda b, node, ct: (b.apply("pad", ct, 0.0, attrs=(
        node.attrs[0], "constant", node.args[0].type.dims)),),
    may_raise=False, view=True)


RECORDS: tuple[Primitive, ...] = (ROLL, REPEAT, TILE, PAD, UNPAD)
