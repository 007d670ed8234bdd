"""Lowering of NumPy's rearrangements of an array's entries: ``np.flip``, ``np.fliplr``,
``np.flipud`` (onto reversed slices, views as NumPy's), ``np.swapaxes`` /
``x.swapaxes()``, ``np.moveaxis``, ``np.rollaxis`` (onto transposes), ``np.rot90`` (a
flip and a transpose), ``np.roll``, ``np.repeat`` / ``x.repeat()``, ``np.tile`` and
``np.pad``.

Contract (functions over a `frame.Frame`): handlers of `frontend.arrays`' tables. Axes
must be constants; a shift or a count is an int, constant or known at run time
(``np.roll(x, k)``, ``np.tile(b, (X.shape[0], 1))``), and a count is not negative. An
array of counts (one per entry) for ``np.repeat`` is a located error. Without an
axis, ``np.roll`` rolls the flattened array and restores its shape, and
``np.repeat`` repeats the entries of the flattened array, as NumPy does; a tuple of
shifts rolls along the tuple of axes, one after the other. ``np.pad`` takes constant
widths in any of NumPy's forms (one int, one pair, a pair per axis) and mode
``"constant"`` (with one ``constant_values``, which may be computed and is
differentiated) or ``"edge"``; another mode is a located error naming it.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.arrays import Handlers, arguments, axes_of, constant, literal
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_shapes import array_of, dim_of, one_axis, ravel
from symdiff.frontend.values import Text
from symdiff.ir.node import Node, is_int
from symdiff.ir.shapes import product_dim, sum_dim

# The NumPy functions this module lowers.
HANDLERS = Handlers()


@HANDLERS.function("flip")
def _np_flip(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("axis",), optional=1)
    x = array_of(low, args[0], name, e)
    axes = axes_of(low, args[1] if len(args) > 1 else kws.get("axis"), x.type.ndim, e)
    return flip(low, x, range(x.type.ndim) if axes is None else axes)


@HANDLERS.function("fliplr", "flipud")
def _np_flip_sides(low: Frame, e: ast.Call, name: str) -> Node:
    (x,), _ = arguments(low, e, 1, ())
    x = array_of(low, x, name, e)
    least = 2 if name == "fliplr" else 1
    if x.type.ndim < least:
        raise low.src.error(f"np.{name} of an array of fewer than {least} axes", e)
    return flip(low, x, (1 if name == "fliplr" else 0,))


def flip(low: Frame, x: Node, axes: Any) -> Node:
    """`x` reversed along each of `axes`."""
    for a in axes:
        x = low.b.apply("flip", x, attrs=(a,))
    return x


@HANDLERS.function("swapaxes")
def _np_swapaxes(low: Frame, e: ast.Call, name: str) -> Node:
    (x, first, second), _ = arguments(low, e, 3, ())
    return swapaxes(low, x, first, second, e)


@HANDLERS.method("swapaxes")
def _swapaxes_method(low: Frame, base: Node, e: ast.Call, name: str) -> Node:
    (first, second), _ = arguments(low, e, 2, ())
    return swapaxes(low, base, first, second, e)


def swapaxes(low: Frame, x: Any, first: Any, second: Any, e: ast.Call) -> Node:
    """`x` with two axes exchanged."""
    x = array_of(low, x, "swapaxes", e)
    order = list(range(x.type.ndim))
    a, b = (one_axis(low, v, x.type.ndim, e) for v in (first, second))
    order[a], order[b] = b, a
    return _transposed(low, x, order)


@HANDLERS.function("moveaxis")
def _np_moveaxis(low: Frame, e: ast.Call, name: str) -> Node:
    (x, source, destination), _ = arguments(low, e, 3, ())
    x = array_of(low, x, name, e)
    sources, destinations = (axes_of(low, tuple(v) if isinstance(v, list) else v,
                                     x.type.ndim, e, keep_order=True) or ()
                             for v in (source, destination))
    if len(sources) != len(destinations) or len(set(sources)) != len(sources) or \
            len(set(destinations)) != len(destinations):
        raise low.src.error("np.moveaxis: give as many different source and destination "
                            "axes", e)
    order = [a for a in range(x.type.ndim) if a not in sources]
    for destination, source in sorted(zip(destinations, sources, strict=True)):
        order.insert(destination, source)
    return _transposed(low, x, order)


@HANDLERS.function("rollaxis")
def _np_rollaxis(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 2, ("start",), optional=1)
    x = array_of(low, args[0], name, e)
    n = x.type.ndim
    axis = one_axis(low, args[1], n, e)
    start = constant(low, args[2] if len(args) > 2 else kws.get("start"), int,
                     "np.rollaxis() start", e) or 0
    start = start + n if start < 0 else start
    if not 0 <= start <= n:
        raise low.src.error(f"np.rollaxis: start {start} is out of bounds for {n} axes", e)
    order = [a for a in range(n) if a != axis]
    order.insert(start - 1 if axis < start else start, axis)
    return _transposed(low, x, order)


@HANDLERS.function("rot90")
def _np_rot90(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("k", "axes"), optional=2)
    x = array_of(low, args[0], name, e)
    k = constant(low, args[1] if len(args) > 1 else kws.get("k"), int, "np.rot90() k", e)
    planes = axes_of(low, args[2] if len(args) > 2 else kws.get("axes", (
        low.b.const(0), low.b.const(1))), x.type.ndim, e, keep_order=True)
    if planes is None or len(planes) != 2 or planes[0] == planes[1]:
        raise low.src.error("np.rot90: axes must be two different axes", e)
    k = (1 if k is None else k) % 4
    first, second = planes
    if k == 2:
        return flip(low, x, planes)
    order = list(range(x.type.ndim))
    order[first], order[second] = second, first
    if k == 1:
        return _transposed(low, flip(low, x, (second,)), order)
    if k == 3:
        return flip(low, _transposed(low, x, order), (second,))
    return x


def _transposed(low: Frame, x: Node, order: list[int]) -> Node:
    """`x` with its axes in `order` (itself when that is theirs; ``x.T`` when reversed)."""
    n = x.type.ndim
    if order == list(range(n)):
        return x
    return low.b.apply("transpose", x, attrs=(None if order == list(range(n))[::-1]
                                              else tuple(order),))


@HANDLERS.function("roll")
def _np_roll(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 2, ("axis",), optional=1)
    x = array_of(low, args[0], name, e)
    shift, axis = args[1], args[2] if len(args) > 2 else kws.get("axis")
    if axis is None:
        flat = ravel(low, x, e)
        rolled = _roll(low, flat, _int(low, shift, "shift", name, e), 0)
        return rolled if flat is x else low.b.apply("reshape_like", rolled, x)
    axes = axes_of(low, axis, x.type.ndim, e, keep_order=True) or ()
    shifts = shift if isinstance(shift, tuple) else (shift,)
    if len(axes) != len(shifts):  # NumPy broadcasts one against the other
        if len(axes) != 1 and len(shifts) != 1:
            raise low.src.error("np.roll: give one shift per axis", e)
        axes, shifts = axes * len(shifts), shifts * len(axes)
    for a, s in zip(axes, shifts, strict=True):
        x = _roll(low, x, _int(low, s, "shift", name, e), a)
    return x


def _roll(low: Frame, x: Node, shift: Node, axis: int) -> Node:
    return low.b.apply("roll", x, shift, attrs=(axis, x.type.ndim))


@HANDLERS.function_and_method_along("repeat", 1)
def repeat(low: Frame, x: Any, count: Any, axis: Any, e: ast.Call) -> Node:
    """``np.repeat(x, count, axis)``: each entry `count` times (axis None: of the
    flattened array)."""
    x = array_of(low, x, "repeat", e)
    if isinstance(count, Node) and count.type is not None:
        raise low.src.error("np.repeat() with an array of counts (not yet): repeats must "
                            "be one int here", e)
    count = _count(low, count, "repeats", "repeat", e)
    if axis is None:
        x, a = ravel(low, x, e), 0
    else:
        a = one_axis(low, axis, x.type.ndim, e)
    dims = list(x.type.dims)
    dims[a] = product_dim((dims[a], dim_of(count)))
    return low.b.apply("repeat", x, count, attrs=(a, tuple(dims)))


@HANDLERS.function("tile")
def _np_tile(low: Frame, e: ast.Call, name: str) -> Node:
    (x, reps), _ = arguments(low, e, 2, ())
    x = array_of(low, x, name, e)
    counts = [_count(low, r, "reps", name, e)
              for r in (reps if isinstance(reps, (tuple, list)) else (reps,))]
    if not counts:
        return low.b.new("copy", x)
    dims = [*(1,) * (len(counts) - x.type.ndim), *x.type.dims]
    for i, count in enumerate(counts, start=len(dims) - len(counts)):
        dims[i] = product_dim((dims[i], dim_of(count)))
    return low.b.apply("tile", x, *counts, attrs=(tuple(dims),))


@HANDLERS.function("pad")
def _np_pad(low: Frame, e: ast.Call, name: str) -> Node:
    # The widths are read as written: a list of pairs is not a list of numbers.
    rest = ast.copy_location(ast.Call(e.func, [e.args[0], *e.args[2:]], e.keywords), e)
    args, kws = arguments(low, rest, 1, ("mode", "constant_values"), optional=1)
    if len(e.args) < 2:
        raise low.src.error("np.pad() takes the array and its widths", e)
    x = array_of(low, args[0], name, e)
    widths = _pad_widths(low, literal(low, e.args[1]), x.type.ndim, e)
    mode = _mode(low, e)
    value = kws.get("constant_values")
    if mode == "edge" and value is not None:
        raise low.src.error("np.pad(mode='edge') takes no constant_values", e)
    dims = tuple(sum_dim((d, before + after)) for d, (before, after) in zip(
        x.type.dims, widths, strict=True))
    if mode == "edge":
        return low.b.apply("pad", x, attrs=(widths, mode, dims))
    if isinstance(value, Node) and value.type is not None or isinstance(value, tuple):
        raise low.src.error("np.pad(constant_values=...) takes one number here", e)
    value = low.b.const(0) if value is None else low.number(value, e)
    return low.b.apply("pad", x, value, attrs=(widths, mode, dims))


def _mode(low: Frame, e: ast.Call) -> str:
    """``np.pad``'s mode, which must be "constant" or "edge"."""
    written = e.args[2] if len(e.args) > 2 else next(
        (kw.value for kw in e.keywords if kw.arg == "mode"), None)
    if written is None:
        return "constant"
    mode = low.expr(written)
    if not isinstance(mode, Text) or mode.value not in ("constant", "edge"):
        shown = repr(mode.value) if isinstance(mode, Text) else ast.unparse(written)
        raise low.src.error(f"np.pad(mode={shown}) is not supported: mode='constant' (with "
                            "constant_values) and mode='edge' are", written)
    return mode.value


