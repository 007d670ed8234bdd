"""Scientific models written the way practitioners write them, through matrix
factorisations: a Gaussian process's negative log marginal likelihood (Cholesky with
NumPy, with SciPy's triangular solves, with cho_factor/cho_solve and slogdet), a
multivariate normal log-density, PCA and a Rayleigh quotient through eigh, and a
least-squares fit through pinv and lstsq. Each runs through grad, value_and_grad, jvp,
vjp, jacfwd, jacrev and hessian against finite differences, closed forms and SymPy
(skipped without SciPy, the reference for the densities)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import sympy

from symdiff import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp
from symdiff.testing import check_grads

stats = pytest.importorskip("scipy.stats")
from scipy.linalg import cho_factor, cho_solve, solve_triangular  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_disk_cache")

RNG = np.random.default_rng(41)


# A Gaussian process with an RBF kernel ------------------------------------------------


def rbf(x, log_ell, log_sf):
    d = x[:, None] - x[None, :]
    return np.exp(2.0 * log_sf) * np.exp(-0.5 * d ** 2 / np.exp(2.0 * log_ell))


def gp_nll(x, y, log_ell, log_sf, log_noise):
    K = rbf(x, log_ell, log_sf) + np.exp(2.0 * log_noise) * np.eye(len(x))
    L = np.linalg.cholesky(K)
    alpha = solve_triangular(L.T, solve_triangular(L, y, lower=True))
    return (0.5 * y @ alpha + np.sum(np.log(np.einsum("ii->i", L)))
            + 0.5 * len(x) * np.log(2.0 * np.pi))


def gp_nll_cho(x, y, log_ell, log_sf, log_noise):
    K = rbf(x, log_ell, log_sf) + np.exp(2.0 * log_noise) * np.eye(len(x))
    alpha = cho_solve(cho_factor(K, lower=True), y)
    sign, logdet = np.linalg.slogdet(K)
    return 0.5 * y @ alpha + 0.5 * logdet + 0.5 * len(x) * np.log(2.0 * np.pi)


def gp_nll_numpy(x, y, log_ell, log_sf, log_noise):
    K = rbf(x, log_ell, log_sf) + np.exp(2.0 * log_noise) * np.eye(len(x))
    L = np.linalg.cholesky(K)
    z = np.linalg.solve(L, y)
    return 0.5 * z @ z + np.sum(np.log(np.einsum("ii->i", L))) + 0.5 * len(x) * np.log(
        2.0 * np.pi)


X = np.sort(RNG.uniform(-2.0, 2.0, 7))
Y = np.sin(X) + 0.1 * RNG.standard_normal(7)
HYPER = (0.2, -0.1, -1.2)
GP = [gp_nll, gp_nll_cho, gp_nll_numpy]


def _gp_reference(x: np.ndarray, y: np.ndarray, log_ell: float, log_sf: float,
                  log_noise: float) -> float:
    K = (math.exp(2 * log_sf) * np.exp(-0.5 * np.subtract.outer(x, x) ** 2
                                       / math.exp(2 * log_ell))
         + math.exp(2 * log_noise) * np.eye(len(x)))
    return float(-stats.multivariate_normal(np.zeros(len(x)), K).logpdf(y))


@pytest.mark.parametrize("nll", GP, ids=[f.__name__ for f in GP])
def test_gp_likelihood_and_its_hyperparameter_gradient(nll: Any) -> None:
    value, g = value_and_grad(nll, argnums=(2, 3, 4))(X, Y, *HYPER)
    assert value == pytest.approx(_gp_reference(X, Y, *HYPER), rel=1e-10)
    h = 1e-6
    for i, gi in enumerate(g):
        up, down = list(HYPER), list(HYPER)
        up[i] += h
        down[i] -= h
        fd = (_gp_reference(X, Y, *up) - _gp_reference(X, Y, *down)) / (2 * h)
        assert gi == pytest.approx(fd, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("nll", GP, ids=[f.__name__ for f in GP])
def test_gp_every_mode_to_second_order(nll: Any) -> None:
    check_grads(nll, (X, Y, *HYPER), order=2, rtol=1e-5, atol=1e-7)


def test_gp_hessian_of_the_hyperparameters_is_the_same_for_every_form() -> None:
    def as_vector(nll: Any) -> Any:
        def f(theta):
            return nll(X, Y, theta[0], theta[1], theta[2])
        return f

    theta = np.array(HYPER)
    hessians = [hessian(as_vector(nll))(theta) for nll in GP]
    for h in hessians[1:]:
        np.testing.assert_allclose(h, hessians[0], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(hessians[0], hessians[0].T, rtol=1e-10, atol=1e-12)
    fd = np.array([(grad(as_vector(gp_nll))(theta + 1e-5 * e)
                    - grad(as_vector(gp_nll))(theta - 1e-5 * e)) / 2e-5 for e in np.eye(3)])
    np.testing.assert_allclose(hessians[0], fd, rtol=1e-5, atol=1e-7)


def test_gp_gradient_with_respect_to_the_inputs() -> None:
    gx = grad(gp_nll_cho)(X, Y, *HYPER)
    jx = jacrev(gp_nll)(X, Y, *HYPER)
    np.testing.assert_allclose(gx, jx, rtol=1e-8, atol=1e-10)
    u = RNG.standard_normal(7)
    _, tangent = jvp(lambda x: gp_nll(x, Y, *HYPER), (X,), (u,))
    assert tangent == pytest.approx(gx @ u, rel=1e-8)


def test_gp_of_two_points_matches_sympy() -> None:
    ell, sf, noise = sympy.symbols("ell sf noise", positive=True)
    x0, x1, y0, y1 = 0.3, 1.1, 0.5, -0.2
    k = sf ** 2 * sympy.exp(-((x0 - x1) ** 2) / (2 * ell ** 2))
    K = sympy.Matrix([[sf ** 2 + noise ** 2, k], [k, sf ** 2 + noise ** 2]])
    y = sympy.Matrix([y0, y1])
    nll = ((y.T * K.inv() * y)[0] / 2 + sympy.log(K.det()) / 2
           + sympy.log(2 * sympy.pi))
    point = {ell: math.exp(HYPER[0]), sf: math.exp(HYPER[1]), noise: math.exp(HYPER[2])}
    # d/d log(ell) = ell d/d ell, and so on.
    want = [float((s * sympy.diff(nll, s)).subs(point)) for s in (ell, sf, noise)]
    got = grad(gp_nll, argnums=(2, 3, 4))(np.array([x0, x1]), np.array([y0, y1]), *HYPER)
    np.testing.assert_allclose(got, want, rtol=1e-10)


# A multivariate normal log-density ----------------------------------------------------


def mvn_logpdf(x, mu, cov):
    r = x - mu
    sign, logdet = np.linalg.slogdet(cov)
    return -0.5 * (len(x) * np.log(2.0 * np.pi) + logdet + r @ np.linalg.solve(cov, r))


S = RNG.standard_normal((4, 4))
COV = S @ S.T + 4.0 * np.eye(4)
MU = RNG.standard_normal(4)
POINT = RNG.standard_normal(4)


def test_mvn_value_and_closed_form_gradients() -> None:
    value, (g_mu, g_cov) = value_and_grad(mvn_logpdf, argnums=(1, 2))(POINT, MU, COV)
    assert value == pytest.approx(stats.multivariate_normal(MU, COV).logpdf(POINT), rel=1e-12)
    inv = np.linalg.inv(COV)
    r = POINT - MU
    np.testing.assert_allclose(g_mu, inv @ r, rtol=1e-10)
    # slogdet and solve read the whole matrix: the gradient of every entry.
    np.testing.assert_allclose(g_cov, -0.5 * (inv - np.outer(inv @ r, inv @ r)), rtol=1e-10)
    np.testing.assert_allclose(hessian(mvn_logpdf, argnums=1)(POINT, MU, COV), -inv,
                               rtol=1e-10)


def test_mvn_every_mode_to_second_order() -> None:
    check_grads(mvn_logpdf, (POINT, MU, COV), order=2, rtol=1e-5, atol=1e-7)
    out, vjp_fn = vjp(mvn_logpdf, POINT, MU, COV)
    g_x, g_mu, g_cov = vjp_fn(1.0)
    np.testing.assert_allclose(g_x, -g_mu, rtol=1e-12)
    assert g_cov.shape == (4, 4)


# PCA and the Rayleigh quotient through eigh -------------------------------------------


def top_variance(data):
    centered = data - np.mean(data, axis=0)
    cov = centered.T @ centered / (len(data) - 1)
    return np.linalg.eigvalsh(cov)[-1]


def reconstruction_error(data):
    centered = data - np.mean(data, axis=0)
    w, V = np.linalg.eigh(centered.T @ centered)
    top = V[:, -2:]  # the projection onto the top two components has no sign
    residual = centered - centered @ top @ top.T
    return np.sum(residual ** 2)


def rayleigh(A, v):
    return v @ A @ v / (v @ v)


DATA = RNG.standard_normal((12, 4)) @ np.diag([3.0, 2.0, 1.0, 0.5])


def test_pca_every_mode_to_second_order() -> None:
    check_grads(top_variance, (DATA,), order=2, rtol=1e-5, atol=1e-7)
    check_grads(reconstruction_error, (DATA,), order=2, rtol=1e-5, atol=1e-6)


def test_top_eigenvalue_is_the_maximal_rayleigh_quotient() -> None:
    A = S + S.T
    w, V = np.linalg.eigh(A)
    v = V[:, -1]
    # At the top eigenvector the Rayleigh quotient is stationary and equals w[-1]...
    np.testing.assert_allclose(grad(rayleigh, argnums=1)(A, v), np.zeros(4), atol=1e-12)
    # ... and both have the gradient v v^T with respect to A (eigh reads its lower
    # triangle, where each entry below the diagonal stands for two).
    g_quotient = grad(rayleigh)(A, v)
    g_top = grad(lambda A: np.linalg.eigh(A)[0][-1])(A)
    np.testing.assert_allclose(g_quotient, np.outer(v, v), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_top, np.tril(2 * np.outer(v, v), -1) + np.diag(v * v),
                               rtol=1e-10, atol=1e-12)
    jf, jr = jacfwd(np.linalg.eigvalsh)(A), jacrev(np.linalg.eigvalsh)(A)
    np.testing.assert_allclose(jf, jr, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(jf[-1], g_top, rtol=1e-10, atol=1e-12)


def test_eigenvalues_of_a_symmetric_2x2_match_sympy() -> None:
    a, b, c = sympy.symbols("a b c", real=True)
    w = sympy.Matrix([[a, b], [b, c]]).eigenvals()
    top = max(w, key=lambda e: float(e.subs({a: 1.3, b: 0.4, c: -0.7})))
    point = {a: 1.3, b: 0.4, c: -0.7}
    want = [float(sympy.diff(top, s).subs(point)) for s in (a, b, c)]

    def top_eigenvalue(a, b, c):
        return np.linalg.eigvalsh(np.array([[a, b], [b, c]]))[1]

    got = grad(top_eigenvalue, argnums=(0, 1, 2))(1.3, 0.4, -0.7)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    want2 = float(sympy.diff(top, b, 2).subs(point))
    assert hessian(top_eigenvalue, argnums=1)(1.3, 0.4, -0.7) == pytest.approx(want2, rel=1e-9)


# Least squares through pinv and lstsq -------------------------------------------------


def ridge_free_fit(X, y):
    beta = np.linalg.pinv(X) @ y
    r = y - X @ beta
    return r @ r + 0.1 * beta @ beta


def normal_equations(X, y):
    beta = np.linalg.solve(X.T @ X, X.T @ y)
    r = y - X @ beta
    return r @ r + 0.1 * beta @ beta


def lstsq_fit(X, y):
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    r = y - X @ beta
    return r @ r + 0.1 * beta @ beta


DESIGN = np.column_stack([np.ones(9), np.linspace(0.0, 2.0, 9), np.linspace(0.0, 2.0, 9) ** 2])
TARGET = 1.0 + DESIGN[:, 1] - 0.5 * DESIGN[:, 2] + 0.1 * RNG.standard_normal(9)


@pytest.mark.parametrize("fit", [ridge_free_fit, lstsq_fit], ids=["pinv", "lstsq"])
def test_least_squares_agrees_with_the_normal_equations(fit: Any) -> None:
    for argnums in (0, 1):
        np.testing.assert_allclose(grad(fit, argnums=argnums)(DESIGN, TARGET),
                                   grad(normal_equations, argnums=argnums)(DESIGN, TARGET),
                                   rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(hessian(fit, argnums=1)(DESIGN, TARGET),
                               hessian(normal_equations, argnums=1)(DESIGN, TARGET),
                               rtol=1e-7, atol=1e-9)
    check_grads(fit, (DESIGN, TARGET), order=2, rtol=1e-5, atol=1e-7)


def test_pinv_of_a_3x2_matrix_matches_sympy() -> None:
    entries = sympy.symbols("a0:6", real=True)
    A = sympy.Matrix(3, 2, entries)
    pinv = (A.T * A).inv() * A.T
    weights = sympy.Matrix(2, 3, [1, -2, 0.5, 3, 1, -1])
    f = sum(pinv[i, j] * weights[i, j] for i in range(2) for j in range(3))
    value = RNG.standard_normal((3, 2))
    point = dict(zip(entries, value.ravel(), strict=True))
    want = np.array([float(sympy.diff(f, e).subs(point)) for e in entries]).reshape(3, 2)
    W = np.array(weights.tolist(), dtype=float)

    def weighted(A):
        return np.sum(np.linalg.pinv(A) * W)

    np.testing.assert_allclose(grad(weighted)(value), want, rtol=1e-9)
