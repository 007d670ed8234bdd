"""Lowering of ``scipy.stats`` distributions' methods onto the formulas SciPy computes.

Contract: `call(frame, distribution, method, e)` lowers the call `e` of
``scipy.stats.<distribution>.<method>``, one of `resolve.SCIPY_DISTRIBUTIONS`, onto
primitives (`ir.special` and the scalar ones), so that its derivatives of every order
are theirs; its arguments are read as `scipy_special.bind` reads them.
- A method takes ``(x, *shapes, loc=0, scale=1)`` (a discrete distribution's, ``(k,
  *shapes, loc=0)``) and is the formula SciPy's own method computes at ``z = (x - loc)
  / scale``: the log density less ``log(scale)``; ``pdf``/``pmf`` are the exp of
  ``logpdf``/``logpmf``. A default ``loc`` or ``scale`` given as a constant costs
  nothing. Outside the support the log density is ``-inf``, computed at a point inside
  it so that its derivatives there are 0, not NaN (a discrete distribution's support
  is the whole numbers in range). ``norm`` also has ``cdf``, ``logcdf``, ``sf``,
  ``logsf`` (``ndtr`` and ``log_ndtr`` of ``z`` and ``-z``), ``ppf`` and ``isf``
  (``loc ± scale * ndtri(q)``).
- ``multivariate_normal.logpdf(x, mean=None, cov=1)`` takes a 2-D ``cov`` and ``x`` of
  one sample (1-D) or one per row (2-D): ``-(d log(2 pi) + log det(cov) + (x - mean)
  cov^-1 (x - mean)) / 2``.
- Invalid parameters (``scale <= 0``...) are not checked: where SciPy gives NaN, the
  code's logarithms and divisions of numbers raise as ``math``'s do.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass

from symdiff.frontend.frame import Frame
from symdiff.frontend.scipy_special import bind, numbers
from symdiff.ir.node import Node, NodeBuilder
from symdiff.unparse import unparse

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def call(low: Frame, distribution: str, method: str, e: ast.Call) -> Node:
    """The value of the call `e` of ``scipy.stats.<distribution>.<method>``."""
    if distribution == "multivariate_normal":
        return _multivariate_normal(low, e, method)
    return _distribution(low, e, _FAMILIES[distribution], method)


Shapes = dict[str, Node]


@dataclass(frozen=True)
class _Family:
    """A distribution: its shape parameters, its log density at a standardised point
    (``z = (x - loc) / scale``) without ``-log(scale)``, and its support: the tests of
    a point outside it (None: the real line) and a point inside it."""

    shapes: tuple[str, ...]
    log_density: Callable[[NodeBuilder, Node, Shapes], Node]
    outside: Callable[[NodeBuilder, Node, Shapes], tuple[Node, ...]] | None = None
    inside: float = 0.0
    discrete: bool = False


def _xlogy(b: NodeBuilder, x: Node | float, y: Node | float) -> Node:
    return b.apply("xlogy", x, y)


def _norm(b: NodeBuilder, z: Node, s: Shapes) -> Node:
    return b.sub(b.mul(-0.5, b.square(z)), _HALF_LOG_2PI)


def _t(b: NodeBuilder, z: Node, s: Shapes) -> Node:
    df = s["df"]
    half = b.mul(0.5, b.add(df, 1.0))
    norming = b.sub(b.apply("gammaln", half), b.apply("gammaln", b.mul(0.5, df)))
    spread = b.add(b.mul(0.5, b.log(b.mul(df, math.pi))),
                   b.mul(half, b.apply("log1p", b.div(b.square(z), df))))
    return b.sub(norming, spread)


def _gamma(b: NodeBuilder, z: Node, s: Shapes) -> Node:
    a = s["a"]
    return b.sub(b.sub(_xlogy(b, b.sub(a, 1.0), z), z), b.apply("gammaln", a))


def _beta(b: NodeBuilder, z: Node, s: Shapes) -> Node:
    a, c = s["a"], s["b"]
    both = b.add(b.apply("xlog1py", b.sub(c, 1.0), b.neg(z)), _xlogy(b, b.sub(a, 1.0), z))
    return b.sub(both, b.apply("betaln", a, c))


def _lognorm(b: NodeBuilder, z: Node, s: Shapes) -> Node:
    shape = s["s"]
    log_z = b.log(z)
    spread = b.div(b.square(log_z), b.mul(2.0, b.square(shape)))
    return b.sub(b.neg(spread), b.add(b.add(b.log(shape), log_z), _HALF_LOG_2PI))


def _poisson(b: NodeBuilder, k: Node, s: Shapes) -> Node:
    mu = s["mu"]
    return b.sub(b.sub(_xlogy(b, k, mu), b.apply("gammaln", b.add(k, 1.0))), mu)


def _binom(b: NodeBuilder, k: Node, s: Shapes) -> Node:
    n, p = s["n"], s["p"]
    ways = b.sub(b.apply("gammaln", b.add(n, 1.0)),
                 b.add(b.apply("gammaln", b.add(k, 1.0)),
                       b.apply("gammaln", b.add(b.sub(n, k), 1.0))))
    return b.add(b.add(ways, _xlogy(b, k, p)), b.apply("xlog1py", b.sub(n, k), b.neg(p)))


def _below(b: NodeBuilder, z: Node, s: Shapes) -> tuple[Node, ...]:
    return (b.apply("lt", z, 0.0),)


def _not_positive(b: NodeBuilder, z: Node, s: Shapes) -> tuple[Node, ...]:
    return (b.apply("le", z, 0.0),)


def _unit(b: NodeBuilder, z: Node, s: Shapes) -> tuple[Node, ...]:
    return b.apply("lt", z, 0.0), b.apply("gt", z, 1.0)


def _counts(b: NodeBuilder, k: Node, s: Shapes) -> tuple[Node, ...]:
    tests = (b.apply("lt", k, 0.0), b.apply("ne", b.apply("mod", k, 1.0), 0.0))
    return (*tests, b.apply("gt", k, s["n"])) if "n" in s else tests


_FAMILIES: dict[str, _Family] = {
    "norm": _Family((), _norm),
    "t": _Family(("df",), _t),
    "gamma": _Family(("a",), _gamma, _below, 1.0),
    "beta": _Family(("a", "b"), _beta, _unit, 0.5),
    "expon": _Family((), lambda b, z, s: b.neg(z), _below, 1.0),
    "laplace": _Family((), lambda b, z, s: b.sub(-math.log(2.0), b.apply("abs", z))),
    "cauchy": _Family(
        (), lambda b, z, s: b.sub(-math.log(math.pi), b.apply("log1p", b.square(z)))),
    "lognorm": _Family(("s",), _lognorm, _not_positive, 1.0),
    "poisson": _Family(("mu",), _poisson, _counts, 0.0, discrete=True),
    "binom": _Family(("n", "p"), _binom, _counts, 0.0, discrete=True),
}


def _distribution(low: Frame, e: ast.Call, family: _Family, method: str) -> Node:
    first = "q" if method in ("ppf", "isf") else "k" if family.discrete else "x"
    place = ("loc",) if family.discrete else ("loc", "scale")
    values = numbers(low, e, bind(low, e, (first, *family.shapes, *place),
                                    1 + len(family.shapes)))
    b = low.b
    point = values[first]
    loc, scale = _unless(values.get("loc"), 0.0), _unless(values.get("scale"), 1.0)
    if method in ("ppf", "isf"):
        quantile = b.apply("ndtri", point)
        spread = quantile if scale is None else b.mul(scale, quantile)
        if method == "isf":
            return b.neg(spread) if loc is None else b.sub(loc, spread)
        return spread if loc is None else b.add(loc, spread)
    z = point if loc is None else b.sub(point, loc)
    z = z if scale is None else b.div(z, scale)
    if method in _NORM_CDFS:
        name, sign = _NORM_CDFS[method]
        return b.apply(name, z if sign > 0 else b.neg(z))
    shapes = {name: values[name] for name in family.shapes}
    value = _log_density(b, family, z, shapes)
    if scale is not None:
        value = b.sub(value, b.log(scale))
    return b.exp(value) if method in ("pdf", "pmf") else value


def _unless(value: Node | None, default: float) -> Node | None:
    """`value`, or None where it is the default as a constant (``x - 0.0`` is ``x``,
    ``x / 1.0`` is ``x`` and ``log(1.0)`` is 0 for every float)."""
    return None if value is None or value.is_const and value.value == default else value


# norm's distribution functions of z: (primitive, sign of its argument)
_NORM_CDFS = {"cdf": ("ndtr", 1), "logcdf": ("log_ndtr", 1), "sf": ("ndtr", -1),
              "logsf": ("log_ndtr", -1)}


def _log_density(b: NodeBuilder, family: _Family, z: Node, shapes: Shapes) -> Node:
    """The family's log density at `z`, -inf outside its support, computed there at a
    point inside it (so that every derivative there is 0)."""
    if family.outside is None:
        return family.log_density(b, z, shapes)
    tests = family.outside(b, z, shapes)
    inner = z
    for test in tests:
        inner = b.select(test, family.inside, inner)
    value = family.log_density(b, inner, shapes)
    for test in tests:
        value = b.select(test, -math.inf, value)
    return value


def _multivariate_normal(low: Frame, e: ast.Call, method: str) -> Node:
    values = bind(low, e, ("x", "mean", "cov"), 1)
    label = unparse(e.func)
    cov = values.get("cov")
    if not (isinstance(cov, Node) and cov.type is not None and cov.type.ndim == 2):
        raise low.src.error(f"{label}() takes cov as a 2-D array here", e)
    x = low.number(values["x"], e)
    if x.type is None or x.type.ndim not in (1, 2):
        raise low.src.error(f"{label}() takes x as a 1-D array (one sample) or a 2-D one "
                            "(a sample per row) here", e)
    b = low.b
    mean = values.get("mean")
    d = x if mean is None else b.sub(x, low.number(mean, e))
    rows = d if x.type.ndim == 1 else b.apply("transpose", d, attrs=(None,))
    solved = b.apply("solve", cov, rows)  # cov^-1 (x - mean), a column per sample
    squares = b.apply("sum", b.mul(rows, solved), attrs=((0,), False))
    dim = b.apply("size", x, attrs=((x.type.ndim - 1,),))
    log_det = b.log(b.apply("det", cov))
    total = b.add(b.add(b.mul(dim, 2.0 * _HALF_LOG_2PI), log_det), squares)
    value = b.mul(-0.5, total)
    return b.exp(value) if method == "pdf" else value
