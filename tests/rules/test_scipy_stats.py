"""scipy.stats distributions' methods (`frontend.scipy_stats`): each lowered onto the
formula SciPy computes, so its value is SciPy's (to rounding) and its derivatives in
the point, the location, the scale and the shape parameters agree with central
differences to second order. Skipped without SciPy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import UnsupportedSyntaxError, grad
from symdiff.testing import check_grads
from tests.rules.support import check_against_scipy

stats = pytest.importorskip("scipy.stats")
from scipy.stats import norm  # noqa: E402


@pytest.fixture(autouse=True)
def _no_disk_cache(no_disk_cache: None) -> None:
    """Derivatives built here are compiled in memory only."""


# Each function of the numbers it is differentiated in, calling the method in one of the
# ways SciPy takes its parameters (positional, by keyword, defaults).
def norm_logpdf(x, loc, scale):  # type: ignore[no-untyped-def]
    return stats.norm.logpdf(x, loc, scale)


def norm_pdf(x, loc, scale):  # type: ignore[no-untyped-def]
    return norm.pdf(x, loc=loc, scale=scale)


def norm_cdf(x, loc, scale):  # type: ignore[no-untyped-def]
    return stats.norm.cdf(x, loc, scale=scale)


def norm_logcdf(x, scale):  # type: ignore[no-untyped-def]
    return stats.norm.logcdf(x, scale=scale)


def norm_sf(x, loc):  # type: ignore[no-untyped-def]
    return stats.norm.sf(x, loc)


def norm_logsf(x, loc, scale):  # type: ignore[no-untyped-def]
    return stats.norm.logsf(x, loc, scale)


def norm_ppf(q, loc, scale):  # type: ignore[no-untyped-def]
    return stats.norm.ppf(q, loc, scale)


def norm_isf(q, scale):  # type: ignore[no-untyped-def]
    return stats.norm.isf(q, scale=scale)


def standard_logpdf(x):  # type: ignore[no-untyped-def]
    return stats.norm.logpdf(x)


def t_logpdf(x, df, loc, scale):  # type: ignore[no-untyped-def]
    return stats.t.logpdf(x, df, loc, scale)


def t_pdf(x, df):  # type: ignore[no-untyped-def]
    return stats.t.pdf(x, df=df)


def gamma_logpdf(x, a, scale):  # type: ignore[no-untyped-def]
    return stats.gamma.logpdf(x, a, scale=scale)


def gamma_pdf(x, a, loc):  # type: ignore[no-untyped-def]
    return stats.gamma.pdf(x, a, loc)


def beta_logpdf(x, a, b):  # type: ignore[no-untyped-def]
    return stats.beta.logpdf(x, a, b)


def beta_scaled(x, a, b, loc, scale):  # type: ignore[no-untyped-def]
    return stats.beta.logpdf(x, a=a, b=b, loc=loc, scale=scale)


def expon_logpdf(x, scale):  # type: ignore[no-untyped-def]
    return stats.expon.logpdf(x, scale=scale)


def laplace_logpdf(x, loc, scale):  # type: ignore[no-untyped-def]
    return stats.laplace.logpdf(x, loc, scale)


def cauchy_logpdf(x, loc, scale):  # type: ignore[no-untyped-def]
    return stats.cauchy.logpdf(x, loc, scale)


def lognorm_logpdf(x, s, scale):  # type: ignore[no-untyped-def]
    return stats.lognorm.logpdf(x, s, scale=scale)


def lognorm_pdf(x, s):  # type: ignore[no-untyped-def]
    return stats.lognorm.pdf(x, s)


def poisson_logpmf(mu):  # type: ignore[no-untyped-def]
    return stats.poisson.logpmf(3.0, mu)


def poisson_pmf(mu):  # type: ignore[no-untyped-def]
    return stats.poisson.pmf(2, mu, loc=-1)


def binom_logpmf(p):  # type: ignore[no-untyped-def]
    return stats.binom.logpmf(4.0, 10, p)


def binom_pmf(p):  # type: ignore[no-untyped-def]
    return stats.binom.pmf(k=7, n=12, p=p)


CASES: list[tuple[Callable[..., Any], tuple[float, ...]]] = [
    (norm_logpdf, (0.3, -0.4, 1.7)),
    (norm_pdf, (0.3, -0.4, 1.7)),
    (norm_cdf, (0.3, -0.4, 1.7)),
    (norm_logcdf, (-2.5, 0.8)),
    (norm_sf, (0.3, -0.4)),
    (norm_logsf, (3.5, -0.4, 1.2)),
    (norm_ppf, (0.3, -0.4, 1.7)),
    (norm_isf, (0.2, 1.7)),
    (standard_logpdf, (0.3,)),
    (t_logpdf, (0.3, 3.5, -0.4, 1.7)),
    (t_pdf, (-1.3, 2.5)),
    (gamma_logpdf, (1.3, 2.5, 0.7)),
    (gamma_pdf, (1.3, 0.8, 0.2)),
    (beta_logpdf, (0.3, 2.5, 1.7)),
    (beta_scaled, (1.3, 2.5, 1.7, 0.5, 2.0)),
    (expon_logpdf, (1.3, 0.7)),
    (laplace_logpdf, (0.3, -0.4, 1.7)),
    (cauchy_logpdf, (0.3, -0.4, 1.7)),
    (lognorm_logpdf, (1.3, 0.6, 2.0)),
    (lognorm_pdf, (0.7, 0.9)),
    (poisson_logpmf, (2.5,)),
    (poisson_pmf, (0.7,)),
    (binom_logpmf, (0.35,)),
    (binom_pmf, (0.6,)),
]
IDS = [fn.__name__ for fn, _ in CASES]


@pytest.mark.parametrize(("fn", "x"), CASES, ids=IDS)
def test_value_is_scipys_and_derivatives_agree_to_second_order(
        fn: Callable[..., Any], x: tuple[float, ...]) -> None:
    check_against_scipy(fn, x, rel=1e-13)  # SciPy's formula, to rounding


# Outside the support ------------------------------------------------------------------------


def gamma_density(x, a):  # type: ignore[no-untyped-def]
    return stats.gamma.logpdf(x, a)


def beta_density(x, a):  # type: ignore[no-untyped-def]
    return stats.beta.logpdf(x, a, 2.0)


def lognorm_density(x, s):  # type: ignore[no-untyped-def]
    return stats.lognorm.logpdf(x, s)


def expon_density(x, scale):  # type: ignore[no-untyped-def]
    return stats.expon.pdf(x, scale=scale)


def poisson_mass(k, mu):  # type: ignore[no-untyped-def]
    return stats.poisson.logpmf(k, mu)


def binom_mass(k, p):  # type: ignore[no-untyped-def]
    return stats.binom.logpmf(k, 5, p)


@pytest.mark.parametrize(("fn", "x"), [
    (gamma_density, (-0.5, 2.5)), (beta_density, (-0.5, 2.5)), (beta_density, (1.5, 2.5)),
    (lognorm_density, (0.0, 0.5)), (lognorm_density, (-1.0, 0.5)),
    (expon_density, (-1.0, 2.0)), (poisson_mass, (-1.0, 2.0)), (poisson_mass, (2.5, 2.0)),
    (binom_mass, (6.0, 0.3)), (binom_mass, (-1.0, 0.3)), (binom_mass, (1.5, 0.3)),
])
def test_outside_the_support_is_scipys_value_with_derivative_zero(
        fn: Callable[..., Any], x: tuple[float, float]) -> None:
    value, grads = symdiff.value_and_grad(fn, argnums=(0, 1))(*x)
    assert value == fn(*x) and value in (-np.inf, 0.0)
    assert grads == (0.0, 0.0)
    assert symdiff.hessian(fn, argnums=1)(*x) == 0.0


def test_inside_the_support_at_its_edge() -> None:
    # gamma's density at 0 is finite for a = 1, as SciPy's is.
    for x in ((0.0, 1.0), (0.0, 2.5), (1e-300, 0.5)):
        assert symdiff.value_and_grad(gamma_density)(*x)[0] == gamma_density(*x)
    assert grad(poisson_mass, argnums=1)(0.0, 2.0) == -1.0  # d/dmu (-mu)


# Arrays -------------------------------------------------------------------------------------


def log_likelihood(x, mu, sigma, df):  # type: ignore[no-untyped-def]
    return (np.sum(stats.norm.logpdf(x, mu, sigma)) + np.sum(stats.t.logpdf(x, df, mu))
            + np.sum(stats.cauchy.logpdf(x, scale=sigma))
            + np.sum(stats.laplace.logpdf(x, loc=mu)))


def test_arrays_of_points_and_parameters() -> None:
    x = np.array([0.3, -1.2, 2.0, 0.7])
    mu = np.array([0.1, 0.0, 0.5, -0.2])
    value, _ = symdiff.value_and_grad(log_likelihood, argnums=(0, 1, 2, 3))(x, mu, 1.3, 4.0)
    assert value == pytest.approx(log_likelihood(x, mu, 1.3, 4.0), rel=1e-13)
    check_grads(log_likelihood, (x, mu, 1.3, 4.0), order=2)
    single = grad(log_likelihood)(x.astype(np.float32), mu.astype(np.float32), 1.3, 4.0)
    assert single.dtype == np.float32


def counts_likelihood(rate, p):  # type: ignore[no-untyped-def]
    k = np.array([0, 3, 1, 5])
    return np.sum(stats.poisson.logpmf(k, rate)) + np.sum(stats.binom.logpmf(k, 6, p))


def test_counts_as_an_int_array() -> None:
    rate, p = np.array([0.5, 2.0, 1.5, 4.0]), np.array([0.2, 0.4, 0.5, 0.7])
    value, (g_rate, g_p) = symdiff.value_and_grad(counts_likelihood, argnums=(0, 1))(rate, p)
    assert value == pytest.approx(counts_likelihood(rate, p), rel=1e-13)
    k = np.array([0, 3, 1, 5])
    np.testing.assert_allclose(g_rate, k / rate - 1.0, rtol=1e-13)
    np.testing.assert_allclose(g_p, k / p - (6 - k) / (1 - p), rtol=1e-13)
    check_grads(counts_likelihood, (rate, p), order=2)


def mvn(x, mean, chol):  # type: ignore[no-untyped-def]
    cov = chol @ chol.T + 0.5 * np.eye(3)
    return np.sum(stats.multivariate_normal.logpdf(x, mean, cov))


def mvn_pdf(x, mean):  # type: ignore[no-untyped-def]
    return stats.multivariate_normal.pdf(x, mean=mean, cov=np.eye(3) * 2.0)


def test_multivariate_normal() -> None:
    rng = np.random.default_rng(3)
    mean, chol = rng.standard_normal(3), rng.standard_normal((3, 3)) * 0.5
    for x in (rng.standard_normal(3), rng.standard_normal((5, 3))):
        value, _ = symdiff.value_and_grad(mvn, argnums=(0, 1, 2))(x, mean, chol)
        assert value == pytest.approx(mvn(x, mean, chol), rel=1e-12)
        check_grads(mvn, (x, mean, chol), order=2)
    x = rng.standard_normal(3)
    assert symdiff.value_and_grad(mvn_pdf)(x, mean)[0] == pytest.approx(mvn_pdf(x, mean))
    # d/dx log N(x; m, C) = -C^-1 (x - m)
    np.testing.assert_allclose(grad(mvn_pdf)(x, mean), -mvn_pdf(x, mean) * (x - mean) / 2.0,
                               rtol=1e-12)


def test_methods_passed_directly() -> None:
    assert grad(stats.norm.logpdf)(0.3) == pytest.approx(-0.3, rel=1e-15)
    assert grad(norm.cdf)(0.3) == pytest.approx(norm.pdf(0.3), rel=1e-14)


# Errors -------------------------------------------------------------------------------------


def frozen(x):  # type: ignore[no-untyped-def]
    return stats.norm(0.0, 2.0).entropy() * x


def entropy(x):  # type: ignore[no-untyped-def]
    return stats.norm.entropy(scale=x)


def unknown_keyword(x):  # type: ignore[no-untyped-def]
    return stats.norm.logpdf(x, mean=1.0)


def missing_shape(x):  # type: ignore[no-untyped-def]
    return stats.t.logpdf(x)


def too_many(x):  # type: ignore[no-untyped-def]
    return stats.norm.logpdf(x, 0.0, 1.0, 2.0)


def covariance_number(x):  # type: ignore[no-untyped-def]
    return stats.multivariate_normal.logpdf(x, cov=2.0)


@pytest.mark.parametrize(("fn", "message"), [
    (frozen, r"a frozen scipy\.stats\.norm has no method entropy\(\) in symdiff"),
    (entropy, r"scipy\.stats\.norm\.entropy has no derivative rule"),
    (unknown_keyword, r"unsupported keyword argument mean= of stats\.norm\.logpdf\(\)"),
    (missing_shape, "missing required argument 'df'"),
    (too_many, r"takes at most 3 arguments here \(x, loc, scale\), got 4"),
    (covariance_number, "takes cov as a 2-D array"),
])
def test_unsupported_calls_are_located_errors(fn: Callable[..., Any], message: str) -> None:
    with pytest.raises(UnsupportedSyntaxError, match=message) as info:
        grad(fn)(np.ones(3) if fn is covariance_number else 0.5)
    assert f"line {fn.__code__.co_firstlineno + 1}" in str(info.value)


def default_parameters(x):  # type: ignore[no-untyped-def]
    return stats.norm.logpdf(x, 0.0, 1.0) + stats.norm.cdf(x, loc=0.0, scale=1.0)


def test_default_parameters_given_as_constants_cost_nothing() -> None:
    # x - 0.0 and x / 1.0 are x for every float, and log(1.0) is 0: none is computed.
    body = symdiff.source(default_parameters).split('"""')[-1]
    assert "- 0.0" not in body and "/ 1.0" not in body and "log" not in body
