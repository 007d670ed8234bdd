"""Lowering of the NumPy calls that test values or choose between them: ``np.any`` /
``np.all`` (and ``x.any()``, ``x.all()``), ``np.isclose``, ``np.allclose``, ``np.where``
and ``np.nonzero`` (``np.where(cond)`` alone: the indices where `cond` holds),
``np.nan_to_num`` and ``np.select``.

Contract: handlers of `frontend.arrays`' tables (see there), each reading a list or
tuple that mixes numbers and arrays as NumPy does (`array_like`). Tolerances, ``nan=``,
``posinf=``, ``neginf=``, axes and ``keepdims`` must be constants. ``np.select`` is
the chain of ``np.where`` it stands for (the first true condition wins), so it is
differentiated as ``np.where`` is.
``np.where(cond)`` and ``np.nonzero(cond)`` give a tuple of int64 index vectors, one
per axis of `cond`.
"""

from __future__ import annotations

import ast

from symdiff.frontend.array_like import array_like
from symdiff.frontend.arrays import Handlers, axes_of, constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_signatures import Arguments
from symdiff.ir.node import Node

# The NumPy functions and array methods this module lowers.
HANDLERS = Handlers()


@HANDLERS.function("any", "all")
@HANDLERS.method("any", "all")
def _truth(low: Frame, args: Arguments, name: str) -> Node:
    """``np.any``/``np.all`` over the constant ``axis``, with ``keepdims``."""
    x = args.array("a")
    keepdims = constant(low, args["keepdims"], bool, "keepdims", args.call)
    axes = None if x.type is None else axes_of(low, args["axis"], x.type.ndim, args.call)
    return low.b.apply(name, x, attrs=(axes, keepdims))


@HANDLERS.function("isclose", "allclose")
def _np_isclose(low: Frame, args: Arguments, name: str) -> Node:
    rtol, atol = (_tolerance(low, args, what) for what in ("rtol", "atol"))
    equal_nan = constant(low, args["equal_nan"], bool, "equal_nan", args.call)
    close = low.b.apply("isclose", args.array("a"), args.array("b"),
                        attrs=(rtol, atol, equal_nan))
    if name == "isclose":
        return close
    return low.b.apply("all", close, attrs=(None, False))


def _tolerance(low: Frame, args: Arguments, what: str) -> float:
    value = args[what]
    if isinstance(value, Node) and value.is_const and not isinstance(value.value, bool):
        return float(value.value)
    raise low.src.error(f"{what} must be a constant number here", args.where(what))


@HANDLERS.function("where")
def _np_where(low: Frame, args: Arguments, name: str) -> Node | tuple[Node, ...]:
    """``np.where(c, x, y)``; ``np.where(c)`` alone is ``np.nonzero(c)``."""
    if not args.given("x") and not args.given("y"):
        return indices(low, args.array("condition"), args.call)
    if not (args.given("x") and args.given("y")):
        raise low.src.error("np.where() takes a condition, or a condition and two values",
                            args.call)
    return low.b.select(*(args.array(p) for p in ("condition", "x", "y")))


@HANDLERS.function("nonzero")
def _np_nonzero(low: Frame, args: Arguments, name: str) -> tuple[Node, ...]:
    return indices(low, args.array("a"), args.call)


def indices(low: Frame, c: Node, e: ast.AST) -> tuple[Node, ...]:
    """``np.nonzero(c)``: per axis of `c`, the indices of its true entries."""
    if c.type is None or c.type.ndim == 0:
        raise low.src.error("np.nonzero() / np.where() of a number: it takes an array", e)
    return tuple(low.b.apply("nonzero", c, attrs=(k,)) for k in range(c.type.ndim))


@HANDLERS.function("nan_to_num")
def _np_nan_to_num(low: Frame, args: Arguments, name: str) -> Node:
    replaced = []
    for key in ("nan", "posinf", "neginf"):
        value = args[key] if args.given(key) else None
        if value is not None and not (isinstance(value, Node) and value.is_const):
            raise low.src.error(f"np.nan_to_num {key}= must be a constant number here",
                                args.where(key))
        replaced.append(None if value is None else float(value.value))
    return low.b.apply("nan_to_num", args.array("x"), attrs=tuple(replaced))


@HANDLERS.function("select")
def _np_select(low: Frame, args: Arguments, name: str) -> Node:
    """``np.select``: the chain of ``np.where`` it stands for, the first true condition
    winning."""
    conditions, choices = (_listed(low, args, what) for what in ("condlist", "choicelist"))
    if len(conditions) != len(choices):
        raise low.src.error("np.select() of lists of conditions and choices of different "
                            "lengths", args.call)
    result = args.array("default")
    for c, v in zip(reversed(conditions), reversed(choices), strict=True):
        result = low.b.select(c, v, result)
    return result


def _listed(low: Frame, args: Arguments, what: str) -> list[Node]:
    value = args[what]
    if not isinstance(value, (list, tuple)) or not value:
        raise low.src.error(f"np.select() takes its {what} as a list or tuple written in "
                            "the function here", args.where(what))
    return [array_like(low, v, "select", args.where(what)) for v in value]
