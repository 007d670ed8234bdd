"""The Hessian of a function of arrays as one call of the gradient's batched JVP program
(per differentiated argument): the same as one Hessian-vector product per entry and
as finite differences of the gradient, through branches and loops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian
from symdiff.runtime.dispatch import signature_of
from tests.api.test_jacobian_batched import numeric
from tests.api.test_jacobian_reverse_batched import Compiled


def rosenbrock(x: np.ndarray) -> float:
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def branch_loop(x: np.ndarray, s: float) -> float:
    y = x
    for i in range(3):
        y = np.sin(y) * x + s * i
    if s > 0:
        return np.sum(y * y) * s
    return np.sum(np.exp(y)) + s * s


def mlp(W1: np.ndarray, W2: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    h = np.tanh(X @ W1)
    return np.mean((h @ W2 - y) ** 2)


rng = np.random.default_rng(0)
X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
W1, W2 = rng.standard_normal((3, 4)) * 0.5, rng.standard_normal((4, 2)) * 0.5
x = np.array([0.3, -0.4, 1.1, 0.8])

CASES: list[tuple[Callable[..., Any], tuple[Any, ...], Any]] = [
    (rosenbrock, (np.linspace(-1.0, 1.0, 6),), 0),
    (branch_loop, (x, 0.7), 0),
    (branch_loop, (x, -0.7), 0),
    (branch_loop, (x, 0.7), (0, 1)),
    (mlp, (W1, W2, X, Y), 1),
    (mlp, (W1, W2, X, Y), (0, 1)),
]
IDS = ["rosenbrock", "branch_loop_then", "branch_loop_else", "branch_loop_both", "mlp_W2",
       "mlp_both"]


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> Compiled:
    return Compiled(monkeypatch)


def per_entry(fun: Callable[..., Any], args: tuple[Any, ...], argnums: Any) -> Any:
    """The Hessian from one Hessian-vector product per entry (the path lists take)."""
    return hessian(fun, argnums)._assemble(args, signature_of(args))


def blocks(h: Any, argnums: Any) -> list[Any]:
    return [h] if isinstance(argnums, int) else [b for row in h for b in row]


@pytest.mark.parametrize(("fun", "args", "argnums"), CASES, ids=IDS)
def test_hessian_is_one_batched_program_call_per_argument(
        fun: Callable[..., Any], args: tuple[Any, ...], argnums: Any,
        compiled: Compiled) -> None:
    got = hessian(fun, argnums)(*args)
    n = 1 if isinstance(argnums, int) else len(argnums)
    assert compiled.kinds == ["jvp_batched of grad"] * n
    assert compiled.calls == n
    want = per_entry(fun, args, argnums)
    for g, w in zip(blocks(got, argnums), blocks(want, argnums), strict=True):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-13)
    nums = (argnums,) if isinstance(argnums, int) else argnums
    for j, col in enumerate(nums):
        if not isinstance(args[col], np.ndarray):
            continue
        fd = numeric(grad(fun, argnums), args, col)
        for i in range(len(nums)):
            block = got if isinstance(argnums, int) else got[i][j]
            np.testing.assert_allclose(block, fd[i], rtol=1e-5, atol=1e-6)


def test_the_hessian_is_symmetric() -> None:
    h = hessian(mlp, (0, 1))(W1, W2, X, Y)
    np.testing.assert_allclose(h[0][1], np.moveaxis(h[1][0].reshape(8, 12).T.reshape(
        3, 4, 4, 2), (0, 1), (0, 1)), rtol=1e-10, atol=1e-13)
    flat = h[0][0].reshape(12, 12)
    np.testing.assert_allclose(flat, flat.T, rtol=1e-10, atol=1e-13)


def test_numbers_keep_the_one_hessian_program(compiled: Compiled) -> None:
    def f(a: float, b: float) -> float:
        return a * a * b + np.sin(b)

    h = hessian(f, (0, 1))(0.5, 1.5)
    assert compiled.kinds == ["hessian"]
    np.testing.assert_allclose(np.array(h), [[3.0, 1.0], [1.0, -np.sin(1.5)]], rtol=1e-12)


def test_lists_and_a_missing_rule_take_a_pass_per_entry(compiled: Compiled) -> None:
    def listed(xs: list[float]) -> float:
        return xs[0] * xs[0] * xs[1]

    assert hessian(listed)([1.0, 2.0]) == [[4.0, 2.0], [2.0, 0.0]]
    assert "jvp of grad" in compiled.kinds and compiled.calls == 2

    def appended(x: np.ndarray) -> float:  # a list built in a loop has no batching rule
        out = []
        for i in range(3):
            out.append(x[i] * x[i + 1] ** 2)
        return np.sum(np.array(out) ** 2)

    compiled.kinds.clear()
    got = hessian(appended)(x)
    assert compiled.kinds == ["jvp_batched of grad", "jvp of grad"]
    np.testing.assert_allclose(got, numeric(grad(appended), (x,))[0], rtol=1e-5, atol=1e-6)
