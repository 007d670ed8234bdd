"""NumPy's elementwise functions that ``math`` has no function for: ``logaddexp``,
``logaddexp2``, ``exp2``, ``sinc``, ``cbrt``, ``heaviside``, ``fmax``, ``fmin``; and the
tests ``isnan``, ``isfinite``, ``isinf`` both have (``math``'s on numbers, NumPy's on
arrays; truth values, with no derivative).

Each is emitted as NumPy's own call, for numbers too, so none raises (NumPy warns where
a value is inf or nan); on a float32 array the result is float32. Conventions at the
points where a formula needs care: ``sinc'`` is its Taylor polynomial near 0, exact at
0 (``sinc''(0) = -pi**2/3``); ``cbrt'(0) = inf``, as NumPy's ``1/(3*cbrt(x)**2)``
gives; ``heaviside(x, h0)`` has no derivative in x and derivative 1 in h0 where x is 0;
``fmax``/``fmin`` give the derivative to the argument they choose (the number over a
NaN) and split a tie 0.5/0.5, as ``max``/``min`` do.

`RECORDS` is this module's part of the table (`ir.primitives`); the lookups of the
callables that lower to a primitive (`scalars.PYTHON`, `scalars.NUMPY`) read them too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import (
    Choice,
    Partial,
    Primitive,
    Quotient,
    math_call,
    np_call,
    tie_split,
)

_LN2 = math.log(2.0)


def _numpy() -> Any:
    import numpy  # here: the table loads without NumPy

    return numpy


def _numpy_impl(name: str) -> Callable[..., Any]:
    return lambda *args: getattr(_numpy(), name)(*args)


def _fmax_partials(b: NodeBuilder, out: Node, x: Node, y: Node) -> tuple[Partial, ...]:
    return _nan_skipping_split(b, b.apply("gt", x, y), b.apply("ge", x, y), x, y)


def _fmin_partials(b: NodeBuilder, out: Node, x: Node, y: Node) -> tuple[Partial, ...]:
    return _nan_skipping_split(b, b.apply("lt", x, y), b.apply("le", x, y), x, y)


def _nan_skipping_split(b: NodeBuilder, wins: Node, keeps: Node, x: Node, y: Node
                        ) -> tuple[Partial, ...]:
    # fmax/fmin choose the number over a NaN: the first argument also wins where the
    # second is NaN (y != y), and loses where only it is; ties split as max/min do.
    y_nan = b.apply("ne", y, y)
    return tie_split(b, b.select(y_nan, True, wins), b.select(y_nan, True, keeps),
                     b.apply("eq", x, y))


# sinc'(x) = (cos(pi x) - sinc(x)) / x away from 0; near 0, where that cancels, its
# Taylor polynomial x * (c1 + c2 x^2 + c3 x^4 + c4 x^6), exact at 0 to every order
# through the eighth derivative of sinc.
_SINC_SERIES = (-math.pi**2 / 3, math.pi**4 / 30, -math.pi**6 / 840, math.pi**8 / 45360)
_SINC_NEAR = 0.05


def _sinc_partials(b: NodeBuilder, out: Node, x: Node) -> tuple[Partial, ...]:
    near = b.apply("lt", b.apply("abs", x), _SINC_NEAR)
    away = b.div(b.sub(b.cos(b.mul(math.pi, x)), out), b.select(near, 1.0, x))
    x2 = b.square(x)
    poly: Node | float = _SINC_SERIES[-1]
    for c in reversed(_SINC_SERIES[:-1]):
        poly = b.add(c, b.mul(x2, poly))
    return (b.select(near, b.mul(x, poly), away),)


def _ufunc(name: str, arity: int, partials: Any, sympy: Callable[..., Any],
           **facts: Any) -> Primitive:
    """The record of ``np.<name>``: NumPy's call on numbers and arrays alike, never raising."""
    return Primitive(name, arity, _numpy_impl(name), np_call(name), partials, sympy=sympy,
                     may_raise=False, numpy=(name,), **facts)


# log(exp(x) + exp(y)) without overflow.
LOGADDEXP = _ufunc(
    "logaddexp", 2, lambda b, out, x, y: (b.exp(b.sub(x, out)), b.exp(b.sub(y, out))),
    lambda sp, x, y: sp.log(sp.exp(x) + sp.exp(y)), commutative=True, cost="transcendental")

LOGADDEXP2 = _ufunc(
    "logaddexp2", 2, lambda b, out, x, y: (b.exp2(b.sub(x, out)), b.exp2(b.sub(y, out))),
    lambda sp, x, y: sp.log(2**x + 2**y, 2), commutative=True, cost="transcendental")

EXP2 = _ufunc("exp2", 1, lambda b, out, x: (b.mul(out, _LN2),), lambda sp, x: 2**x,
              cost="transcendental")

# sin(pi x) / (pi x), 1 at 0 (SymPy's sinc is sin(x) / x).
SINC = _ufunc("sinc", 1, _sinc_partials, lambda sp, x: sp.sinc(sp.pi * x),
              cost="transcendental")

# The real cube root, negative for x < 0.
CBRT = _ufunc(
    "cbrt", 1, lambda b, out, x: (Quotient(1.0, b.mul(3.0, b.square(out)), True),),
    lambda sp, x: sp.sign(x) * sp.Abs(x) ** sp.Rational(1, 3), cost="transcendental")

# 0 for x < 0, h0 at 0, 1 for x > 0.
HEAVISIDE = _ufunc(
    "heaviside", 2, lambda b, out, x, h0: (None, Choice(b.apply("eq", x, 0.0))),
    lambda sp, x, h0: sp.Piecewise((0, x < 0), (1, x > 0), (h0, True)), cost="comparison")

FMAX = _ufunc("fmax", 2, _fmax_partials, lambda sp, x, y: sp.Max(x, y), cost="arithmetic")

FMIN = _ufunc("fmin", 2, _fmin_partials, lambda sp, x, y: sp.Min(x, y), cost="arithmetic")




def _test(name: str, sympy: Callable[..., Any]) -> Primitive:
    """``math.<name>`` on a number, ``np.<name>`` on an array: a truth value."""
    fn = getattr(math, name)
    return Primitive(name, 1, fn, math_call(name), differentiable=False, sympy=sympy,
                     emit_array=np_call(name), may_raise=False, python=(fn,),
                     numpy=(name,), cost="comparison")


def _sp_infinite(sp: Any, x: Any) -> Any:
    return sp.Or(sp.Eq(x, sp.oo), sp.Eq(x, -sp.oo))


ISNAN = _test("isnan", lambda sp, x: sp.Eq(x, sp.nan))

ISFINITE = _test("isfinite", lambda sp, x: sp.Not(sp.Or(_sp_infinite(sp, x),
                                                         sp.Eq(x, sp.nan))))

ISINF = _test("isinf", _sp_infinite)


RECORDS: tuple[Primitive, ...] = (
    LOGADDEXP, LOGADDEXP2, EXP2, SINC, CBRT, HEAVISIDE, FMAX, FMIN, ISNAN, ISFINITE, ISINF,
)
