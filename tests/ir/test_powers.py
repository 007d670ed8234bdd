"""Powers (``x ** y``, ``math.pow``, ``np.power``): one rule for numbers and arrays,
constant and run-time exponents, at every sign of the base and at higher orders
(issue 12, item 7).

Conventions tested here (docs/supported.md, "Conventions"): with respect to the base, at
``x == 0`` the derivatives take their one-sided limits (0, a finite value, or inf), to
every order; with respect to the exponent, the derivative at ``x == 0`` is 0, and at
``x < 0`` (where ``x ** y`` is real only at whole ``y``) it is nan, never an error; a
zero tangent of the exponent (an int ``n`` in ``jvp``) contributes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from symdiff import grad, hessian, jvp, vjp


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


def power(x, y):
    return x ** y


def math_power(x, y):
    return math.pow(x, y)


def array_power(x, p):
    return np.sum(x ** p)


def np_power(x, p):
    return np.sum(np.power(x, p))


def zero_base(y):
    return 0.0 ** y


Y = 0.0


def power_of_a_global(x):
    return x ** Y


# Derivatives at x == 0, one-sided from the right: (first, second, third) for each y.
AT_ZERO = {
    0.0: (0.0, 0.0, 0.0),
    0.5: (math.inf, -math.inf, math.inf),
    1.0: (1.0, 0.0, 0.0),
    1.5: (0.0, math.inf, -math.inf),
    2.0: (0.0, 2.0, 0.0),
    2.5: (0.0, 0.0, math.inf),
    3.0: (0.0, 0.0, 6.0),
}


def same(got: Any, want: float) -> bool:
    got = float(got)
    return math.isnan(got) if math.isnan(want) else got == want


def test_array_base_with_a_run_time_exponent() -> None:
    x = np.array([1.5, 2.5])
    for f in (array_power, np_power):
        np.testing.assert_allclose(grad(f)(x, 2.0), 2.0 * x)
        assert grad(f, argnums=1)(x, 2.0) == pytest.approx(np.sum(x ** 2 * np.log(x)))
        np.testing.assert_allclose(grad(f)(x, np.array([2.0, 3.0])), [3.0, 18.75])


@pytest.mark.parametrize("x", [[1.5], [0.0]])
def test_a_one_entry_array_gets_an_array_back(x: list[float]) -> None:
    with np.errstate(divide="ignore"):  # (NumPy warns of 0 ** -0.5)
        g = grad(array_power)(np.array(x), 0.5)
    assert isinstance(g, np.ndarray) and g.shape == (1,)
    assert g[0] == (math.inf if x[0] == 0 else 0.5 * x[0] ** -0.5)


def test_the_exponent_derivative_at_a_zero_base_is_zero() -> None:
    for y in (0.5, 2.0, 0.0):
        assert grad(zero_base)(y) == 0.0
        assert grad(power, argnums=1)(0.0, y) == 0.0
        assert grad(math_power, argnums=1)(0.0, y) == 0.0
    g = grad(array_power, argnums=1)(np.array([0.0, 2.0]), 1.5)
    assert g == pytest.approx(2.0 ** 1.5 * math.log(2.0))
    np.testing.assert_array_equal(grad(lambda y: np.sum(0.0 ** y))(np.array([0.5, 2.0])),
                                  [0.0, 0.0])


def test_the_second_derivative_of_a_zeroth_power_at_zero_is_zero() -> None:
    assert grad(grad(power_of_a_global))(0.0) == 0.0
    assert grad(grad(grad(power_of_a_global)))(0.0) == 0.0


@pytest.mark.parametrize("y", sorted(AT_ZERO))
@pytest.mark.parametrize("f", [power, math_power])
def test_base_derivatives_at_zero_to_third_order(f: Callable[..., Any], y: float) -> None:
    first, second, third = AT_ZERO[y]
    d1 = grad(f)
    d2 = grad(d1)
    d3 = grad(d2)
    assert same(d1(0.0, y), first)
    assert same(d2(0.0, y), second)
    assert same(d3(0.0, y), third)
    assert same(hessian(f)(0.0, y), second)
    assert same(jvp(d1, (0.0, y), (1.0, 0.0))[1], second)


@pytest.mark.parametrize("y", sorted(AT_ZERO))
def test_array_base_derivatives_at_zero_to_second_order(y: float) -> None:
    first, second, _ = AT_ZERO[y]
    x = np.zeros(2)
    for p in (y, np.full(2, y)):
        with np.errstate(divide="ignore", invalid="ignore"):
            g = grad(array_power)(x, p)
            h = hessian(array_power)(x, p)
        assert all(same(v, first) for v in g)
        assert all(same(h[i, i], second) for i in range(2))
        if math.isfinite(second):  # (else a zero tangent times inf: nan, as IEEE has it)
            assert h[0, 1] == 0.0 and h[1, 0] == 0.0


@pytest.mark.parametrize("n", [0, 1, 2, 3, -1, -2])
@pytest.mark.parametrize("x", [0.0, -2.0, -0.5, 1.5])
def test_an_int_power_at_every_sign_in_both_modes(x: float, n: int) -> None:
    if x == 0 and n < 0:
        return  # the function itself raises ZeroDivisionError
    dx = 0.0 if n == 0 else n * x ** (n - 1)
    assert jvp(power, (x, n), (1.0, 0)) == (x ** n, dx)
    assert jvp(power, (x, n), (1.0, 0.0)) == (x ** n, dx)
    assert grad(power)(x, n) == dx
    cx, cn = vjp(power, x, n)[1](1.0)
    assert cx == dx
    if x > 0:
        assert cn == pytest.approx(x ** n * math.log(x))
    elif x == 0:
        assert cn == 0.0
    else:
        assert math.isnan(cn)  # x ** y is real at whole y only: no derivative in y


def test_the_exponent_derivative_at_a_negative_base_is_nan() -> None:
    assert math.isnan(grad(power, argnums=1)(-2.0, 3.0))
    with np.errstate(invalid="ignore"):
        g = grad(array_power, argnums=1)(np.array([-2.0, 1.5]), 2.0)
    assert math.isnan(g)
    # ... and a zero tangent of the exponent contributes nothing.
    out, tangent = jvp(array_power, (np.array([-2.0, 1.5]), 2.0), (np.ones(2), 0.0))
    assert tangent == pytest.approx(2.0 * (-2.0 + 1.5))


def test_a_run_time_exponent_of_arrays_matches_a_constant_one() -> None:
    x = np.array([0.0, 0.5, -1.5, 2.0])

    def constant(x):
        return np.sum(x ** 3.0)

    np.testing.assert_array_equal(grad(array_power)(x, 3.0), grad(constant)(x))
    np.testing.assert_array_equal(hessian(array_power)(x, 3.0), hessian(constant)(x))
