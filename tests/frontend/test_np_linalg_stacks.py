"""np.linalg on stacks of matrices (issue 14): inv, det, slogdet, solve (NumPy 2's
broadcasting rule), cholesky, eigh, eigvalsh, qr, svd, pinv, matrix_power, trace and
the matrix norms over the last two axes of arrays of more than two axes, in both modes
against finite differences in float64 and float32, to second order, and with the
values NumPy gives; NumPy's named results (``EighResult``, ``SVDResult``,
``SlogdetResult``, ``QRResult``) read by field, index and unpacking; and
``np.linalg.norm`` of a list of numbers or arrays."""

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

RNG = np.random.default_rng(41)


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _well_conditioned(*batch: int, n: int = 3) -> np.ndarray:
    return _normal(*batch, n, n) + n * np.eye(n)


def _spd(k: int, n: int) -> np.ndarray:
    return np.stack([positive_definite(RNG, n) for _ in range(k)])


def _symmetric(k: int, n: int) -> np.ndarray:
    x = _normal(k, n, n)
    return x + np.swapaxes(x, -1, -2)


def inverses(A):
    return np.linalg.inv(A) * np.linalg.det(A)[:, None, None]


def log_determinants(A):
    sign, logdet = np.linalg.slogdet(A)
    return sign * logdet + np.linalg.slogdet(A @ np.swapaxes(A, -1, -2)).logabsdet


def solve_columns(A, B):
    return np.linalg.solve(A, B)


def solve_vector(A, b):
    # NumPy 2: a 1-D right-hand side is one vector for every matrix of the stack.
    return np.linalg.solve(A, b)


def solve_broadcast(A, B):
    return np.linalg.solve(A[:, None], B)  # (k, 1, n, n) with (m, n, p): (k, m, n, p)


def cholesky_both(S):
    return np.linalg.cholesky(S) + np.linalg.cholesky(S, upper=True) ** 2


def eigen(S):
    w, V = np.linalg.eigh(S)
    # Sign-free: the outer product of each stack's first eigenvector.
    first = V[:, :, 0]
    return np.sum(w ** 3, axis=-1) + np.einsum("ki,kj,kij->k", first, first, S)


def eigenvalues_upper(S):
    return np.linalg.eigvalsh(S, UPLO="U") * np.linalg.eigvalsh(S)


def orthogonalize(A):
    Q, R = np.linalg.qr(A)
    signs = np.sign(np.einsum("kii->ki", R))
    return Q * signs[:, None, :] + R.sum()


def singular_parts(A):
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    # Sign-free: U diag(s) Vh with the last singular value dropped.
    low = (U[..., :2] * s[:, None, :2]) @ Vh[:, :2]
    return low + np.sum(np.linalg.svd(A, compute_uv=False) ** 2)


def pseudo_inverse(A):
    return np.linalg.pinv(A)


def powers(A):
    return (np.linalg.matrix_power(A, 3) + np.linalg.matrix_power(A, 0)
            + np.linalg.matrix_power(A, -2))


def traces(A):
    return np.trace(A, axis1=1, axis2=2) ** 2


def matrix_norms(A):
    return (np.linalg.norm(A, 1, axis=(1, 2)) + np.linalg.norm(A, np.inf, axis=(-2, -1))
            + np.linalg.norm(A, "fro", axis=(1, 2)) + np.linalg.norm(A, axis=(1, 2)))


def spectral_norms(A):
    return (np.linalg.norm(A, 2, axis=(1, 2)) + np.linalg.norm(A, "nuc", axis=(1, 2))
            + np.linalg.norm(A, -2, axis=(2, 1), keepdims=True).sum(axis=(1, 2)))


