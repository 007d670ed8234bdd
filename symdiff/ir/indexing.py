"""Array indexing and slicing, and functional updates of arrays.

Contract:
- A subscript is described by a static key, a tuple of items: ``("int", k)``,
  ``("slice", start, stop, step)``, ``("none",)`` (``np.newaxis``), ``("ellipsis",)``,
  ``("array",)`` (an integer array) and ``("list", (i, j, ...))`` (a constant list of
  ints). An int or a slice bound is a constant, None when absent, or `DYNAMIC`: then,
  like an ``("array",)`` item, it is the next of the node's arguments after its first,
  in order. Constants stay in the key, so the emitted subscript reads as written
  (``x[1:]``, ``X[:, 0]``, ``x[idx]``) and the result's type is exact where it can be.
- ``index(x, *parts)`` reads ``x[key]`` (a view for a basic key, as in NumPy); an
  element of an array is a number (type None). ``index_set(base, value, *parts)`` is
  the array `base` with ``base[key] = value``; ``index_add(base, value, *parts)`` with
  ``value`` added at `key` (``np.add.at`` for an integer-array key, so repeated
  indices accumulate). Both are values like any other: they are emitted as an
  assignment into `base`, in place when nothing else reads `base` and it owns its
  memory (`owns_memory`), else into a copy (see `codegen.emit`). The transpose of a
  read is ``index_set`` (basic key) or ``index_add`` (integer arrays) into a new array
  of zeros.
- ``copy(x)`` is a new array equal to `x` (``x.copy()``), one the function may update.
- ``check_len(x)`` raises ValueError, as unpacking ``a, b = x`` would, when the first
  axis of `x` does not have the length in its attributes; it is emitted as an ``if``
  statement and has no value.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any, overload

from symdiff.ir import arrays
from symdiff.ir.node import LEAVES, Node, NodeBuilder, Op
from symdiff.ir.primitive import Primitive
from symdiff.ir.types import MANY, ArrayType, Type, broadcast

DYNAMIC = "?"  # a part of the key given by the node's next argument
# Marks ``("int", DYNAMIC, IN_RANGE)``: an index known to be in range (a loop's index
# over the axis), so reading it cannot raise.
IN_RANGE = "in range"

Item = tuple[Any, ...]
Key = tuple[Item, ...]

FULL: Item = ("slice", None, None, None)
_CONSUMING = frozenset({"int", "slice", "array", "list"})  # items that take an axis of x
_ADVANCED = frozenset({"array", "list"})



def is_basic(key: Key) -> bool:
    """Whether `key` has no integer arrays (its result is a view)."""
    return not any(item[0] in _ADVANCED for item in key)


def can_raise(key: Key) -> bool:
    """Whether reading `key` may raise: an int or array out of range, a zero step."""
    for item in key:
        if item[0] in ("array", "list") or item[0] == "int" and item[2:] != (IN_RANGE,):
            return True
        if item[0] == "slice" and item[3] == DYNAMIC:
            return True
    return False


def owns_memory(node: Node) -> bool:
    """Whether `node`'s value, an array, shares its memory with no other value (an
    argument, a view of something else) so that it may be updated in place when no one
    else reads it."""
    return node.op not in LEAVES and not may_alias(node)


def may_alias(node: Node) -> bool:
    """Whether `node`'s value may share memory with one of its arguments (a view, or the
    argument itself; a region's output may be another value's): an element read or an
    integer-array read is a copy."""
    if node.prim is INDEX:
        return node.type is not None and is_basic(node.attrs[0])
    if node.prim is None:
        return node.op == Op.PROJ
    return node.prim.view or node.prim.shares


def n_parts(key: Key) -> int:
    """How many arguments the parts of `key` take."""
    return sum(1 for _ in _dynamic(key))


def _dynamic(key: Key) -> Iterator[None]:
    for item in key:
        if item[0] == "array" or item[0] == "int" and item[1] == DYNAMIC:
            yield None
        elif item[0] == "slice":
            yield from (None for part in item[1:] if part == DYNAMIC)


# Types ------------------------------------------------------------------------------------


def result_type(x: ArrayType, key: Key, parts: list[Type]) -> Type:
    """The type of ``x[key]``, the dynamic parts having types `parts`; IndexError for a
    key with more axes than `x`, TypeError for an integer array that is not one."""
    consuming = sum(1 for item in key if item[0] in _CONSUMING)
    if consuming > x.ndim:
        raise IndexError(f"too many indices for an array of {x.ndim} axes: {consuming} "
                         "were indexed")
    if sum(1 for item in key if item[0] == "ellipsis") > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    advanced = [i for i, item in enumerate(key) if item[0] in _ADVANCED]
    if advanced:
        # With an integer array, an int is an advanced index too (a 0-d array).
        advanced = [i for i, item in enumerate(key) if item[0] in _ADVANCED or item[0] == "int"]
    together = advanced == list(range(advanced[0], advanced[-1] + 1)) if advanced else True
    it = iter(parts)
    dims: list[Any] = []
    shapes: list[ArrayType] = []
    where = None
    axis = 0
    for i, item in enumerate(key):
        kind = item[0]
        if kind == "ellipsis":
            for _ in range(x.ndim - consuming):
                dims.append(x.dims[axis])
                axis += 1
            continue
        if kind == "none":
            dims.append(1)
            continue
        if i in advanced and where is None:
            where = len(dims)
        if kind == "int":
            if item[1] == DYNAMIC:
                next(it)
            axis += 1
        elif kind == "slice":
            for part in item[1:]:
                if part == DYNAMIC:
                    next(it)
            dims.append(slice_length(x.dims[axis], item))
            axis += 1
        elif kind == "array":
            t = next(it)
            if t is None or not t.dtype.startswith(("int", "uint")):
                raise TypeError("an array used as an index must hold integers, got "
                                f"{'a number' if t is None else t}")
            shapes.append(t)
            axis += 1
        else:
            shapes.append(ArrayType("int64", (len(item[1]),)))
            axis += 1
    dims.extend(x.dims[axis:])
    if shapes:
        joined = broadcast(*shapes)
        assert joined is not None
        at = where if together and where is not None else 0
        dims[at:at] = joined.dims
    return ArrayType(x.dtype, tuple(dims)) if dims else None


def slice_length(d: Any, item: Item) -> Any:
    """The length of an axis of length `d` (see `ir.types`) sliced by `item`."""
    _, start, stop, step = item
    if DYNAMIC in (start, stop, step):
        return None
    if d is not None and d != MANY:
        return len(range(*slice(start, stop, step).indices(d)))
    if start is None and stop is None and step in (None, 1, -1):
        return d  # the whole axis, maybe reversed
    return None


def _index_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    x = types[0]
    if x is None:
        raise TypeError("indexing a number")
    return result_type(x, attrs[0], types[1:])


# Emitters ---------------------------------------------------------------------------------


def _parts(key: Key, args: list[ast.expr]) -> list[ast.expr]:
    """The subscript's elements (`args`: the expressions of the dynamic parts)."""
    it = iter(args)

    def part(value: Any) -> ast.expr | None:
        if value is None:
            return None
        return next(it) if value == DYNAMIC else ast.Constant(value)

    out: list[ast.expr] = []
    for item in key:
        kind = item[0]
        if kind == "int":
            out.append(part(item[1]))  # type: ignore[arg-type]
        elif kind == "slice":
            out.append(ast.Slice(part(item[1]), part(item[2]), part(item[3])))
        elif kind == "none":
            out.append(ast.Constant(None))
        elif kind == "ellipsis":
            out.append(ast.Constant(Ellipsis))
        elif kind == "array":
            out.append(next(it))
        else:
            out.append(ast.List([ast.Constant(v) for v in item[1]], ast.Load()))
    return out


