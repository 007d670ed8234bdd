"""Batched reverse mode: `jacrev` of numbers and arrays as one call of VJP code whose
output cotangents carry a leading batch axis (the batched transpose); the same
Jacobian as a pass per output entry and as central finite differences; branches and
loops batched in both modes; a fallback to the per-seed passes where an operation has
no batching rule."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff.api.derivative
import symdiff.api.grad
import symdiff.api.higher
from symdiff import jacfwd, jacobian, jacrev
from symdiff.api.derivative import generate
from symdiff.api.jacobian import jacfwd_looped, jacrev_looped
from symdiff.runtime.dispatch import signature_of
from symdiff.runtime.spec import Spec, with_types
from symdiff.testing import check_grads
from tests.api.test_jacobian_batched import leaves, numeric

jac_module = importlib.import_module("symdiff.api.jacobian")

A = np.array([[1.0, -2.0, 0.5], [0.3, 0.7, -1.1]])
v = np.array([0.4, -0.8, 1.2])
M = np.array([[0.5, -0.3, 0.8], [1.1, 0.2, -0.7]])


def wide(x: np.ndarray) -> float:
    return np.sum(np.sin(x) * x)


def vector(x: np.ndarray) -> np.ndarray:
    return np.exp(x) * np.cos(x) + x / (1.0 + x * x) + np.mean(x)


def matrix_in(X: np.ndarray, A: np.ndarray) -> np.ndarray:
    return np.tanh(A @ X) @ X[0] + np.sum(X ** 2, axis=0)


def products(X: np.ndarray, v: np.ndarray) -> np.ndarray:
    return (X.T @ X) @ v + np.outer(X[0], v)[1] + X[1] * np.sum(X @ v)


def indexing(x: np.ndarray) -> np.ndarray:
    return x[1:] * x[:-1] + x[0] * x[-1] + x[np.array([2, 0, 2])].sum()


def two_arrays(X: np.ndarray) -> np.ndarray:
    i, j = np.array([0, 1, 1]), np.array([2, 0, 2])
    return X[i, j] * X[1, j] + X[:, 1][i]


def arrays_apart(T: np.ndarray) -> np.ndarray:
    # NumPy puts the axes of integer arrays apart from each other first: the batching
    # rule moves the batch axis back to front.
    i, j = np.array([0, 1, 1]), np.array([2, 0, 2])
    return T[i, :, j].sum(axis=1) * T[0, 0, 1]


def shapes(x: np.ndarray) -> np.ndarray:
    return np.concatenate([x, x * x]).reshape(2, 3).T.ravel() * np.cumsum(x)[::-1][0]


def tuple_out(x: np.ndarray, s: float) -> tuple[Any, ...]:
    return s * np.sum(x), (s + np.cos(x), 2.0 * s, np.outer(x, x) * s)


def hand(angles: np.ndarray) -> np.ndarray:
    """examples/robot_arm.py: the hand of a three-link arm."""
    lengths = np.array([1.0, 0.8, 0.5])
    heading = np.cumsum(angles)
    return np.array([np.sum(lengths * np.cos(heading)), np.sum(lengths * np.sin(heading))])


def branchy(x: np.ndarray) -> np.ndarray:
    if x[0] > 0:
        return np.sin(x) * x[1]
    return x * x


def carried(x: np.ndarray, s: float) -> np.ndarray:
    y = x
    for i in range(3):
        y = np.sin(y) * x + s * i
        if y[0] > 0.5:
            y = y * 0.5
    return y


def accumulated(x: np.ndarray) -> float:
    total = 0.0
    for i in range(4):
        total = total + np.sum(x * x) * i
    return total


def stepping(x: np.ndarray) -> np.ndarray:
    y = x
    while np.sum(y * y) > 0.1:
        y = 0.5 * y + 0.01 * np.sin(y)
    return y


CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (wide, (np.linspace(0.1, 1.0, 7),)),
    (vector, (np.array([0.3, -0.2, 1.4, 0.9]),)),
    (matrix_in, (M.T.copy(), A)),
    (products, (M, v)),
    (indexing, (np.array([0.5, 1.5, -2.0, 0.25]),)),
    (two_arrays, (M,)),
    (shapes, (v,)),
    (tuple_out, (v, 0.7)),
    (hand, (np.array([0.3, 0.4, -0.2]),)),
    (branchy, (v,)),
    (branchy, (-v,)),
    (carried, (v, 0.3)),
    (accumulated, (v,)),
    (stepping, (v,)),
]
IDS = [f"{f.__name__}{i}" for i, (f, _) in enumerate(CASES)]


class Compiled:
    """The specs compiled (as "outer of inner" kinds) and the calls of their programs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kinds: list[str] = []
        self.calls = 0
        real = symdiff.api.derivative.compiled

        def spy(fn: Callable[..., Any], spec: Spec) -> Callable[..., Any]:
            self.kinds.append(" of ".join(s.kind for s in spec.chain()))
            impl = real(fn, spec)

            def counted(*args: Any) -> Any:
                self.calls += 1
                return impl(*args)

            return counted

        for module in (symdiff.api.grad, symdiff.api.higher, jac_module):  # each calls it
            monkeypatch.setattr(module, "compiled", spy)


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> Compiled:
    return Compiled(monkeypatch)


def assert_same(got: Any, want: Any, fd: list[Any] | None = None) -> None:
    for k, (g, w) in enumerate(zip(leaves(got), leaves(want), strict=True)):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
        if fd is not None:
            np.testing.assert_allclose(g, fd[k], rtol=1e-6, atol=1e-7)


