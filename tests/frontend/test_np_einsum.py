"""Products beyond two axes (issue 14): ``np.einsum`` with ``...`` and in the interleaved
form, ``@``/``np.matmul`` of stacks, ``np.dot`` and ``np.inner`` of N-D arrays,
``np.outer`` and ``np.vdot`` of any shapes: NumPy's values, derivatives in both modes
against finite differences (to second order), and a batched attention score."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import grad, hessian, jacfwd, jacrev
from symdiff.frontend.np_einsum import explicit
from symdiff.testing import check_grads
from tests.frontend import support

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()
RNG = np.random.default_rng(3)

pytestmark = pytest.mark.usefixtures("no_disk_cache")

TRACE = "ii->"  # subscripts read from a global string


def rn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def attention(Q, K, V):
    """Scaled dot-product attention over a batch of heads: scores by einsum with ``...``,
    a softmax over the keys, the values mixed by the weights."""
    scores = np.einsum("...qd,...kd->...qk", Q, K) / np.sqrt(Q.shape[-1])
    scores = scores - np.max(scores, axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / np.sum(weights, axis=-1, keepdims=True)
    return np.sum(np.einsum("...qk,...kd->...qd", weights, V) ** 2)


def ellipsis_forms(T, A, v):
    return (np.sum(np.einsum("...ij,jk->...ik", T, A) ** 2)
            + np.sum(np.einsum("...i,...i", T, T[0]) ** 2)  # implicit: ... then letters
            + np.sum(np.einsum("i...->...", T) ** 3)
            + np.sum(np.einsum("...,...", v, v[0]) ** 2)
            + np.einsum(TRACE, A[:, :2] @ A[:, :2].T))


def interleaved(A, B, v):
    return (np.sum(np.einsum(A, [0, 1], B, [1, 2], [0, 2]) ** 2)
            + np.sum(np.einsum(A, [0, 1], v, [1]) ** 3)
            + np.einsum(A, [0, 1], A, [0, 1])
            + np.sum(np.einsum(A, [Ellipsis, 1], v, [1], [Ellipsis]) ** 2))


def stacks(T, W, S):
    return (np.sum((T @ W) ** 2) + np.sum(np.matmul(S, T) ** 2)
            + np.sum((T @ np.swapaxes(T, 1, 2)) ** 2))


def nd_products(T, A, v):
    return (np.sum(np.dot(T, v) ** 2) + np.sum(np.dot(v[:3], T) ** 2)
            + np.sum(np.dot(T, np.swapaxes(T, 1, 2)) ** 2) + np.sum(np.dot(A.T, T) ** 3)
            + np.sum(np.inner(T, A) ** 2) + np.sum(np.inner(v, T) ** 2))


def outer_and_vdot(A, v):
    return (np.sum(np.outer(A, v) ** 2) + np.sum(np.outer(2.0 * v[0], A)) + np.vdot(A, A)
            + np.sum(np.outer(A, v[1]) ** 3))


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (attention, (rn(2, 3, 4), rn(2, 5, 4), rn(2, 5, 4))),
    (ellipsis_forms, (rn(2, 3, 4), rn(4, 3), rn(3, 2))),
    (interleaved, (rn(3, 4), rn(4, 2), rn(4))),
    (stacks, (rn(2, 3, 4), rn(4, 2), rn(5, 1, 3, 3))),
    (nd_products, (rn(2, 3, 4), rn(3, 4), rn(4))),
    (outer_and_vdot, (rn(2, 3), rn(4))),
]


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_both_modes_to_second_order(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    check_grads(f, args, order=2)


def test_values_are_numpys() -> None:
    T, A, B, v = rn(2, 3, 4), rn(3, 4), rn(4, 2), rn(4)

    def products(T, A, B, v):
        return (np.einsum("...ij,jk->...ik", T, B), np.einsum("...i,...i", T, A),
                np.einsum("i...->...", T), np.einsum(A, [0, 1], B, [1, 2]),
                np.einsum(T, [2, 0, 26]), np.einsum("aB", A), np.einsum("Ba", A),
                np.dot(T, v), np.dot(T, np.swapaxes(T, 1, 2)), np.inner(T, A),
                np.outer(T, v), np.outer(2.0, v), np.vdot(T[0], A))

    got = symdiff.vjp(products, T, A, B, v)[0]
    for g, w in zip(got, products(T, A, B, v), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
        assert np.shape(g) == np.shape(w)


def test_attention_jacobians_and_hessian() -> None:
    Q, K, V = rn(2, 2, 3), rn(2, 3, 3), rn(2, 3, 3)

    def scores(Q):
        return np.einsum("...qd,...kd->...qk", Q, K)

    np.testing.assert_allclose(jacfwd(scores)(Q), jacrev(scores)(Q), rtol=1e-12)
    H = hessian(attention)(Q, K, V)
    assert H.shape == Q.shape * 2
    np.testing.assert_allclose(H.reshape(12, 12), H.reshape(12, 12).T, rtol=1e-8, atol=1e-10)


def test_explicit_writes_ellipsis_as_letters() -> None:
    assert explicit("...ij,jk->...ik", [4, 2]) == "abij,jk->abik"
    assert explicit("...i,...i", [3, 1]) == "abi,i->ab"
    assert explicit("i...->...", [2]) == "ia->a"
    assert explicit("ij,jk", [2, 2]) == "ij,jk"
    with pytest.raises(ValueError, match="no '...'"):
        explicit("...i->i", [2])
    with pytest.raises(ValueError, match="3 axes"):
        explicit("...ijkl", [3])


def sublist_item(A):
    return np.einsum(A, [0, 60])  # E:item


def optimize_given(A):
    return np.einsum("ij->", A, optimize=True)  # E:optimize


ERRORS = [
    (sublist_item, "item", "[0, 60]", ["sublist item 60"]),
    (optimize_given, "optimize", "optimize=", ["optimize="]),
]


@support.error_cases(ERRORS)
def test_unsupported_arguments_are_located(f: Callable[..., Any], tag: str, snippet: str,
                                           words: list[str]) -> None:
    support.raises_located(lambda: grad(f)(rn(3, 3)), THIS_FILE, LINES, tag, snippet, words)
