"""Where static arguments, partials and methods meet pytrees: a bound method or partial
whose bound data is a dict of arrays, an object holding one, static arguments beside
pytree parameters, and argnums counted past a partial's bound arguments."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import symdiff
from symdiff.testing import check_grads

RNG = np.random.default_rng(11)
X = RNG.normal(size=(6, 3))
Y = RNG.normal(size=6)
PARAMS = {"W1": RNG.normal(size=(3, 4)), "b1": np.zeros(4), "w2": RNG.normal(size=4),
          "b2": 0.1}


def mlp_loss(params, X, y):
    h = np.tanh(X @ params["W1"] + params["b1"])
    return np.mean((h @ params["w2"] + params["b2"] - y) ** 2)


def data_first(X, params, y):
    return mlp_loss(params, X, y)


def tree_allclose(got, want):
    assert type(got) is type(want)
    if isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            tree_allclose(got[k], want[k])
    elif isinstance(want, tuple | list):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            tree_allclose(g, w)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


class Regressor:
    """A small network whose weights are a dict attribute, as such classes are written."""

    def __init__(self, params, l2):
        self.params = params
        self.l2 = l2

    def predict(self, X):
        p = self.params
        return np.tanh(X @ p["W1"] + p["b1"]) @ p["w2"] + p["b2"]

    def loss(self, X, y):
        penalty = sum(np.sum(v ** 2) for v in self.params.values())
        return np.mean((self.predict(X) - y) ** 2) + self.l2 * penalty

    def loss_of(self, params, X, y):
        return mlp_loss(params, X, y) + self.l2 * np.sum(params["W1"] ** 2)


def test_an_attribute_holding_a_dict_of_arrays_is_data_read_each_call():
    model = Regressor(dict(PARAMS), 0.01)
    dloss = symdiff.grad(model.loss)  # with respect to X
    check_grads(model.loss, (X, Y), order=2)
    jac = symdiff.jacrev(model.predict)(X)
    np.testing.assert_allclose(jac, symdiff.jacfwd(model.predict)(X))
    first = dloss(X, Y)
    model.params["w2"] = 2.0 * model.params["w2"]  # changed in place: read afresh
    again = Regressor(model.params, 0.01)
    np.testing.assert_allclose(dloss(X, Y), symdiff.grad(again.loss)(X, Y))
    assert not np.allclose(dloss(X, Y), first)
    model.params = {**model.params, "b3": np.ones(1)}  # another structure: new code
    want = symdiff.grad(Regressor(model.params, 0.01).loss)(X, Y)
    np.testing.assert_allclose(dloss(X, Y), want)


def test_a_method_taking_a_pytree_differentiates_it_after_self():
    model = Regressor(PARAMS, 0.01)
    grads = symdiff.grad(model.loss_of)(PARAMS, X, Y)
    want = symdiff.grad(lambda p, X, y: mlp_loss(p, X, y) + 0.01 * np.sum(p["W1"] ** 2))(
        PARAMS, X, Y)
    tree_allclose(grads, want)
    value, again = symdiff.value_and_grad(model.loss_of)(PARAMS, X, Y)
    assert value == pytest.approx(model.loss_of(PARAMS, X, Y), rel=1e-12)
    tree_allclose(again, grads)
    hess = symdiff.hessian(model.loss_of)(PARAMS, X, Y)
    assert hess["W1"]["w2"].shape == (3, 4, 4)
    check_grads(model.loss_of, (PARAMS, X, Y), order=2)
    # argnums=(0, 1) counts after self: the params and X
    gp, gx = symdiff.grad(model.loss_of, argnums=(0, 1))(PARAMS, X, Y)
    tree_allclose(gp, grads)
    np.testing.assert_allclose(gx, symdiff.grad(model.loss_of, argnums=1)(PARAMS, X, Y))


def test_a_partial_binding_a_pytree_passes_it_as_data():
    config = {"X": X, "y": Y, "l2": 0.05}

    def ridge(w, data):
        r = data["X"] @ w - data["y"]
        return np.mean(r ** 2) + data["l2"] * np.sum(w ** 2)

    loss = functools.partial(ridge, data=config)
    w = RNG.normal(size=3)
    want = 2.0 * X.T @ (X @ w - Y) / len(Y) + 0.1 * w
    np.testing.assert_allclose(symdiff.grad(loss)(w), want)
    np.testing.assert_allclose(symdiff.hessian(loss)(w),
                               2.0 * X.T @ X / len(Y) + 0.1 * np.eye(3))
    v = np.array([0.5, -1.0, 2.0])
    assert symdiff.jvp(loss, (w,), (v,))[1] == pytest.approx(want @ v, rel=1e-12)
    np.testing.assert_allclose(symdiff.vjp(loss, w)[1](1.0)[0], want)
    config["l2"] = 0.0  # the bound dict is read afresh on each call
    np.testing.assert_allclose(symdiff.grad(loss)(w), 2.0 * X.T @ (X @ w - Y) / len(Y))


def test_a_partial_binding_the_params_differentiates_the_data():
    loss = functools.partial(mlp_loss, PARAMS)
    np.testing.assert_allclose(symdiff.grad(loss)(X, Y),
                               symdiff.grad(mlp_loss, argnums=1)(PARAMS, X, Y))
    check_grads(loss, (X, Y), order=2)
    dx = RNG.normal(size=X.shape)
    _, tangent = symdiff.jvp(loss, (X, Y), (dx, np.zeros(6)))
    assert tangent == pytest.approx(np.sum(symdiff.grad(loss)(X, Y) * dx), rel=1e-10)
    zeros = {"W1": np.zeros((3, 4)), "b1": np.zeros(4), "w2": np.zeros(4), "b2": 0.0}
    np.testing.assert_allclose(
        symdiff.hvp(loss, (X, Y), (dx, np.zeros(6))),
        symdiff.hvp(mlp_loss, (PARAMS, X, Y), (zeros, dx, np.zeros(6)), argnums=1))


def test_argnums_after_a_partial_count_past_its_bound_arguments_and_pytree_leaves():
    loss = functools.partial(data_first, X)  # takes (params, y)
    grads = symdiff.grad(loss)(PARAMS, Y)
    tree_allclose(grads, symdiff.grad(mlp_loss)(PARAMS, X, Y))
    # argnums=1 is y: the position after the pytree, not the pytree's second leaf
    np.testing.assert_allclose(symdiff.grad(loss, argnums=1)(PARAMS, Y),
                               symdiff.grad(mlp_loss, argnums=2)(PARAMS, X, Y))
    gp, gy = symdiff.grad(loss, argnums=(0, 1))(PARAMS, Y)
    tree_allclose(gp, grads)
    np.testing.assert_allclose(gy, symdiff.grad(mlp_loss, argnums=2)(PARAMS, X, Y))
    jac = symdiff.jacrev(loss, argnums=1)(PARAMS, Y)
    np.testing.assert_allclose(jac, symdiff.jacfwd(loss, argnums=1)(PARAMS, Y))
    hess = symdiff.hessian(loss, argnums=1)(PARAMS, Y)
    np.testing.assert_allclose(hess, 2.0 * np.eye(6) / 6)


def integrate(params, state, n_steps, method="euler"):
    """A damped oscillator's position after n_steps, its constants a dict."""
    x, v = state
    h = params["dt"]
    for _ in range(n_steps):
        a = -params["k"] * x - params["c"] * v
        if method == "euler":
            x, v = x + h * v, v + h * a
        else:  # semi-implicit
            v = v + h * a
            x = x + h * v
    return x


