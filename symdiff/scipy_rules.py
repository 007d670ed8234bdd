"""Derivative rules for the ``scipy.special`` functions people use most.

`RULES` is data: `symdiff.custom` gives each to `defrule` when a differentiated
function refers to anything while ``scipy.special`` is imported (never at ``import
symdiff``). Each rule is an ordinary function symdiff lowers, so generated code calls
SciPy for the values and these formulas for the derivatives, and derivatives of
derivatives follow (``gammaln'`` is ``digamma``, ``digamma'`` is ``zeta(2, x)``).

- ``erf``, ``erfc``, ``expit``, ``gammaln``, ``digamma`` (``psi``), ``xlogy``: elementwise;
- ``zeta(s, q)``: with respect to ``q`` (its derivative in ``s`` is NaN: not provided);
- ``logsumexp(a)``: of all elements (``axis=None``, no ``b``), a number.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special


def _erf_jvp(primals, tangents):  # type: ignore[no-untyped-def]
    (x,), (t,) = primals, tangents
    return special.erf(x), (2.0 / math.sqrt(math.pi)) * np.exp(-(x * x)) * t


def _erfc_jvp(primals, tangents):  # type: ignore[no-untyped-def]
    (x,), (t,) = primals, tangents
    return special.erfc(x), (-2.0 / math.sqrt(math.pi)) * np.exp(-(x * x)) * t


def _expit_jvp(primals, tangents):  # type: ignore[no-untyped-def]
    (x,), (t,) = primals, tangents
    out = special.expit(x)
    return out, out * (1.0 - out) * t


def _gammaln_jvp(primals, tangents):  # type: ignore[no-untyped-def]
    (x,), (t,) = primals, tangents
    return special.gammaln(x), special.digamma(x) * t


def _digamma_jvp(primals, tangents):  # type: ignore[no-untyped-def]
    (x,), (t,) = primals, tangents
    return special.digamma(x), special.zeta(2.0, x) * t


def _zeta_jvp(primals, tangents):  # type: ignore[no-untyped-def]
    (s, q), (ts, tq) = primals, tangents
    return special.zeta(s, q), -s * special.zeta(s + 1.0, q) * tq + math.nan * ts


def _xlogy_jvp(primals, tangents):  # type: ignore[no-untyped-def]
    (x, y), (tx, ty) = primals, tangents
    # xlogy(1.0, y) is log(y) without raising at y == 0.
    return special.xlogy(x, y), special.xlogy(1.0, y) * tx + x / y * ty


def _logsumexp_jvp(primals, tangents):  # type: ignore[no-untyped-def]
    (a,), (t,) = primals, tangents
    out = special.logsumexp(a)
    return out, np.sum(np.exp(a - out) * t)


# (function, its JVP rule, output, number of arguments the rule covers)
RULES = (
    (special.erf, _erf_jvp, "elementwise", None),
    (special.erfc, _erfc_jvp, "elementwise", None),
    (special.expit, _expit_jvp, "elementwise", None),
    (special.gammaln, _gammaln_jvp, "elementwise", None),
    (special.digamma, _digamma_jvp, "elementwise", None),
    (special.zeta, _zeta_jvp, "elementwise", None),
    (special.xlogy, _xlogy_jvp, "elementwise", None),
    (special.logsumexp, _logsumexp_jvp, "scalar", 1),
)
