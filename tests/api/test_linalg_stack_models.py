"""Models over stacks of matrices (issue 14), written as a practitioner batches them:
the Gaussian log-likelihood of several groups with a stack of covariance Cholesky
factors, independent ridge regressions solved as one stack, and a log-determinant and
a spectral penalty through the eigenvalues of a stack of symmetric matrices. Each runs
through grad, value_and_grad, jvp, vjp, jacfwd, jacrev and hessian against closed
forms, finite differences and SciPy's densities (skipped without SciPy)."""

from __future__ import annotations

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp
from symdiff.testing import check_grads

stats = pytest.importorskip("scipy.stats")

pytestmark = pytest.mark.usefixtures("no_disk_cache")

RNG = np.random.default_rng(53)
K, N, D = 3, 6, 2  # groups, observations per group, dimensions


# Gaussian log-likelihood of K groups, one covariance factor each ----------------------


def group_nll(mu, log_diag, off, X):
    """-log p(X) of K groups (X: K x N x D), group k normal with mean mu[k] and
    covariance L_k L_k^T, L_k lower with diagonal exp(log_diag[k]) and off-diagonal
    off[k]; the factors are re-derived with np.linalg.cholesky of the covariances."""
    L = np.tril(off, -1) + np.exp(log_diag)[:, :, None] * np.eye(D)
    cov = L @ np.swapaxes(L, -1, -2)
    chol = np.linalg.cholesky(cov)
    centred = np.swapaxes(X - mu[:, None, :], -1, -2)  # K x D x N
    z = np.linalg.solve(chol, centred)
    log_det = 2.0 * np.sum(np.log(np.einsum("kii->ki", chol)))
    return 0.5 * np.sum(z ** 2) + 0.5 * N * log_det + 0.5 * K * N * D * np.log(2 * np.pi)


MU = RNG.standard_normal((K, D))
LOG_DIAG = 0.3 * RNG.standard_normal((K, D))
OFF = 0.5 * RNG.standard_normal((K, D, D))
XS = RNG.standard_normal((K, N, D))


def _covariances() -> np.ndarray:
    L = np.tril(OFF, -1) + np.exp(LOG_DIAG)[:, :, None] * np.eye(D)
    return L @ np.swapaxes(L, -1, -2)


def test_group_likelihood_is_scipy_s_and_its_mean_gradient_closed_form() -> None:
    cov = _covariances()
    want = -sum(stats.multivariate_normal(MU[k], cov[k]).logpdf(XS[k]).sum()
                for k in range(K))
    value, g_mu = value_and_grad(group_nll)(MU, LOG_DIAG, OFF, XS)
    assert value == pytest.approx(want, rel=1e-12)
    # d/d mu_k = -inv(cov_k) sum_n (x_n - mu_k)
    closed = -np.linalg.solve(cov, (XS - MU[:, None, :]).sum(axis=1)[..., None])[..., 0]
    np.testing.assert_allclose(g_mu, closed, rtol=1e-10)


def test_group_likelihood_in_every_mode() -> None:
    args = (MU, LOG_DIAG, OFF, XS)
    check_grads(group_nll, args, order=2, rtol=1e-5, atol=1e-6)
    g = grad(group_nll, argnums=(0, 1, 2))(*args)
    u = tuple(RNG.standard_normal(a.shape) for a in args[:3])
    _, tangent = jvp(lambda m, d, o: group_nll(m, d, o, XS), args[:3], u)
    assert tangent == pytest.approx(sum(np.sum(gi * ui) for gi, ui in zip(g, u,
                                                                          strict=True)))
    _, back = vjp(lambda m, d, o: group_nll(m, d, o, XS), *args[:3])
    for gi, bi in zip(g, back(1.0), strict=True):
        np.testing.assert_allclose(bi, gi, rtol=1e-12)
    h = hessian(group_nll)(*args)  # in mu: block diagonal, each block N inv(cov_k)
    cov = _covariances()
    for k in range(K):
        np.testing.assert_allclose(h[k, :, k], N * np.linalg.inv(cov[k]), rtol=1e-8)
        for j in set(range(K)) - {k}:
            np.testing.assert_allclose(h[k, :, j], 0.0, atol=1e-12)


# K ridge regressions as one stack of solves --------------------------------------------


