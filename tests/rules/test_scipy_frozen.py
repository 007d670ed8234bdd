"""Frozen scipy.stats distributions (`frontend.scipy_stats.freeze`): ``d = norm(loc,
scale); d.logpdf(x)`` is ``norm.logpdf(x, loc, scale)``, for every distribution symdiff
knows, with the parameters differentiated too. Skipped without SciPy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import UnsupportedSyntaxError, grad
from symdiff.testing import check_grads

stats = pytest.importorskip("scipy.stats")
from scipy.stats import norm, t  # noqa: E402


@pytest.fixture(autouse=True)
def _no_disk_cache(no_disk_cache: None) -> None:
    """Derivatives built here are compiled in memory only."""


BOTH = ("fwd", "rev")
X = np.array([0.3, 1.2, 2.5])
UNIT = np.array([0.1, 0.45, 0.8])
COUNTS = np.array([0.0, 2.0, 5.0])


def norm_assigned(x, mu, s):  # type: ignore[no-untyped-def]
    d = norm(mu, s)
    return np.sum(d.logpdf(x)) + np.sum(d.cdf(x))


def norm_inline(x, mu, s):  # type: ignore[no-untyped-def]
    return np.sum(norm(mu, s).pdf(x) * norm(loc=mu, scale=s).logsf(x))


def norm_quantile(q, mu, s):  # type: ignore[no-untyped-def]
    return np.sum(stats.norm(mu, scale=s).ppf(q))


def t_frozen(x, df, s):  # type: ignore[no-untyped-def]
    return np.sum(t(df, 0.5, s).logpdf(x)) + np.sum(t(df, scale=s).pdf(x))


def t_cdf_frozen(x, s):  # type: ignore[no-untyped-def]
    return np.sum(t(4.0, 0.5, s).logcdf(x))


def chi2_frozen(x, df):  # type: ignore[no-untyped-def]
    return np.sum(stats.chi2(df).logpdf(x) + stats.chi2(3.0, scale=df).cdf(x))


def gamma_frozen(x, a, s):  # type: ignore[no-untyped-def]
    d = stats.gamma(a, scale=s)
    return np.sum(d.logpdf(x) + d.pdf(x))


def beta_frozen(x, a, b):  # type: ignore[no-untyped-def]
    return np.sum(stats.beta(a, b).logpdf(x))


def expon_frozen(x, s):  # type: ignore[no-untyped-def]
    return np.sum(stats.expon(scale=s).logpdf(x) + stats.expon(0.1, s).cdf(x))


def laplace_frozen(x, mu, s):  # type: ignore[no-untyped-def]
    return np.sum(stats.laplace(mu, s).logpdf(x))


def cauchy_frozen(x, mu, s):  # type: ignore[no-untyped-def]
    return np.sum(stats.cauchy(mu, s).pdf(x))


def lognorm_frozen(x, shape, s):  # type: ignore[no-untyped-def]
    return np.sum(stats.lognorm(shape, scale=s).logpdf(x))


def poisson_frozen(mu):  # type: ignore[no-untyped-def]
    d = stats.poisson(mu)
    return np.sum(d.logpmf(COUNTS) + d.cdf(COUNTS))


def binom_frozen(p):  # type: ignore[no-untyped-def]
    return np.sum(stats.binom(6, p).pmf(COUNTS))


def mvn_frozen(x, mean, cov):  # type: ignore[no-untyped-def]
    d = stats.multivariate_normal(mean, cov @ cov.T + np.eye(3))
    return d.logpdf(x) + d.entropy()


def dirichlet_frozen(x, alpha):  # type: ignore[no-untyped-def]
    return stats.dirichlet(alpha).logpdf(x / np.sum(x))


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (norm_assigned, (X, 0.4, 1.3)),
    (norm_inline, (X, 0.4, 1.3)),
    (norm_quantile, (UNIT, 0.4, 1.3)),
    (t_frozen, (X, 3.5, 1.3)),
    (t_cdf_frozen, (X, 1.3)),
    (chi2_frozen, (X, 2.5)),
    (gamma_frozen, (X, 2.5, 1.3)),
    (beta_frozen, (UNIT, 2.5, 1.3)),
    (expon_frozen, (X, 1.3)),
    (laplace_frozen, (X, 0.4, 1.3)),
    (cauchy_frozen, (X, 0.4, 1.3)),
    (lognorm_frozen, (X, 0.6, 1.3)),
    (poisson_frozen, (2.5,)),
    (binom_frozen, (0.35,)),
    (mvn_frozen, (X, np.array([0.1, 0.2, 0.3]), np.array([[1.0, 0.2, 0.0], [0.1, 0.5, 0.3],
                                                            [0.0, 0.4, 0.8]]))),
    (dirichlet_frozen, (np.array([0.2, 0.3, 0.5]), np.array([1.5, 2.2, 1.3]))),
]


@pytest.mark.parametrize(("fn", "args"), CASES, ids=[fn.__name__ for fn, _ in CASES])
def test_a_frozen_distribution_is_its_methods_with_the_parameters(
        fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    argnums = tuple(range(len(args)))
    value, _ = symdiff.value_and_grad(fn, argnums=argnums)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    check_grads(fn, args, order=2, modes=BOTH, rtol=1e-5, atol=1e-7)


def test_frozen_and_unfrozen_give_the_same_code() -> None:
    def frozen(x, mu, s):  # type: ignore[no-untyped-def]
        return norm(mu, s).logpdf(x)

    def unfrozen(x, mu, s):  # type: ignore[no-untyped-def]
        return norm.logpdf(x, mu, s)

    body = symdiff.source(frozen, argnums=(0, 1, 2)).split('"""')[-1]
    assert body == symdiff.source(unfrozen, argnums=(0, 1, 2)).split('"""')[-1].replace(
        "unfrozen", "frozen")


