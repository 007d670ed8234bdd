"""Norms (``math.hypot``, ``np.hypot``, ``np.linalg.norm``) follow one convention where
they are not differentiable: at 0, every derivative is 0, as ``abs'(0) = 0`` and
``abs''(0) = 0`` (issue 12, item 15). Elsewhere they agree with each other and with
finite differences, at first and second order."""

from __future__ import annotations

import math

import numpy as np
import pytest

from symdiff import grad, hessian, jvp, vjp
from symdiff.testing import check_grads


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


def hypot(x, y):
    return math.hypot(x, y)


def hypot3(x, y, z):
    return math.hypot(x, y, z)


def np_hypot(x, y):
    return np.sum(np.hypot(x, y))


def norm(x):
    return np.linalg.norm(x)


def row_norms(x):
    return np.sum(np.linalg.norm(x, axis=1) * np.array([1.0, -2.0]))


def frobenius(x):
    return np.linalg.norm(x, "fro")


def norm_of_pair(x, y):
    return np.linalg.norm(np.array([x, y]))


def written_out(x, y):
    return math.sqrt(x * x + y * y)


def test_hypot_at_zero_has_zero_derivatives_to_third_order() -> None:
    both = (0, 1)
    assert grad(hypot, argnums=both)(0.0, 0.0) == (0.0, 0.0)
    assert jvp(hypot, (0.0, 0.0), (1.0, -2.0)) == (0.0, 0.0)
    assert vjp(hypot, 0.0, 0.0)[1](1.0) == (0.0, 0.0)
    assert hessian(hypot, argnums=both)(0.0, 0.0) == ((0.0, 0.0), (0.0, 0.0))
    assert grad(grad(grad(hypot)))(0.0, 0.0) == 0.0
    assert grad(hypot3, argnums=(0, 1, 2))(0.0, 0.0, 0.0) == (0.0, 0.0, 0.0)
    assert hessian(norm_of_pair, argnums=both)(0.0, 0.0) == ((0.0, 0.0), (0.0, 0.0))


def test_np_hypot_at_zero_has_zero_derivatives() -> None:
    x, y = np.array([0.0, 3.0]), np.array([0.0, 4.0])
    gx, gy = grad(np_hypot, argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [0.0, 0.6])
    np.testing.assert_array_equal(gy, [0.0, 0.8])
    h = hessian(np_hypot)(x, y)
    assert h[0, 0] == 0.0 and h[0, 1] == 0.0 and h[1, 0] == 0.0
    assert h[1, 1] == pytest.approx(16.0 / 125.0)


@pytest.mark.parametrize("f", [norm, frobenius])
def test_a_zero_norm_has_zero_derivatives_to_second_order(f) -> None:
    x = np.zeros(3) if f is norm else np.zeros((2, 2))
    np.testing.assert_array_equal(grad(f)(x), np.zeros_like(x))
    np.testing.assert_array_equal(hessian(f)(x), np.zeros(x.shape * 2))
    pull = vjp(grad(f), x)[1]
    np.testing.assert_array_equal(pull(np.ones_like(x))[0], np.zeros_like(x))


def test_a_zero_row_has_zero_derivatives_and_the_others_are_exact() -> None:
    x = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]])
    g = grad(row_norms)(x)
    np.testing.assert_array_equal(g[0], 0.0)
    np.testing.assert_allclose(g[1], -2.0 * x[1] / 3.0)
    h = hessian(row_norms)(x).reshape(6, 6)
    np.testing.assert_array_equal(h[:3], 0.0)
    np.testing.assert_array_equal(h[:, :3], 0.0)
    v = x[1]
    want = -2.0 * (np.eye(3) / 3.0 - np.outer(v, v) / 27.0)
    np.testing.assert_allclose(h[3:, 3:], want, rtol=1e-12, atol=1e-15)


def test_the_forms_agree_away_from_zero() -> None:
    x, y = 0.6, -1.3
    both = (0, 1)
    for f in (hypot, norm_of_pair, written_out):
        assert grad(f, argnums=both)(x, y) == pytest.approx((x / math.hypot(x, y),
                                                            y / math.hypot(x, y)))
        check_grads(f, (x, y))
    r = math.hypot(x, y)
    want = np.array([[y * y, -x * y], [-x * y, x * x]]) / r ** 3
    for f in (hypot, norm_of_pair):
        np.testing.assert_allclose(np.array(hessian(f, argnums=both)(x, y)), want, rtol=1e-12)
    check_grads(norm, (np.array([0.3, -1.2, 2.0]),))
    check_grads(row_norms, (np.array([[0.5, 1.0, -2.0], [1.0, 2.0, 2.0]]),))


def test_a_norm_written_out_follows_sqrt_at_zero() -> None:
    # Documented: differentiated as written, sqrt'(0) = inf times 0 is nan.
    gx, gy = grad(written_out, argnums=(0, 1))(0.0, 0.0)
    assert math.isnan(gx) and math.isnan(gy)
