"""autograd tests/test_scipy.py: scipy.stats densities, scipy.special functions, signal
convolution, an ODE integrator and matrix functions, to second order in reverse mode
(both modes for logsumexp). Called as SciPy users call them."""

from __future__ import annotations

import numpy as np
import scipy.integrate
import scipy.linalg
import scipy.signal
import scipy.special as sp
from scipy.stats import beta, chi2, dirichlet, gamma, multivariate_normal, norm, poisson, t

import symdiff
from benchmarks.intents import Intent, each, grads, na, rnd

SUITE = "autograd tests/test_scipy.py"
R = rnd
REV = ("rev",)
BOTH = ("fwd", "rev")


def pos(*shape):
    return rnd(*shape, lo=1.1, hi=4.0)


def unit(*shape):
    return rnd(*shape, lo=0.05, hi=0.95)


COUNTS = np.array([0.0, 2.0, 1.0, 4.0])
COUNTS_2D = np.array([[0.0, 2.0, 1.0], [4.0, 1.0, 0.0], [3.0, 3.0, 1.0], [1.0, 0.0, 2.0]])
ALPHA = np.array([1.5, 2.2, 1.3, 3.1])
X_SIMPLEX = np.array([0.2, 0.3, 0.1, 0.4])
COV = np.array([[2.0, 0.3, 0.1, 0.0], [0.3, 1.5, 0.2, 0.1], [0.1, 0.2, 1.8, 0.3],
                [0.0, 0.1, 0.3, 1.2]])
T_GRID = np.linspace(0.1, 0.2, 4)


def unary(fun, lo, hi):
    """A check of an elementwise function on a number and arrays."""
    return lambda: each(fun, (rnd(lo=lo, hi=hi),), (rnd(2, lo=lo, hi=hi),),
                        (rnd(3, 2, lo=lo, hi=hi),), modes=REV)


def rhs(y, t, a, b):
    return -np.sqrt(t) - y + a - np.mean((y + b) ** 2)


def _normalised_dirichlet_pdf(x, alpha):
    return dirichlet.pdf(x / np.sum(x), alpha)


def _normalised_dirichlet_logpdf(x, alpha):
    return dirichlet.logpdf(x / np.sum(x), alpha)


def _logsumexp_hessian_row() -> None:
    f = lambda a: sp.logsumexp(a, axis=1, keepdims=True)  # noqa: E731
    x = R(1, 5)
    grads(f, x, modes=BOTH)
    grads(symdiff.grad(lambda a: np.sum(f(a))), x, modes=BOTH)


def _mvn_singular_covariance() -> None:
    cov = np.diag([1.0, 1.0, 0.0, 0.0])
    mean = np.array([0.1, -0.2, 0.0, 0.0])
    grads(lambda x: multivariate_normal.logpdf(np.concatenate([x, mean[2:]]), mean, cov,
                                               allow_singular=True), R(2), modes=REV)


