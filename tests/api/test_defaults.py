"""Parameters with defaults: every transform takes calls that leave them out, as the
function itself does (and as JAX does: primals are positional, the defaults fill the
rest and are not differentiated)."""

from __future__ import annotations

import numpy as np
import pytest

from symdiff import grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp


def scaled(x, a=2.0):
    return x * a


def energy(x, a=2.0):
    return np.sum(x * x) * a


def power(x, k=3):
    return x ** k


@pytest.mark.parametrize("transform", [jacobian, jacfwd, jacrev])
def test_jacobians_fill_in_defaults(transform) -> None:
    np.testing.assert_array_equal(transform(scaled)(np.ones(3)), 2.0 * np.eye(3))
    np.testing.assert_array_equal(transform(scaled)(np.ones(3), 3.0), 3.0 * np.eye(3))
    np.testing.assert_array_equal(transform(scaled)(np.ones(3), a=0.5), 0.5 * np.eye(3))
    assert transform(scaled)(1.5) == 2.0
    assert transform(lambda x, a=2.0: x * a)(1.5) == 2.0


def test_jvp_fills_in_defaults_without_tangents() -> None:
    assert jvp(scaled, (1.5,), (1.0,)) == (3.0, 2.0)
    value, tangent = jvp(scaled, (np.ones(3),), (np.arange(3.0),))
    np.testing.assert_array_equal(value, 2.0 * np.ones(3))
    np.testing.assert_array_equal(tangent, 2.0 * np.arange(3.0))
    assert jvp(scaled, (1.5, 3.0), (1.0, 1.0)) == (4.5, 4.5)  # given: differentiated
    assert jvp(power, (2.0,), (1.0,)) == (8.0, 12.0)  # an int default stays an int


def test_vjp_fills_in_defaults_and_gives_a_cotangent_per_primal_given() -> None:
    out, vjp_fn = vjp(scaled, 1.5)
    assert out == 3.0
    assert vjp_fn(1.0) == (2.0,)
    out, vjp_fn = vjp(scaled, 1.5, 3.0)
    assert vjp_fn(1.0) == (3.0, 1.5)


def test_hvp_and_hessian_fill_in_defaults() -> None:
    x, v = np.array([1.0, 2.0]), np.array([1.0, -1.0])
    np.testing.assert_array_equal(hvp(energy, (x,), (v,)), 4.0 * v)
    np.testing.assert_array_equal(hessian(energy)(x), 4.0 * np.eye(2))
    assert hvp(lambda y, a=2.0: y * y * a, (1.0,), (1.0,)) == 4.0


def test_grad_fills_in_defaults() -> None:
    np.testing.assert_array_equal(grad(energy)(np.ones(2)), 4.0 * np.ones(2))
    assert value_and_grad(scaled)(1.5) == (3.0, 2.0)


def test_a_missing_argument_without_default_is_named() -> None:
    def two(x, y, a=2.0):
        return x * y * a

    with pytest.raises(TypeError, match=r"jvp of 'two': missing argument 'y' \(position 1\)"):
        jvp(two, (1.0,), (1.0,))
    with pytest.raises(TypeError, match=r"vjp of 'two': missing argument 'y'"):
        vjp(two, 1.0)
    with pytest.raises(TypeError, match=r"jacobian of 'two': missing argument 'y'"):
        jacobian(two)(1.0)
    with pytest.raises(TypeError, match=r"'two' takes 3 positional arguments, got 4"):
        jvp(two, (1.0,) * 4, (1.0,) * 4)
