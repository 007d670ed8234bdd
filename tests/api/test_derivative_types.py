"""A derivative has its own argument's type: a Python float's is a Python float, a
float64 array's a float64 array and a float32 array's a float32 array, whatever the
dtype of the other arguments (issue 12, item 5)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import grad, hessian, hvp, jacfwd, jacrev, jvp, value_and_grad, vjp


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


A32 = np.array([1.0, 2.0, 3.0], np.float32)
A64 = np.array([0.5, 1.5, 2.5])
A16 = np.array([1.0, 2.0, 3.0], np.float16)


def weighted(a, x):
    return np.sum(a * x) * x


def through_float(a, x):
    return float(np.sum(a)) * x * x


def in_a_loop(a, x):
    total = 0.0
    for i in range(2):
        total = total + np.sum(a * x) * x * (i + 1)
    return total


def from_a_global(a, x):
    return np.sum(SCALE * a) * x * x


SCALE = np.float32(2.0)
FUNCTIONS = [weighted, through_float, in_a_loop, from_a_global]


def assert_float(value: Any) -> None:
    assert type(value) is float, f"{value!r} is a {type(value).__name__}, not a float"


def assert_array(value: Any, dtype: Any) -> None:
    assert isinstance(value, np.ndarray) and value.dtype == dtype, repr(value)


@pytest.mark.parametrize("a", [A16, A32, A64], ids=["float16", "float32", "float64"])
@pytest.mark.parametrize("f", FUNCTIONS)
def test_first_derivatives_for_a_float_beside_an_array(f: Callable[..., Any],
                                                       a: np.ndarray) -> None:
    assert_float(grad(f, argnums=1)(a, 2.0))
    assert_float(value_and_grad(f, argnums=1)(a, 2.0)[1])
    ga, gx = grad(f, argnums=(0, 1))(a, 2.0)
    assert_array(ga, a.dtype)
    assert_float(gx)
    ca, cx = vjp(f, a, 2.0)[1](1.0)
    assert_array(ca, a.dtype)
    assert_float(cx)
    assert_float(jacfwd(f, argnums=1)(a, 2.0))
    assert_float(jacrev(f, argnums=1)(a, 2.0))


@pytest.mark.parametrize("f", FUNCTIONS)
def test_second_derivatives_for_a_float_beside_a_float32_array(f: Callable[..., Any]) -> None:
    assert_float(hessian(f, argnums=1)(A32, 2.0))
    assert_float(grad(grad(f, argnums=1), argnums=1)(A32, 2.0))
    assert_float(hessian(f, argnums=(0, 1))(A32, 2.0)[1][1])
    ta, tx = hvp(f, (A32, 2.0), (np.ones(3, np.float32), 1.0), argnums=(0, 1))
    assert_array(ta, np.float32)
    assert_float(tx)


@pytest.mark.parametrize("f", FUNCTIONS)
def test_values_are_unchanged(f: Callable[..., Any]) -> None:
    wide = grad(f, argnums=1)(A32.astype(np.float64), 2.0)
    assert grad(f, argnums=1)(A32, 2.0) == pytest.approx(wide, rel=1e-6)


def test_the_tangent_of_a_float_conversion_is_a_float() -> None:
    out, tangent = jvp(through_float, (A32, 2.0), (np.ones(3, np.float32), 0.0))
    assert_float(out)
    assert_float(tangent)


def test_float64_and_float32_arrays_keep_their_dtypes_beside_each_other() -> None:
    def f(a, b, x):
        return np.sum(a * b) * x

    ga, gb, gx = grad(f, argnums=(0, 1, 2))(A32, A64, 2.0)
    assert_array(ga, np.float32)
    assert_array(gb, np.float64)
    assert_float(gx)


def product(x, y):
    return x * y


def test_a_gradient_made_of_floats_alone_is_emitted_without_a_conversion() -> None:
    assert "float(" not in symdiff.source(product, argnums=(0, 1))
    assert "float(" in symdiff.source(weighted, argnums=1, args=(A32, 2.0))



# float16: a float like the others, computed in its own precision as NumPy computes it.


def smooth_l1(x, w):
    z = x * w
    return np.sum(np.where(np.abs(z) < 1.0, 0.5 * z * z, np.abs(z) - 0.5))


def test_float16_arrays_are_differentiated_in_float16() -> None:
    x = np.array([0.25, -2.0, 0.5, 3.0], np.float16)
    w = np.array([1.5, 1.0, -0.5, 0.75], np.float16)
    wide = grad(smooth_l1, argnums=(0, 1))(x.astype(np.float64), w.astype(np.float64))
    for got, want in zip(grad(smooth_l1, argnums=(0, 1))(x, w), wide, strict=True):
        assert_array(got, np.float16)
        np.testing.assert_allclose(got, want, rtol=2e-3)
    out, tangent = jvp(smooth_l1, (x, w), (np.ones(4, np.float16), np.zeros(4, np.float16)))
    assert float(tangent) == pytest.approx(float(np.sum(wide[0])), rel=5e-3)
    (cx, cw) = vjp(smooth_l1, x, w)[1](1.0)
    assert_array(cx, np.float16)
    np.testing.assert_allclose(jacrev(smooth_l1)(x, w), wide[0], rtol=2e-3)
    np.testing.assert_allclose(hessian(smooth_l1)(x, w),
                               hessian(smooth_l1)(x.astype(np.float64), w.astype(np.float64)),
                               rtol=2e-3)


# A bool array (a mask) is data: passed, not differentiated.


def masked_mean_square(x, mask):
    return np.sum(np.where(mask, x * x, 0.0)) / np.sum(mask)


def test_a_bool_array_argument_is_a_mask_not_differentiated() -> None:
    x = np.array([1.0, -2.0, 3.0])
    mask = np.array([True, False, True])
    np.testing.assert_allclose(grad(masked_mean_square)(x, mask), [1.0, 0.0, 3.0])
    np.testing.assert_allclose(jacfwd(masked_mean_square)(x, mask), [1.0, 0.0, 3.0])
    np.testing.assert_allclose(hessian(masked_mean_square)(x, mask), np.diag([1.0, 0.0, 1.0]))
    for call in (lambda: grad(masked_mean_square, argnums=1)(x, mask),
                 lambda: jvp(masked_mean_square, (x, mask), (x, mask))):
        with pytest.raises(TypeError, match=r"'mask' \(position 1\) is an array of bool "
                                            r"\(a mask\), which has no derivative"):
            call()
