"""Order statistics: NumPy's median, quantiles and percentiles of an array.

Contract:
- ``quantile`` takes the array and the quantile q (a number; in percent for
  ``np.percentile``, and 0.5 for ``np.median``, which does not emit it) and
  ``attrs`` (axes, keepdims, function, method): the axes reduced (sorted non-negative,
  or None for all) kept as length one when keepdims, like ``sum``; the NumPy function
  emitted (``"median"``, ``"quantile"``, ``"percentile"``); and its method, one of
  `METHODS` (``"linear"`` for the median).
- Its derivative with respect to the array follows the entries the statistic reads:
  ``linear`` is ``(1 - g) * lower + g * higher`` of the two order statistics around the
  position ``q * (n - 1)`` (g its fractional part), ``midpoint`` their mean, and
  ``lower``, ``higher``, ``nearest`` one of them. Each order statistic's derivative goes
  to the entries equal to it, shared equally among ties (as ``np.max``'s). The
  statistics are found by NumPy itself (``np.quantile(..., method="lower")``), so the
  weights are those of the entries NumPy selects. With respect to q (linear only) it is
  ``(higher - lower) * (n - 1)`` (over 100 for percentiles); the other methods are
  constant in q between jumps.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.arrays import np_call
from symdiff.ir.linalg import kept
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive
from symdiff.ir.types import Type, reduced

METHODS = ("linear", "lower", "higher", "nearest", "midpoint")


def _type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    x, q = types
    if x is None or q is not None:
        raise TypeError("np.quantile of an array at a number q only")
    return reduced(x, attrs[0], attrs[1])


def _emit(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    axes, keepdims, function, method = attrs
    kws: dict[str, Any] = {}
    if axes is not None:
        kws["axis"] = ast.Constant(axes[0]) if len(axes) == 1 else ast.Tuple(
            [ast.Constant(a) for a in axes], ast.Load())
    if keepdims:
        kws["keepdims"] = True
    if method != "linear":
        kws["method"] = method
    operands = args[:1] if function == "median" else args
    return np_call(function, *operands, **kws)


def _statistic(b: NodeBuilder, node: Node, method: str, keepdims: bool = True) -> Node:
    """The order statistic `method` (``"lower"``, ``"higher"``...) at the node's q."""
    axes, _, function, _ = node.attrs
    function = "quantile" if function == "median" else function
    return b.apply("quantile", *node.args, attrs=(axes, keepdims, function, method))


def _share(b: NodeBuilder, node: Node, value: Node) -> Node:
    """For each entry of the array, 1 / (how many entries equal `value`) where it does,
    else 0: the derivative of an order statistic that equals `value`."""
    x = node.args[0]
    hit = b.apply("eq", x, value)
    count = b.apply("sum", hit, attrs=(node.attrs[0], True))
    if x.type.dtype != "float64":
        count = b.apply("astype_like", count, x)
    b.name(hit, "is_selected")
    return b.select(hit, b.div(1.0, count), 0.0)


def _fraction(b: NodeBuilder, node: Node) -> Node:
    """The fractional part g of the position ``q * (n - 1)`` of the linear method."""
    x, q = node.args
    if node.attrs[2] == "percentile":
        q = b.div(q, 100.0)
    position = b.mul(q, b.sub(b.apply("size", x, attrs=(node.attrs[0],)), 1))
    return b.sub(position, b.apply("floor", position))


def weights(b: NodeBuilder, node: Node) -> Node:
    """How much each entry of the array moves the statistic (kept-dims shaped)."""
    method = node.attrs[3]
    if method in ("lower", "higher", "nearest"):
        return _share(b, node, _statistic(b, node, method))
    lower = _share(b, node, _statistic(b, node, "lower"))
    higher = _share(b, node, _statistic(b, node, "higher"))
    g = b.const(0.5) if method == "midpoint" else _fraction(b, node)
    w = b.add(b.mul(b.sub(1.0, g), lower), b.mul(g, higher))
    b.name(w, "weight")
    return w


def _slope(b: NodeBuilder, node: Node) -> Node:
    """The derivative with respect to q of the linear method: (higher - lower)(n - 1),
    over 100 for a percentile."""
    x = node.args[0]
    keepdims = node.attrs[1]
    gap = b.sub(_statistic(b, node, "higher", keepdims), _statistic(b, node, "lower", keepdims))
    slope = b.mul(gap, b.sub(b.apply("size", x, attrs=(node.attrs[0],)), 1))
    return b.div(slope, 100.0) if node.attrs[2] == "percentile" else slope


def _jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    tx, tq = ts
    total = None
    if tx is not None:
        total = b.apply("sum", b.mul(weights(b, node), tx), attrs=node.attrs[:2])
    if tq is not None and node.attrs[3] == "linear":
        term = b.mul(_slope(b, node), tq)
        total = term if total is None else b.add(total, term)
    return total


def _vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """The cotangent to the entries the statistic reads (see the module doc); q's is
    the cotangent times the slope in q, summed over the result."""
    x_bar = b.mul(kept(b, ct, node), weights(b, node))
    q_bar = None
    if node.attrs[3] == "linear" and not node.args[1].is_const:
        q_bar = b.mul(ct, _slope(b, node))
        if q_bar.type is not None:
            q_bar = b.apply("sum", q_bar, attrs=(None, False))
    return x_bar, q_bar


# q out of range raises (ValueError), as does an empty array.
QUANTILE = Primitive(
    "quantile", 2, None, _emit, type_rule=_type, jvp_rule=_jvp, vjp_rule=_vjp)


RECORDS: tuple[Primitive, ...] = (QUANTILE,)
