"""Functions with ``*args``: every transform takes one, per number of positional
arguments a call passes, `argnums` counting them as JAX does; keyword arguments reach
the parameters that are not differentiated."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import symdiff
from symdiff.errors import UnsupportedSyntaxError
from symdiff.testing import check_grads

W1 = np.array([[0.1, -0.2, 0.3], [0.4, 0.0, -0.1]])
W2 = np.array([0.5, -1.0])
X = np.array([[1.0, 0.5, -0.5], [0.2, 0.1, 0.3], [-0.4, 0.8, 0.0]])


def l2(*params):
    """Weight decay over any number of parameter arrays, of any shapes."""
    return sum(np.sum(p ** 2) for p in params)


def network_loss(X, *weights, decay=0.0):
    """A small network's mean squared activation plus weight decay: the layers are
    the positional arguments after X."""
    h = X
    for W in weights:
        h = np.tanh(h @ W.T) if W.ndim == 2 else h @ W
    return np.mean(h ** 2) + decay * l2(*weights)


def test_grad_of_a_function_of_any_number_of_arrays():
    g1, g2 = symdiff.grad(l2, argnums=(0, 1))(W1, W2)
    np.testing.assert_allclose(g1, 2 * W1)
    np.testing.assert_allclose(g2, 2 * W2)
    np.testing.assert_allclose(symdiff.grad(l2)(W2), 2 * W2)
    three = symdiff.grad(l2, argnums=2)(W1, W2, 3.0)
    assert three == pytest.approx(6.0) and isinstance(three, float)
    value, g = symdiff.value_and_grad(l2, argnums=1)(W1, W2)
    assert value == pytest.approx(np.sum(W1 ** 2) + np.sum(W2 ** 2))
    np.testing.assert_allclose(g, 2 * W2)
    text = symdiff.source(l2, args=(W1, W2))
    assert "def l2_grad(params_0, params_1):" in text


def test_every_transform_of_a_variadic_function():
    np.testing.assert_allclose(symdiff.hessian(l2)(W2, W1), 2 * np.eye(2))
    np.testing.assert_allclose(symdiff.jacfwd(l2, argnums=1)(W1, W2), 2 * W2)
    np.testing.assert_allclose(symdiff.jacrev(l2)(W2), 2 * W2)
    out, tangent = symdiff.jvp(l2, (W1, W2), (W1, W2))
    assert tangent == pytest.approx(2 * out)
    out, vjp_fn = symdiff.vjp(l2, W1, W2)
    np.testing.assert_allclose(vjp_fn(0.5)[1], W2)
    np.testing.assert_allclose(symdiff.hvp(l2, (W2, W1), (W2, W1)), 2 * W2)
    assert "reverse (grad)" in str(symdiff.cost(l2, W1, W2))
    # A transform of a transform: d/da (3 a^2 b) = 6 a b.
    assert symdiff.grad(symdiff.grad(lambda *a: a[0] ** 3 * a[1]))(2.0, 3.0) == \
        pytest.approx(36.0)


def test_keyword_arguments_and_parameters_before_star_args():
    decay = 0.1
    g1, g2 = symdiff.grad(network_loss, argnums=(1, 2))(X, W1, W2, decay=decay)
    check_grads(lambda a, b: network_loss(X, a, b, decay=decay), (W1, W2), order=2)
    h = np.tanh(X @ W1.T)
    out = h @ W2
    np.testing.assert_allclose(g2, 2 * out @ h / len(out) + 2 * decay * W2)
    assert g1.shape == W1.shape
    # One layer: a different number of positional arguments, compiled apart.
    one = symdiff.grad(network_loss, argnums=1)
    np.testing.assert_allclose(one(X, W1[:, :3]), symdiff.grad(
        lambda X, W: network_loss(X, W), argnums=1)(X, W1[:, :3]))
    np.testing.assert_allclose(one(X, W1, W2, decay=decay), g1)


def test_a_variadic_derivative_pickles_and_names_its_counts():
    g = symdiff.grad(l2, argnums=(0, 1))
    g(W1, W2)
    assert "(*args)" in repr(g) and "[2]" in repr(g)
    again = pickle.loads(pickle.dumps(g))
    np.testing.assert_allclose(again(W1, W2)[1], 2 * W2)


def test_loops_over_tuples_of_arrays_are_unrolled():
    def two(x, y):
        s = 0.0
        for i, v in enumerate((x, y)):
            s = s + (i + 1) * np.sum(v ** 2)
        for a, b in zip((x, y), (y, x), strict=True):
            s = s + np.sum(a) * np.sum(b)
        return s

    x, y = np.array([1.0, 2.0]), np.array([0.5, -1.0, 3.0])
    gx, gy = symdiff.grad(two, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, 2 * x + 2 * np.sum(y))
    np.testing.assert_allclose(gy, 4 * y + 2 * np.sum(x))
    check_grads(two, (x, y), order=2)

    def early(*xs):
        for v in xs:
            if np.sum(v) > 0:
                break
        return np.sum(xs[0])

    with pytest.raises(UnsupportedSyntaxError, match="break inside a loop over"):
        symdiff.grad(early)(x, y)


def weighted(scale, *xs, power=2):
    """`scale` times the sum of each array's entries to the `power`."""
    return scale * sum(np.sum(x ** power) for x in xs)


