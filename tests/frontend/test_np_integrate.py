"""np.trapezoid: the trapezoidal rule as NumPy computes it, in every mode and to second
order; with spacing `dx`, with sample points `x` (1-D or shaped as `y`), along any axis."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff.testing import check_grads

rng = np.random.default_rng(7)


def arc_length(y: np.ndarray, t: np.ndarray) -> float:
    """Length of the curve (t, y(t)) sampled at t, by the trapezoidal rule."""
    slope = np.diff(y) / np.diff(t)
    return np.trapezoid(np.sqrt(1.0 + slope ** 2), t[1:])


def energy(u: np.ndarray, h: float) -> float:
    """A discretised Dirichlet energy: the integral of u'^2 / 2 over a uniform grid."""
    du = np.diff(u) / h
    return np.trapezoid(0.5 * du ** 2, dx=h)


def column_integrals(Y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.trapezoid(Y * Y, x, axis=0)


def row_integrals(Y: np.ndarray, X: np.ndarray) -> np.ndarray:
    return np.trapezoid(np.sin(Y), x=X, axis=-1)


def test_values_are_numpy_s() -> None:
    y, t = rng.normal(size=6), np.sort(rng.uniform(0.0, 2.0, size=6))
    Y, X = rng.normal(size=(3, 5)), np.cumsum(rng.uniform(0.1, 1.0, size=(3, 5)), axis=1)
    x = np.linspace(0.0, 1.0, 3)
    for fn, args in ((arc_length, (y, t)), (energy, (y, 0.3)),
                     (column_integrals, (Y[:, :3].T, x)), (row_integrals, (Y, X))):
        got = symdiff.value_and_grad(fn)(*args)[0] if np.ndim(fn(*args)) == 0 else \
            symdiff.jvp(fn, args, tuple(np.zeros_like(np.asarray(a)) if np.ndim(a) else 0.0
                                         for a in args))[0]
        np.testing.assert_allclose(got, fn(*args), rtol=1e-13)


def test_arc_length_in_y_and_in_the_sample_points() -> None:
    y, t = rng.normal(size=6), np.sort(rng.uniform(0.0, 2.0, size=6))
    check_grads(arc_length, (y, t), order=2)


def test_spacing_is_differentiated_as_a_number() -> None:
    u = rng.normal(size=7)
    check_grads(energy, (u, 0.3), order=2)
    # energy = sum(w * diff(u)^2) / (2 h), the end samples weighted 1/2: its derivative
    # in h is -sum(w * diff(u)^2) / (2 h^2).
    d2 = np.diff(u) ** 2
    w = np.ones_like(d2)
    w[[0, -1]] = 0.5
    g = symdiff.grad(energy, argnums=1)(u, 0.3)
    assert g == pytest.approx(-np.sum(w * d2) / (2 * 0.3 ** 2), rel=1e-12)


def test_along_an_axis_with_1d_or_full_sample_points() -> None:
    Y, x = rng.normal(size=(3, 4)), np.array([0.0, 0.5, 1.5])
    check_grads(column_integrals, (Y, x), order=2)
    Z, X = rng.normal(size=(2, 5)), np.cumsum(rng.uniform(0.1, 1.0, size=(2, 5)), axis=1)
    check_grads(row_integrals, (Z, X), order=2)
    jac = symdiff.jacrev(column_integrals)(Y, x)
    assert jac.shape == (4, 3, 4)


def test_a_number_is_refused_where_it_is_written() -> None:
    def bad(a: float) -> float:
        return np.trapezoid(a)

    with pytest.raises(symdiff.UnsupportedSyntaxError, match="np.trapezoid takes an array"):
        symdiff.grad(bad)(1.0)
