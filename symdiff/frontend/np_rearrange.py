"""Lowering of NumPy's rearrangements of an array's entries: ``np.flip``, ``np.fliplr``,
``np.flipud`` (onto reversed slices, views as NumPy's), ``np.roll``, ``np.repeat`` /
``x.repeat()``, ``np.tile`` and ``np.pad`` (the moves of axes are `np_axes`').

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

from symdiff.frontend.arrays import Handlers, axes_of, constant, literal
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_shapes import array_of, dim_of, one_axis, ravel
from symdiff.frontend.np_signatures import Arguments
from symdiff.frontend.values import Text
from symdiff.ir.node import Node, is_int
from symdiff.ir.shapes import product_dim, sum_dim
from symdiff.unparse import unparse

# The NumPy functions this module lowers.
HANDLERS = Handlers()


@HANDLERS.function("flip")
def _np_flip(low: Frame, args: Arguments, name: str) -> Node:
    e = args.call
    x = array_of(low, args["m"], name, e)
    axes = axes_of(low, args["axis"], x.type.ndim, e)
    return flip(low, x, range(x.type.ndim) if axes is None else axes)


@HANDLERS.function("fliplr", "flipud")
def _np_flip_sides(low: Frame, args: Arguments, name: str) -> Node:
    e = args.call
    x = array_of(low, args["m"], name, e)
    least = 2 if name == "fliplr" else 1
    if x.type.ndim < least:
        raise low.src.error(f"np.{name} of an array of fewer than {least} axes", e)
    return flip(low, x, (1 if name == "fliplr" else 0,))


def flip(low: Frame, x: Node, axes: Any) -> Node:
    """`x` reversed along each of `axes`."""
    for a in axes:
        x = low.b.apply("flip", x, attrs=(a,))
    return x


@HANDLERS.function("roll")
def _np_roll(low: Frame, args: Arguments, name: str) -> Node:
    e = args.call
    x = array_of(low, args["a"], name, e)
    shift, axis = args["shift"], args["axis"]
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


@HANDLERS.function("repeat")
@HANDLERS.method("repeat")
def _repeat(low: Frame, args: Arguments, name: str) -> Node:
    return repeat(low, args["a"], args["repeats"], args["axis"], args.call)


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
def _np_tile(low: Frame, args: Arguments, name: str) -> Node:
    e, reps = args.call, args["reps"]
    x = array_of(low, args["A"], name, e)
    counts = [_count(low, r, "reps", name, e)
              for r in (reps if isinstance(reps, (tuple, list)) else (reps,))]
    if not counts:
        return low.b.new("copy", x)
    dims = [*(1,) * (len(counts) - x.type.ndim), *x.type.dims]
    for i, count in enumerate(counts, start=len(dims) - len(counts)):
        dims[i] = product_dim((dims[i], dim_of(count)))
    return low.b.apply("tile", x, *counts, attrs=(tuple(dims),))


@HANDLERS.function("pad")
def _np_pad(low: Frame, args: Arguments, name: str) -> Node:
    e = args.call
    x = array_of(low, args["array"], name, e)
    # The widths are read as written: a list of pairs is not a list of numbers.
    widths = _pad_widths(low, literal(low, args.written("pad_width")), x.type.ndim, e)
    mode = _mode(low, args)
    value = args["constant_values"] if args.given("constant_values") else None
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


def _mode(low: Frame, args: Arguments) -> str:
    """``np.pad``'s mode, which must be "constant" or "edge"."""
    mode = args["mode"]
    if not isinstance(mode, Text) or mode.value not in ("constant", "edge"):
        written = args.written("mode")
        shown = repr(mode.value) if isinstance(mode, Text) else unparse(written)
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
