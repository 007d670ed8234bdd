"""Batched forward mode: `jacfwd` of an array argument as one call of JVP code whose
tangents carry a leading batch axis; the same Jacobian as a pass per seed direction and
as central finite differences, and a fallback to the per-seed passes where an operation
has no batching rule."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian, jacfwd
from symdiff.api.derivative import generate
from symdiff.api.jacobian import jacfwd_looped
from symdiff.frontend.lower import lower
from symdiff.runtime.dispatch import signature_of
from symdiff.runtime.spec import Spec, with_types
from symdiff.transforms.batch import BatchingError, batched_jvp_program

jac_module = importlib.import_module("symdiff.api.jacobian")

A = np.array([[1.0, -2.0, 0.5], [0.3, 0.7, -1.1]])
B = np.array([[0.2, 1.5], [-0.4, 0.9], [1.3, -0.6]])
v = np.array([0.4, -0.8, 1.2])
M = np.array([[0.5, -0.3, 0.8], [1.1, 0.2, -0.7]])


def wide(x: np.ndarray) -> float:
    return np.sum(np.sin(x) * x)


def elementwise(x: np.ndarray) -> np.ndarray:
    return np.exp(x) * np.cos(x) + x / (1.0 + x * x)


def reductions(X: np.ndarray) -> np.ndarray:
    return np.sum(X ** 2, axis=0) + np.mean(X, axis=1)[0] * np.sum(X)


def left_matmul(x: np.ndarray, A: np.ndarray) -> np.ndarray:
    return np.tanh(A @ x)


def right_matmul(x: np.ndarray, B: np.ndarray) -> np.ndarray:
    return x @ B


def matrix_products(X: np.ndarray, A: np.ndarray, v: np.ndarray) -> np.ndarray:
    return X.T @ X[:, 0] + (A @ X).T @ X[:2, 1] * np.sum(v)


def indexing(x: np.ndarray) -> np.ndarray:
    return x[1:] * x[:-1] + x[0] * x[-1]


def matrix_indexing(X: np.ndarray) -> np.ndarray:
    return X[0, :] * X[:, 1].sum() + X[1, 2] * X[:, ::-1][1] + X.T[2, 0]


def shapes(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.concatenate([x, x * x]).reshape(2, 3) + np.outer(x, v)[0]


def tuple_out(x: np.ndarray, s: float) -> tuple[float, np.ndarray]:
    return s * np.sum(x), (s + np.cos(x), 2.0 * s)


def constant_part(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x * 2.0, y + 1.0


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (wide, (np.linspace(0.1, 1.0, 7),)),
    (elementwise, (np.array([0.3, -0.2, 1.4]),)),
    (reductions, (M,)),
    (left_matmul, (v, A)),
    (right_matmul, (v, B)),
    (matrix_products, (B, A, v)),
    (indexing, (np.array([0.5, 1.5, -2.0, 0.25]),)),
    (matrix_indexing, (M,)),
    (shapes, (v, v)),
    (tuple_out, (v, 0.7)),
    (constant_part, (v, v)),
]


def per_seed(fun: Callable[..., Any], args: tuple[Any, ...], argnums: Any = 0) -> Any:
    """The Jacobian from a pass per seed direction (the batched path switched off)."""
    return jacfwd_looped(fun, argnums)(*args)


def numeric(fun: Callable[..., Any], args: tuple[Any, ...], i: int = 0) -> Any:
    """d fun / d args[i] by central differences, per output leaf."""
    h = 1e-6
    x = args[i]

    def at(d: np.ndarray) -> list[np.ndarray]:
        moved = list(args)
        moved[i] = x + d
        return [np.asarray(leaf, dtype=float) for leaf in leaves(fun(*moved))]

    outs = at(np.zeros_like(x))
    jacs = [np.zeros(o.shape + x.shape) for o in outs]
    for k in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[k] = h
        for jac, up, down in zip(jacs, at(d), at(-d), strict=True):
            jac[(..., *k)] = (up - down) / (2 * h)
    return jacs


def leaves(out: Any) -> list[Any]:
    if isinstance(out, tuple):
        return [leaf for item in out for leaf in leaves(item)]
    return [out]


@pytest.mark.parametrize(("fun", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_batched_equals_per_seed_and_finite_differences(fun: Callable[..., Any],
                                                        args: tuple[Any, ...]) -> None:
    batched = jac_module._forward_batched(fun, args, 0)  # raises if no batching rule
    assert jacfwd(fun)(*args) is not None
    looped = per_seed(fun, args)
    for got, want, fd in zip(leaves(batched), leaves(looped), numeric(fun, args),
                             strict=True):
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-7)


def batched_source(fun: Callable[..., Any], args: tuple[Any, ...], i: int = 0) -> str:
    return generate(fun, with_types(Spec("jvp_batched", i), signature_of(args)))  # type: ignore


def test_generated_code_is_one_vectorised_pass() -> None:
    src = batched_source(wide, (np.linspace(0.1, 1.0, 7),))
    assert "def wide_jvp_batched(x, x_dot):" in src
    assert "np.sum(x_dot * np.cos(x) * x + x_dot * _t0, axis=1)" in src
    assert "for " not in src


def test_matrix_times_a_batch_of_vectors_multiplies_by_the_transpose() -> None:
    src = batched_source(left_matmul, (v, A))
    assert "x_dot @ A.T" in src


def test_jacfwd_batched_over_two_array_arguments() -> None:
    def f(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x * np.sum(y) + np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0]]) @ y[:3]

    x, y = np.array([0.1, 0.2]), np.array([1.0, -0.5, 0.25, 2.0])
    got = jacfwd(f, argnums=(0, 1))(x, y)
    want = per_seed(f, (x, y), (0, 1))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-13)
    np.testing.assert_allclose(got[1], numeric(f, (x, y), 1)[0], rtol=1e-6, atol=1e-7)


def test_jacfwd_of_grad_is_the_hessian() -> None:
    def rosen(x: np.ndarray) -> float:
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    x = np.array([0.3, -0.4, 1.1, 0.8])
    np.testing.assert_allclose(jacfwd(grad(rosen))(x), hessian(rosen)(x), rtol=1e-12)


def appended(x: np.ndarray) -> np.ndarray:
    out = []
    for i in range(len(x) - 1):
        out.append(x[i] * x[i + 1] ** 2)
    return np.array(out) * x[0]


def test_without_a_batching_rule_falls_back_to_a_pass_per_seed() -> None:
    x = np.array([0.5, -1.0, 2.0])
    program = lower(appended, types=with_types(Spec("jvp"), signature_of((x,))).types)
    with pytest.raises(BatchingError, match="no batching rule for a Python list"):
        batched_jvp_program(program, 0)
    got = jacfwd(appended)(x)
    np.testing.assert_allclose(got, per_seed(appended, (x,)), rtol=1e-13)
    np.testing.assert_allclose(got, numeric(appended, (x,))[0], rtol=1e-6, atol=1e-7)
