"""Static arguments (``static_argnums``, ``static_argnames``), as `jax.jit` takes them:
the value is compiled in as a constant, the code is built and cached per value (hash
and equality of the value with its type), and a new value never reuses code built for
another."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import symdiff


def integrate(y0, k, n_steps, method="euler", h=0.1):
    """y' = -k y from y0, n_steps steps of size h by Euler's method or RK4."""
    y = y0
    for _ in range(n_steps):
        if method == "euler":
            y = y + h * (-k * y)
        elif method == "rk4":
            k1 = -k * y
            k2 = -k * (y + 0.5 * h * k1)
            k3 = -k * (y + 0.5 * h * k2)
            k4 = -k * (y + h * k3)
            y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        else:
            raise ValueError("unknown method")
    return y


def euler_dk(y0, k, n, h=0.1):
    """d/dk of Euler's y0 (1 - h k)^n."""
    return -y0 * n * h * (1.0 - h * k) ** (n - 1)


def central(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def test_an_integrator_compiles_its_step_count_and_method_in():
    g = symdiff.grad(integrate, argnums=1, static_argnums=2, static_argnames="method")
    for n in (3, 10, 3, 25):
        assert g(1.0, 0.5, n) == pytest.approx(euler_dk(1.0, 0.5, n))
    rk4 = g(2.0, 0.7, 10, "rk4")
    assert rk4 == pytest.approx(central(lambda k: integrate(2.0, k, 10, "rk4"), 0.7), rel=1e-7)
    assert g(2.0, 0.7, 10, method="rk4") == rk4  # by keyword too
    assert "signatures: (float, float, static:3, static:'euler', float), " in repr(g)
    assert len(g.signatures) == 4  # n = 3, 10, 25 by Euler; 10 by RK4
    # The trip count is a constant of the code, the branch on the method resolved.
    g(1.0, 0.5, 4)
    body = g.source.split('"""')[-1]  # after the function's docstring
    assert "range(4)" in body and "n_steps" not in body and "method" not in body


def test_each_value_is_built_once_and_found_by_equality():
    def stretch(x, shape):
        return np.sum(np.reshape(x, shape)[0] ** 2)

    g = symdiff.grad(stretch, static_argnums=1)
    x = np.arange(6.0)
    for _ in range(3):
        np.testing.assert_allclose(g(x, (2, 3)), [0, 2, 4, 0, 0, 0])
        np.testing.assert_allclose(g(x, tuple([3, 2])), [0, 2, 0, 0, 0, 0])
    assert len(g.signatures) == 2
    assert g(x, (np.int64(2), 3)) is not None and len(g.signatures) == 2  # NumPy's 2 is 2


def test_values_of_other_types_never_share_code():
    def signed(x, s):
        return math.copysign(x, s)

    g = symdiff.grad(signed, static_argnums=1)
    assert (g(1.0, 0.0), g(1.0, -0.0), g(1.0, 0.0)) == (1.0, -1.0, 1.0)

    def scaled(x, n):
        return x * n

    g = symdiff.grad(scaled, static_argnums=1)
    assert (g(1.0, 1), g(1.0, 1.0), g(1.0, True)) == (1.0, 1.0, 1.0)
    assert "signatures: (float, static:1), (float, static:1.0), (float, static:True)>" \
        in repr(g)


def test_a_static_default_is_compiled_in():
    def damped(x, steps=3, rate=0.5):
        for _ in range(steps):
            x = x - rate * x * x
        return x

    g = symdiff.grad(damped, static_argnames=("steps", "rate"))
    assert g(0.3) == pytest.approx(central(damped, 0.3))
    assert g(0.3, 5) == pytest.approx(central(lambda x: damped(x, 5), 0.3))
    assert g(0.3, rate=0.1) == pytest.approx(central(lambda x: damped(x, 3, 0.1), 0.3))
    assert "range(3)" in symdiff.source(damped, args=(0.3, 3, 0.5), static_argnums=(1, 2))


def spring_energy(x, k, shape, periodic):
    """Energy of a grid of springs of stiffness k; `shape` and `periodic` are static."""
    X = np.reshape(x, shape)
    e = k * np.sum((X[1:] - X[:-1]) ** 2)
    if periodic:
        e = e + k * np.sum((X[0] - X[-1]) ** 2)
    return e


X6 = np.array([0.1, -0.4, 0.3, 0.8, -0.2, 0.5])


def numeric_gradient(f, x, eps=1e-5):
    return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)])


