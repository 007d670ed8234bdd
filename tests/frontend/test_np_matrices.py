"""np.tril/np.triu and np.linalg.cholesky, slogdet, eigh, eigvalsh, pinv, matrix_power,
lstsq, qr and svd in user code: both modes against finite differences
(`symdiff.testing.check_grads`) in float64 and float32, the values NumPy gives, the
generated code, the functions differentiated directly, and the calls bound by position
and by name as NumPy's signatures say. (What is not supported is
located in tests/frontend/test_np_linalg.py.)"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from symdiff import grad, jacfwd, jacrev, value_and_grad
from symdiff.testing import check_grads
from tests.frontend import support
from tests.ir.support import positive_definite

pytestmark = pytest.mark.usefixtures("no_disk_cache")

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()

RNG = np.random.default_rng(31)


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def triangles(A):
    return np.tril(A) * 2.0 + np.triu(A, k=1) ** 2 + np.tril(A, -1).sum()


def cholesky_factors(A):
    return np.linalg.cholesky(A) @ np.linalg.cholesky(A, upper=True)


def log_determinants(A):
    sign, logdet = np.linalg.slogdet(A)
    return sign * logdet + np.linalg.slogdet(A @ A.T)[1]


def eigen(S):
    w, V = np.linalg.eigh(S)
    # Sign-free functions of the eigenvectors: each column's outer product.
    return np.sum(w ** 3) + np.sum((V[:, 0:1] * V[:, 0]) * S)


def eigenvalues_upper(S):
    return np.linalg.eigvalsh(S, UPLO="U") * np.linalg.eigvalsh(S, "L")


def pseudo_inverse(A):
    return np.linalg.pinv(A) + np.linalg.pinv(A.T).T ** 2


def powers(A):
    return (np.linalg.matrix_power(A, 3) + np.linalg.matrix_power(A, 0)
            + np.linalg.matrix_power(A, -2))


def least_squares(X, y):
    beta, residuals, rank, s = np.linalg.lstsq(X, y, rcond=None)
    return np.sum(beta ** 2) + residuals[0] + s[0] * rank


def least_squares_columns(X, Y):
    return np.linalg.lstsq(X, Y)[0]


def orthogonalize(A):
    Q, R = np.linalg.qr(A)
    # Q with the signs that make R's diagonal positive: the unique QR factor.
    return Q * np.sign(np.einsum("ii->i", R)) + np.linalg.qr(A, mode="r").sum()


def singular_values(A):
    return np.linalg.svd(A, compute_uv=False)


def low_rank(A):
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    return (U[:, :2] * s[:2]) @ Vh[:2]


def _symmetric(n: int) -> np.ndarray:
    x = _normal(n, n)
    return x + x.T


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (triangles, (_normal(3, 4),)),
    (cholesky_factors, (positive_definite(RNG, 3),)),
    (log_determinants, (_normal(3, 3),)),
    (eigen, (_symmetric(4),)),
    (eigenvalues_upper, (_symmetric(3),)),
    (pseudo_inverse, (_normal(4, 2),)),
    (powers, (_normal(3, 3) + 3 * np.eye(3),)),
    (least_squares, (_normal(6, 3), _normal(6))),
    (least_squares_columns, (_normal(5, 2), _normal(5, 3))),
    (orthogonalize, (_normal(4, 3),)),
    (singular_values, (_normal(3, 5),)),
    (low_rank, (_normal(5, 4),)),
]


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_both_modes_match_finite_differences(f: Callable[..., Any], args: tuple[Any, ...],
                                             dtype: type) -> None:
    support.check_in_dtype(f, args, dtype, float32_tol=(3e-2, 3e-3))


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_second_derivatives_match_finite_differences(f: Callable[..., Any],
                                                     args: tuple[Any, ...]) -> None:
    check_grads(f, args, order=2, rtol=1e-5, atol=1e-6)


def test_values_are_numpy_s() -> None:
    def total(A, y):
        w, V = np.linalg.eigh(A @ A.T)
        sign, logdet = np.linalg.slogdet(A)
        return (np.sum(np.linalg.cholesky(A @ A.T + np.eye(3))) + logdet + np.sum(w)
                + np.sum(np.linalg.pinv(A) @ y) + np.sum(np.linalg.lstsq(A, y)[0]))

    A, y = _normal(3, 3), _normal(3)
    value, _ = value_and_grad(total)(A, y)
    assert value == pytest.approx(total(A, y), rel=1e-12)


def test_gradient_of_a_log_determinant_through_the_factor() -> None:
    def half_logdet(A):
        return np.sum(np.log(np.einsum("ii->i", np.linalg.cholesky(A))))

    A = positive_definite(RNG, 4)
    g = grad(half_logdet)
    inv = np.linalg.inv(A)
    # np.linalg.cholesky reads the lower triangle: each entry below the diagonal
    # stands for two entries of the symmetric matrix.
    np.testing.assert_allclose(g(A), np.tril(inv, -1) + np.diag(np.diag(inv)) / 2)
    text = g.source
    assert "np.linalg.cholesky(A)" in text and "np.tril(" in text


def test_functions_differentiated_directly() -> None:
    A = positive_definite(RNG, 3)
    eps = 1e-6
    direction = np.tril(_normal(3, 3))
    for fn in (np.linalg.cholesky, np.linalg.eigvalsh, np.linalg.pinv):
        fd = (fn(A + eps * direction) - fn(A - eps * direction)) / (2 * eps)
        jac = jacfwd(fn)(A)
        got = np.tensordot(jac, direction, axes=2)
        np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(jacrev(fn)(A), jac, rtol=1e-8, atol=1e-10)


def test_a_qr_of_a_wide_matrix_raises_in_the_derivative() -> None:
    # R is not square: the derivative needs A to have at least as many rows as columns.
    def f(A):
        Q, R = np.linalg.qr(A)
        return np.sum(R)

    with pytest.raises(np.linalg.LinAlgError):
        grad(f)(_normal(2, 4))


# Calls bound by NumPy's signatures (np_signatures) ---------------------------------------

UPPER = True  # options read from globals: the code is specialised on their values
POWER = 2
BELOW = -1


def factor_forms(S, X, y):
    """Each function called with its parameters by position and by name, as NumPy binds
    them: a ridge fit through the upper Cholesky factor, spectra and projections."""
    R = np.linalg.cholesky(S, upper=UPPER)
    beta = np.linalg.solve(R, np.linalg.solve(R.T, X.T @ y))
    w, V = np.linalg.eigh(a=S, UPLO="U")
    return (np.sum(beta ** 2) + np.sum(w * np.linalg.eigvalsh(S, "U"))
            + np.sum((V[:, 0:1] * V[:, 0]) * S)
            + np.sum(np.linalg.lstsq(a=X, b=y, rcond=None)[0])
            + np.sum(np.linalg.qr(X, "r") ** 2) + np.sum(np.linalg.qr(a=X, mode="r"))
            + np.sum(np.linalg.svd(X, False, False)) + np.sum(np.linalg.svd(X, compute_uv=False))
            + np.sum(np.linalg.matrix_power(S, n=POWER)) + np.sum(np.linalg.matrix_power(a=S, n=-1))
            + np.sum(np.linalg.pinv(X, None, False) @ y))


def triangle_forms(A):
    return (np.sum(np.tril(A, -1) ** 2) + np.sum(np.tril(A, k=1) * A) + np.sum(np.triu(m=A))
            + np.sum(np.triu(A, BELOW) ** 3) + np.sum(np.tril(m=A, k=0) * 2.0))


def test_forms_bind_by_position_and_name() -> None:
    S, X, y = positive_definite(RNG, 3), _normal(5, 3), _normal(5)
    check_grads(factor_forms, (S, X, y), order=2, rtol=1e-5, atol=1e-6)
    value, _ = value_and_grad(factor_forms)(S, X, y)
    assert value == pytest.approx(factor_forms(S, X, y), rel=1e-12)
    A = _normal(4, 3)
    check_grads(triangle_forms, (A,), order=2)
    np.testing.assert_allclose(jacrev(lambda A: np.tril(A, k=1))(A),
                               jacfwd(lambda A: np.tril(A, 1))(A))
    assert value_and_grad(triangle_forms)(A)[0] == pytest.approx(triangle_forms(A), rel=1e-13)


def upper_by_position(S):
    return np.linalg.cholesky(S, True).sum()  # E:upper


def cholesky_by_name(S):
    return np.linalg.cholesky(a=S).sum()  # E:posonly


def pinv_rtol(S):
    return np.linalg.pinv(S, rtol=None).sum()  # E:rtol


def svd_hermitian(S):
    return np.linalg.svd(S, False, False, True).sum()  # E:hermitian


def power_twice(S):
    return np.linalg.matrix_power(S, 2, n=2).sum()  # E:twice


def tril_float_k(S):
    return np.tril(S, k=0.5).sum()  # E:k


FORM_ERRORS = [
    (upper_by_position, "upper", "np.linalg.cholesky(", ["at most 1 positional", "got 2"]),
    (cholesky_by_name, "posonly", "a=S", ["keyword argument a="]),
    (pinv_rtol, "rtol", "rtol=", ["rtol=", "not supported"]),
    (svd_hermitian, "hermitian", "True)", ["hermitian=", "not supported"]),
    (power_twice, "twice", "n=2", ["multiple values", "'n'"]),
    (tril_float_k, "k", "np.tril(", ["k must be a constant int"]),
]


@support.error_cases(FORM_ERRORS)
def test_unsupported_forms_are_located(f: Callable[..., Any], tag: str, snippet: str,
                                       words: list[str]) -> None:
    support.raises_located(lambda: grad(f)(positive_definite(RNG, 3)), THIS_FILE, LINES, tag,
                           snippet, words)
