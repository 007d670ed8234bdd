"""The Bessel functions of ``scipy.special``, as primitives (`ir.special` gathers them).

``j0``, ``j1``, ``y0``, ``y1`` (of the first and second kind, orders 0 and 1) and, of
any real order ``v``, ``jv`` (``jn`` is the same SciPy function), ``yv``, ``yn`` (an
integer order), ``iv`` and ``ive`` (the modified one, and it times ``exp(-|x|)``).

Contract:
- Each is SciPy's own call (`special_base.function`); ``j0`` to ``y1`` are called by
  name, the functions of an order are lowered by the frontend, which gives their node
  the `Place` of the call (``attrs[0]``).
- Their derivatives in ``x`` are the recurrences ``f_v' = (f_{v-1} - f_{v+1}) / 2``
  (``+`` for ``iv``; ``ive`` also less ``sign(x) ive``), ``j0' = -j1``, ``y0' = -y1``,
  ``j1' = j0 - j1 / x`` (its Taylor polynomial near 0, so exact there to every order)
  and ``y1' = y0 - y1 / x``: derivatives of every order follow from these records. The
  order has no derivative (`special_base.no_derivative`): an error at the call when
  it is differentiated.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Partial, Primitive
from symdiff.ir.special_base import function, near_zero, no_derivative, poly

# j1(x) / x = sum_k (-x**2 / 4)**k / (2 k! (k + 1)!): its coefficients in x**2.
_J1_OVER_X = tuple((-0.25)**k / (2 * math.factorial(k) * math.factorial(k + 1))
                   for k in range(5))


def _j1_partials(b: NodeBuilder, out: Node, x: Node) -> tuple[Partial, ...]:
    series = poly(b, b.square(x), _J1_OVER_X)
    ratio = near_zero(b, x, 0.05, series, lambda safe: b.div(b.apply("j1", safe), safe))
    return (b.sub(b.apply("j0", x), ratio),)


def _y1_partials(b: NodeBuilder, out: Node, x: Node) -> tuple[Partial, ...]:
    return (b.sub(b.apply("y0", x), b.safe_div(out, x)),)


def _recurrence(name: str, order: str, sign: float) -> Callable[..., tuple[Partial, ...]]:
    """The partials of ``name(v, x)``: none in the order, ``(f(v - 1, x) + sign *
    f(v + 1, x)) / 2`` in x."""
    def partials(b: NodeBuilder, out: Node, v: Node, x: Node) -> tuple[Partial, ...]:
        below = b.apply(name, b.sub(v, 1.0), x, attrs=out.attrs)
        above = b.apply(name, b.add(v, 1.0), x, attrs=out.attrs)
        both = b.add(below, above) if sign > 0 else b.sub(below, above)
        return no_derivative(b, out, order, "x"), b.mul(0.5, both)
    return partials


def _ive_partials(b: NodeBuilder, out: Node, v: Node, x: Node) -> tuple[Partial, ...]:
    # ive = iv exp(-|x|): ive' = (ive(v - 1) + ive(v + 1)) / 2 - sign(x) ive
    order, dx = _recurrence("ive", "v", 1.0)(b, out, v, x)
    assert isinstance(dx, Node)
    return order, b.sub(dx, b.mul(b.sign(x), out))


def _sp_order(kind: str, scaled: bool = False) -> Callable[..., Any]:
    def sympy(sp: Any, v: Any, x: Any) -> Any:
        value = getattr(sp, kind)(v, x)
        return sp.exp(-sp.Abs(x)) * value if scaled else value
    return sympy


J0 = function("j0", 1, lambda b, out, x: (b.neg(b.apply("j1", x)),),
              lambda sp, x: sp.besselj(0, x))

J1 = function("j1", 1, _j1_partials, lambda sp, x: sp.besselj(1, x))

Y0 = function("y0", 1, lambda b, out, x: (b.neg(b.apply("y1", x)),),
              lambda sp, x: sp.bessely(0, x))

Y1 = function("y1", 1, _y1_partials, lambda sp, x: sp.bessely(1, x))

JV = function("jv", 2, _recurrence("jv", "v", -1.0), _sp_order("besselj"), named=False)

YV = function("yv", 2, _recurrence("yv", "v", -1.0), _sp_order("bessely"), named=False)

YN = function("yn", 2, _recurrence("yn", "n", -1.0), _sp_order("bessely"), named=False)

IV = function("iv", 2, _recurrence("iv", "v", 1.0), _sp_order("besseli"), named=False)

IVE = function("ive", 2, _ive_partials, _sp_order("besseli", scaled=True), named=False)

RECORDS: tuple[Primitive, ...] = (J0, J1, Y0, Y1, JV, YV, YN, IV, IVE)
