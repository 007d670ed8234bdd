"""Lowering of ``np.gradient``, finite differences along axes, as the slices and
differences NumPy itself computes, so its derivatives, batching and SymPy form are those
of the operations it is made of.

Contract: handlers of `frontend.arrays`' tables (see there).
- Along an axis of length n with spacing h: central differences ``(f[2:] - f[:-2]) /
  (2 h)`` inside, and at each end the one-sided difference of ``edge_order`` 1
  (``(f[1] - f[0]) / h``) or 2 (``(-3 f[0] + 4 f[1] - f[2]) / (2 h)``), joined along the
  axis: the result has `f`'s shape. Fewer than ``edge_order + 1`` entries raise
  ValueError as NumPy does: while compiling when the length is known, else when the
  code runs.
- Spacing: none (1.0), one number for every axis, or one number per axis (function
  arguments too, differentiated); coordinate arrays are a located error.
- ``axis``: None (every axis), a constant int or a tuple of them. One axis gives an
  array, several a tuple of arrays (one per axis, as NumPy 2 gives).
"""

from __future__ import annotations

import ast

from symdiff.frontend.arrays import Handlers, axes_of, constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_joins import part
from symdiff.frontend.np_shapes import array_of, concatenate
from symdiff.frontend.np_signatures import Arguments
from symdiff.frontend.values import Value
from symdiff.ir.node import Node
from symdiff.ir.shapes import exact, size_of

# The NumPy functions this module lowers.
HANDLERS = Handlers()

_TOO_SMALL = ("Shape of array too small to calculate a numerical gradient, at least "
              "(edge_order + 1) elements are required.")


@HANDLERS.function("gradient")
def _np_gradient(low: Frame, args: Arguments, name: str) -> Node | tuple[Node, ...]:
    e = args.call
    f = array_of(low, args["f"], name, e)
    axes = axes_of(low, args["axis"], f.type.ndim, e, keep_order=True)
    axes = tuple(range(f.type.ndim)) if axes is None else axes
    order = constant(low, args["edge_order"], int, "np.gradient() edge_order", e)
    if order not in (1, 2):
        raise low.src.error("np.gradient() edge_order must be 1 or 2", e)
    spacings = _spacings(low, args["varargs"], len(axes), e)
    out = tuple(along(low, f, a, h, order, e) for a, h in zip(axes, spacings, strict=True))
    return out[0] if len(out) == 1 else out


def _spacings(low: Frame, given: tuple[Value, ...], count: int, e: ast.Call
              ) -> tuple[Node, ...]:
    """The spacing along each of `count` axes: numbers only."""
    if len(given) not in (0, 1, count):
        raise low.src.error(f"np.gradient() takes no spacing, one, or one per axis ({count}),"
                            f" got {len(given)}", e)
    hs = tuple(low.number(h, e) for h in given) or (low.b.const(1.0),)
    for h in hs:
        if h.type is not None:
            raise low.src.error("np.gradient() of coordinate arrays (not yet): give the "
                                "spacing as a number", e)
    return hs * count if len(hs) == 1 else hs


def along(low: Frame, f: Node, a: int, h: Node, order: int, e: ast.Call) -> Node:
    """``np.gradient(f, h, axis=a, edge_order=order)``."""
    b = low.b
    n = size_of(b, f, a)
    if n.is_const and n.value < order + 1:
        raise low.src.error(f"np.gradient(): {_TOO_SMALL} (an axis of length {n.value})", e)
    if not exact(f.type.dims[a]):
        b.apply("raise_if", b.apply("lt", n, order + 1), attrs=("ValueError", _TOO_SMALL))

    def at(start: int | None, stop: int | None) -> Node:
        return part(low, f, a, None if start is None else b.const(start),
                    None if stop is None else b.const(stop), e)

    inner = b.div(b.sub(at(2, None), at(None, -2)), b.mul(2.0, h))
    if order == 1:
        first = b.div(b.sub(at(1, 2), at(0, 1)), h)
        last = b.div(b.sub(at(-1, None), at(-2, -1)), h)
    else:
        first = b.div(b.sub(b.sub(b.mul(4.0, at(1, 2)), b.mul(3.0, at(0, 1))), at(2, 3)),
                      b.mul(2.0, h))
        last = b.div(b.sub(b.add(b.mul(3.0, at(-1, None)), at(-3, -2)), b.mul(4.0, at(-2, -1))),
                     b.mul(2.0, h))
    return concatenate(low, [first, inner, last], b.const(a), e)
