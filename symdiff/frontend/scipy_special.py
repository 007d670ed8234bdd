"""Lowering of the ``scipy.special`` calls that are not one primitive each: the
reductions and the functions with an order or a non-differentiable argument; and the
reading of SciPy's arguments, which `scipy_stats` shares.

Contract: `call(frame, name, e)` lowers the call `e` of ``scipy.special.<name>``, one of
`resolve.SCIPY_FUNCTIONS`, onto primitives (`ir.special` and the scalar ones), so that
its derivatives of every order are theirs. Arguments are positional or by SciPy's
keywords (`bind`); axes, orders and flags must be constants; anything else is a
located error.
- ``logsumexp(a, axis=None, keepdims=False)``: the ``logsumexp`` primitive (``b`` and
  ``return_sign=True`` are not supported); ``log_softmax(x, axis=None)`` is
  ``x - logsumexp(x, axis, keepdims=True)`` and ``softmax`` its ``exp``.
- ``polygamma(n, x)`` for a constant whole ``n``: ``digamma`` for 0, else
  ``(-1)**(n + 1) * n! * zeta(n + 1, x)``, as SciPy computes it.
  ``multigammaln(a, d)`` needs a constant whole ``d``.
- ``zeta(x, q=None)`` (Riemann's: ``zeta(x, 1)``), ``gammainc(a, x)``,
  ``gammaincc(a, x)``, ``betainc(a, b, x)``, ``stdtr(df, t)`` and the Bessel functions
  of an order (``jv``/``jn``, ``yv``, ``yn``, ``iv``, ``ive``) carry the
  `ir.special_base.Place` of the call, where a derivative with respect to an argument
  they have none in is an error (`ir.special_base.no_derivative`).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import Any

from symdiff.frontend.arrays import axes_of, constant
from symdiff.frontend.frame import Frame
from symdiff.frontend.values import Nothing
from symdiff.ir.linalg import kept
from symdiff.ir.node import Node
from symdiff.ir.special_base import Place
from symdiff.unparse import unparse


def call(low: Frame, name: str, e: ast.Call) -> Node:
    """The value of the call `e` of ``scipy.special.<name>``."""
    return _SPECIAL[name](low, e)


# Arguments ----------------------------------------------------------------------------------


def bind(low: Frame, e: ast.Call, names: tuple[str, ...], required: int) -> dict[str, Any]:
    """The call's arguments by parameter name (the first `required` must be given): each
    lowered, or None where it is absent or the literal None."""
    label = unparse(e.func)
    if len(e.args) > len(names):
        raise low.src.error(f"{label}() takes at most {len(names)} arguments here "
                            f"({', '.join(names)}), got {len(e.args)}", e)
    given: dict[str, ast.expr] = dict(zip(names, e.args, strict=False))
    for kw in e.keywords:
        if kw.arg is None:
            raise low.src.error(f"**kwargs in a call of {label}() (not supported)", kw)
        if kw.arg not in names:
            raise low.src.error(f"unsupported keyword argument {kw.arg}= of {label}() "
                                f"(it takes {', '.join(names)})", kw)
        if kw.arg in given:
            raise low.src.error(f"{label}() got multiple values for argument {kw.arg!r}", kw)
        given[kw.arg] = kw.value
    missing = [n for n in names[:required] if n not in given]
    if missing:
        raise low.src.error(f"{label}() missing required argument {missing[0]!r}", e)
    values: dict[str, Any] = {}
    for name, node in given.items():
        value = None if isinstance(node, ast.Constant) and node.value is None \
            else low.expr(node)
        values[name] = None if isinstance(value, Nothing) else value
    return values


def numbers(low: Frame, e: ast.Call, values: dict[str, Any]) -> dict[str, Node]:
    """The given arguments, each a number or an array."""
    return {name: low.number(v, e) for name, v in values.items() if v is not None}


def _order(low: Frame, value: Any, what: str, e: ast.Call) -> int:
    """A constant whole number (an int, or a float with an integral value) >= 0."""
    if isinstance(value, Node) and value.is_const and not isinstance(value.value, bool) \
            and isinstance(value.value, (int, float)) and float(value.value).is_integer() \
            and value.value >= 0:
        return int(value.value)
    raise low.src.error(f"{unparse(e.func)}(): {what} must be a constant whole number "
                        ">= 0 here", e)


def place(low: Frame, e: ast.Call, label: str | None = None,
          names: tuple[tuple[str, str], ...] = (), only: str | None = None) -> Place:
    """Where the call is, for the error of a derivative it does not have (named as
    `label`, with `names` and `only`, where it is lowered onto another function: see
    `Place`)."""
    where = low.src.error("", e)
    return Place(where.filename, where.lineno, where.col, where.source_line, label, names,
                 only)


# scipy.special ------------------------------------------------------------------------------


def _logsumexp(low: Frame, e: ast.Call) -> Node:
    values = bind(low, e, ("a", "axis", "b", "keepdims", "return_sign"), 1)
    label = unparse(e.func)
    if constant(low, values.get("return_sign"), bool, "return_sign", e):
        raise low.src.error(f"{label}(return_sign=True) is not supported", e)
    keepdims = constant(low, values.get("keepdims"), bool, "keepdims", e) or False
    if values.get("b") is not None:
        return _weighted_logsumexp(low, values, keepdims, e)
    return logsumexp(low, values["a"], values.get("axis"), keepdims, e)


def logsumexp(low: Frame, a: Any, axis: Any, keepdims: bool, e: ast.Call) -> Node:
    """``log(sum(exp(a), axis))``, the axes put back as length one if `keepdims`."""
    x = low.number(a, e)
    if x.type is None:
        return x
    axes = axes_of(low, axis, x.type.ndim, e)
    return low.b.apply("logsumexp", x, attrs=(axes, keepdims))


def _weighted_logsumexp(low: Frame, values: dict[str, Any], keepdims: bool,
                        e: ast.Call) -> Node:
    """``log(sum(b * exp(a)))`` as ``m + log(sum(b * exp(a - m)))`` with ``m`` the
    unweighted logsumexp: no overflow, and weights of either sign (NaN where the sum is
    negative, -inf where it is 0, as SciPy gives without `return_sign`)."""
    b = low.b
    x, w = low.number(values["a"], e), low.number(values["b"], e)
    ndim = 0 if x.type is None else x.type.ndim
    if w.type is not None and w.type.ndim > ndim:
        raise low.src.error(f"{unparse(e.func)}(): b with more dimensions than a is not "
                            "supported here (broadcast a first)", e)
    if x.type is None:
        return b.add(x, b.apply("xlogy", 1.0, w))
    axes = axes_of(low, values.get("axis"), ndim, e)
    shift = b.apply("logsumexp", x, attrs=(axes, keepdims))
    total = b.apply("sum", b.mul(w, b.exp(b.sub(x, kept(b, shift, shift)))),
                    attrs=(axes, keepdims))
    return b.add(shift, b.apply("xlogy", 1.0, total))


def _log_softmax(low: Frame, e: ast.Call) -> Node:
    values = bind(low, e, ("x", "axis"), 1)
    x = low.number(values["x"], e)
    return low.b.sub(x, logsumexp(low, x, values.get("axis"), True, e))


def _softmax(low: Frame, e: ast.Call) -> Node:
    return low.b.exp(_log_softmax(low, e))


def _polygamma(low: Frame, e: ast.Call) -> Node:
    values = bind(low, e, ("n", "x"), 2)
    n = _order(low, values["n"], "the order n", e)
    x = low.number(values["x"], e)
    if n == 0:
        return low.b.apply("digamma", x)
    factor = (-1.0) ** (n + 1) * math.factorial(n)
    return low.b.mul(factor, low.b.apply("zeta", float(n + 1), x))


def _multigammaln(low: Frame, e: ast.Call) -> Node:
    values = bind(low, e, ("a", "d"), 2)
    d = _order(low, values["d"], "the dimension d", e)
    return low.b.apply("multigammaln", low.number(values["a"], e), d)


def _zeta(low: Frame, e: ast.Call) -> Node:
    values = numbers(low, e, bind(low, e, ("x", "q"), 1))
    q = values.get("q", low.b.const(1.0))
    return low.b.apply("zeta", values["x"], q, attrs=(place(low, e),))


def _placed(name: str, params: tuple[str, ...]) -> Callable[[Frame, ast.Call], Node]:
    """The lowering of ``scipy.special.<name>(*params)``, a primitive with no derivative
    in some argument: its node carries the call's `Place`."""
    def lower(low: Frame, e: ast.Call) -> Node:
        values = numbers(low, e, bind(low, e, params, len(params)))
        args = [values[p] for p in params]
        return low.b.apply(name, *args, attrs=(place(low, e),))
    return lower


_SPECIAL: dict[str, Callable[[Frame, ast.Call], Node]] = {
    "logsumexp": _logsumexp, "softmax": _softmax, "log_softmax": _log_softmax,
    "polygamma": _polygamma, "multigammaln": _multigammaln, "zeta": _zeta,
    "gammainc": _placed("gammainc", ("a", "x")), "gammaincc": _placed("gammaincc", ("a", "x")),
    "betainc": _placed("betainc", ("a", "b", "x")), "stdtr": _placed("stdtr", ("df", "t")),
    "jv": _placed("jv", ("v", "z")), "jn": _placed("jv", ("v", "z")),
    "yv": _placed("yv", ("v", "z")), "yn": _placed("yn", ("n", "x")),
    "iv": _placed("iv", ("v", "z")), "ive": _placed("ive", ("v", "z")),
}