INTENTS = [
    Intent("test_chi2_pdf", "chi2.pdf in x", lambda: grads(lambda x: chi2.pdf(x, 3), pos(4),
                                                           modes=REV)),
    Intent("test_chi2_cdf", "chi2.cdf in x", lambda: grads(lambda x: chi2.cdf(x, 3), pos(4),
                                                           modes=REV)),
    Intent("test_chi2_logpdf", "chi2.logpdf in x",
           lambda: grads(lambda x: chi2.logpdf(x, 3), pos(4), modes=REV)),
    Intent("test_beta_cdf", "beta.cdf in x", lambda: grads(
        lambda x: beta.cdf(x, 2.0, 3.0), unit(4), modes=REV)),
    Intent("test_beta_pdf", "beta.pdf in x and both shapes", lambda: grads(
        lambda x, a, b: beta.pdf(x, a, b), unit(4), pos(4), pos(4), modes=REV)),
    Intent("test_beta_logpdf", "beta.logpdf in x and both shapes", lambda: grads(
        lambda x, a, b: beta.logpdf(x, a, b), unit(4), pos(4), pos(4), modes=REV)),
    Intent("test_gamma_cdf", "gamma.cdf in x", lambda: grads(
        lambda x: gamma.cdf(x, 2.0), pos(4), modes=REV)),
    Intent("test_gamma_pdf", "gamma.pdf in x and the shape", lambda: grads(
        lambda x, a: gamma.pdf(x, a), pos(4), pos(4), modes=REV)),
    Intent("test_gamma_logpdf", "gamma.logpdf in x and the shape", lambda: grads(
        lambda x, a: gamma.logpdf(x, a), pos(4), pos(4), modes=REV)),
    Intent("test_norm_pdf", "norm.pdf in x, loc and scale", lambda: grads(
        lambda x, m, s: norm.pdf(x, m, s), R(4), R(4), pos(4), modes=REV)),
    Intent("test_norm_cdf", "norm.cdf in x, loc and scale", lambda: grads(
        lambda x, m, s: norm.cdf(x, m, s), R(4), R(4), pos(4), modes=REV)),
    Intent("test_norm_sf", "norm.sf in x, loc and scale", lambda: grads(
        lambda x, m, s: norm.sf(x, m, s), R(4), R(4), pos(4), modes=REV)),
    Intent("test_norm_logpdf", "norm.logpdf in x, loc and scale", lambda: grads(
        lambda x, m, s: norm.logpdf(x, m, s), R(4), R(4), pos(4), modes=REV)),
    Intent("test_norm_logcdf", "norm.logcdf in x, loc and scale", lambda: grads(
        lambda x, m, s: norm.logcdf(x, m, s), R(4), R(4), pos(4), modes=REV)),
    Intent("test_norm_logsf", "norm.logsf in x, loc and scale", lambda: grads(
        lambda x, m, s: norm.logsf(x, m, s), R(4), R(4), pos(4), modes=REV)),
    Intent("test_norm_pdf_broadcast", "norm.pdf with broadcasting parameters", lambda: grads(
        lambda x, m, s: norm.pdf(x, m, s), R(4, 3), R(1, 3), pos(4, 1), modes=REV)),
    Intent("test_norm_cdf_broadcast", "norm.cdf with broadcasting parameters", lambda: grads(
        lambda x, m, s: norm.cdf(x, m, s), R(4, 3), R(1, 3), pos(4, 1), modes=REV)),
    Intent("test_norm_sf_broadcast", "norm.cdf with broadcasting (as autograd's test does)",
           lambda: grads(lambda x, m, s: norm.cdf(x, m, s), R(4, 3), R(1, 3), pos(4, 1),
                         modes=REV)),
    Intent("test_norm_logpdf_broadcast", "norm.logpdf with broadcasting", lambda: grads(
        lambda x, m, s: norm.logpdf(x, m, s), R(4, 3), R(1, 3), pos(4, 1), modes=REV)),
    Intent("test_norm_logcdf_broadcast", "norm.logcdf with broadcasting", lambda: grads(
        lambda x, m, s: norm.logcdf(x, m, s), R(4, 3), R(1, 3), pos(4, 1), modes=REV)),
    Intent("test_norm_logsf_broadcast", "norm.logcdf with broadcasting (as autograd's test "
           "does)", lambda: grads(lambda x, m, s: norm.logcdf(x, m, s), R(4, 3), R(1, 3),
                                  pos(4, 1), modes=REV)),
    Intent("test_poisson_cdf", "poisson.cdf in the rate", lambda: grads(
        lambda mu: poisson.cdf(COUNTS, mu), pos(4), modes=REV)),
    Intent("test_poisson_logpmf", "poisson.logpmf in the rate", lambda: grads(
        lambda mu: poisson.logpmf(COUNTS, mu), pos(4), modes=REV)),
    Intent("test_poisson_pmf", "poisson.pmf in the rate", lambda: grads(
        lambda mu: poisson.pmf(COUNTS, mu), pos(4), modes=REV)),
    Intent("test_poisson_cdf_broadcast", "poisson.cdf with a broadcasting rate", lambda: grads(
        lambda mu: poisson.cdf(COUNTS_2D, mu), pos(4, 1), modes=REV)),
    Intent("test_poisson_logpmf_broadcast", "poisson.logpmf with a broadcasting rate",
           lambda: grads(lambda mu: poisson.logpmf(COUNTS_2D, mu), pos(4, 1), modes=REV)),
    Intent("test_poisson_pmf_broadcast", "poisson.pmf with a broadcasting rate",
           lambda: grads(lambda mu: poisson.pmf(COUNTS_2D, mu), pos(4, 1), modes=REV)),
    Intent("test_t_pdf", "t.pdf in x, df, loc and scale", lambda: grads(
        lambda x, df, m, s: t.pdf(x, df, m, s), R(4), pos(4), R(4), pos(4), modes=REV)),
    Intent("test_t_cdf", "t.cdf in x and loc", lambda: grads(
        lambda x, m: t.cdf(x, 3.0, m, 1.5), R(4), R(4), modes=REV)),
    Intent("test_t_logpdf", "t.logpdf in x, df, loc and scale", lambda: grads(
        lambda x, df, m, s: t.logpdf(x, df, m, s), R(4), pos(4), R(4), pos(4), modes=REV)),
    Intent("test_t_logcdf", "t.logcdf in x and loc", lambda: grads(
        lambda x, m: t.logcdf(x, 3.0, m, 1.5), R(4), R(4), modes=REV)),
    Intent("test_t_pdf_broadcast", "t.pdf with broadcasting parameters", lambda: grads(
        lambda x, df, m, s: t.pdf(x, df, m, s), R(4, 3), pos(1, 3), R(4, 3), pos(4, 1),
        modes=REV)),
    Intent("test_t_cdf_broadcast", "t.cdf with broadcasting parameters", lambda: grads(
        lambda x, m: t.cdf(x, 3.0, m, 1.5), R(4, 3), R(4, 3), modes=REV)),
    Intent("test_t_logpdf_broadcast", "t.logpdf with broadcasting parameters", lambda: grads(
        lambda x, df, m, s: t.logpdf(x, df, m, s), R(4, 3), pos(1, 3), R(4, 3), pos(4, 1),
        modes=REV)),
    Intent("test_t_logcdf_broadcast", "t.logcdf with broadcasting parameters", lambda: grads(
        lambda x, m: t.logcdf(x, 3.0, m, 1.5), R(4, 3), R(4, 3), modes=REV)),
    Intent("test_mvn_pdf", "multivariate_normal.pdf in x, mean and covariance", lambda: grads(
        lambda x, m, c: multivariate_normal.pdf(x, m, (c + c.T) / 2), R(4), R(4), COV,
        modes=REV)),
    Intent("test_mvn_logpdf", "multivariate_normal.logpdf in x, mean and covariance",
           lambda: grads(lambda x, m, c: multivariate_normal.logpdf(x, m, (c + c.T) / 2),
                         R(4), R(4), COV, modes=REV)),
    Intent("test_mvn_entropy", "multivariate_normal.entropy in the covariance",
           lambda: grads(lambda c: multivariate_normal.entropy(np.zeros(4), (c + c.T) / 2),
                         COV, modes=REV)),
    Intent("test_mvn_sing_cov", "multivariate_normal densities with a singular covariance "
           "(allow_singular)", _mvn_singular_covariance),
    Intent("test_mvn_pdf_broadcast", "multivariate_normal.pdf of several points", lambda: grads(
        lambda x, m: multivariate_normal.pdf(x, m, COV), R(5, 4), R(4), modes=REV)),
    Intent("test_mvn_logpdf_broadcast", "multivariate_normal.logpdf of several points",
           lambda: grads(lambda x, m: multivariate_normal.logpdf(x, m, COV), R(5, 4), R(4),
                         modes=REV)),
    Intent("test_dirichlet_pdf_x", "dirichlet.pdf in the (normalised) point",
           lambda: grads(lambda x: _normalised_dirichlet_pdf(x, ALPHA), X_SIMPLEX, modes=REV)),
    Intent("test_dirichlet_pdf_alpha", "dirichlet.pdf in the concentrations",
           lambda: grads(lambda a: dirichlet.pdf(X_SIMPLEX, a), ALPHA, modes=REV)),
    Intent("test_dirichlet_logpdf_x", "dirichlet.logpdf in the (normalised) point",
           lambda: grads(lambda x: _normalised_dirichlet_logpdf(x, ALPHA), X_SIMPLEX,
                         modes=REV)),
    Intent("test_dirichlet_logpdf_alpha", "dirichlet.logpdf in the concentrations",
           lambda: grads(lambda a: dirichlet.logpdf(X_SIMPLEX, a), ALPHA, modes=REV)),
    Intent("test_logsumexp1", "logsumexp of vectors and matrices, all or along an axis",
           lambda: (grads(lambda x: sp.logsumexp(x), R(4), modes=BOTH),
                    grads(lambda x: sp.logsumexp(x, axis=0), R(3, 4), modes=BOTH),
                    grads(lambda x: sp.logsumexp(x, axis=0, keepdims=True), R(3, 4),
                          modes=BOTH))),
    Intent("test_logsumexp2", "logsumexp along each axis of 2- and 3-D arrays",
           lambda: (grads(lambda x: sp.logsumexp(x, axis=1), R(3, 4), modes=BOTH),
                    grads(lambda x: sp.logsumexp(x, axis=1, keepdims=True), R(4, 5, 6),
                          modes=BOTH))),
    Intent("test_logsumexp3", "logsumexp with weights b",
           lambda: grads(lambda x: sp.logsumexp(x, b=np.exp(np.linspace(-1, 1, 4))), R(4),
                         modes=BOTH)),
    Intent("test_logsumexp4", "logsumexp with weights b along an axis of a matrix",
           lambda: grads(lambda x: sp.logsumexp(x, axis=1, b=np.full((3, 4), 0.5)), R(3, 4),
                         modes=BOTH)),
    Intent("test_logsumexp5", "logsumexp with weights b of a 3-D array",
           lambda: grads(lambda x: sp.logsumexp(x, axis=0, b=np.full((2, 3, 4), 0.5)),
                         R(2, 3, 4), modes=BOTH)),
    Intent("test_logsumexp6", "logsumexp with keepdims, and its gradient differentiated again",
           _logsumexp_hessian_row),
    na("test_convolve_generalization", "autograd's convolve with axes and dot_axes agrees "
       "with scipy's", "autograd's own convolve signature (axes, dot_axes), not SciPy's"),
    Intent("test_convolve", "scipy.signal.convolve of vectors in full, valid and same mode",
           lambda: (grads(lambda a, b: scipy.signal.convolve(a, b), R(5), R(3), modes=REV),
                    grads(lambda a, b: scipy.signal.convolve(a, b, mode="valid"), R(6), R(3),
                          modes=REV))),
    Intent("test_convolve_2d", "scipy.signal.convolve of matrices",
           lambda: grads(lambda a, b: scipy.signal.convolve(a, b), R(4, 3), R(2, 2),
                         modes=REV)),
    na("test_convolve_ignore", "convolution over chosen axes only",
       "autograd's own convolve keyword (axes); scipy.signal.convolve has none"),
    na("test_convolve_ignore_dot", "convolution over some axes, contraction over others",
       "autograd's own convolve keywords (axes, dot_axes); scipy.signal.convolve has none"),
    Intent("test_beta", "special.beta in both arguments",
           lambda: grads(lambda a, b: sp.beta(a, b), pos(4), pos(4), modes=REV)),
    Intent("test_betainc", "special.betainc in x",
           lambda: grads(lambda x: sp.betainc(2.0, 3.0, x), unit(4), modes=REV)),
    Intent("test_betaln", "special.betaln in both arguments",
           lambda: grads(lambda a, b: sp.betaln(a, b), pos(4), pos(4), modes=REV)),
    Intent("test_gammainc", "special.gammainc in x",
           lambda: grads(lambda x: sp.gammainc(1.0, x), pos(4), modes=REV)),
    Intent("test_gammaincc", "special.gammaincc in x",
           lambda: grads(lambda x: sp.gammaincc(1.0, x), pos(4), modes=REV)),
    Intent("test_polygamma", "special.polygamma of order 0 in x",
           lambda: grads(lambda x: sp.polygamma(0, x), pos(4), modes=REV)),
    Intent("test_jn", "Bessel special.jn of order 2 in x",
           lambda: grads(lambda x: sp.jn(2, x), pos(4), modes=REV)),
    Intent("test_yn", "Bessel special.yn of order 2 in x",
           lambda: grads(lambda x: sp.yn(2, x), pos(4), modes=REV)),
    Intent("test_psi", "special.psi", unary(lambda x: sp.psi(x), 0.3, 2.0)),
    Intent("test_digamma", "special.digamma", unary(lambda x: sp.digamma(x), 0.3, 2.0)),
    Intent("test_gamma", "special.gamma", unary(lambda x: sp.gamma(x), 0.3, 2.0)),
    Intent("test_gammaln", "special.gammaln", unary(lambda x: sp.gammaln(x), 0.3, 2.0)),
    Intent("test_gammasgn", "special.gammasgn (zero derivative)",
           unary(lambda x: sp.gammasgn(x), 0.3, 2.0)),
    Intent("test_rgamma", "special.rgamma", unary(lambda x: sp.rgamma(x), 0.3, 2.0)),
    Intent("test_multigammaln", "special.multigammaln of dimension 1 to 3",
           lambda: (grads(lambda a: sp.multigammaln(a, 2), 4.5, modes=REV),
                    grads(lambda a: sp.multigammaln(a, 3), R(2, 3, lo=4.0, hi=5.0),
                          modes=REV))),
    Intent("test_j0", "special.j0", unary(lambda x: sp.j0(x), 0.2, 20.0)),
    Intent("test_j1", "special.j1", unary(lambda x: sp.j1(x), 0.2, 20.0)),
    Intent("test_y0", "special.y0", unary(lambda x: sp.y0(x), 0.2, 20.0)),
    Intent("test_y1", "special.y1", unary(lambda x: sp.y1(x), 0.2, 20.0)),
    Intent("test_i0", "special.i0", unary(lambda x: sp.i0(x), 0.2, 20.0)),
    Intent("test_i1", "special.i1", unary(lambda x: sp.i1(x), 0.2, 20.0)),
    Intent("test_iv", "special.iv in x", lambda: grads(
        lambda x: sp.iv(np.array([1.5, 10.0, 20.0, 40.0]), x), pos(4), modes=REV)),
    Intent("test_ive", "special.ive in x", lambda: grads(
        lambda x: sp.ive(np.array([1.5, 10.0, 20.0, 40.0]), x), pos(4), modes=REV)),
    Intent("test_erf", "special.erf", unary(lambda x: sp.erf(x), -3.0, 3.0)),
    Intent("test_erfc", "special.erfc", unary(lambda x: sp.erfc(x), -3.0, 3.0)),
    Intent("test_erfinv", "special.erfinv", unary(lambda x: sp.erfinv(x), -0.95, 0.95)),
    Intent("test_erfcinv", "special.erfcinv", unary(lambda x: sp.erfcinv(x), 0.05, 1.95)),
    Intent("test_logit", "special.logit", unary(lambda x: sp.logit(x), 0.1, 0.9)),
    Intent("test_expit", "special.expit", unary(lambda x: sp.expit(x), -4.05, 4.95)),
    Intent("test_odeint", "scipy.integrate.odeint in the initial state and parameters",
           lambda: grads(lambda y0, a: scipy.integrate.odeint(rhs, y0, T_GRID, args=(a, 0.5)),
                         R(3), 0.3, modes=REV)),
    Intent("test_sqrtm", "scipy.linalg.sqrtm of a symmetric matrix, both modes",
           lambda: grads(lambda A: scipy.linalg.sqrtm((A + A.T) / 2 + 3 * np.eye(3)),
                         R(3, 3), modes=BOTH)),
    Intent("test_solve_sylvester", "scipy.linalg.solve_sylvester in all three matrices",
           lambda: grads(lambda a, b, q: scipy.linalg.solve_sylvester(a, b, q),
                         R(3, 3) + 3 * np.eye(3), R(3, 3) + 3 * np.eye(3), R(3, 3),
                         modes=BOTH)),
    Intent("test_solve_banded", "scipy.linalg.solve_banded in the band and right side",
           lambda: grads(lambda ab, b: scipy.linalg.solve_banded((1, 1), ab, b),
                         R(3, 5) + np.array([[0.0], [4.0], [0.0]]), R(5), order=1,
                         modes=REV)),
]
