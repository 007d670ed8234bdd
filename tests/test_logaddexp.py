"""``np.logaddexp``: an elementwise operation added as one record (`ir.scalars`), checked
end to end on numbers and arrays, in both modes and to second order, against finite
differences."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff.testing import check_grads


def softplus_mix(x: float, y: float) -> float:
    return np.logaddexp(x, 2.0 * y) * np.logaddexp(0.0, x - y)


def log_sum_pairs(x: np.ndarray, y: np.ndarray) -> float:
    return np.sum(np.logaddexp(x, y) * x)


@pytest.mark.parametrize("point", [(0.3, -1.2), (-4.0, 2.5), (30.0, -20.0)])
def test_numbers_in_both_modes_to_second_order(point: tuple[float, float]) -> None:
    check_grads(softplus_mix, point, modes=("fwd", "rev"), order=2)


def _central(f, x, y, h=1e-6):  # type: ignore[no-untyped-def]
    gx, gy = np.zeros_like(x), np.zeros_like(y)
    for g, arg in ((gx, 0), (gy, 1)):
        for i in range(g.size):
            e = np.zeros(g.size)
            e[i] = h
            plus = (x + e, y) if arg == 0 else (x, y + e)
            minus = (x - e, y) if arg == 0 else (x, y - e)
            g[i] = (f(*plus) - f(*minus)) / (2 * h)
    return gx, gy


def test_arrays_in_both_modes() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=4), rng.normal(size=4)
    want = _central(log_sum_pairs, x, y)
    got = symdiff.grad(log_sum_pairs, argnums=(0, 1))(x, y)  # reverse mode
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)
    u, v = rng.normal(size=4), rng.normal(size=4)
    _, tangent = symdiff.jvp(log_sum_pairs, (x, y), (u, v))  # forward mode
    assert tangent == pytest.approx(want[0] @ u + want[1] @ v, rel=1e-6)


def test_emitted_as_numpy_for_numbers_and_arrays() -> None:
    text = symdiff.source(softplus_mix)
    assert "np.logaddexp(x, 2.0 * y)" in text and "math.exp(" in text
    assert "np.logaddexp(x, y)" in symdiff.source(log_sum_pairs,
                                                  args=(np.zeros(3), np.zeros(3)))
