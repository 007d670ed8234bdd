"""check_grads at higher orders: every composition of forward and reverse mode."""

from __future__ import annotations

import math

import numpy as np
import pytest

import symdiff
from symdiff.testing import check_grads


def smooth(x: float, y: float) -> float:
    return math.sin(x) * y ** 2 + math.exp(x * y)


def pair(x: float, y: float) -> tuple[float, float]:
    return x * y, math.sin(x) + y


def layer(W: np.ndarray, x: np.ndarray) -> float:
    return np.sum(np.tanh(W @ x) ** 2)


def stacked(A: np.ndarray, v: np.ndarray) -> float:
    return np.sum(np.sin(A @ v))


RNG = np.random.default_rng(0)


@pytest.mark.parametrize(("fun", "args", "order"), [
    (smooth, (0.3, 1.7), 2),
    (smooth, (0.3, 1.7), 3),
    (pair, (0.3, 1.7), 2),
    (layer, (RNG.normal(size=(2, 3)), RNG.normal(size=3)), 2),
    (lambda x, W: np.sum(np.tanh(x @ W) ** 2), (RNG.normal(size=3), RNG.normal(size=(3, 2))), 2),
    (lambda x: np.prod(x), (np.array([0.0, 2.0, 3.0]),), 2),
])
def test_correct_derivatives_pass_at_higher_order(fun, args, order) -> None:  # type: ignore[no-untyped-def]
    check_grads(fun, args, order=order)


@symdiff.custom_jvp
def square(x: float) -> float:
    return x * x


@square.defjvp
def square_jvp(primals, tangents):  # type: ignore[no-untyped-def]
    (x,), (t,) = primals, tangents
    return square(x), 3.0 * x * t  # wrong: 2x


@symdiff.custom_jvp
def cube(x: float) -> float:
    return x ** 3


@cube.defjvp
def cube_jvp(primals, tangents):  # type: ignore[no-untyped-def]
    (x,), (t,) = primals, tangents
    return cube(x), 3.0 * square(x) * t  # right, but its own derivative uses square's


def test_a_rule_wrong_only_at_second_order_fails_there() -> None:
    check_grads(cube, (0.7,))
    with pytest.raises(AssertionError):
        check_grads(cube, (0.7,), order=2)


@pytest.mark.parametrize("modes", [("fwd",), ("rev",)])
def test_each_mode_alone_is_checked_at_second_order(modes: tuple[str, ...]) -> None:
    with pytest.raises(AssertionError):
        check_grads(cube, (0.7,), modes=modes, order=2)


def test_reverse_mode_through_a_stack_of_matrices_and_a_vector() -> None:
    # The matmul VJP of a stack of matrices and a vector (either side) raised
    # NotImplementedError; a Jacobian of `layer` differentiated again is one.
    A, v, w = RNG.normal(size=(2, 3, 4)), RNG.normal(size=4), RNG.normal(size=3)
    check_grads(stacked, (A, v))
    check_grads(lambda w, A: np.sum(np.sin(w @ A)), (w, A))
    W, x = RNG.normal(size=(2, 3)), RNG.normal(size=3)
    for i, shape in ((0, (2, 3, 2, 3)), (1, (3, 3))):
        twice = symdiff.jacrev(symdiff.jacrev(layer, argnums=i), argnums=i)(W, x)
        assert twice.shape == shape
        assert np.allclose(twice, symdiff.hessian(layer, argnums=i)(W, x), atol=1e-12)
