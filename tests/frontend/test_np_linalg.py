"""NumPy reductions (prod, max, min), einsum, trace, norms and np.linalg end to end:
both modes against finite differences (`symdiff.testing.check_grads`) for float64 and
float32, the conventions at ties, zeros and a zero norm, the generated code, and
located errors for what is not supported (also of the factorisations that
test_np_matrices.py differentiates: lstsq of a stack, options without a derivative,
np.linalg.eig's complex results)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from symdiff import UnsupportedSyntaxError, grad, jvp
from tests.frontend import support

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()
RNG = np.random.default_rng(5)


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


def reductions(x):
    return np.prod(x, axis=1) * np.max(x, 0).sum() + np.amin(x, axis=(0, 1), keepdims=True)


def reduction_methods(x):
    return x.prod(axis=0) + x.max(axis=1, keepdims=True) * x.min() + np.amax(x)


def prod_with_zeros(x):
    return np.prod(x, axis=0) + np.prod(x)


def max_with_ties(x):
    return np.max(x, axis=1) - np.min(x, axis=1) * 2.0


def einsum_patterns(A, B, v):
    M = np.einsum("ij,jk->ik", A, B)
    return (np.einsum("i,i->", v, v) * np.einsum("ij,jk", M, A)
            + np.einsum("ii->", M) + np.einsum("ii->i", M @ M).sum())


def einsum_batched(X, Y):
    return np.einsum("bij,bjk->bik", X, Y)


def traces(A, T):
    return np.trace(A) + A.trace() * np.trace(T).sum()


def traces_off_the_diagonal(A, T):
    # A band's sums (offsets either side), and traces over other axes of a 3-D array.
    return (np.trace(A, offset=1) * np.trace(A, -1) + A.trace(offset=2) ** 2
            + np.sum(np.trace(T, axis1=1, axis2=2) ** 2) + np.sum(T.trace(1, 0, 2)))


def norms(x, A):
    return (np.linalg.norm(x) + np.linalg.norm(A) + np.linalg.norm(A, "fro") ** 2
            + np.sum(np.linalg.norm(A, axis=1)) * np.linalg.norm(A, ord=2, axis=0, keepdims=True))


def normalize(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def linear_algebra(A, b):
    return np.linalg.det(A) * np.linalg.solve(A, b) + np.linalg.inv(A) @ b + np.vdot(b, b)


def _square(n: int) -> np.ndarray:
    return RNG.standard_normal((n, n)) + n * np.eye(n)


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (reductions, (RNG.standard_normal((3, 4)),)),
    (reduction_methods, (RNG.standard_normal((3, 4)),)),
    (prod_with_zeros, (np.array([[0.0, 2.0, 0.0], [1.5, 0.0, 0.0], [0.5, -1.0, 0.0]]),)),
    (max_with_ties, (np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0], [0.5, -2.0, -2.0]]),)),
    (einsum_patterns, (RNG.standard_normal((3, 2)), RNG.standard_normal((2, 3)),
                       RNG.standard_normal(4))),
    (einsum_batched, (RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 4, 2)))),
    (traces, (RNG.standard_normal((3, 4)), RNG.standard_normal((2, 2, 3)))),
    (traces_off_the_diagonal, (RNG.standard_normal((3, 4)), RNG.standard_normal((2, 3, 3)))),
    (norms, (RNG.standard_normal(3), RNG.standard_normal((3, 2)))),
    (normalize, (RNG.standard_normal((2, 3)),)),
    (linear_algebra, (_square(3), RNG.standard_normal(3))),
]


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_both_modes_match_finite_differences(f: Callable[..., Any], args: tuple[Any, ...],
                                             dtype: type) -> None:
    support.check_in_dtype(f, args, dtype)


def test_ties_share_the_gradient_equally() -> None:
    def top(x):
        return np.max(x)

    x = np.array([4.0, 1.0, 4.0, 4.0])
    np.testing.assert_allclose(grad(top)(x), [1 / 3, 0, 1 / 3, 1 / 3])
    assert jvp(top, (x,), (np.array([3.0, 9.0, 0.0, 0.0]),))[1] == pytest.approx(1.0)
    np.testing.assert_allclose(grad(lambda x: x.min(axis=0).sum())(np.array([[1.0, 2.0],
                                                                            [1.0, 0.0]])),
                               [[0.5, 0.0], [0.5, 1.0]])


def test_prod_gradient_is_exact_with_zeros() -> None:
    g = grad(lambda x: np.prod(x))
    np.testing.assert_array_equal(g(np.array([2.0, 0.0, 5.0])), [0.0, 10.0, 0.0])
    np.testing.assert_array_equal(g(np.array([0.0, 3.0, 0.0])), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(g(np.array([2.0, 4.0, 0.5])), [2.0, 1.0, 8.0])


def test_norm_gradient_at_zero_is_zero() -> None:
    def length(x):
        return np.linalg.norm(x)

    with np.errstate(all="raise"):
        np.testing.assert_array_equal(grad(length)(np.zeros(3)), np.zeros(3))
        g = grad(lambda A: np.linalg.norm(A, axis=1).sum())(np.array([[0.0, 0.0], [3.0, 4.0]]))
    np.testing.assert_allclose(g, [[0.0, 0.0], [0.6, 0.8]])


def test_a_number_reduces_to_itself() -> None:
    def f(s):
        return np.prod(s) * np.max(s) + np.linalg.norm(s)

    assert grad(f)(-3.0) == pytest.approx(2 * -3.0 - 1.0)


def einsum_and_norm(A, x):
    y = np.einsum("ij,j->i", A, x)
    return np.linalg.norm(y) + np.einsum("ii->", A)


def test_generated_code_reads_like_numpy() -> None:
    g = grad(einsum_and_norm, argnums=(0, 1))
    A, x = RNG.standard_normal((3, 3)), RNG.standard_normal(3)
    gA, gx = g(A, x)
    y = A @ x
    np.testing.assert_allclose(gA, np.outer(y, x) / np.linalg.norm(y) + np.eye(3))
    np.testing.assert_allclose(gx, A.T @ y / np.linalg.norm(y))
    text = g.source
    assert "np.linalg.norm(y)" in text
    assert "np.einsum('i,j->ij'" in text or "np.outer(" in text
    assert "np.einsum('i,ij->j'" in text
    assert "np.eye(A.shape[0], A.shape[1], dtype=A.dtype)" in text

    prod_source = grad(lambda x: np.prod(x, axis=0).sum())
    prod_source(np.ones((2, 3)))
    assert "np.prod(nonzero, axis=0, keepdims=True) / nonzero" in prod_source.source


def test_functions_under_other_names() -> None:
    from numpy import einsum as contract
    from numpy.linalg import norm

    def f(x):
        return norm(contract("i,j->ij", x, x))

    x = RNG.standard_normal(3)
    np.testing.assert_allclose(grad(f)(x), 2 * x)


# Located errors -----------------------------------------------------------------------


def subscripts_not_known(A):
    return np.einsum(A, A.shape)  # E:literal


def ellipsis_left_out(A):
    return np.einsum("...i->i", A).sum()  # E:ellipsis


def subscripts_wrong_rank(A):
    return np.einsum("ijk->", A)  # E:rank


def subscripts_unknown_output(A):
    return np.einsum("ij->k", A).sum()  # E:output


def string_norm_of_vectors(A):
    return np.linalg.norm(A, ord="nuc", axis=0).sum()  # E:one


def fro_of_vectors(A):
    return np.linalg.norm(A, "fro", axis=1).sum()  # E:fro


def norm_of_three_axes(A):
    return np.linalg.norm(A, axis=(0, 1, 1))  # E:axes


def max_initial(A):
    return np.max(A, initial=0.0)  # E:initial


def axis_not_constant(A):
    return np.prod(A, axis=A.ndim - 3 + len(A)).sum()  # E:axis


def trace_dtype(A):
    return np.trace(A, dtype=np.float32)  # E:offset


def trace_of_vector(A):
    return np.trace(np.sum(A, axis=0))  # E:vector


def stack_of_matrices(A):
    return np.linalg.lstsq(A[None] * 1.0, A, rcond=None)[0].sum()  # E:stack


def eig_of_a_general_matrix(A):
    return np.linalg.eig(A)[0].sum()  # E:eig


def cholesky_of_vector(A):
    return np.linalg.cholesky(A[0]).sum()  # E:cholesky-vector


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
    (subscripts_not_known, "literal", "A.shape", ["sublists", "ints and ..."]),
    (ellipsis_left_out, "ellipsis", '"...i->i"', ["'...'", "broadcast axes"]),
    (subscripts_wrong_rank, "rank", "A)", ["'ijk'", "2 axes"]),
    (subscripts_unknown_output, "output", '"ij->k"', ["'k' is in no operand"]),
    (string_norm_of_vectors, "one", '"nuc"', ["ord='nuc'", "not of vectors"]),
    (fro_of_vectors, "fro", '"fro"', ["'fro'", "not of vectors"]),
    (norm_of_three_axes, "axes", "np.linalg.norm(", ["repeated"]),
    (max_initial, "initial", "initial=", ["initial="]),
    (axis_not_constant, "axis", "np.prod(", ["axis must be a constant"]),
    (trace_dtype, "offset", "dtype=", ["dtype="]),
    (trace_of_vector, "vector", "np.trace(", ["fewer than two axes"]),
    (stack_of_matrices, "stack", "np.linalg.lstsq(", ["stack of matrices", "LinAlgError"]),
    (eig_of_a_general_matrix, "eig", "np.linalg.eig(", ["complex", "np.linalg.eigh"]),
    (cholesky_of_vector, "cholesky-vector", "np.linalg.cholesky(", ["2-D"]),
    (full_svd, "full", "np.linalg.svd(", ["full_matrices=False"]),
    (complete_qr, "complete", "np.linalg.qr(", ["mode='complete'", "not supported"]),
    (uplo_not_constant, "uplo", "np.linalg.eigvalsh(", ["UPLO must be a constant"]),
    (power_not_constant, "power", "np.linalg.matrix_power(", ["constant int"]),
    (power_not_int, "float", "np.linalg.matrix_power(", ["constant int"]),
    (lstsq_rcond, "rcond", "np.linalg.lstsq(", ["rcond=0.001"]),
    (tril_of_vector, "tril", "np.tril(", ["fewer than two axes"]),
    (pinv_hermitian, "hermitian", "hermitian=", ["does not read NumPy's hermitian="]),
]


@pytest.mark.parametrize(("f", "tag", "snippet", "words"), ERRORS,
                         ids=[f.__name__ for f, *_ in ERRORS])
def test_unsupported_arguments_are_located(f: Callable[..., Any], tag: str, snippet: str,
                                           words: list[str]) -> None:
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(f)(RNG.standard_normal((3, 3)))
    support.assert_located(info.value, THIS_FILE, LINES, tag, snippet, words)


def test_norm_over_three_axes_is_an_error() -> None:
    def f(T):
        return np.linalg.norm(T, axis=(0, 1, 2))

    with pytest.raises(UnsupportedSyntaxError, match="more than two axes"):
        grad(f)(RNG.standard_normal((2, 2, 2)))