OSC = {"k": 2.0, "c": 0.3, "dt": 0.05}


@pytest.mark.parametrize("method", ["euler", "symplectic"])
def test_static_arguments_beside_a_pytree_of_numbers(method):
    kw = {"static_argnums": 2, "static_argnames": "method"}
    grads = symdiff.grad(integrate, **kw)(OSC, (1.0, 0.0), 20, method)
    assert list(grads) == ["k", "c", "dt"]
    eps = 1e-6
    for key in OSC:
        up, down = dict(OSC), dict(OSC)
        up[key] += eps
        down[key] -= eps
        fd = (integrate(up, (1.0, 0.0), 20, method)
              - integrate(down, (1.0, 0.0), 20, method)) / (2 * eps)
        assert grads[key] == pytest.approx(fd, rel=1e-6)
    value, again = symdiff.value_and_grad(integrate, **kw)(OSC, (1.0, 0.0), 20, method)
    assert value == pytest.approx(integrate(OSC, (1.0, 0.0), 20, method), rel=1e-14)
    tree_allclose(again, grads)
    hess = symdiff.hessian(integrate, **kw)(OSC, (1.0, 0.0), 20, method)
    assert hess["k"]["c"] == pytest.approx(hess["c"]["k"], rel=1e-9)
    jac = symdiff.jacfwd(integrate, **kw)(OSC, (1.0, 0.0), 20, method)
    tree_allclose(jac, symdiff.jacrev(integrate, **kw)(OSC, (1.0, 0.0), 20, method))


