"""The ``scipy.special`` functions statisticians use, as primitives.

The gamma family (``gamma``, ``gammaln``, ``loggamma``, ``digamma``/``psi``, ``zeta``,
``beta``, ``betaln``, ``binom``, ``multigammaln``, ``gammainc``, ``gammaincc``,
``rgamma``, ``gammasgn``, ``betainc``, Student's t CDF ``stdtr``), the
error and normal functions (``erf``, ``erfc``, ``erfinv``, ``erfcinv``, ``erfcx``,
``ndtr``, ``log_ndtr``, ``ndtri``), the logistic ones (``expit``, ``logit``,
``log_expit``), the entropies (``xlogy``, ``xlog1py``, ``entr``, ``rel_entr``,
``kl_div``), the modified Bessel functions ``i0``, ``i1``, ``i0e``, ``i1e``,
``boxcox``, ``logsumexp``, and the Bessel functions of `ir.bessel`.

Contract:
- Each is emitted as SciPy's own call, ``scipy.special.<name>(...)`` (the generated
  module imports ``scipy.special``), on numbers and arrays alike, and computed by it
  (`impl`, which imports SciPy when first called: the table loads without it). None
  raises but ``multigammaln`` (SciPy's ValueError where ``a <= (d - 1) / 2``).
- Their derivatives are built from one another and from the scalar primitives, so
  derivatives of every order come from these records: ``gammaln' = digamma``,
  ``digamma' = zeta(2, x)`` (``polygamma(1, x)``), ``zeta(s, q)``'s derivative in `q`
  is ``-s * zeta(s + 1, q)``, ``log_ndtr' = sqrt(2/pi) / erfcx(-x / sqrt(2))`` (no
  overflow or 0/0 in either tail). Logarithms in derivatives are ``xlogy(1, y)``
  (``-inf`` at 0, never an error) and divisions by an argument are IEEE (`Quotient`
  ``safe``). ``i1'`` is exact at 0 to every order (its Taylor polynomial near 0);
  ``boxcox``'s derivative in ``lmbda`` is its Taylor polynomial where ``lmbda * log(x)``
  is small, so it is exact at ``lmbda = 0`` too.
- ``gammainc(a, x)``, ``gammaincc(a, x)``, ``stdtr(df, t)`` and ``zeta(s, q)`` have no
  derivative in their first argument, ``betainc(a, b, x)`` none in ``a`` or ``b``
  (`special_base`): that partial is a `NO_DERIVATIVE` node, which cannot be
  emitted; a derivative that needs it raises `UnsupportedSyntaxError` at the call
  (``attrs[0]`` of the call's node: the `Place` the frontend gives it, or None).
- ``gammasgn`` is not differentiable (its derivative is 0).
- ``multigammaln(a, d)`` needs a constant int `d`; its derivative in `d` is zero.
- ``logsumexp`` reduces over ``attrs[0]`` (sorted axes, or None for all), keeping
  them as length one when ``attrs[1]``, like ``sum``; its derivative is the softmax.
- `SCIPY` maps each ``scipy.special`` name a call of which is one of these
  primitives to its name (read off the records' ``scipy`` field).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from symdiff.ir import bessel
from symdiff.ir.linalg import kept
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Partial, Primitive, Quotient, one_tangent
from symdiff.ir.special_base import (
    NO_DERIVATIVE,
    function,
    log,
    math_call,
    near_zero,
    no_derivative,
    poly,
    scipy_attr,
)
from symdiff.ir.types import Type, reduced

_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT_HALF = math.sqrt(0.5)


def _digamma(b: NodeBuilder, x: Node | float) -> Node:
    return b.apply("digamma", x)


# The gamma family -------------------------------------------------------------------------


def _digamma_partials(b: NodeBuilder, out: Node, x: Node) -> tuple[Partial, ...]:
    return (b.apply("zeta", 2.0, x),)  # polygamma(1, x)


def _zeta_partials(b: NodeBuilder, out: Node, s: Node, q: Node) -> tuple[Partial, ...]:
    later = b.apply("zeta", b.add(s, 1.0), q, attrs=out.attrs)
    return no_derivative(b, out, "x", "q"), b.neg(b.mul(s, later))


def _beta_partials(b: NodeBuilder, out: Node, x: Node, y: Node) -> tuple[Partial, ...]:
    both = _digamma(b, b.add(x, y))
    return (b.mul(out, b.sub(_digamma(b, x), both)), b.mul(out, b.sub(_digamma(b, y), both)))


def _betaln_partials(b: NodeBuilder, out: Node, x: Node, y: Node) -> tuple[Partial, ...]:
    both = _digamma(b, b.add(x, y))
    return b.sub(_digamma(b, x), both), b.sub(_digamma(b, y), both)


def _binom_partials(b: NodeBuilder, out: Node, n: Node, k: Node) -> tuple[Partial, ...]:
    # binom(n, k) = gamma(n + 1) / (gamma(k + 1) * gamma(n - k + 1))
    rest = _digamma(b, b.add(b.sub(n, k), 1.0))
    return (b.mul(out, b.sub(_digamma(b, b.add(n, 1.0)), rest)),
            b.mul(out, b.sub(rest, _digamma(b, b.add(k, 1.0)))))


def _multigammaln_partials(b: NodeBuilder, out: Node, a: Node, d: Node) -> tuple[Partial, ...]:
    # multigammaln(a, d) = d (d - 1) / 4 log(pi) + sum_j gammaln(a - j / 2), j < d
    total: Node = _digamma(b, a)
    for j in range(1, int(d.value)):
        total = b.add(total, _digamma(b, b.sub(a, 0.5 * j)))
    return total, None


def _sp_multigammaln(sp: Any, a: Any, d: Any) -> Any:
    count = int(d)
    return (sp.Rational(count * (count - 1), 4) * sp.log(sp.pi)
            + sum(sp.loggamma(a - sp.Rational(j, 2)) for j in range(count)))


def _gammainc_dx(b: NodeBuilder, a: Node, x: Node) -> Node:
    """d/dx gammainc(a, x) = x**(a-1) exp(-x) / gamma(a), in logarithms (xlogy: exact
    at x = 0 for every a)."""
    exponent = b.sub(b.sub(b.apply("xlogy", b.sub(a, 1.0), x), x), b.apply("gammaln", a))
    return b.exp(exponent)


def _gammainc_partials(b: NodeBuilder, out: Node, a: Node, x: Node) -> tuple[Partial, ...]:
    return no_derivative(b, out, "a", "x"), _gammainc_dx(b, a, x)


def _gammaincc_partials(b: NodeBuilder, out: Node, a: Node, x: Node) -> tuple[Partial, ...]:
    return no_derivative(b, out, "a", "x"), b.neg(_gammainc_dx(b, a, x))


GAMMA = function("gamma", 1, lambda b, out, x: (b.mul(out, _digamma(b, x)),),
                  lambda sp, x: sp.gamma(x), emit_native=math_call("gamma"))

GAMMALN = function("gammaln", 1, lambda b, out, x: (_digamma(b, x),),
                    lambda sp, x: sp.loggamma(x), emit_native=math_call("lgamma"))

LOGGAMMA = function("loggamma", 1, lambda b, out, x: (_digamma(b, x),),
                     lambda sp, x: sp.loggamma(x))

DIGAMMA = function("digamma", 1, _digamma_partials, lambda sp, x: sp.polygamma(0, x),
                    aliases=("psi",))

# Hurwitz's zeta(s, q) (Riemann's at q = 1); polygamma(n, x) is
# (-1)**(n + 1) * n! * zeta(n + 1, x).
ZETA = function("zeta", 2, _zeta_partials, lambda sp, s, q: sp.zeta(s, q), named=False)

BETA = function("beta", 2, _beta_partials, lambda sp, x, y: sp.beta(x, y))

BETALN = function("betaln", 2, _betaln_partials,
                   lambda sp, x, y: sp.log(sp.beta(x, y)))

BINOM = function("binom", 2, _binom_partials,
                  lambda sp, n, k: sp.gamma(n + 1) / (sp.gamma(k + 1) * sp.gamma(n - k + 1)))

MULTIGAMMALN = function("multigammaln", 2, _multigammaln_partials, _sp_multigammaln,
                         named=False, may_raise=True)

# The regularised incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x).
GAMMAINC = function("gammainc", 2, _gammainc_partials,
                     lambda sp, a, x: sp.lowergamma(a, x) / sp.gamma(a), named=False)

GAMMAINCC = function("gammaincc", 2, _gammaincc_partials,
                      lambda sp, a, x: sp.uppergamma(a, x) / sp.gamma(a), named=False)


def _sp_betainc(sp: Any, a: Any, b: Any, x: Any) -> Any:
    return sp.betainc_regularized(a, b, 0, x)


def _betainc_partials(b: NodeBuilder, out: Node, a: Node, c: Node, x: Node
                      ) -> tuple[Partial, ...]:
    # d/dx I_x(a, b) = x**(a-1) (1-x)**(b-1) / B(a, b)
    density = b.sub(b.add(b.apply("xlogy", b.sub(a, 1.0), x),
                          b.apply("xlog1py", b.sub(c, 1.0), b.neg(x))), b.apply("betaln", a, c))
    missing = no_derivative(b, out, "a", "x")
    return missing, no_derivative(b, out, "b", "x"), b.exp(density)


def _stdtr_partials(b: NodeBuilder, out: Node, df: Node, t: Node) -> tuple[Partial, ...]:
    # d/dt of Student's t CDF: its density
    half = b.mul(0.5, b.add(df, 1.0))
    log_density = b.sub(b.sub(b.apply("gammaln", half), b.apply("gammaln", b.mul(0.5, df))),
                        b.add(b.mul(0.5, b.log(b.mul(df, math.pi))),
                              b.mul(half, b.apply("log1p", b.div(b.square(t), df)))))
    return no_derivative(b, out, "df", "t"), b.exp(log_density)


def _sp_stdtr(sp: Any, df: Any, t: Any) -> Any:
    tail = sp.betainc_regularized(df / 2, sp.Rational(1, 2), 0, df / (df + t**2)) / 2
    return sp.Piecewise((tail, t < 0), (1 - tail, True))


# 1 / gamma(x), 0 at its poles; the sign of gamma(x), of derivative 0.
RGAMMA = function("rgamma", 1, lambda b, out, x: (b.neg(b.mul(out, _digamma(b, x))),),
                  lambda sp, x: 1 / sp.gamma(x))

GAMMASGN = function("gammasgn", 1, None, lambda sp, x: sp.sign(sp.gamma(x)),
                    differentiable=False)

# The regularised incomplete beta function I_x(a, b), and Student's t CDF stdtr(df, t).
BETAINC = function("betainc", 3, _betainc_partials, _sp_betainc, named=False)

STDTR = function("stdtr", 2, _stdtr_partials, _sp_stdtr, named=False)


# The error function and the normal distribution ----------------------------------------------


def _gaussian(b: NodeBuilder, x: Node, scale: float) -> Node:
    """scale * exp(-x**2)."""
    return b.mul(scale, b.exp(b.neg(b.square(x))))


def _ndtr_native(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    """``0.5 * math.erfc(-x * sqrt(1/2))``: the normal CDF as the numba backend computes
    it on a number."""
    u = ast.BinOp(ast.UnaryOp(ast.USub(), args[0]), ast.Mult(), ast.Constant(_SQRT_HALF))
    return ast.BinOp(ast.Constant(0.5), ast.Mult(), math_call("erfc")([u], attrs))


def _expit_native(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    """``1.0 / (1.0 + math.exp(-x))``, SciPy's formula, as the numba backend computes it
    on a number."""
    exp = math_call("exp")([ast.UnaryOp(ast.USub(), args[0])], attrs)
    return ast.BinOp(ast.Constant(1.0), ast.Div(),
                     ast.BinOp(ast.Constant(1.0), ast.Add(), exp))


def _sp_ndtr(sp: Any, x: Any) -> Any:
    return (1 + sp.erf(x / sp.sqrt(2))) / 2


SCIPY_ERF = function("erf", 1, lambda b, out, x: (_gaussian(b, x, _TWO_OVER_SQRT_PI),),
                      lambda sp, x: sp.erf(x), record="scipy_erf",
                      emit_native=math_call("erf"))

SCIPY_ERFC = function("erfc", 1, lambda b, out, x: (_gaussian(b, x, -_TWO_OVER_SQRT_PI),),
                       lambda sp, x: sp.erfc(x), record="scipy_erfc",
                       emit_native=math_call("erfc"))

ERFINV = function("erfinv", 1,
                   lambda b, out, x: (b.mul(_SQRT_PI_OVER_2, b.exp(b.square(out))),),
                   lambda sp, x: sp.erfinv(x))

ERFCINV = function("erfcinv", 1,
                    lambda b, out, x: (b.mul(-_SQRT_PI_OVER_2, b.exp(b.square(out))),),
                    lambda sp, x: sp.erfinv(1 - x))  # (SymPy cannot evaluate its erfcinv)

# exp(x**2) * erfc(x), without overflow.
ERFCX = function("erfcx", 1,
                  lambda b, out, x: (b.sub(b.mul(b.mul(2.0, x), out), _TWO_OVER_SQRT_PI),),
                  lambda sp, x: sp.exp(x**2) * sp.erfc(x))

# The standard normal CDF, its log and its inverse.
NDTR = function(
    "ndtr", 1,
    lambda b, out, x: (b.div(b.exp(b.mul(-0.5, b.square(x))), _SQRT_2PI),), _sp_ndtr,
    emit_native=_ndtr_native)

LOG_NDTR = function(
    "log_ndtr", 1,
    lambda b, out, x: (Quotient(_SQRT_2_OVER_PI, b.apply("erfcx", b.mul(-_SQRT_HALF, x))),),
    lambda sp, x: sp.log(_sp_ndtr(sp, x)))

NDTRI = function(
    "ndtri", 1, lambda b, out, x: (b.mul(_SQRT_2PI, b.exp(b.mul(0.5, b.square(out)))),),
    lambda sp, p: sp.sqrt(2) * sp.erfinv(2 * p - 1))


# The logistic function ---------------------------------------------------------------------

EXPIT = function("expit", 1, lambda b, out, x: (b.mul(out, b.sub(1.0, out)),),
                  lambda sp, x: 1 / (1 + sp.exp(-x)),
                  emit_native=_expit_native)

LOGIT = function("logit", 1,
                  lambda b, out, p: (Quotient(1.0, b.mul(p, b.sub(1.0, p)), True),),
                  lambda sp, p: sp.log(p / (1 - p)))

# log(expit(x)), without underflow; its derivative is 1 - expit(x) = expit(-x).
LOG_EXPIT = function("log_expit", 1, lambda b, out, x: (b.apply("expit", b.neg(x)),),
                      lambda sp, x: -sp.log(1 + sp.exp(-x)))


# Entropies -----------------------------------------------------------------------------------

XLOGY = function("xlogy", 2, lambda b, out, x, y: (log(b, y), Quotient(x, y, True)),
                  lambda sp, x, y: x * sp.log(y))

XLOG1PY = function(
    "xlog1py", 2,
    lambda b, out, x, y: (b.apply("xlog1py", 1.0, y), Quotient(x, b.add(1.0, y), True)),
    lambda sp, x, y: x * sp.log(1 + y))

# -x log x
ENTR = function("entr", 1, lambda b, out, x: (b.neg(b.add(log(b, x), 1.0)),),
                 lambda sp, x: -x * sp.log(x))

# x log(x / y)
REL_ENTR = function(
    "rel_entr", 2,
    lambda b, out, x, y: (b.add(b.sub(log(b, x), log(b, y)), 1.0),
                          Quotient(b.neg(x), y, True)),
    lambda sp, x, y: x * sp.log(x / y))

# x log(x / y) - x + y
KL_DIV = function(
    "kl_div", 2,
    lambda b, out, x, y: (b.sub(log(b, x), log(b, y)),
                          b.sub(1.0, b.safe_div(x, y))),
    lambda sp, x, y: x * sp.log(x / y) - x + y)


# Modified Bessel functions of the first kind ------------------------------------------------

# i1(x) / x = sum_k (x**2 / 4)**k / (2 k! (k + 1)!): its coefficients in x**2.
_I1_OVER_X = tuple(0.25**k / (2 * math.factorial(k) * math.factorial(k + 1)) for k in range(5))


def _i1_partials(b: NodeBuilder, out: Node, x: Node) -> tuple[Partial, ...]:
    # i1' = i0 - i1 / x
    series = poly(b, b.square(x), _I1_OVER_X)
    ratio = near_zero(b, x, 0.05, series, lambda safe: b.div(b.apply("i1", safe), safe))
    return (b.sub(b.apply("i0", x), ratio),)


def _i0e_partials(b: NodeBuilder, out: Node, x: Node) -> tuple[Partial, ...]:
    # i0e = exp(-|x|) i0: i0e' = i1e - sign(x) i0e (sign(0) = 0, as abs'(0) = 0)
    return (b.sub(b.apply("i1e", x), b.mul(b.sign(x), out)),)


def _i1e_partials(b: NodeBuilder, out: Node, x: Node) -> tuple[Partial, ...]:
    # i1e' = i0e - i1e / x - sign(x) i1e; i1e / x is 1/2 at 0
    at_zero = b.apply("eq", x, 0.0)
    ratio = b.select(at_zero, 0.5, b.div(out, b.select(at_zero, 1.0, x)))
    return (b.sub(b.sub(b.apply("i0e", x), ratio), b.mul(b.sign(x), out)),)


def _sp_scaled(order: int) -> Callable[..., Any]:
    return lambda sp, x: sp.exp(-sp.Abs(x)) * sp.besseli(order, x)


I0 = function("i0", 1, lambda b, out, x: (b.apply("i1", x),), lambda sp, x: sp.besseli(0, x))

I1 = function("i1", 1, _i1_partials, lambda sp, x: sp.besseli(1, x))

I0E = function("i0e", 1, _i0e_partials, _sp_scaled(0))

I1E = function("i1e", 1, _i1e_partials, _sp_scaled(1))


# Box-Cox ------------------------------------------------------------------------------------

# d/dlmbda boxcox = log(x)**2 * sum_k c_k u**k with u = lmbda * log(x), c_k = (k+1)/(k+2)!
_BOXCOX_DLMBDA = tuple((k + 1) / math.factorial(k + 2) for k in range(9))


def _boxcox_partials(b: NodeBuilder, out: Node, x: Node, lmbda: Node) -> tuple[Partial, ...]:
    # boxcox(x, l) = (x**l - 1) / l, log(x) at l = 0: d/dx = x**(l - 1); d/dl =
    # (x**l log(x) - out) / l away from l log(x) = 0.
    log_x = log(b, x)
    dx = b.exp(b.apply("xlogy", b.sub(lmbda, 1.0), x))
    u = b.mul(lmbda, log_x)

    def away(safe_u: Node) -> Node:
        # (x**l log x - out) / l = log(x)**2 (exp(u) u - (exp(u) - 1)) / u**2
        return b.div(b.sub(b.mul(b.exp(safe_u), safe_u), b.apply("expm1", safe_u)),
                     b.square(safe_u))

    series = poly(b, u, _BOXCOX_DLMBDA)
    return dx, b.mul(b.square(log_x), near_zero(b, u, 0.1, series, away))


BOXCOX = function("boxcox", 2, _boxcox_partials,
                   lambda sp, x, lmbda: (x**lmbda - 1) / lmbda)


# logsumexp ----------------------------------------------------------------------------------


def _reduced_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    (t,) = types
    return None if t is None else reduced(t, attrs[0], attrs[1])


def _emit_logsumexp(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    axes, keepdims = attrs
    kws = []
    if axes is not None:
        axis = ast.Constant(axes[0]) if len(axes) == 1 else ast.Tuple(
            [ast.Constant(a) for a in axes], ast.Load())
        kws.append(ast.keyword("axis", axis))
    if keepdims:
        kws.append(ast.keyword("keepdims", ast.Constant(True)))
    return ast.Call(scipy_attr("logsumexp"), [args[0]], kws)


def _softmax(b: NodeBuilder, node: Node) -> Node:
    """exp(a - logsumexp(a)) along the reduced axes: the derivative of logsumexp."""
    return b.exp(b.sub(node.args[0], kept(b, node, node)))


LOGSUMEXP = Primitive(
    "logsumexp", 1, None, _emit_logsumexp, type_rule=_reduced_type,
    jvp_rule=lambda b, node, ts: b.apply("sum", b.mul(one_tangent(ts), _softmax(b, node)),
                                         attrs=node.attrs),
    vjp_rule=lambda b, node, ct: (b.mul(kept(b, ct, node), _softmax(b, node)),),
    may_raise=False, cost="transcendental")

RECORDS: tuple[Primitive, ...] = (
    GAMMA, GAMMALN, LOGGAMMA, DIGAMMA, ZETA, BETA, BETALN, BINOM, MULTIGAMMALN, GAMMAINC,
    GAMMAINCC, SCIPY_ERF, SCIPY_ERFC, ERFINV, ERFCINV, ERFCX, NDTR, LOG_NDTR, NDTRI, EXPIT,
    LOGIT, LOG_EXPIT, XLOGY, XLOG1PY, ENTR, REL_ENTR, KL_DIV, I0, I1, I0E, I1E, BOXCOX,
    LOGSUMEXP, NO_DERIVATIVE, RGAMMA, GAMMASGN, BETAINC, STDTR, *bessel.RECORDS,
)

SCIPY: Mapping[str, str] = MappingProxyType({
    name: prim.name for prim in RECORDS for name in prim.scipy})
