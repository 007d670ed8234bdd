"""Lowering of ``scipy.stats`` distributions' methods onto the formulas SciPy computes.

Contract: `call(frame, distribution, method, e)` lowers the call `e` of
``scipy.stats.<distribution>.<method>``, one of `resolve.SCIPY_DISTRIBUTIONS`, onto
primitives (`ir.special` and the scalar ones), so that its derivatives of every order
are theirs; its arguments are read as `scipy_special.bind` reads them. `freeze(frame,
distribution, e)` reads a call of the distribution itself (``norm(loc, scale)``) as a
`values.Frozen`, whose methods `frozen_call` lowers as the same methods given those
parameters. The multivariate distributions are `scipy_multivariate`'s.
- A method takes ``(x, *shapes, loc=0, scale=1)`` (a discrete distribution's, ``(k,
  *shapes, loc=0)``) and is the formula SciPy's own method computes at ``z = (x - loc)
  / scale``: the log density less ``log(scale)``; ``pdf``/``pmf`` are the exp of
  ``logpdf``/``logpmf``. A default ``loc`` or ``scale`` given as a constant costs
  nothing. Outside the support the log density is ``-inf``, computed at a point inside
  it so that its derivatives there are 0, not NaN (a discrete distribution's support
  is the whole numbers in range). ``norm`` also has ``sf``, ``logsf`` (``ndtr`` and
  ``log_ndtr`` of ``z`` and ``-z``), ``ppf`` and ``isf`` (``loc ± scale * ndtri(q)``).
- ``cdf`` is the family's distribution function at ``z`` (``ndtr``, ``stdtr``,
  ``gammainc``, ``betainc``, ``gammaincc`` of the whole count, or elementary), 0 or 1
  outside the support with derivative 0 there; ``logcdf`` its ``xlogy(1, cdf)``. Its
  derivative in the point is the density; in a shape whose primitive has none (``t``'s
  ``df``, ``gamma``'s ``a``...) it is a located error naming the distribution's
  method and argument (the call's `Place`).
- Invalid parameters (``scale <= 0``...) are not checked: where SciPy gives NaN, the
  code's logarithms and divisions of numbers raise as ``math``'s do.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from symdiff.frontend import scipy_multivariate as multivariate
from symdiff.frontend.frame import Frame
from symdiff.frontend.resolve import SCIPY_DISTRIBUTIONS
from symdiff.frontend.scipy_special import bind, numbers, place
from symdiff.frontend.values import Frozen
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.special_base import Place

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def call(low: Frame, distribution: str, method: str, e: ast.Call) -> Node:
    """The value of the call `e` of ``scipy.stats.<distribution>.<method>``."""
    return _method(low, distribution, method, e, None)


def freeze(low: Frame, distribution: str, e: ast.Call) -> Frozen:
    """The call `e` of ``scipy.stats.<distribution>`` with its parameters (``norm(loc,
    scale)``): a frozen distribution, its parameters lowered."""
    params, required = _parameters(distribution)
    values = bind(low, e, params, required)
    return Frozen(distribution, tuple((k, v) for k, v in values.items() if v is not None))


def frozen_call(low: Frame, frozen: Frozen, method: str, e: ast.Call) -> Node:
    """The value of the call `e` of a method of a frozen distribution."""
    if method not in SCIPY_DISTRIBUTIONS[frozen.distribution]:
        raise low.src.error(
            f"a frozen scipy.stats.{frozen.distribution} has no method {method}() in symdiff "
            f"(it has {', '.join(SCIPY_DISTRIBUTIONS[frozen.distribution])})", e)
    return _method(low, frozen.distribution, method, e, dict(frozen.values))


def _method(low: Frame, distribution: str, method: str, e: ast.Call,
            frozen: dict[str, Any] | None) -> Node:
    params, required = _parameters(distribution)
    discrete = distribution in _FAMILIES and _FAMILIES[distribution].discrete
    point: tuple[str, ...] = () if method == "entropy" else ("q",) if method in (
        "ppf", "isf") else ("k",) if discrete else ("x",)
    if frozen is None:
        values = bind(low, e, (*point, *params), len(point) + required)
    else:
        values = {**frozen, **bind(low, e, point, len(point))}
    if distribution == "multivariate_normal":
        return multivariate.normal(low, e, method, values)
    if distribution == "dirichlet":
        return multivariate.dirichlet(low, e, method, values)
    if distribution == "dirichlet_multinomial":
        return multivariate.dirichlet_multinomial(low, e, method, values)
    return _distribution(low, e, distribution, method, point[0], numbers(low, e, values))


def _parameters(distribution: str) -> tuple[tuple[str, ...], int]:
    """The parameters of a distribution (its methods take the point first), and how
    many must be given."""
    if distribution in multivariate.PARAMETERS:
        return multivariate.PARAMETERS[distribution]
    family = _FAMILIES[distribution]
    position = ("loc",) if family.discrete else ("loc", "scale")
    return (*family.shapes, *position), len(family.shapes)


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
    # The distribution function at z (its own support handled), given the `Place` of
    # the call for a derivative it lacks; the arguments of the primitive it lacks one
    # in, by the distribution's names; the shapes it has derivatives in.
    cdf: Callable[[NodeBuilder, Node, Shapes, Place], Node] | None = None
    cdf_names: tuple[tuple[str, str], ...] = ()
    cdf_shapes: tuple[str, ...] = ()


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


def _chi2(b: NodeBuilder, z: Node, s: Shapes) -> Node:
    half = b.mul(0.5, s["df"])
    log_z = _xlogy(b, b.sub(half, 1.0), z)
    return b.sub(b.sub(log_z, b.mul(0.5, z)),
                 b.add(b.apply("gammaln", half), b.mul(half, math.log(2.0))))


def _poisson(b: NodeBuilder, k: Node, s: Shapes) -> Node:
    mu = s["mu"]
    return b.sub(b.sub(_xlogy(b, k, mu), b.apply("gammaln", b.add(k, 1.0))), mu)


def _binom(b: NodeBuilder, k: Node, s: Shapes) -> Node:
    n, p = s["n"], s["p"]
    ways = b.sub(b.apply("gammaln", b.add(n, 1.0)),
                 b.add(b.apply("gammaln", b.add(k, 1.0)),
                       b.apply("gammaln", b.add(b.sub(n, k), 1.0))))
    return b.add(b.add(ways, _xlogy(b, k, p)), b.apply("xlog1py", b.sub(n, k), b.neg(p)))


def _above(b: NodeBuilder, z: Node, low: float) -> Node:
    """`z`, or `low` where it is below (a derivative of 0 there)."""
    return b.select(b.apply("lt", z, low), low, z)


def _under(b: NodeBuilder, z: Node, high: float) -> Node:
    """`z`, or `high` where it is above."""
    return b.select(b.apply("gt", z, high), high, z)


def _t_cdf(b: NodeBuilder, z: Node, s: Shapes, where: Place) -> Node:
    return b.apply("stdtr", s["df"], z, attrs=(where,))


def _chi2_cdf(b: NodeBuilder, z: Node, s: Shapes, where: Place) -> Node:
    return b.apply("gammainc", b.mul(0.5, s["df"]), b.mul(0.5, _above(b, z, 0.0)),
                   attrs=(where,))


def _gamma_cdf(b: NodeBuilder, z: Node, s: Shapes, where: Place) -> Node:
    return b.apply("gammainc", s["a"], _above(b, z, 0.0), attrs=(where,))


def _beta_cdf(b: NodeBuilder, z: Node, s: Shapes, where: Place) -> Node:
    inner = _under(b, _above(b, z, 0.0), 1.0)
    return b.apply("betainc", s["a"], s["b"], inner, attrs=(where,))


def _laplace_cdf(b: NodeBuilder, z: Node, s: Shapes, where: Place) -> Node:
    left = b.mul(0.5, b.exp(_under(b, z, 0.0)))
    right = b.sub(1.0, b.mul(0.5, b.exp(b.neg(_above(b, z, 0.0)))))
    return b.select(b.apply("lt", z, 0.0), left, right)


def _lognorm_cdf(b: NodeBuilder, z: Node, s: Shapes, where: Place) -> Node:
    positive = b.apply("le", z, 0.0)
    inner = b.select(positive, 1.0, z)
    return b.select(positive, 0.0, b.apply("ndtr", b.div(b.log(inner), s["s"])))


def _poisson_cdf(b: NodeBuilder, k: Node, s: Shapes, where: Place) -> Node:
    below = b.apply("lt", k, 0.0)
    count = b.apply("floor", b.select(below, 0.0, k))
    return b.select(below, 0.0, b.apply("gammaincc", b.add(count, 1.0), s["mu"],
                                        attrs=(where,)))


def _binom_cdf(b: NodeBuilder, k: Node, s: Shapes, where: Place) -> Node:
    # P(K <= k) = I_{1-p}(n - k, k + 1) for 0 <= k < n
    n, p = s["n"], s["p"]
    below, top = b.apply("lt", k, 0.0), b.apply("ge", k, n)
    count = b.apply("floor", b.select(below, 0.0, b.select(top, 0.0, k)))
    inside = b.apply("betainc", b.sub(n, count), b.add(count, 1.0), b.sub(1.0, p),
                     attrs=(where,))
    return b.select(below, 0.0, b.select(top, 1.0, inside))


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
    "norm": _Family((), _norm),  # (its distribution functions: `_NORM_CDFS`)
    "t": _Family(("df",), _t, cdf=_t_cdf, cdf_names=(("t", "x"),)),
    "chi2": _Family(("df",), _chi2, _below, 1.0, cdf=_chi2_cdf,
                    cdf_names=(("a", "df"),)),
    "gamma": _Family(("a",), _gamma, _below, 1.0, cdf=_gamma_cdf),
    "beta": _Family(("a", "b"), _beta, _unit, 0.5, cdf=_beta_cdf),
    "expon": _Family((), lambda b, z, s: b.neg(z), _below, 1.0,
                     cdf=lambda b, z, s, where: b.neg(b.apply("expm1", b.neg(_above(
                         b, z, 0.0))))),
    "laplace": _Family((), lambda b, z, s: b.sub(-math.log(2.0), b.apply("abs", z)),
                       cdf=_laplace_cdf),
    "cauchy": _Family(
        (), lambda b, z, s: b.sub(-math.log(math.pi), b.apply("log1p", b.square(z))),
        cdf=lambda b, z, s, where: b.add(0.5, b.div(b.apply("atan", z), math.pi))),
    "lognorm": _Family(("s",), _lognorm, _not_positive, 1.0, cdf=_lognorm_cdf,
                       cdf_shapes=("s",)),
    "poisson": _Family(("mu",), _poisson, _counts, 0.0, discrete=True, cdf=_poisson_cdf,
                       cdf_shapes=("mu",)),
    "binom": _Family(("n", "p"), _binom, _counts, 0.0, discrete=True, cdf=_binom_cdf,
                     cdf_names=(("a", "n"), ("x", "p")), cdf_shapes=("p",)),
}


def _distribution(low: Frame, e: ast.Call, distribution: str, method: str, first: str,
                  values: dict[str, Node]) -> Node:
    family = _FAMILIES[distribution]
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
    if distribution == "norm" and method in _NORM_CDFS:
        name, sign = _NORM_CDFS[method]
        return b.apply(name, z if sign > 0 else b.neg(z))
    shapes = {name: values[name] for name in family.shapes}
    if method in ("cdf", "logcdf"):
        assert family.cdf is not None
        names = (first, *family.cdf_shapes, "loc", *(() if family.discrete else ("scale",)))
        only = f"{', '.join(names[:-1])} and {names[-1]}"
        where = place(low, e, f"scipy.stats.{distribution}.{method}", family.cdf_names, only)
        cdf = family.cdf(b, z, shapes, where)
        return cdf if method == "cdf" else b.apply("xlogy", 1.0, cdf)
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
