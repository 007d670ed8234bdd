"""symdiff's transforms called inside a differentiated function, as JAX and autograd
allow: ``grad(f)(x)``, ``value_and_grad``, ``jvp`` and ``hvp`` are lowered into the outer
program, so the outer derivative is a higher derivative of the same graph."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff import grad, hessian, hvp, jvp, value_and_grad
from symdiff.errors import UnsupportedSyntaxError
from symdiff.testing import check_grads


def potential(q):
    """A pendulum chain's potential: springs plus gravity."""
    return 0.5 * np.sum(np.diff(q) ** 2) - np.sum(np.cos(q))


def work(q, dq):
    """The work of the conservative force along a displacement: -grad(V) . dq."""
    force = -grad(potential)(q)
    return np.sum(force * dq)


def springs(n):
    S = 2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)
    S[0, 0] = S[-1, -1] = 1.0
    return S


def reference_hessian(q):
    return springs(len(q)) + np.diag(np.cos(q))


def test_a_force_from_grad_inside_a_function_of_it():
    q, dq = np.array([0.3, -0.7, 1.1]), np.array([1.0, 2.0, -0.5])
    H = reference_hessian(q)
    force = -(springs(3) @ q + np.sin(q))
    assert work(q, dq) == pytest.approx(force @ dq)
    np.testing.assert_allclose(grad(work)(q, dq), -H @ dq)
    np.testing.assert_allclose(grad(work, argnums=1)(q, dq), force)
    np.testing.assert_allclose(hessian(work, argnums=1)(q, dq), np.zeros((3, 3)))
    check_grads(work, (q, dq), order=2)
    # The inner gradient is part of the outer program: no call of grad remains.
    text = symdiff.source(work, args=(q, dq))
    assert "grad(" not in text.split('"""')[-1]


def newton_step(x):
    """One Newton step for a root of f' (a minimum of f), with both derivatives taken
    inside."""
    def f(z):
        return z ** 4 - 3.0 * z
    return x - grad(f)(x) / grad(grad(f))(x)


def test_newton_step_with_first_and_second_derivatives_inside():
    x = 1.3
    # x - (4x^3 - 3) / (12x^2) = 2x/3 + 1/(4x^2); its derivative 2/3 - 1/(2x^3)
    assert newton_step(x) == pytest.approx(2 * x / 3 + 1 / (4 * x * x))
    assert grad(newton_step)(x) == pytest.approx(2 / 3 - 1 / (2 * x ** 3))
    assert hessian(newton_step)(x) == pytest.approx(3 / (2 * x ** 4))
    check_grads(newton_step, (x,), order=3)


def test_no_perturbation_confusion():
    # d/dx [d/dy (x * y)] at y = x is d/dx x = 1, not 2 (the inner derivative holds x).
    assert grad(lambda x: grad(lambda y: x * y)(x))(1.5) == pytest.approx(1.0)

    def outer(x):
        return grad(lambda y: (x + y) ** 2)(2.0 * x)

    # d/dy (x + y)^2 = 2(x + y), at y = 2x: 6x; d/dx: 6.
    assert grad(outer)(0.7) == pytest.approx(6.0)


def test_value_and_grad_and_argnums_inside():
    def combined(x, y):
        v, (gx, gy) = value_and_grad(lambda a, b: a * a * b, argnums=(0, 1))(x, y)
        return v + gx * gy

    # v + 2ab * a^2 = a^2 b + 2 a^3 b
    assert grad(combined, argnums=(0, 1))(1.5, 2.0) == pytest.approx(
        (2 * 1.5 * 2.0 + 6 * 1.5 ** 2 * 2.0, 1.5 ** 2 + 2 * 1.5 ** 3))
    check_grads(combined, (1.5, 2.0), order=2)

    def by_name(x):
        slope = grad(lambda a, b: a * b ** 2, argnums=1)
        return slope(x, 3.0) * x

    assert grad(by_name)(2.0) == pytest.approx(2 * 2 * 3.0 * 2.0)


def curvature_penalty(w, v):
    """A loss with a Hessian-vector product of another loss inside (as sharpness-aware
    training takes it), and the JVP of a nonlinearity."""
    hv = hvp(potential, (w,), (v,))
    out, slope = jvp(lambda z: np.tanh(z) * z, (w,), (v,))
    return np.sum(hv * v) + np.sum(out * slope)


def test_hvp_and_jvp_inside():
    w, v = np.array([0.4, -0.2, 0.9]), np.array([1.0, 0.5, -1.0])
    value = curvature_penalty(w, v)
    t = np.tanh(w)
    assert value == pytest.approx(v @ reference_hessian(w) @ v
                                  + np.sum(t * w * (1 - t * t) * w * v + t * v * t * w))
    check_grads(curvature_penalty, (w, v), order=2)
    g = grad(curvature_penalty)(w, v)
    assert g.shape == (3,)


def test_a_loop_and_a_check_in_the_function_a_transform_takes():
    def horner_slope(x):
        def p(z):
            if z < -10.0:
                raise ValueError("out of range")
            s = 0.0
            for c in (1.0, 2.0, 3.0):
                s = s * z + c
            return s
        return grad(p)(x) * x

    # p = z^2 + 2z + 3, p' = 2z + 2, x p'(x) = 2x^2 + 2x
    assert grad(horner_slope)(0.7) == pytest.approx(4 * 0.7 + 2)
    assert jvp(horner_slope, (0.7,), (1.0,)) == pytest.approx((2 * 0.49 + 1.4, 4 * 0.7 + 2))
    with pytest.raises(ValueError, match="out of range"):
        grad(horner_slope)(-11.0)


def test_other_transforms_and_outside_derivatives_are_located():
    def jacobian_inside(x):
        return np.sum(symdiff.jacfwd(potential)(x))

    g = grad(potential)

    def outside(x):
        return np.sum(g(x))

    def with_aux(x):
        return grad(lambda z: (z * z, z), has_aux=True)(x)[0]

    cases = [(jacobian_inside, "symdiff.jacfwd inside a differentiated function"),
             (outside, "'g' is a symdiff derivative made outside"),
             (with_aux, "has_aux=True. inside")]
    for f, words in cases:
        with pytest.raises(UnsupportedSyntaxError, match=words):
            grad(f)(np.ones(3) if f is not with_aux else 1.0)


class Chain:
    """A spring chain whose methods differentiate its own energy."""

    def __init__(self, stiffness):
        self.stiffness = stiffness

    def energy(self, q):
        return 0.5 * self.stiffness * np.sum(np.diff(q) ** 2) - np.sum(np.cos(q))

    def power(self, q, v):
        return np.sum(-grad(self.energy)(q) * v)


def test_a_transform_of_a_method_inside_a_bound_method():
    chain = Chain(2.0)
    q, v = np.array([0.1, -0.3, 0.4]), np.array([1.0, 0.5, -0.2])
    np.testing.assert_allclose(grad(chain.power, argnums=1)(q, v),
                               -grad(chain.energy)(q))
    check_grads(lambda q: chain.power(q, v), (q,), order=1)