MODES = [(jacrev, jacrev_looped, "vjp_batched"), (jacfwd, jacfwd_looped, "jvp_batched")]


@pytest.mark.parametrize(("jac", "looped", "kind"), MODES, ids=["jacrev", "jacfwd"])
@pytest.mark.parametrize(("fun", "args"), CASES, ids=IDS)
def test_the_jacobian_is_one_batched_call(fun: Callable[..., Any], args: tuple[Any, ...],
                                          jac: Any, looped: Any, kind: str,
                                          compiled: Compiled) -> None:
    got = jac(fun)(*args)
    if jac is jacrev and sum(np.size(leaf) for leaf in leaves(fun(*args))) == 1:
        kind = "vjp"  # one output entry: one unbatched pass
    assert compiled.kinds == [kind]
    assert compiled.calls == 1
    assert_same(got, looped(fun)(*args), numeric(fun, args))


@pytest.mark.parametrize(("fun", "args"), CASES, ids=IDS)
def test_the_derivatives_batched_agree_with_finite_differences(
        fun: Callable[..., Any], args: tuple[Any, ...]) -> None:
    # The unbatched programs the per-seed oracle runs, checked on their own.
    check_grads(fun, args, modes=("fwd", "rev"))


def test_jacrev_over_several_arguments_and_jacobian_auto() -> None:
    def f(x: np.ndarray, W: np.ndarray, s: float) -> np.ndarray:
        return np.tanh(W @ x) * s + x[:2] * np.sum(W)

    x, W, s = v, A, 0.3
    got = jacrev(f, argnums=(0, 1, 2))(x, W, s)
    want = jacrev_looped(f, argnums=(0, 1, 2))(x, W, s)
    for g, w in zip(got, want, strict=True):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=1e-12)
    for i in (0, 1):
        np.testing.assert_allclose(got[i], numeric(f, (x, W, s), i)[0], rtol=1e-6, atol=1e-7)
    h = 1e-6
    np.testing.assert_allclose(got[2], (f(x, W, s + h) - f(x, W, s - h)) / (2 * h), rtol=1e-6)
    np.testing.assert_allclose(jacobian(f, argnums=1)(x, W, s), got[1], rtol=1e-12)


def test_a_cotangent_that_does_not_reach_an_argument_is_zero(compiled: Compiled) -> None:
    def f(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
        return x * 2.0, 3.0

    got = jacrev(f, argnums=(0, 1))(v, v)
    assert compiled.kinds == ["vjp_batched"]
    # Output-major, as JAX nests them: got[output][argument].
    np.testing.assert_array_equal(got[0][0], 2.0 * np.eye(3))
    np.testing.assert_array_equal(got[0][1], np.zeros((3, 3)))
    np.testing.assert_array_equal(got[1][0], np.zeros(3))
    np.testing.assert_array_equal(got[1][1], np.zeros(3))


def batched_vjp_source(fun: Callable[..., Any], args: tuple[Any, ...]) -> str:
    return generate(fun, with_types(Spec("vjp_batched"), signature_of(args)))


def test_generated_code_is_the_batched_transpose() -> None:
    src = batched_vjp_source(matrix_in, (M.T.copy(), A))
    assert "def matrix_in_vjp_batched(X, A, out_bar):" in src
    assert "\n    for " not in src
    src = batched_vjp_source(indexing, (v,))
    assert "[:, 1:] +=" in src  # the transpose of x[1:], one row per seed
    assert "np.add.at(" in src and "np.s_[:, " in src  # of x[idx]


def test_a_loop_that_saves_a_tape_is_batched_after_it() -> None:
    src = batched_vjp_source(carried, (v, 0.3))
    assert "tape.append(" in src and "tape.pop()" in src
    assert "np.zeros((len(" in src  # the batched cotangent accumulator


def appended(x: np.ndarray) -> np.ndarray:
    out = []
    for i in range(len(x)):
        out.append(x[i] * x[i - 1] ** 2)
    return np.array(out) * x[0]


def test_without_a_batching_rule_falls_back_to_a_pass_per_seed(compiled: Compiled) -> None:
    got = jacrev(appended)(v)
    assert compiled.kinds[0] == "vjp_batched" and "vjp" in compiled.kinds[1:]
    assert compiled.calls == 3  # one unbatched pass per output entry
    np.testing.assert_allclose(got, numeric(appended, (v,))[0], rtol=1e-6, atol=1e-7)
    fwd = jacfwd(appended)(v)
    np.testing.assert_allclose(fwd, got, rtol=1e-12)


@pytest.mark.parametrize("jac", [jacrev, jacfwd])
def test_integer_arrays_apart_are_one_batched_call(jac: Any, compiled: Compiled) -> None:
    T = np.arange(24.0).reshape(2, 4, 3) * 0.1
    got = jac(arrays_apart)(T)
    assert len(compiled.kinds) == 1 and compiled.kinds[0].endswith("_batched")
    assert compiled.calls == 1
    np.testing.assert_allclose(got, numeric(arrays_apart, (T,))[0], rtol=1e-6, atol=1e-7)


def test_lists_take_the_per_seed_path(compiled: Compiled) -> None:
    def f(xs: list[float]) -> tuple[float, float]:
        return xs[0] * xs[1], xs[1] + xs[2]

    got = jacrev(f)([1.0, 2.0, 3.0])
    assert "vjp_batched" not in compiled.kinds
    np.testing.assert_allclose(got[0], [2.0, 1.0, 0.0])
    np.testing.assert_allclose(got[1], [0.0, 1.0, 1.0])
