"""An int argument that is not differentiated stays an int wherever the function uses
it: as a length (``np.zeros(n)``, ``np.arange(n)``, ``x.reshape(n, -1)``), in a loop or
branch body, in a called function. Differentiated, or passed as a float, it is a float,
and a length that is a float is a located error, as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from symdiff import UnsupportedSyntaxError, grad, hessian, jvp, value_and_grad, vjp
from tests.frontend import support

pytestmark = pytest.mark.usefixtures("no_disk_cache")

LINES = Path(__file__).read_text(encoding="utf-8").splitlines()


def zeros_plus(x, n):
    return np.sum(np.zeros(n) + x)


def constructors(x, n):
    grid = np.linspace(0.0, 1.0, n) * np.ones((2, n)) + np.full(n, 0.5)
    picked = x[np.arange(n)]
    return np.sum(grid * picked ** 2) + np.sum(np.eye(n) @ picked)


def reshaped(x, n):
    return np.sum(np.sin(x.reshape(n, -1)) * np.arange(n)[:, None])


def in_bodies(x, n):
    s = 0.0
    for i in range(2):
        s += np.sum(np.ones(n) * x * (i + 1))
    if s > 0:
        s = s + np.sum(np.zeros(n - 1) + x[1:])
    return s


def ones_of(n):
    return np.ones(n)


def in_a_helper(x, n):
    return np.sum(ones_of(n) * x ** 2) + np.sum(ones_of(n + 1)[1:] * x)


CASES: list[tuple[Callable[..., Any], np.ndarray, Callable[[np.ndarray], np.ndarray]]] = [
    (zeros_plus, np.array([0.5, -1.0, 2.0]), np.ones_like),
    (constructors, np.array([0.5, -1.0, 2.0]),
     lambda x: x * (2.0 + 4.0 * np.linspace(0.0, 1.0, 3)) + 1.0),
    (reshaped, np.array([0.5, -1.0, 2.0, 0.25, 1.0, -0.75]),
     lambda x: np.cos(x) * np.repeat(np.arange(3.0), 2)),
    (in_bodies, np.array([0.5, -1.0, 2.0]), lambda x: np.array([3.0, 4.0, 4.0])),
    (in_a_helper, np.array([0.5, -1.0, 2.0]), lambda x: 2 * x + 1.0),
]


@pytest.mark.parametrize(("f", "x", "want"), CASES, ids=[c[0].__name__ for c in CASES])
def test_an_int_argument_is_an_int_in_every_transform(
        f: Callable[..., Any], x: np.ndarray, want: Callable[[np.ndarray], np.ndarray]) -> None:
    n = 3
    expected = want(x)
    np.testing.assert_allclose(grad(f)(x, n), expected, rtol=1e-12)
    value, g = value_and_grad(f)(x, n)
    assert value == pytest.approx(f(x, n), rel=1e-12)
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    t = np.linspace(-1.0, 1.0, x.size)
    assert jvp(f, (x, n), (t, 0.0))[1] == pytest.approx(float(expected @ t), rel=1e-12)
    np.testing.assert_allclose(vjp(f, x, n)[1](1.0)[0], expected, rtol=1e-12)
    assert hessian(f)(x, n).shape == x.shape + x.shape


def test_a_float_used_as_a_length_is_still_a_located_error() -> None:
    x = np.array([0.5, -1.0, 2.0])
    line = support.marker_line(LINES, "float length")
    for run in (lambda: grad(float_length)(x, 3.0),
                lambda: grad(float_length, argnums=(0, 1))(x, 3)):
        with pytest.raises(UnsupportedSyntaxError, match="a length must be an int") as info:
            run()
        assert info.value.lineno == line


def float_length(x, n):
    return np.sum(np.zeros(n) + x)  # E:float length