def test_static_argnums_count_the_call_arguments_as_jax_does():
    g = symdiff.grad(weighted, argnums=1, static_argnums=0)
    np.testing.assert_allclose(g(3.0, W2, W1), 6 * W2)
    np.testing.assert_allclose(g(0.5, W2), W2)
    again = pickle.loads(pickle.dumps(g))
    np.testing.assert_allclose(again(3.0, W2), 6 * W2)
    np.testing.assert_allclose(
        symdiff.jacfwd(weighted, argnums=2, static_argnums=0)(2.0, W2, W2), 4 * W2)
    np.testing.assert_allclose(
        symdiff.hessian(weighted, argnums=1, static_argnums=0)(2.0, W2), 4 * np.eye(2))


def test_partials_and_bound_methods_of_variadic_functions():
    import functools

    half = functools.partial(weighted, 0.5)  # argnums count past the bound scale
    np.testing.assert_allclose(symdiff.grad(half)(W2, W1), W2)
    np.testing.assert_allclose(symdiff.grad(half, argnums=1)(W2, W1), W1)
    np.testing.assert_allclose(symdiff.hessian(half)(W2), np.eye(2))
    np.testing.assert_allclose(symdiff.jvp(half, (W2,), (W2,))[1], np.sum(W2 ** 2))
    np.testing.assert_allclose(symdiff.vjp(half, W2, W1)[1](1.0)[1], W1)
    v = np.array([1.0, -2.0])
    np.testing.assert_allclose(symdiff.hvp(half, (W2,), (v,)), v)

    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def penalty(self, *weights):
            return self.rate * sum(np.sum(w ** 2) for w in weights)

    decay = Decay(0.1)
    g1, g2 = symdiff.grad(decay.penalty, argnums=(0, 1))(W1, W2)
    np.testing.assert_allclose(g1, 0.2 * W1)
    np.testing.assert_allclose(g2, 0.2 * W2)


def test_pytrees_passed_through_star_args():
    def layers_l2(*layers):
        return sum(np.sum(layer["w"] ** 2) + layer["b"] ** 2 for layer in layers)

    a, b = {"w": W2, "b": 1.0}, {"w": W1, "b": -2.0}
    ga, gb = symdiff.grad(layers_l2, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga["w"], 2 * W2)
    np.testing.assert_allclose(gb["w"], 2 * W1)
    assert ga["b"] == pytest.approx(2.0) and gb["b"] == pytest.approx(-4.0)
