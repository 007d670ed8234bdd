"""autograd tests/test_linalg.py: np.linalg, to second order in reverse mode (both modes
where autograd checks both). Functions of a symmetric matrix see (A + A.T) / 2."""

from __future__ import annotations

import numpy as np

import symdiff
from benchmarks.intents import Intent, close, complex_jvp, each, grads, rnd

SUITE = "autograd tests/test_linalg.py"
R = rnd
REV = ("rev",)
BOTH = ("fwd", "rev")
NOISE = np.random.default_rng(7).normal(size=6)  # fixed draws of a reparameterisation


def spd(n: int) -> np.ndarray:
    A = R(n, n)
    return A @ A.T + n * np.eye(n)


def stack(*blocks: np.ndarray) -> np.ndarray:
    return np.stack(blocks)


def well_conditioned(n: int) -> np.ndarray:
    return R(n, n) + n * np.eye(n)


def _complex(n: int, *shape: int) -> np.ndarray:
    return R(n, *shape) + 1j * R(n, *shape)


def _norm_of_lists() -> None:
    close(symdiff.grad(lambda x: np.linalg.norm([x, x + 2]))(0.0), 1.0)
    close(symdiff.grad(lambda x: np.linalg.norm((x, x + 2)))(0.0), 1.0)


def _cholesky_sample_norm(A):
    L = np.linalg.cholesky((A + A.T) / 2)
    return np.linalg.norm(L @ NOISE)


def svd_check(shape, complex_=False):
    """The factors (u, s, vt) of a thin SVD, to second order in reverse mode."""
    if complex_:
        return lambda: complex_jvp(lambda x: np.linalg.svd(x, full_matrices=False)[1],
                                   R(*shape) + 1j * R(*shape))
    return lambda: grads(lambda x: np.linalg.svd(x, full_matrices=False), R(*shape),
                         modes=REV)


def singular_values(shape, complex_=False):
    if complex_:
        return lambda: complex_jvp(lambda x: np.linalg.svd(x, compute_uv=False),
                                   R(*shape) + 1j * R(*shape))
    return lambda: grads(lambda x: np.linalg.svd(x, compute_uv=False), R(*shape), modes=REV)