# A practitioner's model: Student-t regression with frozen distributions ----------------------

def student_t_regression(params, X, y):  # type: ignore[no-untyped-def]
    w, log_scale, log_df = params[:-2], params[-2], params[-1]
    noise = t(np.exp(log_df) + 2.0, scale=np.exp(log_scale))
    prior = norm(0.0, 3.0)
    residual = y - X @ w
    return -np.sum(noise.logpdf(residual)) - np.sum(prior.logpdf(w))


def test_student_t_regression_with_frozen_distributions() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(20, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.standard_t(4.0, size=20)
    params = np.array([0.8, -1.5, 0.2, np.log(0.5), np.log(3.0)])
    value, g = symdiff.value_and_grad(student_t_regression)(params, X, y)
    assert value == pytest.approx(student_t_regression(params, X, y), rel=1e-13)
    check_grads(student_t_regression, (params, X, y), order=2, modes=BOTH)
    h = symdiff.hessian(student_t_regression)(params, X, y)
    np.testing.assert_allclose(h, h.T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(symdiff.jacfwd(symdiff.grad(student_t_regression))(
        params, X, y), h, rtol=1e-10, atol=1e-12)
    # gradient steps lower the loss
    for _ in range(20):
        params = params - 0.01 * grad(student_t_regression)(params, X, y)
    assert student_t_regression(params, X, y) < value - 1.0


def sum_in_a_loop(xs, s):  # type: ignore[no-untyped-def]
    d = norm(1.0, s)
    total = 0.0
    for x in xs:
        total = total + d.logpdf(x)
    return total


def made_by_a_helper(x, s):  # type: ignore[no-untyped-def]
    def noise(scale):  # type: ignore[no-untyped-def]
        return stats.laplace(0.0, scale)

    return np.sum(noise(s).logpdf(x))


def chosen_by_an_if(x, s):  # type: ignore[no-untyped-def]
    if s > 1.0:
        d = norm(1.0, s)
    else:
        d = norm(s, 2.0)
    return np.sum(d.logpdf(x))


def in_a_closure_and_a_comprehension(x, s):  # type: ignore[no-untyped-def]
    d = stats.cauchy(0.5, s)

    def density(v):  # type: ignore[no-untyped-def]
        return d.pdf(v)

    return density(x[0]) + sum(norm(m, s).logpdf(x[1]) for m in x)


@pytest.mark.parametrize("fn", [sum_in_a_loop, made_by_a_helper, chosen_by_an_if,
                                in_a_closure_and_a_comprehension])
def test_a_frozen_distribution_read_in_a_loop_or_made_by_a_helper(
        fn: Callable[..., Any]) -> None:
    args = (X, 1.3)
    assert symdiff.value_and_grad(fn, argnums=(0, 1))(*args)[0] == pytest.approx(
        fn(*args), rel=1e-13)
    check_grads(fn, args, order=2, modes=BOTH)


def unknown_method(x):  # type: ignore[no-untyped-def]
    return norm(0.0, 1.0).rvs() * x


def used_as_a_number(x):  # type: ignore[no-untyped-def]
    return norm(x, 1.0) * x


def returned(x):  # type: ignore[no-untyped-def]
    return norm(x, 1.0)


def missing_shape(x):  # type: ignore[no-untyped-def]
    return t(loc=x).logpdf(1.0)


def shape_given_twice(x):  # type: ignore[no-untyped-def]
    return norm(x).logpdf(1.0, 0.0)


def carried_by_a_loop(x):  # type: ignore[no-untyped-def]
    d = norm(x, 1.0)
    for _ in range(2):
        d = norm(d.logpdf(1.0), 1.0)
    return d.logpdf(0.0)


def unlike_after_an_if(x):  # type: ignore[no-untyped-def]
    d = norm(x)
    if x > 0:
        d = norm(x, 2.0)
    return d.logpdf(1.0)


@pytest.mark.parametrize(("fn", "message", "line"), [
    (carried_by_a_loop, "variable 'd' holds a frozen distribution and is assigned in this "
     "loop", 2),
    (unlike_after_an_if, "variable 'd' is assigned a frozen distribution inside this if "
     "statement that differs between the branches", 2),
    (unknown_method, r"a frozen scipy\.stats\.norm has no method rvs\(\) in symdiff", 1),
    (used_as_a_number, r"a frozen scipy\.stats\.norm is used where a number is expected", 1),
    (returned, r"the function returns a frozen scipy\.stats\.norm, not a number", 1),
    (missing_shape, "missing required argument 'df'", 1),
    (shape_given_twice, r"takes at most 1 arguments here \(x\), got 2", 1),
])
def test_unsupported_uses_are_located_errors(fn: Callable[..., Any], message: str,
                                             line: int) -> None:
    # (`line`: of the construct, counted after the def)
    with pytest.raises(UnsupportedSyntaxError, match=message) as info:
        grad(fn)(0.5)
    assert f"line {fn.__code__.co_firstlineno + line}," in str(info.value)