def ridge(X, y, lam):
    """The ridge coefficients of K regressions (X: K x N x P, y: K x N)."""
    gram = np.swapaxes(X, -1, -2) @ X + lam * np.eye(X.shape[-1])
    return np.linalg.solve(gram, np.swapaxes(X, -1, -2) @ y[..., None])[..., 0]


def ridge_loss(X, y, lam):
    beta = ridge(X, y, lam)
    residual = y - np.einsum("knp,kp->kn", X, beta)
    return np.sum(residual ** 2) + lam * np.sum(beta ** 2)


P = 3
RX, RY, LAM = RNG.standard_normal((K, N, P)), RNG.standard_normal((K, N)), 0.7


@pytest.mark.parametrize("jacobian", [jacfwd, jacrev])
def test_ridge_coefficients_are_linear_in_y(jacobian) -> None:
    jac = jacobian(ridge, argnums=1)(RX, RY, LAM)
    assert jac.shape == (K, P, K, N)
    for k in range(K):
        hat = np.linalg.solve(RX[k].T @ RX[k] + LAM * np.eye(P), RX[k].T)
        np.testing.assert_allclose(jac[k, :, k], hat, rtol=1e-10)
        for j in set(range(K)) - {k}:
            np.testing.assert_allclose(jac[k, :, j], 0.0, atol=1e-12)


def test_ridge_loss_in_every_mode() -> None:
    check_grads(ridge_loss, (RX, RY, LAM), order=2, rtol=1e-5, atol=1e-6)
    # At the optimum the loss does not move with beta: d/d lam is sum(beta ** 2).
    value, g_lam = value_and_grad(ridge_loss, argnums=2)(RX, RY, LAM)
    assert value == pytest.approx(ridge_loss(RX, RY, LAM), rel=1e-12)
    assert g_lam == pytest.approx(np.sum(ridge(RX, RY, LAM) ** 2), rel=1e-10)
    h = hessian(ridge_loss, argnums=1)(RX, RY, LAM)
    for k in range(K):
        hat = RX[k] @ np.linalg.solve(RX[k].T @ RX[k] + LAM * np.eye(P), RX[k].T)
        np.testing.assert_allclose(h[k, :, k], 2.0 * (np.eye(N) - hat), rtol=1e-8,
                                   atol=1e-10)


# Eigenvalues of a stack of symmetric matrices ------------------------------------------


def log_det_by_eigh(A):
    """sum_k log det(A_k A_k^T + I), through the eigenvalues of each matrix."""
    cov = A @ np.swapaxes(A, -1, -2) + np.eye(A.shape[-1])
    return np.sum(np.log(np.linalg.eigh(cov).eigenvalues))


def spectral_penalty(A, target):
    """How far each symmetric part's spectrum is from `target` (sorted ascending)."""
    S = 0.5 * (A + np.swapaxes(A, -1, -2))
    w = np.linalg.eigvalsh(S)
    return np.sum((w - target) ** 2) + 0.1 * np.sum(np.max(np.abs(w), axis=-1))


EA = RNG.standard_normal((K, 3, 3))
TARGET = np.array([-1.0, 0.5, 2.0])


def test_log_det_by_eigh_is_slogdet_s_gradient() -> None:
    g = grad(log_det_by_eigh)(EA)
    cov = EA @ np.swapaxes(EA, -1, -2) + np.eye(3)
    np.testing.assert_allclose(g, 2.0 * np.linalg.solve(cov, EA), rtol=1e-10)
    value, _ = value_and_grad(log_det_by_eigh)(EA)
    assert value == pytest.approx(np.sum(np.linalg.slogdet(cov).logabsdet), rel=1e-12)


@pytest.mark.parametrize("f, args", [(log_det_by_eigh, (EA,)),
                                     (spectral_penalty, (EA, TARGET))],
                         ids=["log_det_by_eigh", "spectral_penalty"])
def test_eigen_losses_in_every_mode(f, args) -> None:
    check_grads(f, args, order=2, rtol=1e-5, atol=1e-6)
    g = grad(f)(*args)
    rows = jacrev(f)(*args)
    np.testing.assert_allclose(rows, g, rtol=1e-12)
    np.testing.assert_allclose(jacfwd(f)(*args), g, rtol=1e-10, atol=1e-12)
