"""Lowering of the NumPy calls that test values or choose between them: ``np.any`` /
``np.all`` (and ``x.any()``, ``x.all()``), ``np.isclose``, ``np.allclose``, ``np.where``
and ``np.nonzero`` (``np.where(cond)`` alone: the indices where `cond` holds),
``np.argsort``, ``np.argmax``, ``np.argmin`` and ``np.sort`` of a vector (its entries
read in ``np.argsort`` order), ``np.nan_to_num`` and ``np.select``.

Contract: handlers of `frontend.arrays`' tables (see there). Tolerances, ``nan=``,
``posinf=``, ``neginf=``, axes and ``keepdims`` must be constants. ``np.select`` is the
chain of ``np.where`` it stands for (the first true condition wins), so it is
differentiated as ``np.where`` is. ``np.where(cond)`` and ``np.nonzero(cond)`` give a
tuple of int64 index vectors, one per axis of `cond`.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.array_like import array_like
from symdiff.frontend.arrays import Handlers, arguments, axes_of, constant
from symdiff.frontend.frame import Frame
from symdiff.ir.node import Node

# The NumPy functions and array methods this module lowers.
HANDLERS = Handlers()

_CLOSE = ("rtol", "atol", "equal_nan")


@HANDLERS.function("any", "all")
def _np_any(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("axis", "keepdims"), optional=1)
    if len(args) == 2:
        kws["axis"] = args[1]
    return truth(low, name, array_like(low, args[0], name, e), kws, e)


@HANDLERS.method("any", "all")
def _any_method(low: Frame, base: Node, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 0, ("axis", "keepdims"), optional=1)
    if args:
        kws["axis"] = args[0]
    return truth(low, name, base, kws, e)


def truth(low: Frame, name: str, x: Node, kws: dict[str, Any], e: ast.Call) -> Node:
    """``np.any``/``np.all`` of `x` over the constant ``axis``, with ``keepdims``."""
    keepdims = constant(low, kws.get("keepdims"), bool, "keepdims", e) or False
    axes = None if x.type is None else axes_of(low, kws.get("axis"), x.type.ndim, e)
    return low.b.apply(name, x, attrs=(axes, keepdims))


@HANDLERS.function("isclose", "allclose")
def _np_isclose(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 2, _CLOSE, optional=2)
    for key, value in zip(_CLOSE, args[2:], strict=False):
        kws[key] = value
    rtol = _tolerance(low, kws.get("rtol"), 1e-05, "rtol", e)
    atol = _tolerance(low, kws.get("atol"), 1e-08, "atol", e)
    equal_nan = constant(low, kws.get("equal_nan"), bool, "equal_nan", e) or False
    a, b = (array_like(low, v, name, e) for v in args[:2])
    close = low.b.apply("isclose", a, b, attrs=(rtol, atol, equal_nan))
    if name == "isclose":
        return close
    return low.b.apply("all", close, attrs=(None, False))


def _tolerance(low: Frame, value: Any, default: float, what: str, e: ast.AST) -> float:
    if value is None:
        return default
    if isinstance(value, Node) and value.is_const and not isinstance(value.value, bool):
        return float(value.value)
    raise low.src.error(f"{what} must be a constant number here", e)


@HANDLERS.function("where")
def _np_where(low: Frame, e: ast.Call, name: str) -> Node | tuple[Node, ...]:
    args, _ = arguments(low, e, 1, (), optional=2)
    if len(args) == 1:
        return indices(low, array_like(low, args[0], name, e), e)
    if len(args) != 3:
        raise low.src.error("np.where() takes a condition, or a condition and two values",
                            e)
    c, x, y = args
    return low.b.select(*(array_like(low, v, name, e) for v in (c, x, y)))


@HANDLERS.function("nonzero")
def _np_nonzero(low: Frame, e: ast.Call, name: str) -> tuple[Node, ...]:
    (c,), _ = arguments(low, e, 1, ())
    return indices(low, array_like(low, c, name, e), e)


def indices(low: Frame, c: Node, e: ast.AST) -> tuple[Node, ...]:
    """``np.nonzero(c)``: per axis of `c`, the indices of its true entries."""
    if c.type is None or c.type.ndim == 0:
        raise low.src.error("np.nonzero() / np.where() of a number: it takes an array", e)
    return tuple(low.b.apply("nonzero", c, attrs=(k,)) for k in range(c.type.ndim))


@HANDLERS.function("sort")
def _np_sort(low: Frame, e: ast.Call, name: str) -> Node:
    (x,), _ = arguments(low, e, 1, ())
    return sort(low, array_like(low, x, name, e), e)


def sort(low: Frame, x: Node, e: ast.AST) -> Node:
    """``np.sort(x)`` of a vector: ``x[np.argsort(x)]``, so its derivative is the read's
    (each entry's derivative goes to where it is sorted to)."""
    if x.type is None or x.type.ndim != 1:
        raise low.src.error("sorting an array of other than one axis (not yet)", e)
    return low.b.apply("index", x, low.b.apply("argsort", x), attrs=((("array",),),))


@HANDLERS.function("argsort", "argmax", "argmin")
def _np_arg(low: Frame, e: ast.Call, name: str) -> Node:
    (x,), _ = arguments(low, e, 1, ())
    x = array_like(low, x, name, e)
    if x.type is None:
        raise low.src.error(f"np.{name}() of a number: it takes an array", e)
    if name == "argsort" and x.type.ndim != 1:
        raise low.src.error("np.argsort() of an array of other than one axis (not yet)", e)
    return low.b.apply(name, x)


@HANDLERS.function("nan_to_num")
def _np_nan_to_num(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 1, ("copy", "nan", "posinf", "neginf"))
    replaced = []
    for key in ("nan", "posinf", "neginf"):
        value = kws.get(key)
        if value is not None and not (isinstance(value, Node) and value.is_const):
            raise low.src.error(f"np.nan_to_num {key}= must be a constant number here", e)
        replaced.append(None if value is None else float(value.value))
    x = array_like(low, args[0], name, e)
    return low.b.apply("nan_to_num", x, attrs=tuple(replaced))


@HANDLERS.function("select")
def _np_select(low: Frame, e: ast.Call, name: str) -> Node:
    args, kws = arguments(low, e, 2, ("default",), optional=1)
    default = args[2] if len(args) == 3 else kws.get("default")
    conditions, choices = (_listed(low, v, what, e) for v, what in
                           ((args[0], "conditions"), (args[1], "choices")))
    if len(conditions) != len(choices):
        raise low.src.error("np.select() of lists of conditions and choices of different "
                            "lengths", e)
    result = low.b.const(0) if default is None else array_like(low, default, name, e)
    for c, v in zip(reversed(conditions), reversed(choices), strict=True):
        result = low.b.select(c, v, result)
    return result


def _listed(low: Frame, value: Any, what: str, e: ast.AST) -> list[Node]:
    if not isinstance(value, (list, tuple)) or not value:
        raise low.src.error(f"np.select() takes its {what} as a list or tuple written in "
                            "the function here", e)
    return [array_like(low, v, "select", e) for v in value]
