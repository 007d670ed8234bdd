"""NumPy's statistics (``np.var``/``np.std`` and the methods, ``np.average``, ``np.ptp``)
end to end: realistic functions against finite differences in both modes to second
order (`symdiff.testing.check_grads`) for float64 and float32, batched jacobians, the
values NumPy gives, the conventions at ties and at a zero std, and located errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import UnsupportedSyntaxError, grad, jacfwd, jacrev, jvp, vjp
from symdiff.testing import check_grads
from tests.frontend import support

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()
RNG = np.random.default_rng(14)


pytestmark = pytest.mark.usefixtures("no_disk_cache")


def z_score(x):
    return (x - x.mean()) / x.std()


def z_score_loss(x):
    return np.sum(z_score(x) ** 3)


def gaussian_log_likelihood(data, mu):
    s2 = np.var(data, ddof=1)
    return -0.5 * np.sum((data - mu) ** 2) / s2 - 0.5 * data.size * np.log(2 * np.pi * s2)


def weighted_loss(pred, target, w):
    return np.average((pred - target) ** 2, weights=w)


def column_weighted(X, w):
    rows = np.average(X.T, axis=1, weights=w, keepdims=True)
    return (np.sum(np.average(X, axis=0, weights=w) ** 2) + np.average(X) * np.sum(rows)
            + np.average(X, 1).sum() * np.average(X, weights=X * X))


def along_axes(X):
    spread = np.std(X, 0) * X.var(axis=1, keepdims=True)
    return (np.sum(spread) + np.var(X, axis=(0, 1)) + X.std(1, ddof=1).sum()
            + np.std(X, axis=(1, 0), keepdims=True).sum() + np.ptp(X, axis=1).sum()
            + np.ptp(X) * np.ptp(X, 0, keepdims=True).sum())


def batch_normalise(T):
    mu = T.mean(axis=(0, 2), keepdims=True)
    return (T - mu) / np.sqrt(T.var(axis=(0, 2), keepdims=True) + 1e-5)


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (z_score_loss, (RNG.standard_normal(6),)),
    (gaussian_log_likelihood, (RNG.standard_normal(7) + 1.0, np.array(0.3))),
    (weighted_loss, (RNG.standard_normal(5), RNG.standard_normal(5), RNG.random(5) + 0.5)),
    (column_weighted, (RNG.standard_normal((4, 3)), RNG.random(4) + 0.5)),
    (along_axes, (RNG.standard_normal((3, 4)),)),
    (batch_normalise, (RNG.standard_normal((2, 3, 4)),)),
]


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_both_modes_to_second_order(f: Callable[..., Any], args: tuple[Any, ...],
                                    dtype: type) -> None:
    args = tuple(a.astype(dtype) for a in args)
    if dtype == np.float64:
        check_grads(f, args, order=2, rtol=1e-5, atol=1e-7)
    else:
        check_grads(f, args, order=2, eps=1e-3, rtol=5e-2, atol=5e-3)
    _, vjp_fn = vjp(f, *args)
    for a, c in zip(args, vjp_fn(np.ones_like(f(*args))), strict=True):
        assert c.shape == a.shape and c.dtype == a.dtype


def _numerical_jacobian(f: Callable[..., Any], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    columns = []
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = h
        columns.append((f(x + step) - f(x - step)) / (2 * h))
    return np.stack(columns, axis=-1).reshape(np.shape(f(x)) + x.shape)


@pytest.mark.parametrize("f", [z_score, batch_normalise], ids=["z_score", "batch_normalise"])
def test_jacobians_and_hessians(f: Callable[..., Any]) -> None:
    x = RNG.standard_normal(5) if f is z_score else RNG.standard_normal((2, 2, 3))
    expected = _numerical_jacobian(f, x)
    np.testing.assert_allclose(jacfwd(f)(x), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(jacrev(f)(x), expected, rtol=1e-6, atol=1e-8)

    def loss(x):
        return np.sum(f(x) ** 3)

    np.testing.assert_allclose(symdiff.hessian(loss)(x), _numerical_jacobian(grad(loss), x),
                               rtol=1e-5, atol=1e-6)


def test_values_are_numpys() -> None:
    X = RNG.standard_normal((3, 4))
    for dtype in (np.float64, np.float32):
        A = X.astype(dtype)

        def moments(A):
            return (np.var(A, ddof=1), A.std(axis=0), np.var(A, 1, keepdims=True),
                    np.std(A, axis=(0, 1), ddof=2), np.ptp(A, axis=0),
                    np.average(A, axis=1, weights=np.arange(1.0, 5.0)),
                    np.average(A, 0, A * A, keepdims=True))

        got = symdiff.vjp(moments, A)[0]
        want = (np.var(A, ddof=1), A.std(axis=0), np.var(A, 1, keepdims=True),
                np.std(A, axis=(0, 1), ddof=2), np.ptp(A, axis=0),
                np.average(A, axis=1, weights=np.arange(1.0, 5.0)),
                np.average(A, 0, A * A, keepdims=True))
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(g, w, rtol=1e-6 if dtype == np.float64 else 1e-5)
            assert np.shape(g) == np.shape(w)
            if np.ndim(w):
                assert g.dtype == w.dtype


def test_ptp_ties_share_as_max_and_min_do() -> None:
    x = np.array([3.0, -1.0, 3.0, 0.0, -1.0, 3.0])
    np.testing.assert_allclose(grad(lambda x: np.ptp(x))(x),
                               [1 / 3, -0.5, 1 / 3, 0.0, -0.5, 1 / 3])
    X = np.array([[1.0, 1.0], [2.0, 0.0]])
    np.testing.assert_allclose(grad(lambda X: np.ptp(X, axis=1).sum())(X),
                               [[0.0, 0.0], [1.0, -1.0]])


def test_std_of_equal_values_is_zero_and_its_derivative_nan() -> None:
    def spread(x):
        return x.std()

    x = np.full(4, 2.5)
    assert spread(x) == 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.isnan(grad(spread)(x)).all()
        value, tangent = jvp(spread, (x,), (np.arange(4.0),))
        assert value == 0.0 and np.isnan(tangent)
        assert np.isnan(grad(lambda X: np.std(X, axis=0).sum())(np.ones((2, 3)))).all()
    # The variance has no such point: its derivative there is zero.
    np.testing.assert_array_equal(grad(lambda x: np.var(x, ddof=1))(x), np.zeros(4))


def test_degrees_of_freedom_beyond_the_count_give_inf_as_numpy() -> None:
    x = np.array([1.0, 2.0])
    with np.errstate(divide="ignore", invalid="ignore"), pytest.warns(RuntimeWarning):
        want = np.var(x, ddof=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        got = jvp(lambda x: np.var(x, ddof=2), (x,), (np.ones(2),))[0]
    assert np.isinf(want) and np.isinf(got)


def test_a_number_has_no_spread() -> None:
    def f(s):
        return np.var(s) + np.std(s) + np.ptp(s) + np.average(s) * s

    assert grad(f)(1.5) == pytest.approx(3.0)


def test_supported_lists_the_statistics() -> None:
    names = symdiff.supported()
    for name in ("np.var", "np.std", "np.average", "np.ptp", "ndarray.var", "ndarray.std"):
        assert name in names


# Located errors -----------------------------------------------------------------------


def average_returned(A):
    return np.average(A, weights=A, returned=True)  # E:returned


def ddof_not_constant(A):
    return np.var(A, ddof=len(A)).sum()  # E:ddof


def weights_of_another_shape(A):
    return np.average(A, weights=A[0])  # E:weights


def std_dtype(A):
    return A.std(dtype=np.float32)  # E:dtype


ERRORS = [
    (average_returned, "returned", "np.average(", ["returned=True", "not supported"]),
    (ddof_not_constant, "ddof", "np.var(", ["ddof must be a constant"]),
    (weights_of_another_shape, "weights", "np.average(", ["shape of the array", "1-D"]),
    (std_dtype, "dtype", "dtype=", ["dtype="]),
]


@pytest.mark.parametrize(("f", "tag", "snippet", "words"), ERRORS,
                         ids=[f.__name__ for f, *_ in ERRORS])
def test_unsupported_arguments_are_located(f: Callable[..., Any], tag: str, snippet: str,
                                           words: list[str]) -> None:
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(f)(RNG.standard_normal((3, 3)))
    support.assert_located(info.value, THIS_FILE, LINES, tag, snippet, words)
