"""Lowering of sorting: ``np.sort``, ``np.argsort`` / ``x.argsort()``, ``np.partition``
and ``np.argpartition`` (by constant kth), ``np.argmax`` /
``x.argmax()`` and ``np.argmin`` / ``x.argmin()``.

Contract (functions over a `frame.Frame`): handlers of `frontend.arrays`' tables. Axes
and ``keepdims`` must be constants; ``axis=None`` sorts the flattened array, as NumPy
does. Positions are int64 arrays (a number for the position in a whole array) that
index like any other ints (``x[np.argmax(x)]``, ``x[np.argsort(x)[:k]]``). ``x.sort()``
as a statement sorts an array the function made along its last axis (`call_statements`);
its value (None) used is a located error (`numpy_calls`), as are ``kind=`` and ``order=``.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.arrays import Handlers, constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_shapes import array_of, one_axis, ravel
from symdiff.frontend.np_signatures import Arguments
from symdiff.ir.node import Node

# The NumPy functions and array methods this module lowers.
HANDLERS = Handlers()


@HANDLERS.function("sort", "argsort")
@HANDLERS.method("argsort")
def _sort(low: Frame, args: Arguments, name: str) -> Node:
    return along(low, name, args["a"], args["axis"], args.call)


def along(low: Frame, name: str, x: Any, axis: Any, e: ast.Call) -> Node:
    """``np.sort`` / ``np.argsort`` of `x` along `axis` (None: of the flattened `x`)."""
    x = array_of(low, x, name, e)
    if axis is None:
        x, a = ravel(low, x, e), 0
    else:
        a = one_axis(low, axis, x.type.ndim, e)
    return low.b.apply(name, x, attrs=(a, x.type.ndim))


@HANDLERS.function("partition", "argpartition")
def _partition(low: Frame, args: Arguments, name: str) -> Node:
    """``np.partition``: `x` permuted by ``np.argpartition`` (the kth entries where a
    sort puts them, the smaller before and the larger after), so the derivative flows
    to the entries each position holds."""
    e = args.call
    x = array_of(low, args["a"], name, e)
    if args["axis"] is None:
        x, a = ravel(low, x, e), 0
    else:
        a = one_axis(low, args["axis"], x.type.ndim, e)
    kth = _kth(low, args["kth"], x.type.dims[a], e)
    order = low.b.apply("argpartition", x, attrs=(kth, a, x.type.ndim))
    if name == "argpartition":
        return order
    return low.b.apply("permute", x, order, attrs=(a,))


def _kth(low: Frame, value: Any, length: Any, e: ast.Call) -> int | tuple[int, ...]:
    """The constant kth of a partition (an int or a sequence of ints), checked against
    the axis's `length` where it is known."""
    items = value if isinstance(value, (list, tuple)) else (value,)
    ks = tuple(constant(low, k, int, "kth", e) for k in items)
    for k in ks:
        if isinstance(length, int) and length >= 0 and not -length <= k < length:
            raise low.src.error(f"np.partition(): kth {k} is out of bounds for an axis of "
                                f"length {length}", e)
    return ks if isinstance(value, (list, tuple)) else ks[0]


@HANDLERS.function("argmax", "argmin")
@HANDLERS.method("argmax", "argmin")
def _arg_extremum(low: Frame, args: Arguments, name: str) -> Node:
    return arg_extremum(low, name, args["a"], args["axis"], args["keepdims"], args.call)


def arg_extremum(low: Frame, name: str, x: Any, axis: Any, keepdims: Any, e: ast.Call
                 ) -> Node:
    """``np.argmax`` / ``np.argmin``: the position of the first max (min) along `axis`, or
    in the flattened array."""
    x = array_of(low, x, name, e)
    keep = constant(low, keepdims, bool, "keepdims", e) or False
    a = None if axis is None else one_axis(low, axis, x.type.ndim, e)
    if a is None and keep and x.type.ndim > 1:
        raise low.src.error(f"np.{name}(keepdims=True) without an axis (not yet)", e)
    if a is None and keep:
        a = 0  # of a vector: its one axis
    return low.b.apply(name, x, attrs=(None if a is None else (a,), keep))
