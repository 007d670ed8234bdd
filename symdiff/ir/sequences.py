"""Sequences: lists of numbers as values of the DAG, and the lists that hold their
cotangents.

Contract:
- A sequence value (kind ``SEQ``) is a Python list of numbers that is never changed
  after it is made: a list argument, a list literal (``seq_new``), two joined
  (``seq_concat``), or the values a loop appended (a loop's stack output). Reading it
  (``seq_get``, ``seq_len``, ``seq_sum``) is pure, so derivative code may read it again
  at any time.
- The cotangent of a sequence is a list of the same length. Reverse mode makes these
  lists itself (``list_zeros``, one new list per node, never shared) and updates them
  in place (``list_add_at``: ``xs_bar[i] += g``), each version used once, so updating
  in place is safe.
- ``seq_select(values, keep)`` keeps the values whose flag is true (a loop that appends
  under an ``if`` stacks a value and a flag every iteration); ``seq_expand`` puts a
  shorter list back at the kept places, zeros elsewhere. Each is the other's transpose.
- A VJP rule gives a sequence argument a `Delta` instead of a node: `AddAt`, `AddAll`
  or `Whole` (a complete list); reverse mode collects them and applies them to one list.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

from symdiff.ir.arrays import output
from symdiff.ir.loop import Loop
from symdiff.ir.node import NUM, SEQ, Node, NodeBuilder, Op
from symdiff.ir.primitive import Primitive, math_attr, one_tangent
from symdiff.ir.types import ArrayType


@dataclass(frozen=True)
class AddAt:
    """Add `value` to the cotangent list at `index`."""

    index: Node
    value: Node


@dataclass(frozen=True)
class AddAll:
    """Add `value` to every entry of the cotangent list."""

    value: Node


@dataclass(frozen=True)
class Whole:
    """A complete cotangent list to add."""

    value: Node


Delta = AddAt | AddAll | Whole

def kind(node: Node) -> Any:
    """``SEQ`` for a node whose value is a list, its `ir.types.ArrayType` for an array,
    else ``NUM``: what a parameter standing for it is given."""
    from symdiff.ir.regions import output_source

    # A region's value is the value inside it it comes from, however deep regions nest.
    while node.op == Op.PROJ and node.type is None:
        source = output_source(node.args[0], node.attrs[0])
        if source is None:
            break
        node = source
    if node.type is not None:
        return node.type
    if node.prim is not None:
        return SEQ if node.prim.makes_list else NUM
    op = node.op
    if op == Op.PARAM:
        return SEQ if len(node.attrs) == 2 and node.attrs[1] == SEQ else NUM
    if op == Op.ARG:
        return SEQ if len(node.attrs) == 3 and node.attrs[2] == SEQ else NUM
    if op == Op.PROJ:
        return _output_kind(node.args[0], node.attrs[0])
    return NUM


def _output_kind(region: Node, i: int) -> Any:
    """The kind of a region's `i`-th output that is no value inside it (a loop's
    stacked values or count)."""
    loop: Loop = region.attrs[0]
    return SEQ if i in loop.outputs.stacks else NUM


def is_seq(node: Node) -> bool:
    return kind(node) == SEQ


def zeros_like(b: NodeBuilder, seq: Node) -> Node:
    """A new list of zeros as long as `seq` (a fresh object, updated in place later)."""
    return b.apply("list_zeros", b.apply("seq_len", seq), attrs=(b.fresh(),))


def apply_deltas(b: NodeBuilder, base: Node | None, seq: Node, deltas: list[Delta]) -> Node:
    """The cotangent list of `seq`: `base` (or zeros) with `deltas` applied, in order."""
    # Whole lists first: the first becomes the base, the others are added entrywise.
    for d in deltas:
        if isinstance(d, Whole):
            base = d.value if base is None else b.apply("list_add", base, d.value)
    everywhere = [d.value for d in deltas if isinstance(d, AddAll)]
    if everywhere:
        total = everywhere[0]
        for v in everywhere[1:]:
            total = b.add(total, v)
        if base is None:
            base = b.apply("list_fill", b.apply("seq_len", seq), total, attrs=(b.fresh(),))
        else:
            base = b.apply("list_add_all", base, total)
    if base is None:
        base = zeros_like(b, seq)
    for d in deltas:
        if isinstance(d, AddAt):
            base = b.apply("list_add_at", base, d.index, d.value)
    return base


# Implementations (the reference interpreter's; lists are copied, never changed) -----


def _add_at(xs: list[float], i: int, g: float) -> list[float]:
    out = list(xs)
    out[i] += g
    return out


def _add_all(xs: list[float], g: float) -> list[float]:
    return [v + g for v in xs]


def _list_add(xs: list[float], ys: list[float]) -> list[float]:
    return [x + y for x, y in zip(xs, ys, strict=True)]


# Emitters ------------------------------------------------------------------------------


def _call(name: str, *args: ast.expr) -> ast.expr:
    return ast.Call(ast.Name(name, ast.Load()), list(args), [])


def _emit_add_at(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.stmt:
    target = ast.Subscript(args[0], args[1], ast.Store())
    return ast.AugAssign(target, ast.Add(), args[2])


def _emit_add_all(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    # attrs[0] is the comprehension's variable, chosen by the emitter.
    var = attrs[0] if attrs and isinstance(attrs[0], str) else "v"
    return ast.ListComp(
        ast.BinOp(ast.Name(var, ast.Load()), ast.Add(), args[1]),
        [ast.comprehension(ast.Name(var, ast.Store()), args[0], [], 0)])


def _emit_list_add(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    # Only names of the comprehension's own appear in it: nothing outer is shadowed.
    pair = ast.Tuple([ast.Name("p", ast.Store()), ast.Name("q", ast.Store())], ast.Store())
    return ast.ListComp(
        ast.BinOp(ast.Name("p", ast.Load()), ast.Add(), ast.Name("q", ast.Load())),
        [ast.comprehension(pair, _call("zip", args[0], args[1]), [], 0)])


def _emit_select(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    pair = ast.Tuple([ast.Name("v", ast.Store()), ast.Name("keep", ast.Store())], ast.Store())
    return ast.ListComp(ast.Name("v", ast.Load()), [ast.comprehension(
        pair, _call("zip", args[0], args[1]), [ast.Name("keep", ast.Load())], 0)])


def _emit_expand(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    # [next(kept) if keep else 0.0 for kept in [iter(xs)] for keep in flags]: the first
    # 'for' binds one iterator over the short list, which the kept places draw from.
    # `flags` is read inside the comprehension, so neither variable may be called so.
    taken = {n.id for n in ast.walk(args[1]) if isinstance(n, ast.Name)}
    it, keep = (name if name not in taken else f"{name}_" for name in ("kept", "keep"))
    value = ast.IfExp(ast.Name(keep, ast.Load()), _call("next", ast.Name(it, ast.Load())),
                      ast.Constant(0.0))
    return ast.ListComp(value, [
        ast.comprehension(ast.Name(it, ast.Store()),
                          ast.List([_call("iter", args[0])], ast.Load()), [], 0),
        ast.comprehension(ast.Name(keep, ast.Store()), args[1], [], 0)])


def _select(xs: list[float], flags: list[Any]) -> list[float]:
    return [x for x, keep in zip(xs, flags, strict=True) if keep]


def _expand(xs: list[float], flags: list[Any]) -> list[float]:
    kept = iter(xs)
    return [next(kept) if keep else 0.0 for keep in flags]


def _emit_slice(head: bool) -> Any:
    def emit(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
        part = ast.Slice(None, args[1]) if head else ast.Slice(args[1], None)
        return ast.Subscript(args[0], part, ast.Load())
    return emit


# Rules ----------------------------------------------------------------------------------


def _zero_or(b: NodeBuilder, t: Node | None) -> Node:
    return b.const(0.0) if t is None else t


def _new_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node:
    return b.apply("seq_new", *(_zero_or(b, t) for t in ts))


def _new_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    return tuple(b.apply("seq_get", ct, k) for k in range(len(node.args)))


def _seq_tangent(b: NodeBuilder, seq: Node, t: Node | None) -> Node:
    return t if t is not None else _fill_zeros(b, b.apply("seq_len", seq))


def _concat_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node:
    first, second = node.args
    return b.apply("seq_concat", _seq_tangent(b, first, ts[0]), _seq_tangent(b, second, ts[1]))


def _concat_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Any, ...]:
    n = b.apply("seq_len", node.args[0])
    return Whole(b.apply("list_head", ct, n)), Whole(b.apply("list_tail", ct, n))


def _fill_zeros(b: NodeBuilder, n: Node) -> Node:
    return b.apply("list_fill", n, 0.0, attrs=(b.fresh(),))


# The slices' cotangents count with the lengths of the list and of the slice, so that
# negative and out-of-range bounds mean what Python makes of them.


def _head_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Any, ...]:
    rest = _fill_zeros(b, b.sub(b.apply("seq_len", node.args[0]), b.apply("seq_len", node)))
    return Whole(b.apply("seq_concat", ct, rest)), None


def _tail_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Any, ...]:
    skipped = b.sub(b.apply("seq_len", node.args[0]), b.apply("seq_len", node))
    return Whole(b.apply("seq_concat", _fill_zeros(b, skipped), ct)), None


def _slice_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Any, ...]:
    xs, start, stop = node.args
    n = b.apply("seq_len", xs)
    skipped = b.apply("slice_start", n, start, stop)
    rest = b.sub(b.sub(n, skipped), b.apply("seq_len", node))
    whole = b.apply("seq_concat", b.apply("seq_concat", _fill_zeros(b, skipped), ct),
                    _fill_zeros(b, rest))
    return Whole(whole), None, None


def _list_array(xs: list[float]) -> Any:
    import numpy as np  # here: the primitive table loads without NumPy

    return np.array(xs, dtype=float)


def _vector_type() -> Any:
    return ArrayType("float64", (None,))  # its length is the list's, known at run time


def _array_of_list_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Any, ...]:
    exact = b.apply("full_like", node, ct) if ct.type is None else output(b, ct, node)
    return (Whole(b.apply("array_list", exact)),)


def _emit_list_array(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    """``np.array(xs, dtype=float)``."""
    np_array = ast.Attribute(ast.Name("np", ast.Load()), "array", ast.Load())
    return ast.Call(np_array, [args[0]], [ast.keyword("dtype", ast.Name("float", ast.Load()))])


def _zip_check(n: int, m: int) -> int:
    if n != m:
        raise ValueError(ZIP_MESSAGE)
    return n


ZIP_MESSAGE = "zip() arguments have different lengths (strict=True)"


def _emit_zip_check(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.stmt:
    """``if n != m: raise ValueError(...)``: only ever run for its error."""
    error = ast.Call(ast.Name("ValueError", ast.Load()), [ast.Constant(ZIP_MESSAGE)], [])
    test = ast.Compare(args[0], [ast.NotEq()], [args[1]])
    return ast.If(test, [ast.Raise(error, None)], [])


def _emit_both(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    return ast.Subscript(args[0], ast.Slice(args[1], args[2]), ast.Load())


def _emit_start(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    """``range(n)[a:b].start``: where ``xs[a:b]`` starts in a list of n."""
    sliced = ast.Subscript(_call("range", args[0]), ast.Slice(args[1], args[2]), ast.Load())
    return ast.Attribute(sliced, "start", ast.Load())


def _get_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    return None if ts[0] is None else b.apply("seq_get", ts[0], node.args[1])


def _get_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Any, ...]:
    return (AddAt(node.args[1], ct), None)


def _sum_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    return None if ts[0] is None else b.apply("seq_sum", ts[0])


def _extremum_hits(b: NodeBuilder, node: Node) -> tuple[Node, Node]:
    """Where the list equals its max (min), as an array, and how many entries do."""
    hit = b.apply("eq", b.apply("list_array", node.args[0]), node)
    return hit, b.apply("sum", hit, attrs=(None, False))


def _extremum_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    hit, count = _extremum_hits(b, node)
    shared = b.select(hit, b.div(b.apply("list_array", one_tangent(ts)), count), 0.0)
    return b.apply("sum", shared, attrs=(None, False))


def _extremum_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Any, ...]:
    """The cotangent goes to the entries equal to the max (min), split equally among
    ties, as ``np.max`` shares it."""
    hit, count = _extremum_hits(b, node)
    return (Whole(b.apply("array_list", b.select(hit, b.div(ct, count), 0.0))),)


def _extremum(name: str, impl: Any) -> Primitive:
    # max(xs) and min(xs) of a list: Python's, which raises ValueError when it is empty.
    return Primitive(
        name, 1, impl, lambda args, attrs: _call(impl.__name__, args[0]),
        jvp_rule=_extremum_jvp, vjp_rule=_extremum_vjp, cost="comparison")


def _add_at_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node:
    xs, i, _ = node.args
    base = ts[0] if ts[0] is not None else zeros_like(b, xs)
    return b.apply("list_add_at", base, i, _zero_or(b, ts[2]))


def _add_at_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Any, ...]:
    return (Whole(ct), None, b.apply("seq_get", ct, node.args[1]))


def _filter(name: str, impl: Any, emit: Any, other: str, cost: str) -> Primitive:
    # seq_select and seq_expand: linear in the values, each the other's transpose.
    return Primitive(
        name, 2, impl, emit, jvp_rule=lambda b, node, ts: None if ts[0] is None
        else b.apply(name, ts[0], node.args[1]),
        vjp_rule=lambda b, node, ct: (Whole(b.apply(other, ct, node.args[1])), None),
        atomic_args=name == "seq_expand", may_raise=False, makes_list=True, cost=cost)


def _end(name: str, head: bool) -> Primitive:
    # xs[:n] and xs[n:]
    return Primitive(
        name, 2, (lambda xs, n: xs[:n]) if head else (lambda xs, n: xs[n:]),
        _emit_slice(head), jvp_rule=lambda b, node, ts: None if ts[0] is None
        else b.apply(name, ts[0], node.args[1]),
        vjp_rule=_head_vjp if head else _tail_vjp, may_raise=False, makes_list=True,
        cost="list")


SEQ_NEW = Primitive(
    "seq_new", None, lambda *xs: list(xs), lambda args, attrs: ast.List(args, ast.Load()),
    jvp_rule=_new_jvp, vjp_rule=_new_vjp, may_raise=False, makes_list=True, cost="list")

SEQ_CONCAT = Primitive(
    "seq_concat", 2, lambda a, b: [*a, *b], lambda args, attrs: ast.BinOp(
        args[0], ast.Add(), args[1]), jvp_rule=_concat_jvp, vjp_rule=_concat_vjp,
    may_raise=False, makes_list=True, cost="list")

SEQ_GET = Primitive(
    "seq_get", 2, lambda xs, i: xs[i],
    lambda args, attrs: ast.Subscript(args[0], args[1], ast.Load()),
    jvp_rule=_get_jvp, vjp_rule=_get_vjp, cost="list")

SEQ_LEN = Primitive(
    "seq_len", 1, len, lambda args, attrs: _call("len", args[0]), differentiable=False,
    may_raise=False, cost="list", makes_int=True)

SEQ_SUM = Primitive(
    "seq_sum", 1, sum, lambda args, attrs: _call("sum", args[0]), jvp_rule=_sum_jvp,
    vjp_rule=lambda b, node, ct: (AddAll(ct),), may_raise=False, cost="list")

# math.fsum(xs): the exactly rounded sum, linear as sum is.
SEQ_FSUM = Primitive(
    "seq_fsum", 1, math.fsum, lambda args, attrs: ast.Call(math_attr("fsum"), [args[0]], []),
    jvp_rule=lambda b, node, ts: None if ts[0] is None else b.apply("seq_fsum", ts[0]),
    vjp_rule=lambda b, node, ct: (AddAll(ct),), may_raise=True, cost="list")

# Cotangent lists. Each list_zeros / list_fill has a fresh attribute, so that two of
# them are never one node (each is updated in place by its own user).
LIST_ZEROS = Primitive(
    "list_zeros", 1, lambda n: [0.0] * n,
    lambda args, attrs: ast.BinOp(ast.List([ast.Constant(0.0)], ast.Load()), ast.Mult(),
                                  args[0]), differentiable=False, may_raise=False,
    makes_list=True, cost="list")

LIST_FILL = Primitive(
    "list_fill", 2, lambda n, g: [g] * n,
    lambda args, attrs: ast.BinOp(ast.List([args[1]], ast.Load()), ast.Mult(), args[0]),
    jvp_rule=lambda b, node, ts: None if ts[1] is None else b.apply(
        "list_fill", node.args[0], ts[1], attrs=(b.fresh(),)),
    vjp_rule=lambda b, node, ct: (None, b.apply("seq_sum", ct)), may_raise=False,
    makes_list=True, cost="list")

LIST_ADD_AT = Primitive(
    "list_add_at", 3, _add_at, _emit_add_at, jvp_rule=_add_at_jvp, vjp_rule=_add_at_vjp,
    atomic_args=True, inplace=True, may_raise=False, makes_list=True, cost="list")

LIST_ADD_ALL = Primitive(
    "list_add_all", 2, _add_all, _emit_add_all,
    jvp_rule=lambda b, node, ts: b.apply(
        "list_add_all", _seq_tangent(b, node.args[0], ts[0]), _zero_or(b, ts[1])),
    vjp_rule=lambda b, node, ct: (Whole(ct), b.apply("seq_sum", ct)), atomic_args=True,
    may_raise=False, makes_list=True, cost="list")

LIST_ADD = Primitive(
    "list_add", 2, _list_add, _emit_list_add,
    jvp_rule=lambda b, node, ts: b.apply(
        "list_add", _seq_tangent(b, node.args[0], ts[0]),
        _seq_tangent(b, node.args[1], ts[1])),
    vjp_rule=lambda b, node, ct: (Whole(ct), Whole(ct)), may_raise=False,
    makes_list=True, cost="list")

# xs[-k] read from a loop's carried last values: the value, or the IndexError Python
# raises when the list is shorter than k. Emitted as [value][short].
CHECKED_ITEM = Primitive(
    "checked_item", 2, lambda v, short: [v][short],
    lambda args, attrs: ast.Subscript(ast.List([args[0]], ast.Load()), args[1], ast.Load()),
    jvp_rule=lambda b, node, ts: ts[0], vjp_rule=lambda b, node, ct: (ct, None))

SEQ_SELECT = _filter("seq_select", _select, _emit_select, "seq_expand", "comparison")

SEQ_EXPAND = _filter("seq_expand", _expand, _emit_expand, "seq_select", "list")

LIST_SLICE = Primitive(
    "list_slice", 3, lambda xs, a, b: xs[a:b], _emit_both,
    jvp_rule=lambda b, node, ts: None if ts[0] is None
    else b.apply("list_slice", ts[0], *node.args[1:]),
    vjp_rule=_slice_vjp, may_raise=False, makes_list=True, cost="list")

# np.array(xs) of a list the function has (its length known when it runs: an array
# from a list, typed though no argument is), and the list of a 1-D array's values
# (its cotangent).
LIST_ARRAY = Primitive(
    "list_array", 1, _list_array,
    _emit_list_array, jvp_rule=lambda b, node, ts: None if ts[0] is None
    else b.apply("list_array", ts[0]), vjp_rule=_array_of_list_vjp,
    type_rule=lambda types, attrs: _vector_type(), may_raise=False, constructor=True,
    cost="list")

ARRAY_LIST = Primitive(
    "array_list", 1, lambda x: x.tolist(),
    lambda args, attrs: ast.Call(ast.Attribute(args[0], "tolist", ast.Load()), [], []),
    jvp_rule=lambda b, node, ts: None if ts[0] is None
    else b.apply("array_list", ts[0]),
    vjp_rule=lambda b, node, ct: (b.apply("list_array", ct),), may_raise=False,
    makes_list=True)

# zip(..., strict=True): the lists' lengths compared, for the error only.
ZIP_CHECK = Primitive("zip_check", 2, _zip_check, _emit_zip_check, differentiable=False)

SLICE_START = Primitive(
    "slice_start", 3, lambda n, a, b: range(n)[a:b].start, _emit_start,
    differentiable=False, may_raise=False)

SEQ_MAX = _extremum("seq_max", max)

SEQ_MIN = _extremum("seq_min", min)

LIST_HEAD = _end("list_head", True)

LIST_TAIL = _end("list_tail", False)


RECORDS: tuple[Primitive, ...] = (
    SEQ_NEW, SEQ_CONCAT, SEQ_GET, SEQ_LEN, SEQ_SUM, SEQ_FSUM, LIST_ZEROS, LIST_FILL, LIST_ADD_AT,
    LIST_ADD_ALL, LIST_ADD, CHECKED_ITEM, SEQ_SELECT, SEQ_EXPAND, LIST_SLICE, LIST_ARRAY,
    ARRAY_LIST, ZIP_CHECK, SLICE_START, SEQ_MAX, SEQ_MIN, LIST_HEAD, LIST_TAIL,
)

# Every sequence primitive (they take or make Python lists: never batched).
OPS = frozenset(prim.name for prim in RECORDS)
