"""Lowering of ``np.trapezoid``, the trapezoidal rule, as the composition NumPy itself
computes, so its derivatives, batching and SymPy form are those of the operations it is
made of.

Contract: handlers of `frontend.arrays`' tables (see there).
- ``trapezoid(y, x, dx, axis) = sum(d * (y[1:] + y[:-1]) / 2.0, axis)`` with the slices
  along ``axis``, and ``d`` the spacing: ``dx`` (a number, a function argument too)
  without ``x``, else ``np.diff(x)``: of a 1-D ``x`` laid along ``axis``, of an ``x``
  shaped as ``y`` along ``axis``. The result has ``y``'s shape without ``axis``; of a
  vector, it is a number.
- ``axis`` must be a constant int; ``y`` an array with at least one axis.
"""

from __future__ import annotations

from symdiff.frontend.arrays import Handlers, axes_of
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_joins import part
from symdiff.frontend.np_signatures import Arguments
from symdiff.ir.node import Node
from symdiff.ir.shapes import exact

# The NumPy functions this module lowers.
HANDLERS = Handlers()


@HANDLERS.function("trapezoid")
def _np_trapezoid(low: Frame, args: Arguments, name: str) -> Node:
    e = args.call
    y = args.array("y")
    if y.type is None or y.type.ndim == 0:
        raise low.src.error("np.trapezoid takes an array y with at least one axis", e)
    ndim = y.type.ndim
    axes = axes_of(low, args["axis"], ndim, e)
    if axes is None or len(axes) != 1:
        raise low.src.error("np.trapezoid axis must be one constant int here", e)
    (a,) = axes
    b = low.b
    upper = part(low, y, a, b.const(1), None, e)  # y[1:] along the axis
    lower = part(low, y, a, None, b.const(-1), e)  # y[:-1]
    heights = b.div(b.add(upper, lower), b.const(2.0))
    if args["x"] is None:
        dx = args["dx"]
        d = b.const(1.0) if dx is None else low.number(dx, e)
        if d.type is not None:
            raise low.src.error("np.trapezoid dx must be a number here", e)
    else:
        x = low.number(args["x"], e)
        if x.type is None or x.type.ndim not in (1, ndim):
            raise low.src.error("np.trapezoid x must be 1-D or have y's number of axes", e)
        k = 0 if x.type.ndim == 1 else a
        dims = tuple((max(n - 1, 0) if exact(n) else None) if i == k else n
                     for i, n in enumerate(x.type.dims))
        d = b.apply("diff", x, attrs=(1, k, dims))
        if x.type.ndim == 1 and ndim > 1:
            d = b.apply("expand_dims", d, attrs=(tuple(i for i in range(ndim) if i != a),))
    return b.apply("sum", b.mul(d, heights), attrs=((a,), False))