def subscript(x: ast.expr, key: Key, args: list[ast.expr], ctx: ast.expr_context
              ) -> ast.Subscript:
    """``x[key]``."""
    parts = _parts(key, args)
    inner = parts[0] if len(parts) == 1 else ast.Tuple(parts, ast.Load())
    return ast.Subscript(x, inner, ctx)


def _key_value(key: Key, args: list[ast.expr]) -> ast.expr:
    """`key` as an expression: ``idx``, ``(i, idx)`` or ``np.s_[:, idx]``."""
    parts = _parts(key, args)
    if any(isinstance(p, ast.Slice) for p in parts):
        return subscript(arrays._np("s_"), key, args, ast.Load())
    return parts[0] if len(parts) == 1 else ast.Tuple(parts, ast.Load())


def _emit_index(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    return subscript(args[0], attrs[0], args[1:], ast.Load())


def _emit_set(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.stmt:
    target = subscript(args[0], attrs[0], args[2:], ast.Store())
    return ast.Assign([target], args[1], lineno=1)


def _emit_add(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.stmt:
    key = attrs[0]
    if is_basic(key):
        return ast.AugAssign(subscript(args[0], key, args[2:], ast.Store()), ast.Add(), args[1])
    add_at = ast.Attribute(arrays._np("add"), "at", ast.Load())
    return ast.Expr(ast.Call(add_at, [args[0], _key_value(key, args[2:]), args[1]], []))


def _emit_check_len(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.stmt:
    # if len(x) != n: raise ValueError(f'... got {len(x)}')
    (n,) = attrs
    length = ast.Call(ast.Name("len", ast.Load()), [args[0]], [])
    message = ast.JoinedStr([
        ast.Constant(f"cannot unpack an array into {n} names: its length is "),
        ast.FormattedValue(length, -1, None)])
    error = ast.Call(ast.Name("ValueError", ast.Load()), [message], [])
    return ast.If(ast.Compare(length, [ast.NotEq()], [ast.Constant(n)]),
                  [ast.Raise(error, None)], [])


# Rules ------------------------------------------------------------------------------------


def zeros(b: NodeBuilder, like: Node) -> Node:
    """A new array of zeros shaped like `like`, never shared with another (an update
    writes into it)."""
    return b.apply("zeros_like", like, attrs=(b.fresh(),))


def scatter(b: NodeBuilder, base: Node, value: Node, key: Key, parts: tuple[Node, ...]) -> Node:
    """`base` (a new array) with `value` put at `key`: the transpose of a read."""
    op = "index_set" if is_basic(key) else "index_add"
    return b.apply(op, base, value, *parts, attrs=(key,))


def _index_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    return None if ts[0] is None else b.apply("index", ts[0], *node.args[1:], attrs=node.attrs)


def _index_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    x, *parts = node.args
    return (scatter(b, zeros(b, x), ct, node.attrs[0], tuple(parts)), *([None] * len(parts)))


def _set_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    base, _, *parts = node.args
    tb, tv = ts[0], ts[1]
    start = tb if tb is not None else zeros(b, base)
    return b.apply("index_set", start, tv if tv is not None else b.const(0.0), *parts,
                   attrs=node.attrs)


def _set_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    _, _, *parts = node.args
    # (Read first: the update of the cotangent can then be in place.)
    taken = b.apply("index", ct, *parts, attrs=node.attrs)
    cleared = b.apply("index_set", ct, b.const(0.0), *parts, attrs=node.attrs)
    return (cleared, taken, *([None] * len(parts)))


def _add_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    base, _, *parts = node.args
    tb, tv = ts[0], ts[1]
    if tv is None:
        return tb
    start = tb if tb is not None else zeros(b, base)
    return b.apply("index_add", start, tv, *parts, attrs=node.attrs)


def _add_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    _, _, *parts = node.args
    return (ct, b.apply("index", ct, *parts, attrs=node.attrs), *([None] * len(parts)))


# Accumulating cotangents --------------------------------------------------------------------


@overload
def accumulate(b: NodeBuilder, total: Node | None, term: Node) -> Node: ...
@overload
def accumulate(b: NodeBuilder, total: Node, term: Node | None) -> Node: ...
@overload
def accumulate(b: NodeBuilder, total: Node | None, term: Node | None) -> Node | None: ...


def accumulate(b: NodeBuilder, total: Node | None, term: Node | None) -> Node | None:
    """``total + term`` for two (possibly zero) cotangents of one array: where one is
    zeros with values put at some keys (the transpose of reads), those values are added
    into the other (``g[1:] += v``) instead of adding two whole arrays."""
    if total is None:
        return term
    if term is None:
        return total
    if total.type is not None and term.type is not None and arrays.same_shape(
            total.type, term.type):
        for into, other in ((total, term), (term, total)):
            puts = _puts(other)
            if puts is not None:
                for value, parts, attrs in puts:
                    into = b.apply("index_add", into, value, *parts, attrs=attrs)
                return into
    return b.add(total, term)


def _puts(node: Node) -> list[tuple[Node, tuple[Node, ...], tuple[Any, ...]]] | None:
    """The (value, parts, attributes) of each update that made `node` from new zeros, in
    order, or None when it is not made so."""
    puts = []
    while node.prim is INDEX_ADD or node.prim is INDEX_SET and \
            node.args[0].prim is arrays.ZEROS_LIKE:
        puts.append((node.args[1], node.args[2:], node.attrs))
        node = node.args[0]
    if node.prim is not arrays.ZEROS_LIKE or not puts:
        return None
    return puts[::-1]


INDEX = Primitive(
    "index", None, None, _emit_index, type_rule=_index_type, jvp_rule=_index_jvp,
    vjp_rule=_index_vjp, may_raise=lambda node: can_raise(node.attrs[0]), view=True)

INDEX_SET = Primitive(
    "index_set", None, None, _emit_set, type_rule=lambda types, attrs: types[0],
    jvp_rule=_set_jvp, vjp_rule=_set_vjp, inplace=True)

INDEX_ADD = Primitive(
    "index_add", None, None, _emit_add, type_rule=lambda types, attrs: types[0],
    jvp_rule=_add_jvp, vjp_rule=_add_vjp, inplace=True)

COPY = Primitive(
    "copy", 1, None, lambda args, attrs: ast.Call(
        ast.Attribute(args[0], "copy", ast.Load()), [], []),
    type_rule=lambda types, attrs: types[0], jvp_rule=lambda b, node, ts: ts[0],
    vjp_rule=lambda b, node, ct: (ct,), may_raise=False)

CHECK_LEN = Primitive(
    "check_len", 1, None, _emit_check_len, type_rule=lambda types, attrs: None,
    differentiable=False, cost="free")


RECORDS: tuple[Primitive, ...] = (
    INDEX, INDEX_SET, INDEX_ADD, COPY, CHECK_LEN,
)
