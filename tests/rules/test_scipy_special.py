"""Each scipy.special function symdiff knows (`ir.special`, `frontend.scipy_special`):
its value is SciPy's, its derivatives of first and second order agree with central
differences in both modes, and with SymPy's where SymPy has the function. Skipped
without SciPy."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import UnsupportedSyntaxError, grad
from symdiff.testing import check_grads
from tests.rules.support import check_against_scipy, every

special = pytest.importorskip("scipy.special")
sympy = pytest.importorskip("sympy")


@pytest.fixture(autouse=True)
def _no_disk_cache(no_disk_cache: None) -> None:
    """Derivatives built here are compiled in memory only."""


# One function per case, of the arguments it is differentiated in.
def gamma(x):  # type: ignore[no-untyped-def]
    return special.gamma(x)


def gammaln(x):  # type: ignore[no-untyped-def]
    return special.gammaln(x)


def loggamma(x):  # type: ignore[no-untyped-def]
    return special.loggamma(x)


def digamma(x):  # type: ignore[no-untyped-def]
    return special.digamma(x)


def psi(x):  # type: ignore[no-untyped-def]
    return special.psi(x)


def polygamma1(x):  # type: ignore[no-untyped-def]
    return special.polygamma(1, x)


def polygamma3(x):  # type: ignore[no-untyped-def]
    return special.polygamma(3, x)


def hurwitz(q):  # type: ignore[no-untyped-def]
    return special.zeta(2.5, q)


def beta(a, b):  # type: ignore[no-untyped-def]
    return special.beta(a, b)


def betaln(a, b):  # type: ignore[no-untyped-def]
    return special.betaln(a, b)


def binom(n, k):  # type: ignore[no-untyped-def]
    return special.binom(n, k)


def multigammaln(a):  # type: ignore[no-untyped-def]
    return special.multigammaln(a, 3)


def gammainc(x):  # type: ignore[no-untyped-def]
    return special.gammainc(2.5, x)


def gammaincc(x):  # type: ignore[no-untyped-def]
    return special.gammaincc(0.7, x)


def erf(x):  # type: ignore[no-untyped-def]
    return special.erf(x)


def erfc(x):  # type: ignore[no-untyped-def]
    return special.erfc(x)


def erfinv(y):  # type: ignore[no-untyped-def]
    return special.erfinv(y)


def erfcinv(y):  # type: ignore[no-untyped-def]
    return special.erfcinv(y)


def erfcx(x):  # type: ignore[no-untyped-def]
    return special.erfcx(x)


def ndtr(x):  # type: ignore[no-untyped-def]
    return special.ndtr(x)


def log_ndtr(x):  # type: ignore[no-untyped-def]
    return special.log_ndtr(x)


def ndtri(p):  # type: ignore[no-untyped-def]
    return special.ndtri(p)


def expit(x):  # type: ignore[no-untyped-def]
    return special.expit(x)


def logit(p):  # type: ignore[no-untyped-def]
    return special.logit(p)


def log_expit(x):  # type: ignore[no-untyped-def]
    return special.log_expit(x)


def xlogy(x, y):  # type: ignore[no-untyped-def]
    return special.xlogy(x, y)


def xlog1py(x, y):  # type: ignore[no-untyped-def]
    return special.xlog1py(x, y)


def entr(x):  # type: ignore[no-untyped-def]
    return special.entr(x)


def rel_entr(x, y):  # type: ignore[no-untyped-def]
    return special.rel_entr(x, y)


def kl_div(x, y):  # type: ignore[no-untyped-def]
    return special.kl_div(x, y)


def i0(x):  # type: ignore[no-untyped-def]
    return special.i0(x)


def i1(x):  # type: ignore[no-untyped-def]
    return special.i1(x)


def i0e(x):  # type: ignore[no-untyped-def]
    return special.i0e(x)


def i1e(x):  # type: ignore[no-untyped-def]
    return special.i1e(x)


def boxcox(x, lmbda):  # type: ignore[no-untyped-def]
    return special.boxcox(x, lmbda)


def rgamma(x):  # type: ignore[no-untyped-def]
    return special.rgamma(x)


def betainc(x):  # type: ignore[no-untyped-def]
    return special.betainc(2.5, 1.5, x)


def stdtr(t):  # type: ignore[no-untyped-def]
    return special.stdtr(3.5, t)


def j0(x):  # type: ignore[no-untyped-def]
    return special.j0(x)


def j1(x):  # type: ignore[no-untyped-def]
    return special.j1(x)


def y0(x):  # type: ignore[no-untyped-def]
    return special.y0(x)


def y1(x):  # type: ignore[no-untyped-def]
    return special.y1(x)


def jn2(x):  # type: ignore[no-untyped-def]
    return special.jn(2, x)


def jv(x):  # type: ignore[no-untyped-def]
    return special.jv(0.7, x)


def yn0(x):  # type: ignore[no-untyped-def]
    return special.yn(0, x)


def yv(x):  # type: ignore[no-untyped-def]
    return special.yv(1.5, x)


def iv(x):  # type: ignore[no-untyped-def]
    return special.iv(2.5, x)


def ive(x):  # type: ignore[no-untyped-def]
    return special.ive(2.0, x)


# (function, points): for each, a few points inside its domain, away from its poles.
CASES: list[tuple[Callable[..., Any], list[tuple[float, ...]]]] = [
    (gamma, [(2.3,), (0.6,), (-1.5,)]),
    (gammaln, [(2.3,), (0.6,), (7.5,)]),
    (loggamma, [(2.3,), (0.6,)]),
    (digamma, [(2.3,), (0.6,)]),
    (psi, [(4.1,)]),
    (polygamma1, [(1.3,)]),
    (polygamma3, [(2.2,)]),
    (hurwitz, [(1.4,)]),
    (beta, [(1.5, 2.5), (0.7, 3.1)]),
    (betaln, [(1.5, 2.5), (20.0, 3.1)]),
    (binom, [(6.5, 2.2), (10.0, 3.0)]),
    (multigammaln, [(2.7,)]),
    (gammainc, [(1.7,), (4.0,)]),
    (gammaincc, [(0.4,), (2.0,)]),
    (erf, [(0.4,), (-1.3,)]),
    (erfc, [(0.4,), (-1.3,)]),
    (erfinv, [(0.3,), (-0.8,)]),
    (erfcinv, [(0.3,), (1.6,)]),
    (erfcx, [(0.4,), (-1.3,), (5.0,)]),
    (ndtr, [(0.4,), (-2.3,)]),
    (log_ndtr, [(0.4,), (-2.3,), (3.0,)]),
    (ndtri, [(0.3,), (0.9,)]),
    (expit, [(0.4,), (-3.0,)]),
    (logit, [(0.3,), (0.85,)]),
    (log_expit, [(0.4,), (-3.0,)]),
    (xlogy, [(1.5, 2.5), (-0.5, 0.4)]),
    (xlog1py, [(1.5, 2.5), (-0.5, -0.4)]),
    (entr, [(0.4,), (2.5,)]),
    (rel_entr, [(0.4, 1.3), (2.5, 0.7)]),
    (kl_div, [(0.4, 1.3), (2.5, 0.7)]),
    (i0, [(0.4,), (-2.5,)]),
    (i1, [(0.4,), (-2.5,), (0.01,)]),
    (i0e, [(0.4,), (-2.5,)]),
    (i1e, [(0.4,), (-2.5,)]),
    (boxcox, [(1.7, 0.5), (0.6, -1.2), (2.5, 0.02)]),
    (rgamma, [(2.3,), (0.6,), (-1.5,)]),
    (betainc, [(0.3,), (0.85,)]),
    (stdtr, [(0.4,), (-2.3,)]),
    (j0, [(0.4,), (7.5,)]),
    (j1, [(0.4,), (-7.5,), (0.01,)]),
    (y0, [(0.4,), (7.5,)]),
    (y1, [(0.4,), (7.5,)]),
    (jn2, [(0.4,), (-3.5,)]),
    (jv, [(0.4,), (3.5,)]),
    (yn0, [(0.4,), (3.5,)]),
    (yv, [(0.4,), (3.5,)]),
    (iv, [(0.4,), (3.5,)]),
    (ive, [(0.4,), (-3.5,)]),
]
IDS = [fn.__name__ for fn, _ in CASES]
POINTS = [(fn, x) for fn, xs in CASES for x in xs]
POINT_IDS = [f"{fn.__name__}{x}" for fn, x in POINTS]


@pytest.mark.parametrize(("fn", "x"), POINTS, ids=POINT_IDS)
def test_value_is_scipys_and_derivatives_agree_to_second_order(
        fn: Callable[..., Any], x: tuple[float, ...]) -> None:
    check_against_scipy(fn, x, rel=0.0)  # SciPy's own call, in the generated code too


@pytest.mark.parametrize(("fn", "points"), CASES, ids=IDS)
def test_gradient_agrees_with_sympy(fn: Callable[..., Any],
                                    points: list[tuple[float, ...]]) -> None:
    expr = symdiff.to_sympy(fn)
    code = fn.__code__
    params = [sympy.Symbol(name, real=True) for name in code.co_varnames[:code.co_argcount]]
    for x in points:
        got = grad(fn, argnums=every(x))(*x)
        at = dict(zip(params, (sympy.Float(v, 30) for v in x), strict=True))
        for p, g in zip(params, got, strict=True):
            want = float(sympy.diff(expr, p).subs(at).evalf(30))
            assert g == pytest.approx(want, rel=1e-9, abs=1e-12), (fn.__name__, x, p)


@pytest.mark.parametrize(("fn", "points"), CASES, ids=IDS)
def test_arrays_of_float64_and_float32(fn: Callable[..., Any],
                                       points: list[tuple[float, ...]]) -> None:
    columns = [np.array(c) for c in zip(*points, strict=True)]

    def total1(x):  # type: ignore[no-untyped-def]
        return np.sum(fn(x))

    def total2(x, y):  # type: ignore[no-untyped-def]
        return np.sum(fn(x, y))

    total = total1 if len(columns) == 1 else total2

    check_grads(total, columns, rtol=1e-5, atol=1e-7)
    want = grad(total, argnums=every(columns))(*columns)
    got = grad(total, argnums=every(columns))(*(c.astype(np.float32) for c in columns))
    for g, w in zip(got, want, strict=True):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, w, rtol=1e-3)


# Higher derivatives come from the records' own derivatives ---------------------------------


def test_derivatives_of_every_order_follow_the_table() -> None:
    x = 1.7
    third = grad(grad(grad(gammaln)))(x)  # gammaln''' = digamma'' = polygamma(2)
    assert third == pytest.approx(special.polygamma(2, x), rel=1e-13)
    assert symdiff.hessian(digamma)(x) == pytest.approx(special.polygamma(2, x), rel=1e-13)
    fourth = grad(grad(grad(grad(special.gamma))))(x)
    step = 1e-3
    fd = (grad(grad(grad(special.gamma)))(x + step)
          - grad(grad(grad(special.gamma)))(x - step)) / (2 * step)
    assert fourth == pytest.approx(fd, rel=1e-5)


def test_i1_and_boxcox_are_exact_where_their_formulas_divide_by_zero() -> None:
    # i1' = i0 - i1/x and boxcox's d/dlmbda divide by 0 at 0: their Taylor polynomials
    # give the limits, to higher orders too (i1'''(0) = 3/8).
    assert grad(i1)(0.0) == 0.5
    assert grad(grad(i1))(0.0) == 0.0
    assert grad(grad(grad(i1)))(0.0) == pytest.approx(0.375, rel=1e-12)
    log_x = math.log(2.5)
    value, (_, d_lmbda) = symdiff.value_and_grad(boxcox, argnums=(0, 1))(2.5, 0.0)
    assert value == pytest.approx(log_x, rel=1e-15)
    assert d_lmbda == pytest.approx(log_x**2 / 2, rel=1e-14)
    assert grad(grad(boxcox, argnums=1), argnums=1)(2.5, 0.0) == pytest.approx(
        log_x**3 / 3, rel=1e-12)


def test_log_ndtr_derivative_is_finite_in_both_tails() -> None:
    # d/dx log(ndtr(x)) = pdf / cdf: ~ -x far left (where ndtr underflows), ~ pdf far
    # right (where 1 - ndtr rounds to 0).
    # (the values from mpmath at 40 digits)
    assert grad(log_ndtr)(-40.0) == pytest.approx(40.02496884720726, rel=1e-13)
    assert grad(log_ndtr)(-1e4) == pytest.approx(1e4, rel=1e-7)
    assert grad(log_ndtr)(40.0) == 0.0
    assert grad(grad(log_ndtr))(-40.0) == pytest.approx(-0.9993773316214086, rel=1e-11)


def test_functions_passed_directly() -> None:
    assert grad(special.gammaln)(3.0) == pytest.approx(special.digamma(3.0), rel=1e-15)
    assert grad(special.psi)(3.0) == pytest.approx(special.polygamma(1, 3.0), rel=1e-14)
    x = np.array([0.3, -1.0, 2.0])
    p = special.softmax(x)
    np.testing.assert_allclose(symdiff.jacobian(special.softmax)(x),
                               np.diag(p) - np.outer(p, p), rtol=1e-13, atol=1e-15)


# logsumexp, softmax, log_softmax ------------------------------------------------------------


def lse_rows(a):  # type: ignore[no-untyped-def]
    return np.sum(np.cos(special.logsumexp(a, axis=1)))


def lse_kept(a):  # type: ignore[no-untyped-def]
    return np.sum(special.logsumexp(a, axis=(0, -1), keepdims=True) * a)


def softmax_columns(a):  # type: ignore[no-untyped-def]
    return np.sum(special.softmax(a, axis=0) ** 2)


def log_softmax_rows(a):  # type: ignore[no-untyped-def]
    return np.sum(special.log_softmax(a, -1) * np.arange(3.0))


def softmax_all(a):  # type: ignore[no-untyped-def]
    return np.sum(special.softmax(a) * a)


@pytest.mark.parametrize("fn", [lse_rows, lse_kept, softmax_columns, log_softmax_rows,
                                softmax_all])
def test_reductions_with_axes(fn: Callable[..., Any]) -> None:
    a = np.array([[0.5, -1.0, 2.0], [0.1, 0.3, -0.2]])
    value, _ = symdiff.value_and_grad(fn)(a)
    assert value == pytest.approx(fn(a), rel=1e-14)
    check_grads(fn, (a,), order=2)


def test_logsumexp_hessian_is_the_softmax_covariance() -> None:
    x = np.array([0.3, -1.0, 2.0, 0.7])
    p = special.softmax(x)
    np.testing.assert_allclose(symdiff.hessian(special.logsumexp)(x),
                               np.diag(p) - np.outer(p, p), rtol=1e-12, atol=1e-15)
    big = np.array([1000.0, 1000.0])  # no overflow: logsumexp's own stability
    np.testing.assert_allclose(grad(special.logsumexp)(big), [0.5, 0.5])


def test_logsumexp_of_a_number_is_the_number() -> None:
    assert symdiff.value_and_grad(lambda x: special.logsumexp(x))(1.5) == (1.5, 1.0)


def lse_weighted(a, w):  # type: ignore[no-untyped-def]
    return special.logsumexp(a, b=w)


def lse_weighted_rows(a, w):  # type: ignore[no-untyped-def]
    return np.sum(np.sin(special.logsumexp(a, axis=1, b=w, keepdims=True)) * a)


def lse_weighted_broadcast(a, w):  # type: ignore[no-untyped-def]
    return np.sum(special.logsumexp(a, axis=(0, 2), b=w) ** 2)


@pytest.mark.parametrize(("fn", "a", "w"), [
    (lse_weighted, np.array([0.1, 0.5, -0.3, 1.2]), np.exp(np.linspace(-1.0, 1.0, 4))),
    (lse_weighted, np.array([0.1, 0.5, -0.3, 1.2]), np.array([1.0, -0.5, 2.0, 0.3])),
    (lse_weighted_rows, np.array([[0.5, -1.0, 2.0], [0.1, 0.3, -0.2]]),
     np.array([[0.5, 1.5, 0.2], [2.0, 0.1, 0.7]])),
    (lse_weighted_broadcast, np.linspace(-1.0, 1.0, 24).reshape(2, 3, 4),
     np.array([[0.5], [1.5], [0.2]])),
])
def test_logsumexp_with_weights(fn: Callable[..., Any], a: np.ndarray, w: np.ndarray) -> None:
    value, _ = symdiff.value_and_grad(fn, argnums=(0, 1))(a, w)
    assert value == pytest.approx(fn(a, w), rel=1e-13)
    check_grads(fn, (a, w), order=2, modes=("fwd", "rev"))


def test_logsumexp_with_weights_is_stable_and_nan_where_the_sum_is_negative() -> None:
    big = np.array([1000.0, 1001.0])
    value, g = symdiff.value_and_grad(lse_weighted)(big, np.array([0.5, 2.0]))
    assert value == pytest.approx(special.logsumexp(big, b=[0.5, 2.0]), rel=1e-15)
    np.testing.assert_allclose(g, np.array([0.5, 2.0 * np.e]) / (0.5 + 2.0 * np.e), rtol=1e-13)
    with np.errstate(invalid="ignore"):
        assert np.isnan(symdiff.value_and_grad(lse_weighted)(big, np.array([1.0, -1.0]))[0])


def test_gammasgn_has_derivative_zero() -> None:
    def signed(x):  # type: ignore[no-untyped-def]
        return special.gammasgn(x) * x ** 2

    for x in (2.5, -0.5, -1.5):
        value, g = symdiff.value_and_grad(signed)(x)
        assert (value, g) == (signed(x), 2.0 * x * special.gammasgn(x))
    check_grads(signed, (np.array([0.3, -0.5, 1.7]),), order=2)


def bessel_order(n, x):  # type: ignore[no-untyped-def]
    return special.jn(n, x) + special.iv(n, x)


def incomplete_beta(a, x):  # type: ignore[no-untyped-def]
    return special.betainc(a, 2.0, x)


def student(df, t):  # type: ignore[no-untyped-def]
    return special.stdtr(df, t)


@pytest.mark.parametrize(("fn", "message"), [
    (bessel_order, "(jv|iv).*no derivative with respect to its argument v"),
    (incomplete_beta, "betainc.*no derivative with respect to its argument a"),
    (student, "stdtr.*no derivative with respect to its argument df"),
])
def test_an_order_or_shape_is_not_differentiated(fn: Callable[..., Any], message: str) -> None:
    with pytest.raises(UnsupportedSyntaxError, match=message) as info:
        grad(fn)(2.0, 0.4)
    assert f"line {fn.__code__.co_firstlineno + 1}" in str(info.value)
    check_grads(lambda x: fn(2.0, x), (0.4,), order=2)  # in x alone: no error


# Errors -------------------------------------------------------------------------------------


def incomplete(a, x):  # type: ignore[no-untyped-def]
    return special.gammainc(a, x) * x


def upper(a, x):  # type: ignore[no-untyped-def]
    return special.gammaincc(a, 2.0 * x)


def riemann(s):  # type: ignore[no-untyped-def]
    return special.zeta(s) * s


def test_a_derivative_symdiff_does_not_have_is_a_located_error() -> None:
    line = incomplete.__code__.co_firstlineno + 1
    for build in (lambda: grad(incomplete)(2.0, 1.5),
                  lambda: symdiff.jvp(incomplete, (2.0, 1.5), (1.0, 0.0)),
                  lambda: symdiff.vjp(incomplete, 2.0, 1.5)[1](1.0),
                  lambda: symdiff.hessian(incomplete)(2.0, 1.5)):
        with pytest.raises(UnsupportedSyntaxError) as info:
            build()
        text = str(info.value)
        assert f"line {line}" in text and "special.gammainc(a, x)" in text
        assert "scipy.special.gammainc() has no derivative with respect to its argument a" \
            in text
    with pytest.raises(UnsupportedSyntaxError, match="gammaincc.*argument a"):
        grad(upper)(2.0, 1.5)
    with pytest.raises(UnsupportedSyntaxError, match="zeta.*argument x"):
        grad(riemann)(3.0)


def test_a_parameter_not_differentiated_needs_no_derivative() -> None:
    step = 1e-6
    for fn in (incomplete, upper):
        fd = (fn(2.0, 1.5 + step) - fn(2.0, 1.5 - step)) / (2 * step)
        assert grad(fn, argnums=1)(2.0, 1.5) == pytest.approx(fd, rel=1e-7)
        assert grad(grad(fn, argnums=1), argnums=1)(2.0, 1.5) == pytest.approx(
            (fn(2.0, 1.5 + 1e-4) - 2 * fn(2.0, 1.5) + fn(2.0, 1.5 - 1e-4)) / 1e-8, rel=1e-5)
    # A Jacobian with respect to x builds no cotangent or tangent of a.
    fd = (incomplete(2.0, 1.5 + step) - incomplete(2.0, 1.5 - step)) / (2 * step)
    for jacobian in (symdiff.jacrev, symdiff.jacfwd):
        assert jacobian(incomplete, argnums=1)(2.0, 1.5) == pytest.approx(fd, rel=1e-7)
    second = symdiff.jacfwd(symdiff.jacrev(incomplete, argnums=1), argnums=1)(2.0, 1.5)
    assert second == pytest.approx(symdiff.hessian(incomplete, argnums=1)(2.0, 1.5), rel=1e-12)
    xs = np.array([0.5, 1.5])
    np.testing.assert_allclose(symdiff.jacrev(upper, argnums=1)(2.0, xs),
                               np.diag(symdiff.vjp(lambda x: upper(2.0, x), xs)[1](
                                   np.ones(2))[0]), rtol=1e-13)
    check_grads(hurwitz, (1.5,), order=3)


def order_from_a_parameter(n, x):  # type: ignore[no-untyped-def]
    return special.polygamma(n, x)


def dimension_from_a_parameter(a, d):  # type: ignore[no-untyped-def]
    return special.multigammaln(a, d)


def logsumexp_weighted(a, b):  # type: ignore[no-untyped-def]
    return special.logsumexp(a, b=b)


def logsumexp_signed(a):  # type: ignore[no-untyped-def]
    return special.logsumexp(a, return_sign=True)


@pytest.mark.parametrize(("fn", "args", "message"), [
    (order_from_a_parameter, (1.0, 2.0), "the order n must be a constant whole number"),
    (dimension_from_a_parameter, (3.0, 2.0), "the dimension d must be a constant whole"),
    (logsumexp_weighted, (np.ones(2), np.ones((3, 2))), "b with more dimensions than a"),
    (logsumexp_signed, (np.ones(2),), r"return_sign=True\) is not supported"),
])
def test_unsupported_arguments_are_located_errors(
        fn: Callable[..., Any], args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(UnsupportedSyntaxError, match=message) as info:
        grad(fn)(*args)
    assert f"line {fn.__code__.co_firstlineno + 1}" in str(info.value)


def test_multigammaln_raises_where_scipy_does() -> None:
    with pytest.raises(ValueError):
        multigammaln(0.9)  # a <= (d - 1) / 2
    with pytest.raises(ValueError):
        grad(multigammaln)(0.9)


# The generated code -------------------------------------------------------------------------


def named_scipy(scipy):  # type: ignore[no-untyped-def]
    return special.gamma(scipy) * special.expit(scipy)


def test_generated_code_imports_scipy_special_and_keeps_its_name_free() -> None:
    text = symdiff.source(named_scipy)
    assert "import scipy.special\n" in text
    assert "def named_scipy_grad(scipy_1):" in text  # the parameter is renamed
    check_grads(named_scipy, (1.3,))


def test_import_symdiff_and_numpy_code_leave_scipy_unloaded(tmp_path: Any) -> None:
    import subprocess
    import sys

    (tmp_path / "model.py").write_text(
        "import numpy as np\n\ndef f(x):\n    return np.sum(np.sin(x) * np.exp(x))\n")
    code = ("import sys, numpy as np, symdiff, model; "
            "print(symdiff.grad(model.f)(np.ones(2))); "
            "assert 'scipy' not in sys.modules, 'scipy was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env={
        **os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"})


def call_price(s, k, t, r, sigma):  # type: ignore[no-untyped-def]
    d1 = (math.log(s / k) + (r + 0.5 * sigma ** 2) * t) / (sigma * math.sqrt(t))
    d2 = d1 - sigma * math.sqrt(t)
    return s * special.ndtr(d1) - k * math.exp(-r * t) * special.ndtr(d2)


def poisson_nll(log_rate, counts):  # type: ignore[no-untyped-def]
    total = 0.0
    for k in counts:
        total += math.exp(log_rate) - k * log_rate + special.gammaln(k + 1.0)
    return total


def logistic_loss(w, X, y):  # type: ignore[no-untyped-def]
    loss = 0.0
    for i in range(X.shape[0]):
        p = special.expit(w[0] * X[i, 0] + w[1] * X[i, 1])
        loss -= y[i] * math.log(p) + (1.0 - y[i]) * math.log(1.0 - p)
    return loss


def error_functions(a, xs):  # type: ignore[no-untyped-def]
    return sum(special.erf(a * x) + special.erfc(x / a) + special.gamma(a) for x in xs)


@pytest.mark.parametrize(("fn", "args", "argnums"), [
    (call_price, (100.0, 95.0, 0.5, 0.02, 0.25), (0, 1, 2, 3, 4)),
    (poisson_nll, (0.3, np.array([1.0, 4.0, 2.0, 0.0])), 0),
    (logistic_loss, (np.array([0.5, -0.3]), np.random.default_rng(0).normal(size=(20, 2)),
                     np.arange(20.0) % 2), 0),
    (error_functions, (1.3, [-2.0, -0.5, 0.0, 0.7, 2.0]), 1),
], ids=["call_price", "poisson_nll", "logistic_loss", "error_functions"])
def test_the_numba_backend_computes_them_on_numbers_with_math(
        fn: Callable[..., Any], args: tuple[Any, ...], argnums: Any) -> None:
    # erf, erfc, ndtr (0.5 * erfc(-x / sqrt 2)), expit, gamma and gammaln on numbers:
    # the math module's, which numba compiles; both backends agree.
    pytest.importorskip("numba")
    for transform in (symdiff.value_and_grad, symdiff.hessian):
        want = transform(fn, argnums)(*args)
        got = transform(fn, argnums, backend="numba")(*args)
        np.testing.assert_allclose(_flat(got), _flat(want), rtol=1e-12, atol=1e-12)
    text = symdiff.value_and_grad(fn, argnums, backend="numba")
    text(*args)
    assert "scipy" not in text.source, text.source


def _flat(tree: Any) -> np.ndarray:
    if isinstance(tree, (tuple, list)):
        return np.concatenate([_flat(item) for item in tree])
    return np.ravel(np.asarray(tree, dtype=float))
