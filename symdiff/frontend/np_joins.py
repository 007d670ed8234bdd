"""Lowering of NumPy's joins and splits that other operations express exactly:
``np.hstack``, ``np.vstack`` (and ``np.row_stack``), ``np.dstack``, ``np.column_stack``,
``np.append``, ``np.atleast_1d``, ``np.atleast_2d`` and ``np.atleast_3d`` (onto
``np.concatenate``, ``np.expand_dims`` and ``np.array``), and ``np.split`` /
``np.array_split`` / ``np.hsplit`` / ``np.vsplit`` / ``np.dsplit`` (onto slices: each
part is a view, as NumPy's).

Contract (functions over a `frame.Frame`):
- The joins take a list or tuple of arrays (numbers too) written in the function, as
  ``np.concatenate`` does, and NumPy's rules for their ranks.
- A split takes a constant number of parts (the number of values must be known while
  compiling) or a list or tuple of indices, constant or computed ints, and an
  optional constant ``axis``. It gives a tuple of the parts (NumPy gives a list), which
  unpacks (``a, b = np.split(x, 2)``) and indexes. ``np.split`` into parts of a length
  that does not divide raises ValueError as NumPy does: while compiling when the length
  is known, else when the code runs.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.arrays import Handlers
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_indexing import read
from symdiff.frontend.np_shapes import array_of, array_parts, concatenate, dtype_of, one_axis
from symdiff.frontend.np_signatures import Arguments
from symdiff.ir.indexing import DYNAMIC, FULL
from symdiff.ir.node import Node
from symdiff.ir.sequences import is_seq
from symdiff.ir.shapes import size_of

# The NumPy functions this module lowers.
HANDLERS = Handlers()

_UNEQUAL = "array split does not result in an equal division"


# Joins ----------------------------------------------------------------------------------


@HANDLERS.function("atleast_1d", "atleast_2d", "atleast_3d")
def _np_atleast(low: Frame, args: Arguments, name: str) -> Node | tuple[Node, ...]:
    fix = {"atleast_1d": at_least_1d, "atleast_2d": at_least_2d, "atleast_3d": at_least_3d}
    arrays_ = args["arys"]
    if not arrays_:
        raise low.src.error(f"np.{name}() of no array", args.call)
    out = tuple(fix[name](low, low.number(a, args.call)) for a in arrays_)
    return out[0] if len(out) == 1 else out


@HANDLERS.function("hstack", "vstack", "row_stack", "dstack", "column_stack")
def _np_stacks(low: Frame, args: Arguments, name: str) -> Node:
    e = args.call
    parts = array_parts(low, args["tup"], name, e)
    if name in ("vstack", "row_stack"):
        return concatenate(low, [at_least_2d(low, p) for p in parts], low.b.const(0), e)
    if name == "dstack":
        return concatenate(low, [at_least_3d(low, p) for p in parts], low.b.const(2), e)
    if name == "column_stack":
        columns = [p if p.type is not None and p.type.ndim >= 2 else low.b.apply(
            "expand_dims", at_least_1d(low, p), attrs=((1,),)) for p in parts]
        return concatenate(low, columns, low.b.const(1), e)
    rows = [at_least_1d(low, p) for p in parts]
    return concatenate(low, rows, low.b.const(0 if rows[0].type.ndim == 1 else 1), e)


def at_least_1d(low: Frame, x: Node) -> Node:
    """``np.atleast_1d(x)``: an array itself, a number as an array of one."""
    if x.type is not None:
        return x
    return low.b.new("array", x, attrs=((1,), dtype_of([x]), False))


def at_least_2d(low: Frame, x: Node) -> Node:
    """``np.atleast_2d(x)``: a vector as a row, a number as a 1 x 1 array."""
    if x.type is None:
        return low.b.new("array", x, attrs=((1, 1), dtype_of([x]), False))
    if x.type.ndim == 1:
        return low.b.apply("expand_dims", x, attrs=((0,),))
    return x


def at_least_3d(low: Frame, x: Node) -> Node:
    """``np.atleast_3d(x)``: a vector as (1, n, 1), a matrix as (m, n, 1), a number as a
    1 x 1 x 1 array."""
    if x.type is None:
        return low.b.new("array", x, attrs=((1, 1, 1), dtype_of([x]), False))
    if x.type.ndim < 3:
        return low.b.apply("expand_dims", x, attrs=((0, 2) if x.type.ndim == 1 else (2,),))
    return x


@HANDLERS.function("append")
def _np_append(low: Frame, args: Arguments, name: str) -> Node:
    parts = [at_least_1d(low, args.array(p)) for p in ("arr", "values")]
    return concatenate(low, parts, args["axis"], args.call)


@HANDLERS.function("block")
def _np_block(low: Frame, args: Arguments, name: str) -> Node:
    """``np.block``: the innermost lists joined along the last axis, the lists of those
    along the one before, and so on out; each leaf first given leading axes of length
    one up to the result's rank (the nesting depth, or the highest leaf rank)."""
    e = args.call
    leaves = _block_leaves(low, args.written("arrays"), e)
    depth = len(leaves[0][0])
    ndim = max(depth, *(x.type.ndim if x.type is not None else 0 for _, x in leaves))
    items = [(path, _with_rank(low, x, ndim)) for path, x in leaves]
    for level in range(depth, 0, -1):
        axis = low.b.const(ndim - (depth - level + 1))
        joined: list[tuple[tuple[int, ...], list[Node]]] = []
        for path, x in items:
            if joined and joined[-1][0] == path[:level - 1]:
                joined[-1][1].append(x)
            else:
                joined.append((path[:level - 1], [x]))
        items = [(prefix, concatenate(low, parts, axis, e)) for prefix, parts in joined]
    return items[0][1]