def conv_net(params, X, shape):
    """A layer whose weights arrive flat and are reshaped by a static shape."""
    W = params["W"].reshape(shape)
    return np.sum(np.tanh(X @ W) ** 2) + params["b"] * np.sum(W)


def test_a_static_shape_beside_a_pytree_of_arrays_in_every_transform():
    params = {"W": RNG.normal(size=12), "b": 0.5}
    kw = {"static_argnums": 2}
    grads = symdiff.grad(conv_net, **kw)(params, X, (3, 4))
    assert grads["W"].shape == (12,)
    tree_allclose(symdiff.jacrev(conv_net, **kw)(params, X, (3, 4)), grads)
    tree_allclose(symdiff.jacfwd(conv_net, **kw)(params, X, (3, 4)), grads)
    # The Hessian of a pytree of arrays is the Jacobian of the gradient: the static
    # shape must reach it as a constant too.
    hess = symdiff.hessian(conv_net, **kw)(params, X, (3, 4))
    assert hess["W"]["W"].shape == (12, 12)
    assert hess["W"]["b"] == pytest.approx(np.ones(12)) and hess["b"]["b"] == 0.0
    flat = symdiff.hessian(lambda w, b: conv_net({"W": w, "b": b}, X, (3, 4)))(
        params["W"], params["b"])
    np.testing.assert_allclose(hess["W"]["W"], flat, rtol=1e-10, atol=1e-12)
    other = symdiff.hessian(conv_net, **kw)(params, X, (4, 3)[::-1])  # equal value
    np.testing.assert_allclose(other["W"]["W"], hess["W"]["W"])


def scaled_cubes(x, scale):
    return scale * np.sum(x ** 3)


@pytest.mark.parametrize("transform", ["jacfwd", "jacrev", "hessian"])
def test_jacobians_and_hessians_compile_each_static_value(transform):
    # A plan (the code a Jacobian or Hessian runs) is kept per argument shapes; a
    # static float is compiled in, so another value needs another plan.
    fn = getattr(symdiff, transform)(scaled_cubes, static_argnums=1)
    x = np.array([1.0, 2.0])
    first, second = fn(x, 2.0), fn(x, 3.0)
    np.testing.assert_allclose(second, 1.5 * first)
    np.testing.assert_allclose(fn(x, 2.0), first)


def weighted(params, weights):
    return weights[0][0] * np.sum(params["a"] ** 3) + weights[1][1] * params["b"] ** 2


@pytest.mark.parametrize("transform", ["jacfwd", "jacrev", "hessian"])
def test_a_static_nested_tuple_is_a_value_not_a_pytree(transform):
    # ((2.0, 0.0), (0.0, 1.0)) is a tuple of tuples, which would be a pytree argument;
    # declared static, it is a constant keyed by its values.
    fn = getattr(symdiff, transform)(weighted, static_argnums=1)
    params = {"a": np.array([1.0, 2.0]), "b": 1.5}
    first = fn(params, ((2.0, 0.0), (0.0, 1.0)))
    second = fn(params, ((4.0, 0.0), (0.0, 2.0)))
    leaves = [first["a"], first["b"]] if transform != "hessian" else \
        [first["a"]["a"], first["b"]["b"]]
    again = [second["a"], second["b"]] if transform != "hessian" else \
        [second["a"]["a"], second["b"]["b"]]
    for one, two in zip(leaves, again, strict=True):
        np.testing.assert_allclose(two, 2.0 * np.asarray(one))


def test_a_scipy_distribution_method_is_a_function_not_a_bound_method():
    # norm.logpdf is a method of SciPy's norm object, which symdiff knows itself: its
    # self is not bound as a user's object is.
    stats = pytest.importorskip("scipy.stats")
    logpdf = stats.norm.logpdf
    assert symdiff.grad(logpdf)(0.5) == pytest.approx(-0.5, rel=1e-14)
    assert symdiff.hessian(logpdf)(0.5) == pytest.approx(-1.0, rel=1e-14)
    assert symdiff.jvp(logpdf, (0.5,), (2.0,))[1] == pytest.approx(-1.0, rel=1e-14)
    assert symdiff.vjp(logpdf, 0.5)[1](1.0) == (pytest.approx(-0.5, rel=1e-14),)
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(symdiff.jacfwd(logpdf)(x), np.diag(-x))
