"""Proofs that an index read inside ``for`` loops stays inside an array's axis.

Contract: `within(low, x, axis, i)` is True only when reading ``x[..., i, ...]`` (with
`i` on axis `axis`) cannot raise wherever the frame `low` runs it: `i` lies in
``[-len, len - 1]`` for the axis length ``len``. It reasons with linear forms: `i` is
expanded, through ``+``, ``-``, negation and products with int constants, into loop
indices, int constants and opaque values; a loop index ``k`` of ``range(start, stop,
step)`` with a constant step lies between ``start`` and ``stop - 1`` (``stop + 1`` and
``start`` for a negative step), bounds that are expanded in the frame of the loop in
turn, so nested ranges such as ``range(i + 1, n)`` compose. Values are followed out of
loop and branch bodies through their captures (never through carried values, which
change from one iteration to the next) and out of inlined calls to their caller. An
axis length is the constant the array's type knows, or the opaque ``size`` of the
array it measures (an array updated in place or copied has its base's length). The
proof holds when the difference of the two sides has a non-negative constant and no
opaque term but lengths with non-negative coefficients. Anything else is not proved,
and the read stays an operation that may raise, as Python's.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from symdiff.frontend.frame import Frame
from symdiff.ir.arrays import SIZE
from symdiff.ir.indexing import COPY, INDEX_ADD, INDEX_SET
from symdiff.ir.node import Node, Op
from symdiff.ir.scalars import ADD, MUL, NEG, SUB
from symdiff.ir.shapes import exact

# A linear form: opaque value -> coefficient, the constant term under `ONE`.
Linear = dict[Any, int]
ONE = "1"

# Operations that give an array of their first argument's shape.
_SAME_SHAPE = (INDEX_SET, INDEX_ADD, COPY)


def within(low: Frame, x: Node, axis: int, i: Node) -> bool:
    """Whether ``x[i]`` along `axis` cannot raise where `low` reads it."""
    length = _length(low, x, axis)
    upper = _bound(low, i, upper=True)
    lower = _bound(low, i, upper=False)
    if upper is None or lower is None:
        return False
    # len - 1 - upper >= 0 and lower + len >= 0
    return _nonnegative(_sum(length, {ONE: -1}, _scaled(upper, -1))) and _nonnegative(
        _sum(lower, length))


def _length(low: Frame, x: Node, axis: int) -> Linear:
    d = x.type.dims[axis]
    if exact(d):
        return {ONE: d}
    return {("size", _array(low, x), axis): 1}


def _array(frame: Frame, x: Node) -> Node:
    """The outermost value `x` has the shape of."""
    while True:
        while x.prim in _SAME_SHAPE:
            x = x.args[0]
        outer = _outside(frame, x)
        if outer is None:
            return x
        x, frame = outer


def _outside(frame: Frame, node: Node) -> tuple[Node, Frame] | None:
    """The same value one frame out: what the body captured as `node`, or for an inlined
    call's frame, `node` itself in the caller (they share the builder)."""
    if frame.parent is None:
        return (node, frame.caller) if frame.caller is not None else None
    if node.op != Op.ARG:
        return None
    outer = next((o for inner, o in frame.captures.values() if inner is node), None)
    return (outer, frame.parent) if isinstance(outer, Node) else None


def _bound(low: Frame, i: Node, upper: bool) -> Linear | None:
    """An upper (or lower) bound of `i` as a linear form, or None if there is none."""
    total: Linear = defaultdict(int)
    work: list[tuple[Node, Frame, int]] = [(i, low, 1)]
    while work:
        node, frame, coef = work.pop()
        if node.is_const:
            if type(node.value) is not int:
                return None
            total[ONE] += coef * node.value
        elif node.prim in (ADD, SUB):
            work += [(node.args[0], frame, coef),
                     (node.args[1], frame, coef if node.prim is ADD else -coef)]
        elif node.prim is NEG:
            work.append((node.args[0], frame, -coef))
        elif node.prim is MUL and any(_is_int(a) for a in node.args):
            factor, other = (node.args if _is_int(node.args[0]) else node.args[::-1])
            work.append((other, frame, coef * int(factor.value)))
        elif frame.loop_index is not None and node is frame.loop_index[0]:
            start, stop, step = frame.loop_index[1]
            if not _is_int(step) or step.value == 0:
                return None
            # k lies in [start, stop - 1], or in [stop + 1, start] for a negative step;
            # the bounds are values of the frame around the loop.
            high = (coef > 0) == upper
            if step.value > 0:
                end, shift = (stop, -1) if high else (start, 0)
            else:
                end, shift = (start, 0) if high else (stop, 1)
            work.append((end, frame.parent, coef))  # type: ignore[arg-type]
            total[ONE] += coef * shift
        elif node.prim is SIZE and node.attrs[0] is not None and len(node.attrs[0]) == 1:
            for key, c in _length(frame, node.args[0], node.attrs[0][0]).items():
                total[key] += coef * c
        else:
            outer = _outside(frame, node)
            if outer is None:
                total[("value", node)] += coef
            else:
                work.append((*outer, coef))
    return dict(total)


def _is_int(node: Node) -> bool:
    return node.is_const and type(node.value) is int


def _sum(*forms: Linear) -> Linear:
    out: Linear = defaultdict(int)
    for form in forms:
        for key, coef in form.items():
            out[key] += coef
    return dict(out)


def _scaled(form: Linear, factor: int) -> Linear:
    return {key: coef * factor for key, coef in form.items()}


def _nonnegative(form: Linear) -> bool:
    """Whether `form` is >= 0 for every value of its opaque terms (lengths are >= 0)."""
    return all(coef >= 0 if key == ONE or key[0] == "size" else coef == 0
               for key, coef in form.items())
