"""scipy.stats beyond densities (`frontend.scipy_stats`, `frontend.scipy_multivariate`):
chi2, the distribution functions (``cdf``/``logcdf``, whose derivative in the point is
the density), dirichlet, multivariate_normal's entropy and singular covariances. Each
value is SciPy's to rounding, each derivative agrees with central differences to
second order in both modes, and a derivative symdiff lacks is a located error naming
the distribution's argument. Skipped without SciPy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import UnsupportedSyntaxError, grad
from symdiff.testing import check_grads

stats = pytest.importorskip("scipy.stats")


@pytest.fixture(autouse=True)
def _no_disk_cache(no_disk_cache: None) -> None:
    """Derivatives built here are compiled in memory only."""


BOTH = ("fwd", "rev")


def chi2_logpdf(x, df):  # type: ignore[no-untyped-def]
    return stats.chi2.logpdf(x, df)


def chi2_pdf(x, df, scale):  # type: ignore[no-untyped-def]
    return stats.chi2.pdf(x, df, scale=scale)


def chi2_cdf(x, loc):  # type: ignore[no-untyped-def]
    return stats.chi2.cdf(x, 3.5, loc)


def t_cdf(x, loc, scale):  # type: ignore[no-untyped-def]
    return stats.t.cdf(x, 3.0, loc, scale)


def t_logcdf(x):  # type: ignore[no-untyped-def]
    return stats.t.logcdf(x, df=4.5)


def gamma_cdf(x, scale):  # type: ignore[no-untyped-def]
    return stats.gamma.cdf(x, 2.5, scale=scale)


def gamma_logcdf(x):  # type: ignore[no-untyped-def]
    return stats.gamma.logcdf(x, 0.8)


def beta_cdf(x):  # type: ignore[no-untyped-def]
    return stats.beta.cdf(x, 2.0, 3.0)


def expon_cdf(x, scale):  # type: ignore[no-untyped-def]
    return stats.expon.cdf(x, scale=scale)


def laplace_logcdf(x, loc):  # type: ignore[no-untyped-def]
    return stats.laplace.logcdf(x, loc)


def cauchy_cdf(x, scale):  # type: ignore[no-untyped-def]
    return stats.cauchy.cdf(x, scale=scale)


def lognorm_cdf(x, s):  # type: ignore[no-untyped-def]
    return stats.lognorm.cdf(x, s)


def poisson_cdf(mu):  # type: ignore[no-untyped-def]
    return stats.poisson.cdf(np.array([0.0, 2.0, 1.0, 4.5, -1.0]), mu)


def poisson_logcdf(mu):  # type: ignore[no-untyped-def]
    return stats.poisson.logcdf(np.array([[0.0, 3.0], [1.0, 7.0]]), mu)


def binom_cdf(p):  # type: ignore[no-untyped-def]
    return stats.binom.cdf(np.array([0.0, 2.0, 5.0, 7.0, -1.0]), 6, p)


# (function, arguments): each differentiated in all its arguments.
CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (chi2_logpdf, (np.array([0.3, 1.2, 2.5, 4.0]), 3.5)),
    (chi2_pdf, (np.array([0.3, 1.2, 2.5, 4.0]), 2.5, 1.5)),
    (chi2_cdf, (np.array([0.3, 1.2, 2.5, 4.0]), 0.1)),
    (t_cdf, (np.array([-2.0, -0.3, 0.5, 3.0]), 0.2, 1.5)),
    (t_logcdf, (np.array([-2.0, -0.3, 0.5, 3.0]),)),
    (gamma_cdf, (np.array([0.3, 1.2, 2.5, 4.0]), 1.3)),
    (gamma_logcdf, (np.array([0.3, 1.2, 2.5, 4.0]),)),
    (beta_cdf, (np.array([0.05, 0.3, 0.6, 0.9]),)),
    (expon_cdf, (np.array([0.3, 1.2, 2.5, 4.0]), 1.3)),
    (laplace_logcdf, (np.array([-2.0, -0.3, 0.5, 3.0]), 0.2)),
    (cauchy_cdf, (np.array([-2.0, -0.3, 0.5, 3.0]), 1.3)),
    (lognorm_cdf, (np.array([0.3, 1.2, 2.5, 4.0]), 0.7)),
    (poisson_cdf, (np.array([0.7, 1.5, 3.0, 2.2, 1.1]),)),
    (poisson_logcdf, (np.array([[0.7], [2.5]]),)),
    (binom_cdf, (np.array([0.2, 0.5, 0.3, 0.7, 0.4]),)),
]


@pytest.mark.parametrize(("fn", "args"), CASES, ids=[fn.__name__ for fn, _ in CASES])
def test_value_is_scipys_and_derivatives_agree_to_second_order(
        fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    argnums = tuple(range(len(args)))
    got, _ = symdiff.jvp(fn, args, tuple(np.ones_like(a) for a in args))
    np.testing.assert_allclose(got, fn(*args), rtol=1e-12)
    for rev, fwd in zip(symdiff.jacrev(fn, argnums=argnums)(*args),
                        symdiff.jacfwd(fn, argnums=argnums)(*args), strict=True):
        np.testing.assert_allclose(rev, fwd, rtol=1e-12, atol=1e-15)
    check_grads(fn, args, order=2, modes=BOTH, rtol=1e-5, atol=1e-7)


def test_the_derivative_of_a_cdf_in_the_point_is_the_density() -> None:
    x = np.array([-2.0, -0.3, 0.5, 3.0])
    np.testing.assert_allclose(symdiff.jacfwd(t_cdf)(x, 0.2, 1.5),
                               np.diag(stats.t.pdf(x, 3.0, 0.2, 1.5)), rtol=1e-13, atol=1e-15)
    y = np.array([0.3, 1.2, 2.5, 4.0])
    np.testing.assert_allclose(grad(lambda y: np.sum(stats.chi2.cdf(y, 3.5)))(y),
                               stats.chi2.pdf(y, 3.5), rtol=1e-13)
    np.testing.assert_allclose(grad(lambda y: np.sum(gamma_cdf(y, 1.3)))(y),
                               stats.gamma.pdf(y, 2.5, scale=1.3), rtol=1e-13)


def test_outside_the_support_a_cdf_is_0_or_1_and_its_derivative_0() -> None:
    assert symdiff.value_and_grad(beta_cdf)(-0.2) == (0.0, 0.0)
    assert symdiff.value_and_grad(beta_cdf)(1.5) == (1.0, 0.0)
    assert symdiff.value_and_grad(lambda x: gamma_cdf(x, 1.0))(-1.0) == (0.0, 0.0)
    assert symdiff.value_and_grad(lambda x: lognorm_cdf(x, 0.5))(-1.0) == (0.0, 0.0)
    assert symdiff.value_and_grad(lambda x: expon_cdf(x, 1.0))(-1.0) == (0.0, 0.0)
    value, g = symdiff.value_and_grad(lambda mu: stats.poisson.cdf(-1.0, mu))(2.0)
    assert (value, g) == (0.0, 0.0)
    assert symdiff.value_and_grad(lambda x: chi2_logpdf(x, 3.0))(-1.0) == (-np.inf, 0.0)


def t_cdf_in_df(x, df):  # type: ignore[no-untyped-def]
    return stats.t.cdf(x, df)


def chi2_cdf_in_df(x, df):  # type: ignore[no-untyped-def]
    return stats.chi2.cdf(x, df)


def beta_cdf_in_b(x, b):  # type: ignore[no-untyped-def]
    return stats.beta.cdf(x, 2.0, b)


def binom_cdf_in_n(n, p):  # type: ignore[no-untyped-def]
    return stats.binom.cdf(2.0, n, p)


@pytest.mark.parametrize(("fn", "message"), [
    (t_cdf_in_df, r"scipy\.stats\.t\.cdf\(\) has no derivative with respect to its argument "
     r"df in symdiff \(only with respect to x, loc and scale\)"),
    (chi2_cdf_in_df, r"scipy\.stats\.chi2\.cdf\(\) .* argument df"),
    (beta_cdf_in_b, r"scipy\.stats\.beta\.cdf\(\) .* argument b"),
    (binom_cdf_in_n, r"scipy\.stats\.binom\.cdf\(\) .* argument n .*only with respect to k, "
     "p and loc"),
])
def test_a_shape_a_cdf_has_no_elementary_derivative_in_is_a_located_error(
        fn: Callable[..., Any], message: str) -> None:
    # binom's n comes first, the others' shape second
    args, shape = ((5.0, 0.4), 0) if fn is binom_cdf_in_n else ((0.4, 3.0), 1)
    for build in (lambda: grad(fn, argnums=shape)(*args),
                  lambda: symdiff.jvp(fn, args, (1.0 - shape, float(shape))),
                  lambda: symdiff.hessian(fn, argnums=(0, 1))(*args)):
        with pytest.raises(UnsupportedSyntaxError, match=message) as info:
            build()
        assert f"line {fn.__code__.co_firstlineno + 1}" in str(info.value)
    # in the other argument alone: no error
    if shape == 0:
        check_grads(lambda p: fn(args[0], p), (args[1],), order=2)
    else:
        check_grads(lambda x: fn(x, args[1]), (args[0],), order=2)


# dirichlet ----------------------------------------------------------------------------------

ALPHA = np.array([1.5, 2.2, 1.3, 3.1])
POINT = np.array([0.2, 0.3, 0.1, 0.4])


def dirichlet_logpdf(x, alpha):  # type: ignore[no-untyped-def]
    return stats.dirichlet.logpdf(x / np.sum(x), alpha)


def dirichlet_pdf(x, alpha):  # type: ignore[no-untyped-def]
    return stats.dirichlet.pdf(x / np.sum(x), alpha)


def dirichlet_columns(x, alpha):  # type: ignore[no-untyped-def]
    return np.sum(stats.dirichlet.logpdf(x / np.sum(x, axis=0), alpha) * np.array([1.0, 2.0]))


@pytest.mark.parametrize(("fn", "x"), [
    (dirichlet_logpdf, POINT), (dirichlet_pdf, POINT),
    (dirichlet_columns, np.array([[0.2, 0.5], [0.3, 0.1], [0.1, 0.2], [0.4, 0.2]])),
])
def test_dirichlet_in_the_point_and_the_concentrations(fn: Callable[..., Any],
                                                       x: np.ndarray) -> None:
    value, _ = symdiff.value_and_grad(fn, argnums=(0, 1))(x, ALPHA)
    assert value == pytest.approx(fn(x, ALPHA), rel=1e-13)
    check_grads(fn, (x, ALPHA), order=2, modes=BOTH)


def raw_dirichlet(x, alpha):  # type: ignore[no-untyped-def]
    return stats.dirichlet.logpdf(x, alpha)


@pytest.mark.parametrize(("x", "alpha", "message"), [
    (POINT * 2.0, ALPHA, "must lie within the normal simplex"),
    (np.array([-0.1, 0.5, 0.2, 0.4]), ALPHA, "greater than or equal to zero"),
    (np.array([0.0, 0.5, 0.1, 0.4]), np.array([0.5, 2.2, 1.3, 3.1]), "greater than zero if"),
    (POINT, np.array([1.5, -2.2, 1.3, 3.1]), "All parameters must be greater than 0"),
])
def test_dirichlet_raises_where_scipy_does(x: np.ndarray, alpha: np.ndarray,
                                           message: str) -> None:
    with pytest.raises(ValueError):
        raw_dirichlet(x, alpha)
    with pytest.raises(ValueError, match=message):
        grad(raw_dirichlet, argnums=(0, 1))(x, alpha)


# multivariate_normal ------------------------------------------------------------------------

COV = np.array([[2.0, 0.3, 0.1, 0.0], [0.3, 1.5, 0.2, 0.1], [0.1, 0.2, 1.8, 0.3],
                [0.0, 0.1, 0.3, 1.2]])


def mvn_entropy(c):  # type: ignore[no-untyped-def]
    return stats.multivariate_normal.entropy(np.zeros(4), (c + c.T) / 2)


def test_multivariate_normal_entropy() -> None:
    value, g = symdiff.value_and_grad(mvn_entropy)(COV)
    assert value == pytest.approx(mvn_entropy(COV), rel=1e-14)
    np.testing.assert_allclose(g, np.linalg.inv(COV) / 2, rtol=1e-12)  # d/dC log det / 2
    check_grads(mvn_entropy, (COV,), order=2, modes=BOTH)


def singular_on_a_plane(x, factor):  # type: ignore[no-untyped-def]
    # a covariance of rank 2 in 3 dimensions, and a point on its plane
    cov = np.pad(factor @ factor.T, ((0, 1), (0, 1)))
    return stats.multivariate_normal.logpdf(np.concatenate([x, np.zeros(1)]), None, cov,
                                            allow_singular=True)


def on_the_plane(x, factor):  # type: ignore[no-untyped-def]
    return stats.multivariate_normal.logpdf(x, None, factor @ factor.T)


FACTOR = np.array([[1.0, 0.0], [0.5, 0.8]])


def test_a_singular_covariance_is_a_density_on_its_range() -> None:
    x = np.array([0.3, 0.5])
    value, (gx, gf) = symdiff.value_and_grad(singular_on_a_plane, argnums=(0, 1))(x, FACTOR)
    assert value == pytest.approx(singular_on_a_plane(x, FACTOR), rel=1e-14)
    want_value, (wx, wf) = symdiff.value_and_grad(on_the_plane, argnums=(0, 1))(x, FACTOR)
    assert value == pytest.approx(want_value, rel=1e-14)
    np.testing.assert_allclose(gx, wx, rtol=1e-12)
    np.testing.assert_allclose(gf, wf, rtol=1e-12)
    check_grads(singular_on_a_plane, (x, FACTOR), order=2, modes=BOTH)


PLANE = np.diag([1.0, 1.0, 0.0])
LINE = np.diag([1.0, 0.0])


def off_the_range(x):  # type: ignore[no-untyped-def]
    return stats.multivariate_normal.logpdf(x, np.zeros(3), PLANE, allow_singular=True)


def test_off_the_range_the_log_density_is_minus_infinity_as_scipys() -> None:
    x = np.array([0.3, 0.5, 0.2])
    assert off_the_range(x) == -np.inf
    assert symdiff.value_and_grad(off_the_range)(x)[0] == -np.inf
    on = np.array([0.3, 0.5, 0.0])
    value, g = symdiff.value_and_grad(off_the_range)(on)
    assert value == pytest.approx(off_the_range(on), rel=1e-14)
    np.testing.assert_allclose(g, [-0.3, -0.5, 0.0], atol=1e-15)


def not_semidefinite(x):  # type: ignore[no-untyped-def]
    cov = np.array([[1.0, 0.0], [0.0, -1.0]])
    return stats.multivariate_normal.logpdf(x, None, cov, allow_singular=True)


def singular_by_default(x):  # type: ignore[no-untyped-def]
    return stats.multivariate_normal.logpdf(x, None, LINE)


def test_covariances_scipy_refuses_raise() -> None:
    x = np.array([0.3, 0.0])
    with pytest.raises(ValueError, match="positive semidefinite"):
        grad(not_semidefinite)(x)
    with pytest.raises(ValueError):  # (LinAlgError is one, SciPy's here)
        singular_by_default(x)
    with pytest.raises(ValueError):
        grad(singular_by_default)(x)


# dirichlet_multinomial ----------------------------------------------------------------------


def dm_logpmf(alpha):  # type: ignore[no-untyped-def]
    counts = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 2.0], [0.0, 6.0, 0.0], [1.0, 1.0, 1.0]])
    return stats.dirichlet_multinomial.logpmf(counts, alpha, 6)


def dm_pmf(alpha, n):  # type: ignore[no-untyped-def]
    return stats.dirichlet_multinomial.pmf(np.array([1.0, 2.0, 3.0]), alpha, n)


def test_dirichlet_multinomial() -> None:
    alpha = np.array([1.5, 2.2, 0.7])
    got = symdiff.jvp(dm_logpmf, (alpha,), (alpha,))[0]
    np.testing.assert_allclose(got, dm_logpmf(alpha), rtol=1e-13)
    assert got[-1] == -np.inf  # the counts do not sum to n
    check_grads(lambda a: dm_logpmf(a)[:3], (alpha,), order=2, modes=BOTH)
    value, _ = symdiff.value_and_grad(dm_pmf)(alpha, 6.0)
    assert value == pytest.approx(dm_pmf(alpha, 6.0), rel=1e-13)
    check_grads(lambda a: dm_pmf(a, 6.0), (alpha,), order=2, modes=BOTH)
    with pytest.raises(ValueError, match="non-negative integer"):
        grad(dm_pmf)(alpha, 5.5)
    with pytest.raises(ValueError, match="positive values"):
        grad(dm_pmf)(-alpha, 6.0)
