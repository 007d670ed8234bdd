"""Lowering of NumPy's statistics: ``np.var``/``np.std`` (and the methods ``x.var()``,
``x.std()``) with ``axis``, ``ddof`` and ``keepdims``, ``np.average`` with ``weights``,
and ``np.ptp``, each as the composition NumPy itself computes, so its derivatives,
batching and SymPy form are those of the operations it is made of.

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
- Axes, ``ddof``, ``keepdims`` and ``returned`` must be constants.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.array_like import array_like
from symdiff.frontend.arrays import Axes, Handlers, arguments, axes_of, constant
from symdiff.frontend.frame import Frame
from symdiff.ir.arrays import fits
from symdiff.ir.node import Node
from symdiff.ir.types import ArrayType

# The NumPy functions and array methods this module lowers.
HANDLERS = Handlers()

_MOMENTS = ("axis", "ddof", "keepdims")


@HANDLERS.function("var", "std")
def _np_moment(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, _MOMENTS, optional=1)
    if len(args) == 2:
        kws["axis"] = args[1]
    return moment(low, name, args[0], kws, e)


@HANDLERS.method("var", "std")
def _moment_method(low: Frame, base: Node, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 0, _MOMENTS, optional=1)
    if args:
        kws["axis"] = args[0]
    return moment(low, name, base, kws, e)


def moment(low: Frame, name: str, x: Any, kws: dict[str, Any], e: ast.Call) -> Node:
    """``np.var`` or ``np.std`` of `x` with the constant ``axis``, ``ddof`` and
    ``keepdims`` of `kws`."""
    x = array_like(low, x, name, e)
    keepdims = constant(low, kws.get("keepdims"), bool, "keepdims", e) or False
    ddof = _ddof(low, kws.get("ddof"), e)
    b = low.b
    if x.type is None:
        axes: Axes = None
        d = b.sub(x, x)
        count = b.const(1)
    else:
        axes = axes_of(low, kws.get("axis"), x.type.ndim, e)
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
    if value is None:
        return 0
    if isinstance(value, Node) and value.is_const and isinstance(value.value, (int, float)) \
            and not isinstance(value.value, bool):
        return value.value
    raise low.src.error("ddof must be a constant number here", e)


@HANDLERS.function("average")
def _np_average(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("axis", "weights", "returned", "keepdims"),
                          optional=2)
    for key, value in zip(("axis", "weights"), args[1:], strict=False):
        kws[key] = value
    if constant(low, kws.get("returned"), bool, "returned", e):
        raise low.src.error("np.average(returned=True) is not supported: return the sum of "
                            "the weights yourself", e)
    x = array_like(low, args[0], name, e)
    keepdims = constant(low, kws.get("keepdims"), bool, "keepdims", e) or False
    weights = kws.get("weights")
    if x.type is None:
        return x
    axes = axes_of(low, kws.get("axis"), x.type.ndim, e)
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
def _np_ptp(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("axis", "keepdims"), optional=1)
    if len(args) == 2:
        kws["axis"] = args[1]
    x = array_like(low, args[0], name, e)
    keepdims = constant(low, kws.get("keepdims"), bool, "keepdims", e) or False
    if x.type is None:
        return low.b.sub(x, x)
    attrs = (axes_of(low, kws.get("axis"), x.type.ndim, e), keepdims)
    return low.b.sub(low.b.apply("amax", x, attrs=attrs), low.b.apply("amin", x, attrs=attrs))
