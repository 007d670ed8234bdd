"""Statistics: log-likelihoods and the models built from them."""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, logsumexp

from benchmarks.realistic.entry import Entry

rng = np.random.default_rng(1)
data = rng.normal(loc=1.5, scale=0.8, size=12)


def gaussian_loglik(mu, log_sigma, x):
    sigma = np.exp(log_sigma)
    z = (x - mu) / sigma
    return -0.5 * np.sum(z**2) - len(x) * log_sigma - 0.5 * len(x) * np.log(2 * np.pi)


def gaussian_loglik_grad(mu, log_sigma, x):
    sigma2 = np.exp(2 * log_sigma)
    return np.sum(x - mu) / sigma2, np.sum((x - mu) ** 2) / sigma2 - len(x)


def student_t_loglik(mu, log_scale, log_nu, x):
    scale, nu = np.exp(log_scale), np.exp(log_nu)
    z = (x - mu) / scale
    per_point = (gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(nu * np.pi)
                 - log_scale - (nu + 1) / 2 * np.log1p(z**2 / nu))
    return per_point.sum()


def poisson_regression_loglik(beta, X, counts):
    eta = X @ beta
    return np.sum(counts * eta - np.exp(eta) - gammaln(counts + 1))


def poisson_regression_grad(beta, X, counts):
    return X.T @ (counts - np.exp(X @ beta))


def kalman_loglik(log_q, log_r, ys, dt=1.0):
    """Constant-velocity model observed in position: the innovations' log-likelihood."""
    F = np.array([[1.0, dt], [0.0, 1.0]])
    Q = np.exp(log_q) * np.array([[dt**3 / 3, dt**2 / 2], [dt**2 / 2, dt]])
    H = np.array([1.0, 0.0])
    r = np.exp(log_r)
    m = np.array([ys[0], 0.0])
    P = np.eye(2)
    ll = 0.0
    for y in ys[1:]:
        m = F @ m
        P = F @ P @ F.T + Q
        S = H @ P @ H + r
        K = P @ H / S
        v = y - H @ m
        m = m + K * v
        P = P - np.outer(K, K) * S
        ll += -0.5 * (np.log(2 * np.pi * S) + v**2 / S)
    return ll


def gp_neg_log_marginal(log_ell, log_sf, log_sn, X, y):
    sqdist = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = np.exp(2 * log_sf) * np.exp(-0.5 * sqdist / np.exp(2 * log_ell))
    K = K + np.exp(2 * log_sn) * np.eye(len(y))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(y) * np.log(2 * np.pi)


def mixture_loglik(logits, means, log_sigmas, x):
    log_w = logits - logsumexp(logits)
    sigmas = np.exp(log_sigmas)
    z = (x[:, None] - means[None, :]) / sigmas
    log_comp = -0.5 * z**2 - log_sigmas - 0.5 * np.log(2 * np.pi)
    return np.sum(logsumexp(log_w + log_comp, axis=1))


def huber_regression(beta, X, y, delta=1.0):
    r = y - X @ beta
    small = np.abs(r) <= delta
    return np.sum(np.where(small, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta)))


Xs = rng.normal(size=(10, 2))
counts = rng.poisson(lam=2.0, size=10).astype(float)
walk = np.cumsum(rng.normal(size=8)) + 0.3 * np.arange(8)
gp_X = rng.uniform(-2, 2, size=(6, 1))
gp_y = np.sin(2 * gp_X[:, 0]) + 0.1 * rng.normal(size=6)
ENTRIES = [
    Entry("gaussian_loglik", "statistics", gaussian_loglik, (1.2, -0.1, data),
          argnums=(0, 1), exact=gaussian_loglik_grad),
    Entry("student_t_loglik", "statistics", student_t_loglik, (1.0, -0.2, 1.1, data),
          argnums=(0, 1, 2)),
    Entry("poisson_regression", "statistics", poisson_regression_loglik,
          (np.array([0.3, -0.2]), Xs, counts), exact=poisson_regression_grad),
    Entry("kalman_loglik", "statistics", kalman_loglik, (-1.0, -0.5, walk), argnums=(0, 1)),
    Entry("gp_neg_log_marginal", "statistics", gp_neg_log_marginal,
          (0.1, 0.0, -1.5, gp_X, gp_y), argnums=(0, 1, 2)),
    Entry("mixture_loglik", "statistics", mixture_loglik,
          (np.array([0.2, -0.1, 0.0]), np.array([-1.0, 0.5, 2.0]),
           np.array([0.0, -0.3, 0.2]), data), argnums=(0, 1, 2)),
    Entry("huber_regression", "statistics", huber_regression,
          (np.array([0.5, -0.4]), Xs, Xs @ np.array([1.0, 0.5]) + rng.normal(size=10))),
]