@pytest.mark.parametrize("transform", [symdiff.jacfwd, symdiff.jacrev, symdiff.jacobian,
                                       symdiff.hessian])
def test_jacobians_and_hessians_take_static_arguments(transform):
    d = transform(spring_energy, static_argnums=(2, 3))
    for shape, periodic in [((2, 3), True), ((3, 2), False), ((2, 3), False)]:
        def plain(x, shape=shape, periodic=periodic):
            return spring_energy(x, 2.0, shape, periodic)

        got = d(X6, 2.0, shape, periodic)
        if transform is symdiff.hessian:  # the energy is quadratic: differences are exact
            want = np.array([numeric_gradient(lambda x, e=e: numeric_gradient(plain, x) @ e, X6)
                             for e in np.eye(6)])
            np.testing.assert_allclose(got, want, atol=1e-4)
        else:
            np.testing.assert_allclose(got, numeric_gradient(plain, X6), atol=1e-8)
    assert "static_argnums=(2, 3)" in repr(d)


def test_value_and_grad_and_the_jacobian_of_a_static_integrator():
    vg = symdiff.value_and_grad(integrate, argnums=(0, 1), static_argnums=(2, 3))
    value, (d0, d1) = vg(1.0, 0.5, 8, "euler")
    assert value == pytest.approx(0.95 ** 8)
    assert (d0, d1) == (pytest.approx(0.95 ** 8), pytest.approx(euler_dk(1.0, 0.5, 8)))
    jac = symdiff.jacobian(integrate, argnums=(0, 1), static_argnums=(2, 3))
    assert jac(1.0, 0.5, 8, "euler") == (pytest.approx(d0), pytest.approx(d1))


def test_transforms_of_a_derivative_keep_its_static_arguments():
    g = symdiff.grad(integrate, argnums=1, static_argnums=2)
    second = symdiff.grad(g, argnums=1)
    assert second(1.0, 0.5, 6) == pytest.approx(central(lambda k: g(1.0, k, 6), 0.5), rel=1e-6)
    assert symdiff.hessian(integrate, argnums=1, static_argnums=2)(1.0, 0.5, 6) \
        == pytest.approx(second(1.0, 0.5, 6))
    out, tangent = symdiff.jvp(g, (1.0, 0.5, 6), (0.0, 1.0, None))
    assert (out, tangent) == (pytest.approx(g(1.0, 0.5, 6)), pytest.approx(second(1.0, 0.5, 6)))
    out, vjp_fn = symdiff.vjp(g, 1.0, 0.5, 6)
    assert vjp_fn(1.0)[1:] == (pytest.approx(second(1.0, 0.5, 6)), None)
    with pytest.raises(TypeError, match=r"primals\[2\] is static, so tangents\[2\] must be None"):
        symdiff.jvp(g, (1.0, 0.5, 6), (0.0, 1.0, 0.0))


def test_a_pickled_derivative_keeps_its_static_arguments():
    for d in (symdiff.hessian(integrate, argnums=1, static_argnums=2),
              symdiff.jacfwd(integrate, argnums=1, static_argnums=2)):
        back = pickle.loads(pickle.dumps(d))
        assert back(1.0, 0.5, 6) == pytest.approx(d(1.0, 0.5, 6))
        assert "static_argnums=(2,)" in repr(back)


def test_wrong_static_arguments_raise_as_jax_does():
    g = symdiff.grad(spring_energy, static_argnums=(2, 3))
    with pytest.raises(TypeError, match="non-hashable static arguments .* list; pass a tuple"):
        g(X6, 2.0, [2, 3], True)
    with pytest.raises(TypeError, match="argument 'shape' .* a number, a str, a bool, None or "
                                        "a tuple of them, got object"):
        g(X6, 2.0, object(), True)
    with pytest.raises(ValueError, match="'k' \\(position 1\\) cannot be both differentiated"):
        symdiff.grad(spring_energy, argnums=(0, 1), static_argnames="k")
    with pytest.raises(ValueError, match="static_argnames 'size' is not a parameter"):
        symdiff.hessian(spring_energy, static_argnames="size")
    with pytest.raises(ValueError, match="static_argnums 4 is out of range"):
        symdiff.jacfwd(spring_energy, static_argnums=4)
    with pytest.raises(TypeError, match="static_argnums must be an int or a tuple of ints"):
        symdiff.grad(spring_energy, static_argnums="shape")
    with pytest.raises(ValueError, match="pass example args"):
        symdiff.source(spring_energy, static_argnums=2)
