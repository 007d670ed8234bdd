"""The digamma function as IR, for the derivatives of ``math.lgamma`` and ``math.gamma``.

Contract: `digamma(b, x)` builds psi(x) = d/dx log|Gamma(x)| from operations of the
table, so generated code needs neither SciPy nor a helper of its own, and its own
derivatives (trigamma and beyond) follow by differentiating it. For ``x >= 0.5`` it
is the asymptotic series at ``y = x + 6`` (terms to ``y**-14``, error below 1e-13 of
the value) minus the six reciprocals of the recurrence psi(x + 1) = psi(x) + 1/x; for
``x < 0.5`` the reflection psi(x) = psi(1 - x) - pi / tan(pi x). No operation in it can
raise where ``lgamma`` itself does not: its logarithm's argument is at least 6.5, and
the reflection's division gives IEEE inf at a pole.
"""

from __future__ import annotations

import math

from symdiff.ir.node import Node, NodeBuilder

_SHIFT = 6
# B_2n / (2n) for n = 7 down to 1: the series' coefficients, innermost first.
_SERIES = (1 / 12, 691 / 32760, 1 / 132, 1 / 240, 1 / 252, 1 / 120, 1 / 12)


def digamma(b: NodeBuilder, x: Node) -> Node:
    """psi(x), built with `b`."""
    small = b.apply("lt", x, 0.5)
    z = b.select(small, b.sub(1.0, x), x)  # at least 0.5
    y = b.add(z, float(_SHIFT))
    w = b.div(1.0, b.mul(y, y))
    tail: Node | float = _SERIES[0]
    for c in _SERIES[1:]:
        tail = b.sub(c, b.mul(w, tail))  # Horner in w, the signs alternating
    series = b.sub(b.sub(b.log(y), b.div(0.5, y)), b.mul(w, tail))
    for k in range(_SHIFT):
        series = b.sub(series, b.div(1.0, b.add(z, float(k)) if k else z))
    reflected = b.safe_div(math.pi, b.tan(b.mul(math.pi, x)))
    return b.sub(series, b.select(small, reflected, 0.0))
