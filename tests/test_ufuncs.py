"""NumPy's ufuncs called by name (``np.multiply``, ``np.fmod``, ``np.sinc``, ...): one
function using them all, differentiated on numbers, float64 and float32 arrays, in both
modes and to second order, against finite differences; and the points where a rule
needs care (sinc at 0, cbrt at 0, fmax/fmin at a NaN, heaviside at 0)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import symdiff
from symdiff.testing import check_grads


def features(w, x):  # type: ignore[no-untyped-def]
    z = np.add(np.multiply(w, x), np.true_divide(x, 3.0))
    a = np.power(np.absolute(z), 1.5) + np.float_power(np.fabs(x) + 1.0, w)
    b = np.divide(np.exp2(np.negative(z)), np.add(1.0, np.square(x)))
    c = np.sinc(z) * np.cbrt(x - 4.0) + np.expm1(np.log1p(np.square(w)))
    d = np.logaddexp2(z, np.deg2rad(x)) + np.logaddexp(w, x) - np.rad2deg(np.hypot(w, x)) / 90
    e = np.fmax(z, np.fmin(x, w)) + np.maximum(z, 0.1) + np.minimum(x, w)
    f = np.fmod(z, 0.7) + np.remainder(x, 0.9) + np.mod(w, 1.3)
    g = np.reciprocal(np.positive(x) + 3.0) + np.log2(x * x + 1.0) + np.log10(w * w + 2.0)
    h = np.arctan2(w, x) + np.heaviside(x, 0.5) * z + np.sign(x) * np.floor_divide(x, 0.5)
    i = np.radians(w) + np.degrees(x) / 100 + np.subtract(w, x) * np.float_power(z * z, 0.5)
    return a + b + c + d + e + f + g + h + i


def total(w, x):  # type: ignore[no-untyped-def]
    return np.sum(features(w, x))


# Points away from the jumps of fmod, remainder and floor_divide and from ties.
NUMBER_POINTS = [(0.7, 1.3), (-0.4, 2.1), (1.1, -0.8)]


@pytest.mark.parametrize("point", NUMBER_POINTS)
def test_numbers_in_both_modes_to_second_order(point: tuple[float, float]) -> None:
    check_grads(features, point, modes=("fwd", "rev"), order=2)


def _arrays(dtype: type) -> tuple[np.ndarray, np.ndarray]:
    w, x = (np.array(values, dtype=dtype) for values in zip(*NUMBER_POINTS, strict=True))
    return w, x


def test_float64_arrays_in_both_modes_to_second_order() -> None:
    check_grads(total, _arrays(np.float64), modes=("fwd", "rev"), order=2)
    check_grads(features, _arrays(np.float64), modes=("fwd", "rev"))


def test_float32_arrays_keep_float32() -> None:
    w32, x32 = _arrays(np.float32)
    w64, x64 = _arrays(np.float64)
    grads = symdiff.grad(total, argnums=(0, 1))(w32, x32)
    want = symdiff.grad(total, argnums=(0, 1))(w64, x64)
    for g, expected in zip(grads, want, strict=True):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, expected, rtol=1e-3, atol=1e-3)
    out, tangent = symdiff.jvp(features, (w32, x32), (w32, x32))
    assert tangent.dtype == np.float64  # float_power computes in float64, as NumPy does
    _, tangent = symdiff.jvp(lambda x: np.multiply(np.sinc(x), np.cbrt(x)) + np.fmax(x, 1.0),
                             (x32,), (x32,))
    assert tangent.dtype == np.float32
    check_grads(total, (w32, x32), modes=("fwd", "rev"), eps=1e-2, rtol=2e-2, atol=1e-2)


def test_emitted_as_python_on_numbers_and_numpy_on_arrays() -> None:
    def f(x, y):  # type: ignore[no-untyped-def]
        return np.multiply(np.fmod(x, y), np.subtract(np.divide(x, y), y))

    text = symdiff.source(f)
    assert "math.fmod(x, y)" in text and "x / y" in text and "np." not in text
    text = symdiff.source(lambda x, y: np.sum(f(x, y)), args=(np.ones(2), np.ones(2)))
    assert "np.fmod(x, y)" in text and "x / y" in text


def test_broadcasting() -> None:
    x, y = np.linspace(0.5, 1.5, 3), np.array([[2.0], [3.0]])
    gx, gy = symdiff.grad(lambda x, y: np.sum(np.multiply(x, y) + np.fmin(x, y)),
                          argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, np.full(3, 5.0) + 2.0)
    np.testing.assert_allclose(gy, np.full((2, 1), x.sum()))


def test_sinc_at_zero_to_second_order() -> None:
    d1 = symdiff.grad(np.sinc)
    assert d1(0.0) == 0.0
    assert symdiff.grad(d1)(0.0) == pytest.approx(-math.pi**2 / 3, rel=1e-14)
    check_grads(lambda x: np.sinc(x), (0.0,), order=2)  # noqa: PLW0108
    check_grads(lambda x: np.sinc(x), (0.049,), order=2)  # noqa: PLW0108
    check_grads(lambda x: np.sinc(x), (0.051,), order=2)  # noqa: PLW0108


def test_cbrt_of_negative_numbers_and_at_zero() -> None:
    d = symdiff.grad(np.cbrt)
    assert d(-8.0) == pytest.approx(1.0 / 12.0)
    with np.errstate(divide="ignore"):
        assert symdiff.grad(lambda x: np.sum(np.cbrt(x)))(np.zeros(1))[0] == math.inf


def test_fmax_and_fmin_differentiate_the_number_they_choose_over_a_nan() -> None:
    x = np.array([1.0, np.nan, 2.0, 3.0])
    y = np.array([np.nan, 1.0, 2.0, 1.0])
    gx, gy = symdiff.grad(lambda x, y: np.sum(np.fmax(x, y) + 2.0 * np.fmin(x, y)),
                          argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [3.0, 0.0, 1.5, 1.0])
    np.testing.assert_array_equal(gy, [0.0, 3.0, 1.5, 2.0])


def test_heaviside_has_no_derivative_in_x_and_takes_h0_at_zero() -> None:
    g = symdiff.grad(lambda x, h: np.heaviside(x, h), argnums=(0, 1))
    assert g(0.5, 0.3) == (0.0, 0.0)
    assert g(0.0, 0.3) == (0.0, 1.0)
