"""np.tril/np.triu and np.linalg.cholesky, slogdet, eigh, eigvalsh, pinv, matrix_power,
lstsq, qr and svd in user code: both modes against finite differences
(`symdiff.testing.check_grads`) in float64 and float32, the values NumPy gives, the
generated code, the functions differentiated directly, and located errors for what is
not supported (stacks of matrices, options symdiff does not differentiate)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from symdiff import UnsupportedSyntaxError, grad, jacfwd, jacrev, value_and_grad, vjp
from symdiff.testing import check_grads
from tests.frontend import support

pytestmark = pytest.mark.usefixtures("no_disk_cache")

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()
RNG = np.random.default_rng(31)


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _spd(n: int) -> np.ndarray:
    x = _normal(n, n)
    return x @ x.T + n * np.eye(n)


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
    (cholesky_factors, (_spd(3),)),
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
    args = tuple(a.astype(dtype) for a in args)
    if dtype == np.float64:
        check_grads(f, args, rtol=1e-6, atol=1e-8)
    else:
        check_grads(f, args, eps=1e-3, rtol=3e-2, atol=3e-3)
    _, vjp_fn = vjp(f, *args)
    for a, c in zip(args, vjp_fn(np.ones_like(f(*args))), strict=True):
        assert c.shape == a.shape and c.dtype == a.dtype


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

    A = _spd(4)
    g = grad(half_logdet)
    inv = np.linalg.inv(A)
    # np.linalg.cholesky reads the lower triangle: each entry below the diagonal
    # stands for two entries of the symmetric matrix.
    np.testing.assert_allclose(g(A), np.tril(inv, -1) + np.diag(np.diag(inv)) / 2)
    text = g.source
    assert "np.linalg.cholesky(A)" in text and "np.tril(" in text


def test_functions_differentiated_directly() -> None:
    A = _spd(3)
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


# Located errors -----------------------------------------------------------------------


def stack_of_matrices(A):
    return np.linalg.cholesky(A[None] * 1.0).sum()  # E:stack


def cholesky_of_vector(A):
    return np.linalg.cholesky(A[0]).sum()  # E:vector


def full_svd(A):
    return np.linalg.svd(A)[1].sum()  # E:full


def complete_qr(A):
    return np.linalg.qr(A, mode="complete")[0].sum()  # E:complete


def uplo_not_constant(A):
    return np.linalg.eigvalsh(A, A[0, 0]).sum()  # E:uplo


def power_not_constant(A):
    return np.linalg.matrix_power(A, len(A) + A.shape[0] * 0).sum()  # E:power


def power_not_int(A):
    return np.linalg.matrix_power(A, 2.0).sum()  # E:float


def lstsq_rcond(A):
    return np.linalg.lstsq(A, A[0], rcond=1e-3)[0].sum()  # E:rcond


def tril_of_vector(A):
    return np.tril(A[0]).sum()  # E:tril


def pinv_hermitian(A):
    return np.linalg.pinv(A, hermitian=True).sum()  # E:hermitian


ERRORS = [
    (stack_of_matrices, "stack", "np.linalg.cholesky(", ["stack of matrices", "not supported yet"]),
    (cholesky_of_vector, "vector", "np.linalg.cholesky(", ["2-D"]),
    (full_svd, "full", "np.linalg.svd(", ["full_matrices=False"]),
    (complete_qr, "complete", "np.linalg.qr(", ["mode='complete'", "not supported"]),
    (uplo_not_constant, "uplo", "np.linalg.eigvalsh(", ["UPLO must be a constant"]),
    (power_not_constant, "power", "np.linalg.matrix_power(", ["constant int"]),
    (power_not_int, "float", "np.linalg.matrix_power(", ["constant int"]),
    (lstsq_rcond, "rcond", "np.linalg.lstsq(", ["rcond=0.001"]),
    (tril_of_vector, "tril", "np.tril(", ["fewer than two axes"]),
    (pinv_hermitian, "hermitian", "hermitian=", ["hermitian="]),
]


@pytest.mark.parametrize(("f", "tag", "snippet", "words"), ERRORS,
                         ids=[f.__name__ for f, *_ in ERRORS])
def test_unsupported_arguments_are_located(f: Callable[..., Any], tag: str, snippet: str,
                                           words: list[str]) -> None:
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(f)(_spd(3))
    support.assert_located(info.value, THIS_FILE, LINES, tag, snippet, words)