def _pad_widths(low: Frame, value: Any, ndim: int, e: ast.AST) -> tuple[tuple[int, int], ...]:
    """NumPy's pad widths (an int, a pair, or a pair per axis), a pair per axis."""
    def width(item: Any) -> int:
        w = constant(low, item, int, "np.pad() widths", e)
        if w < 0:
            raise low.src.error("np.pad(): widths must not be negative", e)
        return w  # type: ignore[no-any-return]

    items = value if isinstance(value, tuple) else (value,)
    if all(isinstance(item, tuple) for item in items):
        pairs = [tuple(width(w) for w in item) for item in items]
    elif any(isinstance(item, tuple) for item in items):
        raise low.src.error("np.pad(): widths mix numbers and pairs", e)
    else:
        pairs = [tuple(width(w) for w in items)]
    pairs = [p * 2 if len(p) == 1 else p for p in pairs]
    if len(pairs) == 1:
        pairs = pairs * ndim
    if len(pairs) != ndim or any(len(p) != 2 for p in pairs):
        raise low.src.error(f"np.pad(): give one (before, after) pair, or one per axis "
                            f"({ndim} here)", e)
    return tuple(pairs)  # type: ignore[arg-type]


def _int(low: Frame, value: Any, what: str, name: str, e: ast.AST) -> Node:
    """`value`, which must be an int (a constant or a value known at run time)."""
    if not isinstance(value, Node) or value.type is not None or not is_int(value) or (
            value.is_const and isinstance(value.value, bool)):
        raise low.src.error(f"np.{name}(): {what} must be an int here", e)
    return value


def _count(low: Frame, value: Any, what: str, name: str, e: ast.AST) -> Node:
    """`value`, which must be an int and not negative."""
    count = _int(low, value, what, name, e)
    if count.is_const and count.value < 0:
        raise low.src.error(f"np.{name}(): {what} must not be negative", e)
    return count