def _block_leaves(low: Frame, written: ast.expr, e: ast.Call
                  ) -> list[tuple[tuple[int, ...], Node]]:
    """The arrays and numbers of ``np.block``'s nested lists (`written`) in order, each
    with its path of positions; NumPy's errors for tuples, empty lists and uneven
    depths."""
    leaves: list[tuple[tuple[int, ...], Node]] = []
    todo: list[tuple[tuple[int, ...], Any]] = [((), written)]
    while todo:
        path, item = todo.pop()
        if isinstance(item, ast.expr) and not isinstance(item, (ast.List, ast.Tuple)):
            item = low.expr(item)  # a name holding a list is a list too
        if isinstance(item, (tuple, ast.Tuple)):
            raise low.src.error("np.block() takes nested lists; a tuple is not one", e)
        if isinstance(item, (list, ast.List)):
            items = item.elts if isinstance(item, ast.List) else item
            if not items:
                raise low.src.error("np.block() of an empty list", e)
            todo.extend((path + (i,), x) for i, x in reversed(list(enumerate(items))))
        elif isinstance(item, Node) and is_seq(item):
            raise low.src.error("np.block() of a list built while the code runs (not yet): "
                                "write the nested lists in the call", e)
        else:
            leaves.append((path, low.number(item, e)))
    if not leaves[0][0]:
        return [((0,), leaves[0][1])]  # an array alone: a list of one
    if len({len(path) for path, _ in leaves}) > 1:
        raise low.src.error("np.block(): the lists are nested to different depths", e)
    return leaves


def _with_rank(low: Frame, x: Node, ndim: int) -> Node:
    """`x` with leading axes of length one up to `ndim` axes."""
    if x.type is None:
        return low.b.new("array", x, attrs=((1,) * ndim, dtype_of([x]), False))
    missing = ndim - x.type.ndim
    if not missing:
        return x
    return low.b.apply("expand_dims", x, attrs=(tuple(range(missing)),))


# Splits ---------------------------------------------------------------------------------


@HANDLERS.function("split", "array_split")
def _np_split(low: Frame, args: Arguments, name: str) -> tuple[Node, ...]:
    e = args.call
    x = array_of(low, args["ary"], name, e)
    axis = one_axis(low, args["axis"], x.type.ndim, e)
    return split(low, name, x, args["indices_or_sections"], axis, e)


# The axis each splits along, and the fewest axes it takes.
_SIDES = {"vsplit": (0, 2), "hsplit": (1, 1), "dsplit": (2, 3)}


@HANDLERS.function("hsplit", "vsplit", "dsplit")
def _np_split_sides(low: Frame, args: Arguments, name: str) -> tuple[Node, ...]:
    e, how = args.call, args["indices_or_sections"]
    x = array_of(low, args["ary"], name, e)
    axis, least = _SIDES[name]
    if x.type.ndim < least:
        raise low.src.error(f"np.{name} of an array of fewer than {least} axes", e)
    return split(low, "split", x, how, axis if x.type.ndim > 1 else 0, e)


def split(low: Frame, name: str, x: Node, how: Any, axis: int, e: ast.Call
          ) -> tuple[Node, ...]:
    """``np.split`` / ``np.array_split`` (`name`) of `x` along `axis`, `how` a number of
    parts or a list of indices."""
    if isinstance(how, (list, tuple)):
        bounds: list[Node | None] = [None, *(_index(low, i, name, e) for i in how), None]
    else:
        bounds = [*_sections(low, x, axis, how, name, e), None]
    return tuple(part(low, x, axis, start, stop, e)
                 for start, stop in zip(bounds, bounds[1:], strict=False))


def _sections(low: Frame, x: Node, axis: int, how: Any, name: str, e: ast.Call
              ) -> list[Node | None]:
    """Where each of a constant number of parts starts (NumPy's: the first
    ``n % count`` parts one longer, for array_split)."""
    if not (isinstance(how, Node) and how.is_const and type(how.value) is int):
        raise low.src.error(f"np.{name}() takes a constant number of parts here (or a list "
                            "of indices): the number of values must be known", e)
    count = how.value
    if count <= 0:
        raise low.src.error(f"np.{name}(): the number of parts must be positive", e)
    b = low.b
    n = size_of(b, x, axis)
    step, extra = b.apply("floordiv", n, count), b.apply("mod", n, count)
    if name == "split":
        if extra.is_const and extra.value != 0:
            raise low.src.error(f"np.split(): {_UNEQUAL} (a length of {n.value} into "
                                f"{count} parts)", e)
        if not extra.is_const:
            b.apply("raise_if", b.apply("ne", extra, 0), attrs=("ValueError", _UNEQUAL))
        extra = b.const(0)
    starts: list[Node | None] = [None]
    for i in range(1, count):
        start = step if i == 1 else b.mul(step, i)
        if not (extra.is_const and extra.value == 0):
            start = b.add(start, b.apply("min", i, extra))
        starts.append(start)
    return starts


def _index(low: Frame, value: Any, name: str, e: ast.Call) -> Node:
    if not isinstance(value, Node) or value.type is not None or (
            value.is_const and type(value.value) is not int):
        raise low.src.error(f"np.{name}(): the indices to split at must be ints", e)
    return value


def part(low: Frame, x: Node, axis: int, start: Node | None, stop: Node | None,
          e: ast.Call) -> Node:
    """``x[start:stop]`` along `axis`."""
    parts: list[Node] = []

    def bound(value: Node | None) -> Any:
        if value is None or value.is_const:
            return None if value is None else value.value
        parts.append(value)
        return DYNAMIC

    key = (*(FULL,) * axis, ("slice", bound(start), bound(stop), None))
    return read(low, x, key, parts, e)