INTENTS = [
    Intent("test_inv", "np.linalg.inv of a well-conditioned matrix",
           lambda: grads(lambda x: np.linalg.inv(x), well_conditioned(8), modes=REV)),
    Intent("test_pinv", "np.linalg.pinv of wide, tall, stacked and low-rank matrices",
           lambda: (grads(lambda x: np.linalg.pinv(x), R(5, 3), modes=REV),
                    grads(lambda x: np.linalg.pinv(x.T @ x), R(5, 3), modes=REV))),
    Intent("test_inv_3d", "np.linalg.inv of a stack of matrices",
           lambda: grads(lambda x: np.linalg.inv(x), R(4, 4, 4) + 5 * np.eye(4), modes=REV)),
    Intent("test_solve_arg1", "np.linalg.solve in its matrix, several right-hand sides",
           lambda: grads(lambda a: np.linalg.solve(a, np.ones((8, 7))), well_conditioned(8),
                         modes=REV)),
    Intent("test_solve_arg1_1d", "np.linalg.solve in its matrix, one right-hand side",
           lambda: grads(lambda a: np.linalg.solve(a, np.linspace(0.0, 1.0, 8)),
                         well_conditioned(8), modes=REV)),
    Intent("test_solve_arg2", "np.linalg.solve in its right-hand sides",
           lambda: grads(lambda b: np.linalg.solve(np.eye(6) * 2.0 + 0.1, b), R(6, 5),
                         modes=REV)),
    Intent("test_solve_arg1_3d", "np.linalg.solve of a stack of systems",
           lambda: grads(lambda a: np.linalg.solve(a, np.ones((5, 4, 1)))[..., 0],
                         R(5, 4, 4) + 5 * np.eye(4), modes=REV)),
    Intent("test_solve_arg1_3d_3d", "np.linalg.solve of a stack with matrix right sides",
           lambda: grads(lambda a: np.linalg.solve(a, np.ones((5, 4, 6))),
                         R(5, 4, 4) + 5 * np.eye(4), modes=REV)),
    Intent("test_det", "np.linalg.det", lambda: grads(lambda x: np.linalg.det(x), R(6, 6),
                                                      modes=REV)),
    Intent("test_det_3d", "np.linalg.det of a stack",
           lambda: grads(lambda x: np.linalg.det(x), R(3, 3, 3), modes=REV)),
    Intent("test_slogdet", "the log-determinant from np.linalg.slogdet, either sign",
           lambda: each(lambda x: np.linalg.slogdet(x)[1], (R(6, 6),), (-R(6, 6),),
                        modes=REV)),
    Intent("test_slogdet_3d", "np.linalg.slogdet of a stack",
           lambda: grads(lambda x: np.sum(np.linalg.slogdet(x)[1]), stack(spd(5), spd(5)),
                         modes=REV)),
    Intent("test_vector_2norm", "np.linalg.norm of a vector, both modes",
           lambda: grads(lambda x: np.linalg.norm(x), R(6), modes=BOTH)),
    Intent("test_norm_list_of_boxes", "np.linalg.norm of a list or tuple of computed numbers",
           _norm_of_lists),
    Intent("test_vector_2norm_complex", "np.linalg.norm of a complex vector",
           lambda: complex_jvp(lambda x: np.linalg.norm(x), _complex(6))),
    Intent("test_frobenius_norm", "np.linalg.norm of a matrix, both modes",
           lambda: grads(lambda x: np.linalg.norm(x), R(6, 5), modes=BOTH)),
    Intent("test_frobenius_norm_complex", "np.linalg.norm of a complex matrix",
           lambda: complex_jvp(lambda x: np.linalg.norm(x), _complex(6, 5))),
    Intent("test_frobenius_norm_axis", "np.linalg.norm over a pair of axes",
           lambda: grads(lambda x: np.linalg.norm(x, axis=(0, 1)), R(6, 5, 4), modes=BOTH)),
    Intent("test_frobenius_norm_axis_complex", "np.linalg.norm over axes, complex",
           lambda: complex_jvp(lambda x: np.linalg.norm(x, axis=(0, 1)), _complex(6, 5, 4))),
    Intent("test_vector_norm_ord", "np.linalg.norm of orders 2, 3 and 4",
           lambda: (grads(lambda x: np.linalg.norm(x, ord=2), R(6), modes=BOTH),
                    grads(lambda x: np.linalg.norm(x, ord=3), R(6), modes=BOTH),
                    grads(lambda x: np.linalg.norm(x, ord=4), R(6), modes=BOTH))),
    Intent("test_vector_norm_ord_complex", "vector norms of several orders, complex",
           lambda: complex_jvp(lambda x: np.linalg.norm(x, ord=3), _complex(6))),
    Intent("test_norm_axis", "np.linalg.norm along each axis of a 3-D array",
           lambda: (grads(lambda x: np.linalg.norm(x, axis=0), R(6, 5, 4), modes=BOTH),
                    grads(lambda x: np.linalg.norm(x, axis=2), R(6, 5, 4), modes=BOTH))),
    Intent("test_norm_axis_complex", "np.linalg.norm along an axis, complex",
           lambda: complex_jvp(lambda x: np.linalg.norm(x, axis=1), _complex(6, 5, 4))),
    Intent("test_norm_nuclear", "the nuclear norm, first order",
           lambda: grads(lambda x: np.linalg.norm(x, ord="nuc"), R(6, 5), order=1,
                         modes=BOTH)),
    Intent("test_norm_nuclear_complex", "the nuclear norm, complex",
           lambda: complex_jvp(lambda x: np.linalg.norm(x, ord="nuc"), _complex(6, 5))),
    Intent("test_norm_nuclear_axis", "the nuclear norm over a pair of axes, first order",
           lambda: grads(lambda x: np.linalg.norm(x, ord="nuc", axis=(0, 1)), R(6, 5, 4),
                         order=1, modes=BOTH)),
    Intent("test_norm_nuclear_axis_complex", "the nuclear norm over axes, complex",
           lambda: complex_jvp(lambda x: np.linalg.norm(x, ord="nuc", axis=(0, 1)),
                               _complex(6, 5, 4))),
    Intent("test_eigvalh_lower", "eigenvalues and eigenvectors of a symmetric matrix (eigh)",
           lambda: grads(lambda x: np.linalg.eigh((x + x.T) / 2), R(6, 6), modes=REV)),
    Intent("test_eigvalh_upper", "eigh reading the upper triangle",
           lambda: grads(lambda x: np.linalg.eigh((x + x.T) / 2, "U"), R(6, 6), modes=REV)),
    Intent("test_eigvalh_lower_broadcasting", "eigh of a stack of symmetric matrices",
           lambda: grads(lambda x: np.linalg.eigh(x + np.swapaxes(x, -1, -2))[0],
                         R(2, 3, 6, 6), modes=REV)),
    Intent("test_eigvalh_upper_broadcasting", "eigh of a stack, upper triangle",
           lambda: grads(lambda x: np.linalg.eigh(x + np.swapaxes(x, -1, -2), "U")[0],
                         R(2, 3, 6, 6), modes=REV)),
    Intent("test_eigvalh_lower_complex", "eigh of a Hermitian matrix",
           lambda: complex_jvp(lambda x: np.linalg.eigh(x + x.conj().T)[0], _complex(6, 6))),
    Intent("test_eigvalh_upper_complex", "eigh of a Hermitian matrix, upper triangle",
           lambda: complex_jvp(lambda x: np.linalg.eigh(x + x.conj().T, "U")[0],
                               _complex(6, 6))),
    Intent("test_eig_real", "magnitudes of eigenvalues and eigenvectors of a real matrix",
           lambda: grads(lambda x: np.abs(np.linalg.eig(x)[0]), R(8, 8), modes=REV)),
    Intent("test_eig_complex", "np.linalg.eig of a complex matrix",
           lambda: complex_jvp(lambda x: np.linalg.eig(x)[0], _complex(8, 8))),
    Intent("test_eig_batched", "np.linalg.eig of a stack of complex matrices",
           lambda: complex_jvp(lambda x: np.linalg.eig(x)[0], _complex(5, 8, 8))),
    Intent("test_cholesky", "np.linalg.cholesky of a symmetric positive definite matrix",
           lambda: grads(lambda A: np.linalg.cholesky((A + A.T) / 2), spd(6), modes=REV)),
    Intent("test_cholesky_broadcast", "np.linalg.cholesky of a stack",
           lambda: grads(lambda A: np.linalg.cholesky((A + np.swapaxes(A, -1, -2)) / 2),
                         stack(spd(6), spd(6), spd(6)), modes=REV)),
    Intent("test_cholesky_reparameterization_trick", "the norm of a Cholesky factor times "
           "fixed normal draws", lambda: grads(_cholesky_sample_norm, spd(6), modes=REV)),
    Intent("test_svd_wide_2d", "thin SVD factors of a wide matrix", svd_check((3, 5))),
    Intent("test_svd_wide_2d_complex", "thin SVD of a wide complex matrix",
           svd_check((3, 5), True)),
    Intent("test_svd_wide_3d", "thin SVD of a stack of wide matrices", svd_check((4, 3, 5))),
    Intent("test_svd_wide_3d_complex", "thin SVD of a complex stack",
           svd_check((4, 3, 5), True)),
    Intent("test_svd_square_2d", "thin SVD of a square matrix", svd_check((4, 4))),
    Intent("test_svd_square_2d_complex", "thin SVD of a square complex matrix",
           svd_check((4, 4), True)),
    Intent("test_svd_square_3d", "thin SVD of a stack of square matrices", svd_check((3, 4, 4))),
    Intent("test_svd_square_3d_complex", "thin SVD of a complex square stack",
           svd_check((3, 4, 4), True)),
    Intent("test_svd_tall_2d", "thin SVD of a tall matrix", svd_check((5, 3))),
    Intent("test_svd_tall_2d_complex", "thin SVD of a tall complex matrix",
           svd_check((5, 3), True)),
    Intent("test_svd_tall_3d", "thin SVD of a stack of tall matrices", svd_check((4, 5, 3))),
    Intent("test_svd_tall_3d_complex", "thin SVD of a complex tall stack",
           svd_check((4, 5, 3), True)),
    Intent("test_svd_only_s_2d", "singular values alone", singular_values((5, 3))),
    Intent("test_svd_only_s_2d_complex", "singular values of a complex matrix",
           singular_values((5, 3), True)),
    Intent("test_svd_only_s_3d", "singular values of a stack", singular_values((4, 5, 3))),
    Intent("test_svd_only_s_3d_complex", "singular values of a complex stack",
           singular_values((4, 5, 3), True)),
]
