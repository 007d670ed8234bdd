"""Lowering of NumPy's functions that reorder axes: ``np.swapaxes`` (and
``x.swapaxes``), ``np.moveaxis``, ``np.rollaxis`` and ``np.rot90``, each onto the
transposes and flips NumPy itself computes them with (views, as NumPy's are).

Contract: handlers of `frontend.arrays`' tables. Axes and ``k`` must be constants;
each function checks them as NumPy does (a located error where NumPy would raise).
The result of a permutation that keeps every axis in place is the array itself.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from symdiff.frontend.arrays import Handlers, axes_of, constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_signatures import Arguments
from symdiff.ir.node import Node

# The NumPy functions and array methods this module lowers.
HANDLERS = Handlers()


@HANDLERS.function("swapaxes")
@HANDLERS.method("swapaxes")
def _swapaxes(low: Frame, args: Arguments, name: str) -> Node:
    x = _array(low, args, name)
    i, j = (_axis(low, args[p], x.type.ndim, args.call) for p in ("axis1", "axis2"))
    order = list(range(x.type.ndim))
    order[i], order[j] = order[j], order[i]
    return permuted(low, x, order)


@HANDLERS.function("moveaxis")
def _moveaxis(low: Frame, args: Arguments, name: str) -> Node:
    """Each ``source`` axis moved to its ``destination``, the others kept in order."""
    x = _array(low, args, name)
    ndim, e = x.type.ndim, args.call
    source, destination = (axes_of(low, args[p], ndim, e, keep_order=True)
                           for p in ("source", "destination"))
    assert source is not None and destination is not None
    if len(source) != len(destination):
        raise low.src.error("np.moveaxis: source and destination must name as many axes",
                            e)
    if len(set(source)) != len(source) or len(set(destination)) != len(destination):
        raise low.src.error("np.moveaxis: an axis is repeated", e)
    order = [a for a in range(ndim) if a not in source]
    for to, moved in sorted(zip(destination, source, strict=True)):
        order.insert(to, moved)
    return permuted(low, x, order)


@HANDLERS.function("rollaxis")
def _rollaxis(low: Frame, args: Arguments, name: str) -> Node:
    """Axis ``axis`` moved to before axis ``start``."""
    x = _array(low, args, name)
    ndim, e = x.type.ndim, args.call
    axis = _axis(low, args["axis"], ndim, e)
    start = constant(low, args["start"], int, "np.rollaxis start", e)
    start += ndim if start < 0 else 0
    if not 0 <= start <= ndim:
        raise low.src.error(f"np.rollaxis start must be in [-{ndim}, {ndim}] here", e)
    if axis < start:
        start -= 1
    order = [a for a in range(ndim) if a != axis]
    order.insert(start, axis)
    return permuted(low, x, order)


@HANDLERS.function("rot90")
def _rot90(low: Frame, args: Arguments, name: str) -> Node:
    """A quarter turn `k` times from the first of ``axes`` towards the second: flips and
    a swap of the two axes, as NumPy makes it."""
    x = _array(low, args, name)
    ndim, e = x.type.ndim, args.call
    k = constant(low, args["k"], int, "np.rot90 k", e) % 4
    given = args["axes"]
    if not isinstance(given, (tuple, list)) or len(given) != 2:
        raise low.src.error("np.rot90 axes must be two axes", e)
    first, second = (_axis(low, a, ndim, e) for a in given)
    if first == second:
        raise low.src.error("np.rot90 axes must be different", e)
    b = low.b
    swapped = list(range(ndim))
    swapped[first], swapped[second] = second, first
    if k == 0:
        return x
    if k == 2:
        return b.apply("flip", b.apply("flip", x, attrs=(first,)), attrs=(second,))
    if k == 1:
        return permuted(low, b.apply("flip", x, attrs=(second,)), swapped)
    return b.apply("flip", permuted(low, x, swapped), attrs=(second,))


def permuted(low: Frame, x: Node, order: Sequence[int]) -> Node:
    """``np.transpose(x, order)`` (``x.T`` when it reverses the axes; `x` when it keeps
    them)."""
    order = tuple(order)
    if order == tuple(range(len(order))):
        return x
    reverse = order == tuple(reversed(range(len(order))))
    return low.b.apply("transpose", x, attrs=(None if reverse else order,))


def _array(low: Frame, args: Arguments, name: str) -> Node:
    first = args.signature.positional[0]
    x = args.array(first)
    if x.type is None:
        raise low.src.error(f"{args.label}() of a number: it takes an array", args.call)
    return x


def _axis(low: Frame, value: Any, ndim: int, e: ast.AST) -> int:
    if isinstance(value, (tuple, list)):
        raise low.src.error("axis must be one constant int here", e)
    axes = axes_of(low, value, ndim, e)
    assert axes is not None
    return axes[0]
