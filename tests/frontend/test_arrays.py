"""NumPy code end to end: grad, value_and_grad, jvp and vjp of functions written with
np.* functions, @, reductions, methods and broadcasting, against central finite
differences, for float64 and float32 arguments; and located errors for what is not
supported."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import UnsupportedSyntaxError, grad, jvp, value_and_grad, vjp


def logistic(w, X, y):
    z = X @ w
    return np.mean(np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z)


def mlp(W1, b1, W2, X):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2
    return np.sum(out ** 2) / out.size


def reductions(x):
    return (x.sum(axis=0) * np.mean(x, axis=1, keepdims=True).sum()).sum() + x.mean()


def broadcasting(a, row, c):
    return np.sum(np.sin(a * row + c) ** 2)


def methods(A, v):
    return A.T.dot(v).sum() + np.dot(v, v) + np.inner(v, v) * len(v) + A.shape[0]


def elementwise(x):
    y = np.sqrt(np.square(x) + 1.0) + np.clip(x, -0.5, 0.5) + np.where(x > 0, x, 2.0 * x)
    return np.sum(np.arctan(y) * np.cosh(x / 4.0) + np.minimum(x, 0.2))


def outer_transpose(u, v, T):
    return np.sum(np.outer(u, v) * np.transpose(T, (1, 0, 2)).sum(axis=2))


def scalar_and_array(s, x):
    return np.sum(np.exp(s * x)) + math.sin(s)


def matvec_batch(B, M):
    return np.sum((B @ M) ** 2)


RNG = np.random.default_rng(3)
CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (logistic, (RNG.standard_normal(3), RNG.standard_normal((6, 3)), 1.0 * (RNG.random(6) > 0.5))),
    (mlp, (RNG.standard_normal((3, 4)), RNG.standard_normal(4), RNG.standard_normal((4, 2)),
           RNG.standard_normal((5, 3)))),
    (reductions, (RNG.standard_normal((3, 4)),)),
    (broadcasting, (RNG.standard_normal((3, 4)), RNG.standard_normal((1, 4)), 0.3)),
    (methods, (RNG.standard_normal((3, 2)), RNG.standard_normal(3))),
    (elementwise, (RNG.standard_normal(7),)),
    (outer_transpose, (RNG.standard_normal(2), RNG.standard_normal(3),
                       RNG.standard_normal((3, 2, 4)))),
    (scalar_and_array, (0.4, RNG.standard_normal(5))),
    (matvec_batch, (RNG.standard_normal((2, 3, 4)), RNG.standard_normal((4, 2)))),
]


def numeric_grad(f: Callable[..., Any], args: tuple[Any, ...], i: int) -> Any:
    h = 1e-6
    x = args[i]
    if not isinstance(x, np.ndarray):
        up = f(*args[:i], x + h, *args[i + 1:])
        down = f(*args[:i], x - h, *args[i + 1:])
        return (up - down) / (2 * h)
    g = np.zeros_like(x, dtype=np.float64)
    for k in np.ndindex(x.shape):
        up, down = x.astype(np.float64), x.astype(np.float64)
        up[k] += h
        down[k] -= h
        g[k] = (f(*args[:i], up, *args[i + 1:]) - f(*args[:i], down, *args[i + 1:])) / (2 * h)
    return g


def _cast(args: tuple[Any, ...], dtype: type) -> tuple[Any, ...]:
    return tuple(a.astype(dtype) if isinstance(a, np.ndarray) else a for a in args)


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numpy_functions_in_every_mode(f: Callable[..., Any], args: tuple[Any, ...],
                                       dtype: type, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    args = _cast(args, dtype)
    n = len(args)
    tol = 1e-5 if dtype == np.float64 else 5e-3
    value, grads = value_and_grad(f, argnums=tuple(range(n)))(*args)
    assert value == pytest.approx(f(*args), rel=tol)
    wide = _cast(args, np.float64)
    tangents = tuple(RNG.standard_normal(np.shape(a)).astype(dtype) if isinstance(a, np.ndarray)
                     else 0.7 for a in args)
    directional = 0.0
    for i, (a, g) in enumerate(zip(args, grads, strict=True)):
        want = numeric_grad(f, wide, i)
        assert np.shape(g) == np.shape(a)
        if isinstance(a, np.ndarray):
            assert g.dtype == a.dtype and g.flags.writeable
        np.testing.assert_allclose(g, want, rtol=tol, atol=tol)
        directional += float(np.sum(want * tangents[i]))
    out, t_out = jvp(f, args, tangents)
    assert out == pytest.approx(f(*args), rel=tol)
    assert t_out == pytest.approx(directional, rel=tol * 10, abs=tol * 10)
    out, vjp_fn = vjp(f, *args)
    for g, c in zip(grads, vjp_fn(1.0), strict=True):
        np.testing.assert_allclose(c, g, rtol=tol, atol=tol)


def test_an_array_valued_function_has_jvp_and_vjp_of_its_shape() -> None:
    def f(x, A):
        return np.tanh(A @ x) * 2.0

    x, A = RNG.standard_normal(3), RNG.standard_normal((4, 3))
    t = RNG.standard_normal(3)
    out, t_out = jvp(f, (x, A), (t, np.zeros_like(A)))
    np.testing.assert_allclose(out, f(x, A))
    h = 1e-6
    np.testing.assert_allclose(t_out, (f(x + h * t, A) - f(x - h * t, A)) / (2 * h), rtol=1e-6)
    _, vjp_fn = vjp(f, x, A)
    ct = RNG.standard_normal(4)
    cx, cA = vjp_fn(ct)
    assert cx.shape == x.shape and cA.shape == A.shape
    assert float(ct @ t_out) == pytest.approx(float(cx @ t))


def test_code_is_specialised_per_array_signature() -> None:
    def f(x, b):
        return np.sum(np.exp(x + b))

    g = grad(f, argnums=(0, 1))
    x = RNG.standard_normal((3, 4))
    for b in (RNG.standard_normal(4), RNG.standard_normal((1, 4)), RNG.standard_normal((3, 1)),
              0.5):
        gx, gb = g(x, b)
        assert np.shape(gb) == np.shape(b)
        np.testing.assert_allclose(gb, np.sum(np.exp(x + b), axis=tuple(
            i for i in range(x.ndim) if np.ndim(b) == 0 or
            (np.shape(b)[i - (x.ndim - np.ndim(b))] == 1 if i >= x.ndim - np.ndim(b) else True)
        ), keepdims=np.ndim(b) == x.ndim).reshape(np.shape(b)))
    assert "np.sum(" in g.source and "math." not in g.source


def test_numpy_functions_under_other_names() -> None:
    from numpy import mean as average
    from numpy import sum as total

    def f(x):
        return total(x * x) + average(x)

    x = RNG.standard_normal(4)
    np.testing.assert_allclose(grad(f)(x), 2 * x + 1 / 4)


def accumulate_in_loop(W):
    total = 0.0  # a number before the loop, an array after one iteration
    for i in range(3):
        total = total + np.tanh(W * i)
    return np.sum(total ** 2)


def decay_while(X):
    acc = 0.0
    k = 0
    while k < 3:
        acc = acc * 0.5 + X * k
        k = k + 1
    return np.sum(acc * acc)


def no_trips(W):
    total = 0.0
    for i in range(0):
        total = total + W * i
    return np.sum(W + total)


@pytest.mark.parametrize("f", [accumulate_in_loop, decay_while, no_trips])
def test_loops_carry_arrays(f: Callable[..., Any]) -> None:
    from symdiff.testing import check_grads

    x = np.linspace(0.1, 1.0, 6).reshape(2, 3)
    check_grads(f, (x,))
    assert grad(f)(x).shape == x.shape


def test_source_for_example_arguments() -> None:
    text = symdiff.source(logistic, args=CASES[0][1])
    assert "def logistic_grad(w, X, y):" in text and "X.T @ " in text
    forward = symdiff.source(logistic, mode="forward", args=CASES[0][1])
    assert "w_dot" in forward and "X @ w_dot" in forward


def test_scalar_code_keeps_math_calls() -> None:
    text = symdiff.source(lambda x: np.sin(x) * np.exp(x))
    assert "math.sin" in text and "np." not in text


def uses_erf(x):
    return np.sum(math.erf(x))  # E:erf


def unsupported_numpy(x):
    return np.sum(np.fft.fft(x))  # E:fft


def bad_axis(x):
    return np.sum(x, axis=x.ndim)  # E:axis


ERRORS = [
    (uses_erf, "no NumPy form"),
    (unsupported_numpy, "fft"),
    (bad_axis, "out of bounds"),
]


@pytest.mark.parametrize(("f", "words"), ERRORS, ids=[f.__name__ for f, _ in ERRORS])
def test_unsupported_numpy_is_located(f: Callable[..., Any], words: str) -> None:
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(f)(RNG.standard_normal(3))
    assert words in str(info.value)
    assert __file__.rsplit("/", 1)[-1] in str(info.value)


def branch_on_arrays(x, y):
    if np.sum(x) > 0:
        z = np.sin(x) * y
    else:
        z = x * 0.5
    return np.sum(z * z)


def grow_until(x):
    s = np.sum(x)
    while s < 10.0:
        x = x * 1.5
        s = np.sum(x)
    return np.mean(x ** 2)


@pytest.mark.parametrize(("f", "args"), [
    (branch_on_arrays, (np.ones(3), np.ones(3))),
    (branch_on_arrays, (-np.ones(3), np.ones(3))),  # the other branch: y's gradient is zeros
    (grow_until, (np.linspace(0.1, 1.0, 4),)),
])
def test_branches_and_while_loops_over_arrays(f: Callable[..., Any], args: tuple[Any, ...]
                                              ) -> None:
    from symdiff.testing import check_grads

    check_grads(f, args)
    for a, g in zip(args, grad(f, argnums=tuple(range(len(args))))(*args), strict=True):
        assert g.shape == a.shape


def test_a_value_only_the_loop_test_reads_is_not_taped() -> None:
    text = symdiff.source(grow_until, args=(np.ones(4),))
    assert "tape" not in text and "s_bar" not in text
