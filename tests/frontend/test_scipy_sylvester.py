"""scipy.linalg.sqrtm, solve_sylvester (`ir.sylvester`) and solve_banded
(`frontend.scipy_linalg`): values are SciPy's, derivatives agree with central
differences in both modes to second order (third for sqrtm), and the derivative of
sqrtm solves the Sylvester equation it should."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import UnsupportedSyntaxError, grad
from symdiff.testing import check_grads

linalg = pytest.importorskip("scipy.linalg")

pytestmark = pytest.mark.usefixtures("no_disk_cache")

BOTH = ("fwd", "rev")
RNG = np.random.default_rng(11)


def root_of_spd(a):  # type: ignore[no-untyped-def]
    return linalg.sqrtm((a + a.T) / 2 + 3.0 * np.eye(3))


def sylvester(a, b, q):  # type: ignore[no-untyped-def]
    return linalg.solve_sylvester(a, b, q)


def tridiagonal(ab, b):  # type: ignore[no-untyped-def]
    return linalg.solve_banded((1, 1), ab, b)


def lower_band(ab, b):  # type: ignore[no-untyped-def]
    return linalg.solve_banded((2, 0), ab, b)


SQUARE = RNG.normal(size=(3, 3))
CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (root_of_spd, (SQUARE,)),
    (sylvester, (RNG.normal(size=(3, 3)) + 3 * np.eye(3), RNG.normal(size=(3, 3)) + 3 * np.eye(3),
                 RNG.normal(size=(3, 3)))),
    (sylvester, (RNG.normal(size=(2, 2)) + 3 * np.eye(2), RNG.normal(size=(4, 4)) + 3 * np.eye(4),
                 RNG.normal(size=(2, 4)))),
    (tridiagonal, (RNG.normal(size=(3, 5)) + np.array([[0.0], [4.0], [0.0]]),
                   RNG.normal(size=5))),
    (lower_band, (RNG.normal(size=(3, 4)) + np.array([[4.0], [0.0], [0.0]]),
                  RNG.normal(size=(4, 2)))),
]


@pytest.mark.parametrize(("fn", "args"), CASES,
                         ids=["sqrtm", "sylvester", "sylvester_rect", "tridiagonal", "band"])
def test_values_and_derivatives(fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    out, _ = symdiff.jvp(fn, args, args)
    np.testing.assert_allclose(out, fn(*args), rtol=1e-12, atol=1e-14)
    check_grads(fn, args, order=2, modes=BOTH)


def test_the_derivative_of_sqrtm_solves_its_sylvester_equation() -> None:
    a = SQUARE @ SQUARE.T + np.eye(3)
    direction = RNG.normal(size=(3, 3))
    root, tangent = symdiff.jvp(linalg.sqrtm, (a,), (direction,))
    np.testing.assert_allclose(root @ tangent + tangent @ root, direction, atol=1e-12)
    check_grads(lambda a: np.sum(root_of_spd(a) ** 2), (SQUARE,), order=3)


def whitening_loss(cov, x):  # type: ignore[no-untyped-def]
    """The squared norm of data whitened by the inverse square root of a covariance."""
    half = linalg.sqrtm(cov @ cov.T + np.eye(3))
    white = np.linalg.solve(half, x)
    return np.sum(white ** 2)


def test_a_whitening_loss() -> None:
    cov, x = RNG.normal(size=(3, 3)), RNG.normal(size=(3, 4))
    value, _ = symdiff.value_and_grad(whitening_loss)(cov, x)
    assert value == pytest.approx(whitening_loss(cov, x), rel=1e-12)
    check_grads(whitening_loss, (cov, x), order=2, modes=BOTH)


def band_counts_from_a_parameter(ab, b, lower):  # type: ignore[no-untyped-def]
    return linalg.solve_banded((lower, 1), ab, b)


def stack(a):  # type: ignore[no-untyped-def]
    return linalg.sqrtm(a[None])


@pytest.mark.parametrize(("fn", "args", "message"), [
    (band_counts_from_a_parameter, (np.ones((3, 4)), np.ones(4), 1.0),
     r"takes \(l, u\), two constant whole numbers"),
    (stack, (np.eye(2),), "stack of matrices"),
])
def test_unsupported_calls_are_located_errors(fn: Callable[..., Any], args: tuple[Any, ...],
                                              message: str) -> None:
    with pytest.raises(UnsupportedSyntaxError, match=message) as info:
        grad(lambda *a: np.sum(fn(*a)))(*args)
    assert f"line {fn.__code__.co_firstlineno + 1}" in str(info.value)


def test_a_band_of_the_wrong_height_raises_as_scipy_does() -> None:
    ab, b = np.ones((2, 4)), np.ones(4)
    with pytest.raises(ValueError):
        tridiagonal(ab, b)
    with pytest.raises(ValueError, match="number of lower and upper diagonals"):
        grad(lambda ab, b: np.sum(tridiagonal(ab, b)))(ab, b)
