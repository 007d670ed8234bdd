"""More models written the way a practitioner writes them with SciPy: a chi-square
goodness-of-fit of binned counts against a parametrised expectation, with its p-value;
a Dirichlet-multinomial log-likelihood (SciPy's distribution, frozen) fitted by
maximum likelihood; and the Dirichlet density of observed shares. Each goes through
grad, value_and_grad, jvp, vjp, jacfwd, jacrev and hessian. Skipped without SciPy."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff.testing import check_grads

special = pytest.importorskip("scipy.special")
stats = pytest.importorskip("scipy.stats")
optimize = pytest.importorskip("scipy.optimize")

pytestmark = pytest.mark.usefixtures("no_disk_cache")

BOTH = ("fwd", "rev")
RNG = np.random.default_rng(31)


# Chi-square goodness of fit -----------------------------------------------------------------

EDGES = np.linspace(-3.0, 3.0, 9)
SAMPLE = RNG.normal(0.4, 1.3, size=400)
OBSERVED = np.histogram(SAMPLE, EDGES)[0].astype(float)


def expected_counts(params):  # type: ignore[no-untyped-def]
    """The counts a normal model with mean and log scale `params` expects per bin."""
    mu, log_sigma = params[0], params[1]
    model = stats.norm(mu, np.exp(log_sigma))
    mass = model.cdf(EDGES[1:]) - model.cdf(EDGES[:-1])
    return np.sum(OBSERVED) * mass / np.sum(mass)


def chi_square(params):  # type: ignore[no-untyped-def]
    expected = expected_counts(params)
    return np.sum((OBSERVED - expected) ** 2 / expected)


def log_p_value(params):  # type: ignore[no-untyped-def]
    dof = OBSERVED.size - 1 - 2
    return np.log(1.0 - stats.chi2.cdf(chi_square(params), dof))


def test_chi_square_goodness_of_fit_with_a_parametrised_expectation() -> None:
    params = np.array([0.2, np.log(1.0)])
    value, g = symdiff.value_and_grad(chi_square)(params)
    assert value == pytest.approx(chi_square(params), rel=1e-12)
    check_grads(chi_square, (params,), order=2, modes=BOTH)
    check_grads(expected_counts, (params,), order=1, modes=BOTH)
    np.testing.assert_allclose(symdiff.jacfwd(expected_counts)(params),
                               symdiff.jacrev(expected_counts)(params), rtol=1e-11)
    # minimum chi-square estimate, with symdiff's gradient and Hessian
    fit = optimize.minimize(chi_square, params, jac=symdiff.grad(chi_square),
                            hess=symdiff.hessian(chi_square), method="trust-exact")
    assert fit.success
    np.testing.assert_allclose(fit.x, [0.4, np.log(1.3)], atol=0.15)
    # the p-value rises as the fit improves, and its gradient is chi2's density times
    # the statistic's gradient
    assert log_p_value(fit.x) > log_p_value(params)
    dof = OBSERVED.size - 3
    stat = chi_square(params)
    want = -stats.chi2.pdf(stat, dof) / (1.0 - stats.chi2.cdf(stat, dof)) * g
    np.testing.assert_allclose(symdiff.grad(log_p_value)(params), want, rtol=1e-10)
    out, tangent = symdiff.jvp(log_p_value, (params,), (np.array([1.0, 0.0]),))
    assert tangent == pytest.approx(want[0], rel=1e-10)
    _, pullback = symdiff.vjp(log_p_value, params)
    np.testing.assert_allclose(pullback(1.0)[0], want, rtol=1e-10)


# Dirichlet-multinomial ----------------------------------------------------------------------

CATEGORIES = 4
TRUE_ALPHA = np.array([2.0, 5.0, 1.0, 3.0])
TRIALS = 30
DRAWS = np.array([RNG.multinomial(TRIALS, RNG.dirichlet(TRUE_ALPHA)) for _ in range(200)],
                 dtype=float)


def dirichlet_multinomial_nll(log_alpha):  # type: ignore[no-untyped-def]
    """The negative log-likelihood of count vectors (a row each) under a
    Dirichlet-multinomial with concentrations exp(log_alpha)."""
    model = stats.dirichlet_multinomial(np.exp(log_alpha), TRIALS)
    return -np.sum(model.logpmf(DRAWS))


def by_hand(log_alpha):  # type: ignore[no-untyped-def]
    """The same, written with gammaln."""
    alpha = np.exp(log_alpha)
    total = np.sum(alpha)
    log_lik = (special.gammaln(total) + special.gammaln(TRIALS + 1.0)
               - special.gammaln(TRIALS + total)
               + np.sum(special.gammaln(DRAWS + alpha) - special.gammaln(alpha)
                        - special.gammaln(DRAWS + 1.0), axis=1))
    return -np.sum(log_lik)


def test_dirichlet_multinomial_maximum_likelihood() -> None:
    start = np.zeros(CATEGORIES)
    value, g = symdiff.value_and_grad(dirichlet_multinomial_nll)(start)
    assert value == pytest.approx(dirichlet_multinomial_nll(start), rel=1e-12)
    np.testing.assert_allclose(g, symdiff.grad(by_hand)(start), rtol=1e-12)
    check_grads(dirichlet_multinomial_nll, (start,), order=2, modes=BOTH)
    hess = symdiff.hessian(dirichlet_multinomial_nll)(start)
    np.testing.assert_allclose(hess, symdiff.jacrev(symdiff.grad(dirichlet_multinomial_nll))(
        start), rtol=1e-10)
    fit = optimize.minimize(dirichlet_multinomial_nll, start,
                            jac=symdiff.grad(dirichlet_multinomial_nll),
                            hess=symdiff.hessian(dirichlet_multinomial_nll),
                            method="trust-exact")
    assert fit.success
    # the proportions are well determined; the total concentration less so
    proportions = np.exp(fit.x) / np.sum(np.exp(fit.x))
    np.testing.assert_allclose(proportions, TRUE_ALPHA / TRUE_ALPHA.sum(), atol=0.03)


def dirichlet_posterior(log_alpha, shares):  # type: ignore[no-untyped-def]
    """The Dirichlet log density of observed shares (a column each), a frozen
    distribution of the concentrations."""
    model = stats.dirichlet(np.exp(log_alpha))
    return np.sum(model.logpdf(shares / np.sum(shares, axis=0)))


def test_dirichlet_density_of_observed_shares() -> None:
    shares = (DRAWS[:20] + 0.5).T
    log_alpha = np.log(TRUE_ALPHA)
    value, g = symdiff.value_and_grad(dirichlet_posterior, argnums=(0, 1))(log_alpha, shares)
    assert value == pytest.approx(dirichlet_posterior(log_alpha, shares), rel=1e-12)
    check_grads(dirichlet_posterior, (log_alpha, shares), order=2, modes=BOTH)
    # the score in the concentrations has mean zero at the truth, over many draws
    many = RNG.dirichlet(TRUE_ALPHA, size=4000).T
    score = symdiff.grad(dirichlet_posterior)(log_alpha, many) / many.shape[1]
    np.testing.assert_allclose(score, 0.0, atol=0.1)