def spectral_norms_of_moved_axes(A):
    return np.linalg.norm(A, "nuc", axis=(0, 2), keepdims=True)


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (inverses, (_well_conditioned(2),)),
    (log_determinants, (_well_conditioned(2, 2),)),
    (solve_columns, (_well_conditioned(2), _normal(2, 3, 2))),
    (solve_vector, (_well_conditioned(2), _normal(3))),
    (solve_broadcast, (_well_conditioned(2), _normal(2, 3, 1))),
    (cholesky_both, (_spd(2, 3),)),
    (eigen, (_symmetric(2, 4),)),
    (eigenvalues_upper, (_symmetric(3, 3),)),
    (orthogonalize, (_normal(2, 4, 3),)),
    (singular_parts, (_normal(2, 4, 3),)),
    (pseudo_inverse, (_normal(2, 2, 4),)),
    (powers, (_well_conditioned(2),)),
    (traces, (_normal(2, 3, 3),)),
    (matrix_norms, (_normal(2, 3, 4),)),
    (spectral_norms, (_normal(2, 4, 3),)),
    (spectral_norms_of_moved_axes, (_normal(4, 2, 3),)),
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


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_values_are_numpy_s(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    value, _ = value_and_grad(lambda *a: np.sum(f(*a)))(*args)
    assert value == pytest.approx(np.sum(f(*args)), rel=1e-12)


def test_a_stack_is_each_matrix() -> None:
    A = _well_conditioned(3)

    def total(stack):
        return np.sum(np.linalg.slogdet(stack).logabsdet)

    g = grad(total)(A)
    for k in range(3):
        np.testing.assert_allclose(g[k], np.linalg.inv(A[k]).T, rtol=1e-12)


def test_solve_of_a_stack_with_a_stacked_vector_is_numpy_2_s_error() -> None:
    A, B = _well_conditioned(2), _normal(2, 3)
    with pytest.raises(ValueError):
        np.linalg.solve(A, B)  # NumPy 2 reads B as one 2 x 3 matrix
    with pytest.raises(ValueError):
        grad(lambda a, b: np.sum(np.linalg.solve(a, b)))(A, B)


# Named results ----------------------------------------------------------------------------


def eigen_fields(S):
    result = np.linalg.eigh(S)
    return np.sum(result.eigenvalues ** 2) + np.sum(result.eigenvectors[:, 0] ** 2 * S[0])


def svd_fields(A):
    result = np.linalg.svd(A, full_matrices=False)
    return np.sum(result.S) + np.sum((result.U * result.S) @ result.Vh)


def slogdet_fields(A):
    result = np.linalg.slogdet(A)
    return result.sign * result.logabsdet + result[1]


def qr_fields(A):
    result = np.linalg.qr(A)
    q, r = result
    return np.sum(result.R ** 2) + np.sum(q @ r) + np.sum(result.Q[:, 0] ** 2)


def eigen_of_a_stack_by_field(S):
    return np.linalg.eigh(S).eigenvalues.sum(axis=-1)


def factor(A):
    return np.linalg.qr(A)


def field_of_a_helper_s_result(A):
    result = factor(A)  # the names survive the call
    return np.sum(result.R * np.sign(np.diag(result.R))[:, None])


def field_in_a_loop(S):
    result = np.linalg.eigh(S)
    total = 0.0
    for i in range(S.shape[0]):
        total = total + result.eigenvalues[i] * (i + 1.0)
    return total


NAMED = [
    (eigen_fields, (_symmetric(1, 3)[0],)),
    (svd_fields, (_normal(4, 3),)),
    (slogdet_fields, (_well_conditioned(),)),
    (qr_fields, (_normal(4, 3),)),
    (eigen_of_a_stack_by_field, (_symmetric(2, 3),)),
    (field_of_a_helper_s_result, (_normal(4, 3),)),
    (field_in_a_loop, (_symmetric(1, 3)[0],)),
]


@pytest.mark.parametrize(("f", "args"), NAMED, ids=[f.__name__ for f, _ in NAMED])
def test_named_results_read_by_field(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    check_grads(f, args, order=2, rtol=1e-5, atol=1e-6)
    value, _ = value_and_grad(lambda *a: np.sum(f(*a)))(*args)
    assert value == pytest.approx(np.sum(f(*args)), rel=1e-12)


def whole_eigh_of_a_stack(S):
    return np.linalg.eigh(S)


@pytest.mark.parametrize("jacobian", [jacfwd, jacrev])
def test_a_stack_s_whole_named_result_is_a_tuple_output(jacobian: Any) -> None:
    S = _symmetric(2, 3)
    w_jac, v_jac = jacobian(whole_eigh_of_a_stack)(S)
    assert w_jac.shape == (2, 3, 2, 3, 3) and v_jac.shape == (2, 3, 3, 2, 3, 3)
    # Each eigenvalue moves with its own matrix only, by the outer product of its
    # eigenvector (read from the lower triangle: folded onto it).
    w, V = np.linalg.eigh(S)
    outer = V[1][:, 2][:, None] * V[1][:, 2][None, :]
    want = np.tril(2 * outer) - np.diag(np.diag(outer))
    np.testing.assert_allclose(w_jac[1, 2, 1], want, atol=1e-12)
    np.testing.assert_allclose(w_jac[1, 2, 0], 0.0, atol=0)


def field_not_there(S):
    return np.linalg.eigh(S).values  # E:field


def test_a_missing_field_is_located() -> None:
    support.raises_located(lambda: grad(lambda s: np.sum(field_not_there(s)))(np.eye(2)),
                           THIS_FILE, LINES, "field", "np.linalg.eigh(S).values",
                           ["no field .values", "eigenvalues, eigenvectors"])


# Norms of lists ---------------------------------------------------------------------------


def norm_of_numbers(x, y):
    return np.linalg.norm([x * y, x - 1.0, 2.0])


def norm_of_arrays(a, b):
    return np.linalg.norm([a, b * 2.0], axis=0)


def norm_of_a_list_of_matrices(a, b):
    return np.linalg.norm([a, b], "fro", axis=(1, 2))


LISTS = [
    (norm_of_numbers, (0.7, -1.3)),
    (norm_of_arrays, (_normal(3), _normal(3))),
    (norm_of_a_list_of_matrices, (_normal(2, 3), _normal(2, 3))),
]


@pytest.mark.parametrize(("f", "args"), LISTS, ids=[f.__name__ for f, _ in LISTS])
def test_norm_of_a_list(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    check_grads(f, args, order=2, rtol=1e-5, atol=1e-6)
    value, _ = value_and_grad(lambda *a: np.sum(f(*a)), argnums=(0, 1))(*args)
    assert value == pytest.approx(np.sum(f(*args)), rel=1e-12)
