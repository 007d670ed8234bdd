"""Jacobians by forward and reverse mode, and the automatic choice between them, against
central finite differences, for numbers, arrays and tuples in and out."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import hessian, jacfwd, jacobian, jacrev, jvp
from symdiff.api.jacobian import choose_mode, jacfwd_looped, jacrev_looped


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
            # Output-major, as JAX nests them: jac[output][argument].
            assert jf[out][arg] == pytest.approx(float(want), rel=1e-6)
            assert jr[out][arg] == pytest.approx(float(want), rel=1e-6)


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


def two_by_two(x, y):
    return x * np.sum(y * y), np.sin(x[0]) * y


@pytest.mark.parametrize("make", [jacfwd, jacrev, jacobian, jacfwd_looped, jacrev_looped])
def test_two_outputs_by_two_arguments_nest_output_major(make: Callable[..., Any]) -> None:
    # As JAX nests them: ((do0/dx, do0/dy), (do1/dx, do1/dy)).
    x, y = np.array([0.3, -0.7]), np.array([0.5, 1.1, -0.4])
    got = make(two_by_two, argnums=(0, 1))(x, y)
    assert isinstance(got, tuple) and len(got) == 2
    for out in range(2):
        assert isinstance(got[out], tuple) and len(got[out]) == 2
        for arg in range(2):
            want = numeric(lambda a, b, o=out: two_by_two(a, b)[o], (x, y), arg)
            assert np.shape(got[out][arg]) == want.shape
            np.testing.assert_allclose(got[out][arg], want, rtol=1e-6, atol=1e-8)


def test_jacfwd_of_jacrev_with_tuple_argnums_is_the_hessian() -> None:
    def f(x, y):
        return np.sum(np.sin(x) * y[:2]) * np.sum(y * y)

    x, y = np.array([0.3, -0.7]), np.array([0.5, 1.1, -0.4])
    got = jacfwd(jacrev(f, argnums=(0, 1)), argnums=(0, 1))(x, y)
    want = hessian(f, argnums=(0, 1))(x, y)  # ((H_xx, H_xy), (H_yx, H_yy))
    for i in range(2):
        for j in range(2):
            assert np.shape(got[i][j]) == np.shape(want[i][j])
            np.testing.assert_allclose(got[i][j], want[i][j], rtol=1e-10, atol=1e-12)


def test_a_transform_of_a_jacobian_nests_it_as_the_jacobian_does() -> None:
    # jvp of a Jacobian builds the Jacobian as one program (`transforms.jacobian`): its
    # output is nested as `jacfwd` called directly nests it.
    x, y = np.array([0.3, -0.7]), np.array([0.5, 1.1, -0.4])
    u, v = np.array([1.0, 0.5]), np.array([0.0, -1.0, 2.0])
    direct = jacfwd(two_by_two, argnums=(0, 1))(x, y)
    out, tangent = jvp(jacfwd(two_by_two, argnums=(0, 1)), (x, y), (u, v))
    h = 1e-6
    up = jacfwd(two_by_two, argnums=(0, 1))(x + h * u, y + h * v)
    down = jacfwd(two_by_two, argnums=(0, 1))(x - h * u, y - h * v)
    shapes = {(0, 0): (2, 2), (0, 1): (2, 3), (1, 0): (3, 2), (1, 1): (3, 3)}
    for o in range(2):
        for a in range(2):
            assert np.shape(out[o][a]) == np.shape(tangent[o][a]) == shapes[o, a]
            np.testing.assert_allclose(out[o][a], direct[o][a], rtol=1e-12)
            np.testing.assert_allclose(tangent[o][a], (up[o][a] - down[o][a]) / (2 * h),
                                       rtol=1e-5, atol=1e-8)
