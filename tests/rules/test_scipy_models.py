"""Statistical models written the way a practitioner writes them with SciPy, through
grad, value_and_grad, jvp, vjp, jacfwd, jacrev and hessian: a Bayesian logistic
regression's log posterior, a probit model, a Student-t robust regression, a Poisson
GLM and a softmax classifier. Each derivative is checked against its closed form or
finite differences, and the fits against what the closed forms give. Skipped
without SciPy."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff.testing import check_grads

special = pytest.importorskip("scipy.special")
stats = pytest.importorskip("scipy.stats")
optimize = pytest.importorskip("scipy.optimize")


@pytest.fixture(autouse=True)
def _no_disk_cache(no_disk_cache: None) -> None:
    """Derivatives built here are compiled in memory only."""


RNG = np.random.default_rng(2024)
N, P = 60, 3
X = np.column_stack([np.ones(N), RNG.standard_normal((N, P - 1))])
TRUE_W = np.array([0.3, -1.0, 0.7])
Y_BINARY = (RNG.random(N) < special.expit(X @ TRUE_W)).astype(float)
Y_COUNTS = RNG.poisson(np.exp(0.5 * (X @ TRUE_W)))
Y_HEAVY = X @ TRUE_W + 0.4 * RNG.standard_t(3.0, size=N)
CLASSES = 4
LABELS = RNG.integers(0, CLASSES, size=N)
ONE_HOT = np.eye(CLASSES)[LABELS]
PRIOR_SCALE = 2.5


# Bayesian logistic regression ---------------------------------------------------------------


def logistic_log_posterior(w):  # type: ignore[no-untyped-def]
    logits = X @ w
    log_lik = np.sum(Y_BINARY * special.log_expit(logits)
                     + (1.0 - Y_BINARY) * special.log_expit(-logits))
    log_prior = np.sum(stats.norm.logpdf(w, loc=0.0, scale=PRIOR_SCALE))
    return log_lik + log_prior


def test_logistic_posterior_gradient_hessian_and_map() -> None:
    w = np.array([0.1, -0.5, 0.2])
    value, g = symdiff.value_and_grad(logistic_log_posterior)(w)
    assert value == pytest.approx(logistic_log_posterior(w), rel=1e-13)
    p = special.expit(X @ w)
    np.testing.assert_allclose(g, X.T @ (Y_BINARY - p) - w / PRIOR_SCALE**2, rtol=1e-12)
    h = symdiff.hessian(logistic_log_posterior)(w)
    np.testing.assert_allclose(h, -(X.T * (p * (1 - p))) @ X - np.eye(P) / PRIOR_SCALE**2,
                               rtol=1e-12)
    # The Laplace approximation's mode, by Newton's method on symdiff's derivatives.
    for _ in range(20):
        w = w - np.linalg.solve(symdiff.hessian(logistic_log_posterior)(w),
                                symdiff.grad(logistic_log_posterior)(w))
    assert np.max(np.abs(symdiff.grad(logistic_log_posterior)(w))) < 1e-10
    check_grads(logistic_log_posterior, (w,), order=2)


# Probit ----------------------------------------------------------------------------------------


def probit_log_likelihood(w):  # type: ignore[no-untyped-def]
    eta = X @ w
    return np.sum(Y_BINARY * special.log_ndtr(eta) + (1.0 - Y_BINARY) * special.log_ndtr(-eta))


def test_probit_through_every_transform() -> None:
    w = np.array([0.2, -0.6, 0.4])
    eta = X @ w
    mills = np.where(Y_BINARY > 0, stats.norm.pdf(eta) / special.ndtr(eta),
                     -stats.norm.pdf(eta) / special.ndtr(-eta))
    want = X.T @ mills
    np.testing.assert_allclose(symdiff.grad(probit_log_likelihood)(w), want, rtol=1e-12)
    u = np.array([1.0, 0.5, -2.0])
    value, tangent = symdiff.jvp(probit_log_likelihood, (w,), (u,))
    assert value == pytest.approx(probit_log_likelihood(w), rel=1e-13)
    assert tangent == pytest.approx(want @ u, rel=1e-12)
    _, pullback = symdiff.vjp(probit_log_likelihood, w)
    np.testing.assert_allclose(pullback(2.0)[0], 2.0 * want, rtol=1e-12)
    np.testing.assert_allclose(symdiff.jacrev(probit_log_likelihood)(w), want, rtol=1e-12)
    np.testing.assert_allclose(symdiff.jacfwd(probit_log_likelihood)(w), want, rtol=1e-12)
    h = symdiff.hessian(probit_log_likelihood)(w)
    np.testing.assert_allclose(h, h.T, rtol=1e-12)
    assert np.all(np.linalg.eigvalsh(h) < 0)  # the probit likelihood is log-concave
    check_grads(probit_log_likelihood, (w,), order=2)
    # Far in a tail, where ndtr underflows, the gradient stays finite.
    assert np.all(np.isfinite(symdiff.grad(probit_log_likelihood)(40.0 * w)))


# Student-t robust regression ---------------------------------------------------------------------


def robust_log_likelihood(w, log_scale, log_df):  # type: ignore[no-untyped-def]
    residuals = Y_HEAVY - X @ w
    return np.sum(stats.t.logpdf(residuals, np.exp(log_df), scale=np.exp(log_scale)))


def test_student_t_regression_fit() -> None:
    theta = np.array([0.0, 0.0, 0.0, np.log(0.5), np.log(5.0)])

    def negative(theta):  # type: ignore[no-untyped-def]
        return -robust_log_likelihood(theta[:3], theta[3], theta[4])

    fit = optimize.minimize(negative, theta, jac=symdiff.grad(negative),
                            hess=symdiff.hessian(negative), method="trust-exact")
    assert fit.success
    assert np.max(np.abs(symdiff.grad(negative)(fit.x))) < 1e-6
    # The optimum SciPy finds from finite differences alone, in more iterations.
    slow = optimize.minimize(negative, theta, method="BFGS", options={"gtol": 1e-8})
    np.testing.assert_allclose(fit.x, slow.x, atol=1e-4)
    assert fit.nit < slow.nit
    w, log_scale, log_df = np.array([0.2, -0.8, 0.5]), np.log(0.5), np.log(4.0)
    check_grads(robust_log_likelihood, (w, log_scale, log_df), order=2)
    jac = symdiff.jacrev(robust_log_likelihood, argnums=(1, 2))(w, log_scale, log_df)
    grads = symdiff.grad(robust_log_likelihood, argnums=(1, 2))(w, log_scale, log_df)
    np.testing.assert_allclose(jac, grads, rtol=1e-12)


# Poisson GLM -----------------------------------------------------------------------------------


def poisson_log_likelihood(beta):  # type: ignore[no-untyped-def]
    rate = np.exp(X @ beta)
    return np.sum(stats.poisson.logpmf(Y_COUNTS, rate))


def test_poisson_glm_by_newton() -> None:
    beta = np.zeros(P)
    for _ in range(25):
        beta = beta - np.linalg.solve(symdiff.hessian(poisson_log_likelihood)(beta),
                                      symdiff.grad(poisson_log_likelihood)(beta))
    rate = np.exp(X @ beta)
    np.testing.assert_allclose(X.T @ (Y_COUNTS - rate), 0.0, atol=1e-9)  # the score
    np.testing.assert_allclose(symdiff.hessian(poisson_log_likelihood)(beta),
                               -(X.T * rate) @ X, rtol=1e-12)
    value, _ = symdiff.value_and_grad(poisson_log_likelihood)(beta)
    assert value == pytest.approx(poisson_log_likelihood(beta), rel=1e-13)
    check_grads(poisson_log_likelihood, (beta,), order=2)


# Softmax classifier -----------------------------------------------------------------------------


def cross_entropy(weights, bias):  # type: ignore[no-untyped-def]
    logits = X @ weights + bias
    return -np.mean(np.sum(ONE_HOT * special.log_softmax(logits, axis=1), axis=1))


def class_probabilities(weights):  # type: ignore[no-untyped-def]
    return special.softmax(X[:5] @ weights, axis=-1)


def test_softmax_classifier() -> None:
    weights = 0.1 * RNG.standard_normal((P, CLASSES))
    bias = np.zeros(CLASSES)
    g_w, g_b = symdiff.grad(cross_entropy, argnums=(0, 1))(weights, bias)
    residual = (special.softmax(X @ weights + bias, axis=1) - ONE_HOT) / N
    np.testing.assert_allclose(g_w, X.T @ residual, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g_b, residual.sum(axis=0), rtol=1e-12, atol=1e-15)
    check_grads(cross_entropy, (weights, bias), order=2)
    # The Jacobian of the probabilities: d p_ij / d W_kl = p_ij (delta_jl - p_il) x_ik.
    jac = symdiff.jacrev(class_probabilities)(weights)
    assert jac.shape == (5, CLASSES, P, CLASSES)
    np.testing.assert_allclose(jac, symdiff.jacfwd(class_probabilities)(weights), rtol=1e-12,
                               atol=1e-15)
    probs = class_probabilities(weights)
    slopes = probs[:, :, None] * (np.eye(CLASSES) - probs[:, None, :])
    np.testing.assert_allclose(jac, np.einsum("ijl,ik->ijkl", slopes, X[:5]), rtol=1e-12,
                               atol=1e-15)
    # A few steps of gradient descent lower the loss.
    before = cross_entropy(weights, bias)
    for _ in range(50):
        g_w, g_b = symdiff.grad(cross_entropy, argnums=(0, 1))(weights, bias)
        weights, bias = weights - 0.5 * g_w, bias - 0.5 * g_b
    assert cross_entropy(weights, bias) < before
