"""Jacobians by forward and reverse mode, and the automatic choice between them, against
central finite differences, for numbers, arrays and tuples in and out."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import jacfwd, jacobian, jacrev
from symdiff.api.jacobian import choose_mode


def arm(theta1: float, theta2: float) -> tuple[float, float]:
    x = math.cos(theta1) + 0.7 * math.cos(theta1 + theta2)
    y = math.sin(theta1) + 0.7 * math.sin(theta1 + theta2)
    return x, y


def wide(x: np.ndarray) -> float:
    return float(np.sum(np.sin(x) * x))


def tall(t: float) -> np.ndarray:
    return np.sin(np.arange(1.0, 6.0) * t)


def matrix_map(A: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.tanh(A @ v)


def numeric(fun: Callable[..., Any], args: tuple[Any, ...], i: int) -> np.ndarray:
    """d fun / d args[i] by central differences, shaped out.shape + x.shape."""
    h = 1e-6
    x = np.asarray(args[i], dtype=float)
    out = np.asarray(fun(*args), dtype=float)
    jac = np.zeros(out.shape + x.shape)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        a = np.asarray(fun(*_with(args, i, up)), dtype=float)
        b = np.asarray(fun(*_with(args, i, down)), dtype=float)
        jac[(...,) + k] = (a - b) / (2 * h)
    return jac


def _with(args: tuple[Any, ...], i: int, value: np.ndarray) -> tuple[Any, ...]:
    v: Any = float(value) if value.ndim == 0 else value
    return (*args[:i], v, *args[i + 1:])


CASES = [
    (wide, (np.linspace(0.1, 1.0, 6),), 0),
    (tall, (0.3,), 0),
    (matrix_map, (np.arange(6.0).reshape(3, 2) / 6, np.array([0.5, -0.2])), 1),
    (matrix_map, (np.arange(6.0).reshape(3, 2) / 6, np.array([0.5, -0.2])), 0),
]


@pytest.mark.parametrize(("fun", "args", "i"), CASES, ids=["wide", "tall", "matvec-v", "matvec-A"])
@pytest.mark.parametrize("make", [jacfwd, jacrev, jacobian])
def test_jacobians_match_finite_differences(fun: Callable[..., Any], args: tuple[Any, ...],
                                            i: int, make: Callable[..., Any]) -> None:
    got = make(fun, argnums=i)(*args)
    want = numeric(fun, args, i)
    assert np.shape(got) == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_tuples_in_and_out() -> None:
    jf = jacfwd(arm, argnums=(0, 1))(0.3, 0.9)
    jr = jacrev(arm, argnums=(0, 1))(0.3, 0.9)
    for arg in range(2):
        for out in range(2):
            want = numeric(lambda a, b, o=out: arm(a, b)[o], (0.3, 0.9), arg)
            assert jf[arg][out] == pytest.approx(float(want), rel=1e-6)
            assert jr[arg][out] == pytest.approx(float(want), rel=1e-6)


def test_auto_mode_picks_by_sizes() -> None:
    assert choose_mode(wide, (np.ones(6),)) == "reverse"  # 6 inputs, 1 output
    assert choose_mode(tall, (0.3,)) == "forward"  # 1 input, 5 outputs
    with pytest.raises(ValueError, match="mode"):
        jacobian(wide, mode="sideways")


def spread(x, t):
    return np.sin(x * t), np.sum(x * x) * t


@pytest.mark.parametrize("jac", [jacfwd, jacrev, jacobian])
def test_a_plan_per_argument_shape_is_made_once(jac: Callable[..., Any],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    module = sys.modules["symdiff.api.jacobian"]  # `symdiff.jacobian` is the function
    made: list[tuple[Any, ...]] = []
    real = module._plan

    def spy(fun: Any, args: tuple[Any, ...], *rest: Any) -> Any:
        made.append(tuple(np.shape(a) for a in args))
        return real(fun, args, *rest)

    monkeypatch.setattr(module, "_plan", spy)
    j = jac(spread, argnums=(0, 1))
    x = np.array([0.3, -0.2, 0.9])
    first = j(x, 0.7)
    again = j(x * 2.0, 1.1)  # same shapes: the plan is reused, with the new values
    j(np.ones(4), 0.7)  # a new shape: a new plan
    assert made == [((3,), ()), ((4,), ())]
    for got, point in ((first, (x, 0.7)), (again, (x * 2.0, 1.1))):
        want = jacfwd(spread, argnums=(0, 1))(*point)
        for g_arg, w_arg in zip(got, want, strict=True):
            for g, w in zip(g_arg, w_arg, strict=True):
                np.testing.assert_allclose(g, w, rtol=1e-12)
