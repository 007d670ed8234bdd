"""Lowering of sorting: ``np.sort``, ``np.argsort`` / ``x.argsort()``, ``np.argmax`` /
``x.argmax()`` and ``np.argmin`` / ``x.argmin()``.

Contract (functions over a `frame.Frame`): handlers of `frontend.arrays`' tables. Axes
and ``keepdims`` must be constants; ``axis=None`` sorts the flattened array, as NumPy
does. Positions are int64 arrays (a number for the position in a whole array) that
index like any other ints (``x[np.argmax(x)]``, ``x[np.argsort(x)[:k]]``). ``x.sort()``
sorts in place and is a located error (`numpy_calls`); ``kind=`` and ``order=`` are too.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.arrays import Handlers, arguments, constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_shapes import array_of, one_axis, ravel
from symdiff.frontend.values import Nothing
from symdiff.ir.node import Node

# The NumPy functions and array methods this module lowers.
HANDLERS = Handlers()


@HANDLERS.function("sort", "argsort")
def _np_sort(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("axis",), optional=1)
    return along(low, name, args[0], _axis(low, args[1:], kws), e)


@HANDLERS.method("argsort")
def _argsort_method(low: Frame, base: Node, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 0, ("axis",), optional=1)
    return along(low, name, base, _axis(low, args, kws), e)


def _axis(low: Frame, args: list[Any], kws: dict[str, Any]) -> Any:
    """The axis given by position or name (None when given as None), else the last."""
    given = args[0] if args else kws["axis"] if "axis" in kws else low.b.const(-1)
    return None if isinstance(given, Nothing) else given


def along(low: Frame, name: str, x: Any, axis: Any, e: ast.Call) -> Node:
    """``np.sort`` / ``np.argsort`` of `x` along `axis` (None: of the flattened `x`)."""
    x = array_of(low, x, name, e)
    if axis is None:
        x, a = ravel(low, x, e), 0
    else:
        a = one_axis(low, axis, x.type.ndim, e)
    return low.b.apply(name, x, attrs=(a, x.type.ndim))


@HANDLERS.function("argmax", "argmin")
def _np_arg_extremum(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("axis", "keepdims"), optional=1)
    return arg_extremum(low, name, args[0], args[1] if len(args) > 1 else kws.get("axis"),
                        kws.get("keepdims"), e)


@HANDLERS.method("argmax", "argmin")
def _arg_extremum_method(low: Frame, base: Node, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 0, ("axis", "keepdims"), optional=1)
    return arg_extremum(low, name, base, args[0] if args else kws.get("axis"),
                        kws.get("keepdims"), e)


def arg_extremum(low: Frame, name: str, x: Any, axis: Any, keepdims: Any, e: ast.Call
                 ) -> Node:
    """``np.argmax`` / ``np.argmin``: the position of the first max (min) along `axis`, or
    in the flattened array."""
    x = array_of(low, x, name, e)
    keep = constant(low, keepdims, bool, "keepdims", e) or False
    a = None if axis is None or isinstance(axis, Nothing) else one_axis(
        low, axis, x.type.ndim, e)
    if a is None and keep and x.type.ndim > 1:
        raise low.src.error(f"np.{name}(keepdims=True) without an axis (not yet)", e)
    if a is None and keep:
        a = 0  # of a vector: its one axis
    return low.b.apply(name, x, attrs=(None if a is None else (a,), keep))
