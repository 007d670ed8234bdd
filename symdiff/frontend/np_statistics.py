"""Lowering of NumPy's statistics: ``np.var``/``np.std`` (and the methods ``x.var()``,
``x.std()``) with ``axis``, ``ddof`` and ``keepdims``, ``np.average`` with ``weights``,
and ``np.ptp``, each as the composition NumPy itself computes, so its derivatives,
batching and SymPy form are those of the operations it is made of; and the order
statistics ``np.median``, ``np.quantile``, ``np.percentile``.

Contract: handlers of `frontend.arrays`' tables (see there).
- ``var(x) = sum(d * d) / max(N - ddof, 0)`` with ``d = x - mean(x)`` over the axes
  (``N`` their number of entries), as NumPy's ``_var``; ``std = sqrt(var)``. Where the
  entries are all equal, std is 0 and its derivative is that of ``sqrt`` at 0 (inf)
  times a zero: NaN, with NumPy's "invalid value" warning, as for
  ``np.sqrt(np.sum(d * d))`` written out (and as JAX gives).
- ``average(a, axis, weights) = sum(a * w, axis) / sum(w, axis)``, a 1-D ``w`` laid
  along an int ``axis`` of ``a``; without weights it is ``np.mean``. Weights summing to
  zero give inf or NaN (NumPy raises ``ZeroDivisionError``); ``returned=True`` is a
  located error.
- ``ptp(x) = amax(x) - amin(x)``: ties share the derivative as ``amax``/``amin`` do.
- ``np.median``, ``np.quantile``, ``np.percentile`` with ``axis``, ``keepdims`` and
  ``method`` (`ir.order.METHODS`) are the ``quantile`` primitive, its derivative
  following the entries the statistic reads (`ir.order`); q is a number (a function
  argument too) or a list or tuple of them, whose statistics are stacked first.
- Axes, ``ddof``, ``keepdims``, ``returned`` and ``method`` must be constants.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.array_like import array_like
from symdiff.frontend.arrays import Axes, Handlers, axes_of, constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.names import compile_time
from symdiff.frontend.np_signatures import Arguments
from symdiff.ir.arrays import fits
from symdiff.ir.node import Node
from symdiff.ir.order import METHODS
from symdiff.ir.types import ArrayType

# The NumPy functions and array methods this module lowers.
HANDLERS = Handlers()

@HANDLERS.function("var", "std")
@HANDLERS.method("var", "std")
def _moment(low: Frame, args: Arguments, name: str) -> Node:
    return moment(low, name, args["a"], args, args.call)


def moment(low: Frame, name: str, x: Any, kws: Arguments, e: ast.Call) -> Node:
    """``np.var`` or ``np.std`` of `x` with the constant ``axis``, ``ddof`` and
    ``keepdims`` of `kws`."""
    x = array_like(low, x, name, e)
    keepdims = constant(low, kws["keepdims"], bool, "keepdims", e)
    ddof = _ddof(low, kws["ddof"], e)
    b = low.b
    if x.type is None:
        axes: Axes = None
        d = b.sub(x, x)
        count = b.const(1)
    else:
        axes = axes_of(low, kws["axis"], x.type.ndim, e)
        if axes is not None and len(axes) == x.type.ndim:
            axes = None  # all of them: the mean is the one ``np.mean(x)`` gives
        d = b.sub(x, b.apply("mean", x, attrs=(axes, axes is not None)))
        count = b.apply("size", x, attrs=(axes,))
    squares = b.mul(d, d)
    total = squares if x.type is None else b.apply("sum", squares, attrs=(axes, keepdims))
    if x.type is None and not ddof:
        # A number's spread is |x - x|: 0 (NaN for inf or NaN) and its derivative 0.
        return b.apply("abs", d) if name == "std" else squares
    var = b.div(total, b.apply("max", b.sub(count, ddof), 0) if ddof else count)
    return b.apply("sqrt", var) if name == "std" else var


def _ddof(low: Frame, value: Any, e: ast.AST) -> int | float:
    known = compile_time(low, value) if value is not None else 0
    if isinstance(known, (int, float)) and not isinstance(known, bool):
        return known
    raise low.src.error("ddof must be a constant number here", e)


@HANDLERS.function("average")
def _np_average(low: Frame, args: Arguments, name: str) -> Node:
    e = args.call
    if constant(low, args["returned"], bool, "returned", e):
        raise low.src.error("np.average(returned=True) is not supported: return the sum of "
                            "the weights yourself", e)
    x = args.array("a")
    keepdims = constant(low, args["keepdims"], bool, "keepdims", e)
    weights = args["weights"]
    if x.type is None:
        return x
    axes = axes_of(low, args["axis"], x.type.ndim, e)
    if weights is None:
        return low.b.apply("mean", x, attrs=(axes, keepdims))
    w = _weights(low, x, array_like(low, weights, name, e), axes, e)
    total = low.b.apply("sum", low.b.mul(x, w), attrs=(axes, keepdims))
    return low.b.div(total, low.b.apply("sum", w, attrs=(axes, keepdims)))


def _weights(low: Frame, x: Node, w: Node, axes: Axes, e: ast.AST) -> Node:
    """`w` shaped to multiply `x`: as it is when it has `x`'s shape, else a 1-D `w` laid
    along the one axis of `axes`."""
    assert isinstance(x.type, ArrayType)
    if w.type is not None and fits(w.type, x.type):
        return w
    if w.type is None or w.type.ndim != 1 or axes is None or len(axes) != 1:
        raise low.src.error("np.average weights must have the shape of the array, or be 1-D "
                            "along one int axis", e)
    (axis,) = axes
    if not fits(w.type, ArrayType(w.type.dtype, (x.type.dims[axis],))):
        raise low.src.error("np.average weights' length differs from the axis's", e)
    others = tuple(a for a in range(x.type.ndim) if a != axis)
    return low.b.apply("expand_dims", w, attrs=(others,)) if others else w


@HANDLERS.function("ptp")
def _np_ptp(low: Frame, args: Arguments, name: str) -> Node:
    x = args.array("a")
    keepdims = constant(low, args["keepdims"], bool, "keepdims", args.call)
    if x.type is None:
        return low.b.sub(x, x)
    attrs = (axes_of(low, args["axis"], x.type.ndim, args.call), keepdims)
    return low.b.sub(low.b.apply("amax", x, attrs=attrs), low.b.apply("amin", x, attrs=attrs))


@HANDLERS.function("median", "quantile", "percentile")
def _quantile(low: Frame, args: Arguments, name: str) -> Node:
    """``np.median``, ``np.quantile``, ``np.percentile`` of an array at a number q (or at
    each of a list or tuple of them, stacked first, as NumPy gives them)."""
    e = args.call
    x = args.array("a")
    keepdims = constant(low, args["keepdims"], bool, "keepdims", e)
    method = "linear" if name == "median" else constant(low, args["method"], str,
                                                         f"np.{name} method", e)
    if method not in METHODS:
        raise low.src.error(f"np.{name}(method={method!r}) is not supported: only "
                            f"{', '.join(METHODS)}", args.where("method"))
    q = low.b.const(0.5) if name == "median" else args["q"]
    if x.type is None:
        raise low.src.error(f"np.{name} of a number: it takes an array here", e)
    attrs = (axes_of(low, args["axis"], x.type.ndim, e), keepdims, name, method)
    if isinstance(q, (tuple, list)):
        if not q:
            raise low.src.error(f"np.{name} at an empty list of q", args.where("q"))
        parts = [low.b.apply("quantile", x, low.number(p, e), attrs=attrs) for p in q]
        return low.b.apply("stack", *parts, attrs=(0,))
    q = low.number(q, e)
    if q.type is not None:
        raise low.src.error(f"np.{name}: q must be a number, or a list or tuple of them, "
                            "here (not an array)", args.where("q"))
    return low.b.apply("quantile", x, q, attrs=attrs)
