"""Bound methods and objects of the user's classes: ``grad(model.loss)`` differentiates
after ``self``, the attributes an object holds are data (read when the code runs, never
differentiated), methods called through ``self`` or through an object are inlined, and
static and class methods are reached through the class. A change to an attribute, or to
a method, never leaves a stale derivative."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest

import symdiff
from symdiff.errors import UnsupportedSyntaxError
from symdiff.testing import check_grads


class Logistic:
    """A logistic regression model: its weights and bias are attributes."""

    def __init__(self, weights, bias, l2=0.0):
        self.weights = weights
        self.bias = bias
        self.l2 = l2
        self.link = "logit"

    @staticmethod
    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    def predict(self, X):
        return self.sigmoid(X @ self.weights + self.bias)

    def penalty(self):
        return self.l2 * np.sum(self.weights ** 2)

    def loss(self, X, y):
        p = self.predict(X)
        nll = -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))
        return nll + self.penalty()

    def loss_at(self, w, X, y):
        """The loss at other weights: a function of w, for fitting."""
        p = self.sigmoid(X @ w + self.bias)
        return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)) + self.l2 * np.sum(w * w)


def plain_loss(w, b, X, y, l2):
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)) + l2 * np.sum(w ** 2)


RNG = np.random.default_rng(3)
X = RNG.normal(size=(10, 3))
Y = (RNG.uniform(size=10) > 0.5).astype(float)
W = RNG.normal(size=3)


def test_a_bound_method_is_differentiated_after_self():
    model = Logistic(W.copy(), 0.2, l2=0.1)
    g = symdiff.grad(model.loss)  # with respect to X, as JAX counts
    np.testing.assert_allclose(g(X, Y), symdiff.grad(plain_loss, argnums=2)(W, 0.2, X, Y, 0.1))
    fit = symdiff.grad(model.loss_at)
    np.testing.assert_allclose(fit(W, X, Y), symdiff.grad(plain_loss)(W, 0.2, X, Y, 0.1))
    value, gradient = symdiff.value_and_grad(model.loss_at)(W, X, Y)
    assert value == pytest.approx(plain_loss(W, 0.2, X, Y, 0.1))
    np.testing.assert_allclose(symdiff.hessian(model.loss_at)(W, X, Y),
                               symdiff.hessian(plain_loss)(W, 0.2, X, Y, 0.1))
    np.testing.assert_allclose(symdiff.jacfwd(model.predict)(X), symdiff.jacrev(model.predict)(X))
    check_grads(model.loss_at, (W, X, Y), order=2)
    body = symdiff.source(model.loss_at, args=(W, X, Y)).split('"""')[-1]
    assert "self.bias" in body and "self.l2" in body  # read when the code runs


def test_a_changed_attribute_is_read_afresh():
    model = Logistic(W.copy(), 0.2)
    g = symdiff.grad(model.loss)
    g(X, Y)
    model.bias = -0.5  # rebound
    np.testing.assert_allclose(g(X, Y), symdiff.grad(plain_loss, argnums=2)(W, -0.5, X, Y, 0.0))
    model.weights *= 3.0  # changed in place
    np.testing.assert_allclose(g(X, Y), symdiff.grad(plain_loss, argnums=2)(3 * W, -0.5, X, Y, 0))
    model.l2 = 0.25
    np.testing.assert_allclose(symdiff.grad(model.loss_at)(W, X, Y),
                               symdiff.grad(plain_loss)(W, -0.5, X, Y, 0.25))


def test_an_attribute_of_another_layout_compiles_again():
    model = Logistic(W.copy(), 0.2)
    g = symdiff.grad(model.loss_at)
    g(W, X, Y)
    model.bias = np.full(10, 0.3)  # a number became an array: new code
    np.testing.assert_allclose(g(W, X, Y), symdiff.grad(plain_loss)(W, np.full(10, 0.3), X, Y, 0))
    model.link = "probit"  # a string is compiled in: new code too
    g(W, X, Y)
    assert len(g.signatures) == 3


class Oscillator:
    def __init__(self, k, m):
        self.k = k
        self.m = m

    def force(self, x):
        return -self.k * x

    def energy(self, x, v):
        return 0.5 * self.m * v * v - self.work(x)

    def work(self, x):
        return 0.5 * self.force(x) * x


def test_a_method_replaced_after_building_compiles_again():
    osc = Oscillator(2.0, 1.0)
    g = symdiff.grad(osc.energy)
    assert g(3.0, 1.0) == pytest.approx(6.0)
    original = Oscillator.force
    try:
        Oscillator.force = lambda self, x: -self.k * x ** 3  # energy calls work calls force
        assert g(3.0, 1.0) == pytest.approx(2.0 * 2.0 * 27.0)
    finally:
        Oscillator.force = original
    assert g(3.0, 1.0) == pytest.approx(6.0)

    class Stiff(Oscillator):
        pass

    stiff = Stiff(2.0, 1.0)
    g = symdiff.grad(stiff.energy)
    assert g(3.0, 1.0) == pytest.approx(6.0)
    Stiff.force = lambda self, x: -10.0 * x  # defined on the subclass only, later
    assert g(3.0, 1.0) == pytest.approx(30.0)


OSC = Oscillator(4.0, 2.0)


def total_energy(x, v):
    """A function of the user's that calls a method of a module-level object."""
    return OSC.energy(x, v) + 0.1 * x


def test_a_method_of_an_object_from_outside_the_function():
    global OSC
    g = symdiff.grad(total_energy, argnums=(0, 1))
    assert g(1.0, 2.0) == (pytest.approx(4.0 + 0.1), pytest.approx(4.0))
    OSC.k = 1.0
    assert g(1.0, 2.0) == (pytest.approx(1.0 + 0.1), pytest.approx(4.0))
    saved, OSC = OSC, Oscillator(0.5, 3.0)  # another object of the same layout
    try:
        assert g(1.0, 2.0) == (pytest.approx(0.5 + 0.1), pytest.approx(6.0))
        OSC = Oscillator(np.array([1.0, 2.0]), 1.0)  # of another layout: new code
        assert symdiff.jacfwd(total_energy)(1.0, 2.0).tolist() == pytest.approx([1.1, 2.1])
    finally:
        OSC = saved
    check_grads(total_energy, (1.0, 2.0), order=2)


def simulate(osc, x, v, h, n):
    """Symplectic Euler steps of an oscillator passed as an argument."""
    for _ in range(n):
        v = v + h * osc.force(x) / osc.m
        x = x + h * v
    return x


def test_an_object_passed_as_an_argument_is_data():
    osc = Oscillator(2.0, 1.0)
    g = symdiff.grad(simulate, argnums=(1, 2), static_argnums=4)
    dx, dv = g(osc, 1.0, 0.0, 0.1, 5)
    eps = 1e-6
    assert dx == pytest.approx((simulate(osc, 1 + eps, 0.0, 0.1, 5)
                                - simulate(osc, 1 - eps, 0.0, 0.1, 5)) / (2 * eps))
    out, tangent = symdiff.jvp(simulate, (osc, 1.0, 0.0, 0.1, 5), (None, 1.0, 0.0, 0.0, 0))
    assert tangent == pytest.approx(dx)
    out, vjp_fn = symdiff.vjp(simulate, osc, 1.0, 0.0, 0.1, 5)
    cts = vjp_fn(1.0)
    assert cts[0] is None and cts[1:3] == (pytest.approx(dx), pytest.approx(dv))
    with pytest.raises(TypeError, match="argument 'osc' .* is an object \\(Oscillator\\)"):
        symdiff.grad(simulate)(osc, 1.0, 0.0, 0.1, 5)
    with pytest.raises(TypeError, match=r"primals\[0\] is an object, so tangents\[0\] must "
                                        "be None"):
        symdiff.jvp(simulate, (osc, 1.0, 0.0, 0.1, 5), (0.0, 1.0, 0.0, 0.0, 0))


class System:
    """An ODE system whose integrator takes its step count and method as static
    arguments."""

    def __init__(self, damping):
        self.damping = damping

    def rhs(self, y, k):
        return -k * y - self.damping * y * y

    def solve(self, k, n_steps, method="euler", h=0.05):
        y = 1.0
        for _ in range(n_steps):
            if method == "euler":
                y = y + h * self.rhs(y, k)
            else:
                mid = y + 0.5 * h * self.rhs(y, k)
                y = y + h * self.rhs(mid, k)
        return y


def test_a_method_with_static_arguments():
    system = System(0.3)
    g = symdiff.grad(system.solve, static_argnums=(1, 2))  # counted after self
    for n, method in [(4, "euler"), (4, "midpoint"), (9, "euler")]:
        eps = 1e-6
        want = (system.solve(0.7 + eps, n, method) - system.solve(0.7 - eps, n, method)) / (2 * eps)
        assert g(0.7, n, method) == pytest.approx(want, rel=1e-6)
    assert "static:4, static:'midpoint'" in repr(g)
    check_grads(lambda k: system.solve(k, 6, "midpoint"), (0.7,), order=2)


class Dense:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)


class MLP:
    def __init__(self, sizes, rng):
        self.layers = [Dense(rng.normal(size=(m, n)), rng.normal(size=m))
                       for n, m in zip(sizes[:-1], sizes[1:], strict=True)]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def loss(self, x, target):
        return np.sum((self.forward(x) - target) ** 2)


def test_a_network_of_layer_objects():
    net = MLP([3, 4, 2], np.random.default_rng(0))
    x, target = np.array([0.2, -0.1, 0.4]), np.array([0.5, -0.5])
    (W0, b0), (W1, b1) = [(layer.W, layer.b) for layer in net.layers]

    def plain(x):
        return np.sum((np.tanh(W1 @ np.tanh(W0 @ x + b0) + b1) - target) ** 2)

    np.testing.assert_allclose(symdiff.grad(net.loss)(x, target), symdiff.grad(plain)(x))
    check_grads(net.loss, (x, target), order=2)
    net.layers[1].W = 2.0 * W1
    np.testing.assert_allclose(symdiff.jacrev(net.forward)(x),
                               symdiff.jacfwd(lambda x: np.tanh(2.0 * W1 @ np.tanh(
                                   W0 @ x + b0) + b1))(x))


class Gravity:
    G = 9.81

    @staticmethod
    def height_energy(m, h):
        return m * Gravity.G * h

    @classmethod
    def weight(cls, m):
        return cls.G * m


def potential(m, h):
    return Gravity.height_energy(m, h) + Gravity.weight(m) * 0.0


def test_static_and_class_methods_through_the_class():
    assert symdiff.grad(Gravity.height_energy, argnums=1)(2.0, 3.0) == pytest.approx(19.62)
    assert symdiff.grad(Gravity.weight)(2.0) == pytest.approx(9.81)  # cls bound
    assert symdiff.grad(potential, argnums=(0, 1))(2.0, 3.0) == (pytest.approx(29.43),
                                                                  pytest.approx(19.62))
    saved = Gravity.G
    try:
        Gravity.G = 1.62  # the Moon: a class attribute is read when the code runs
        assert symdiff.grad(Gravity.weight)(2.0) == pytest.approx(1.62)
        assert symdiff.grad(potential, argnums=1)(2.0, 3.0) == pytest.approx(3.24)
    finally:
        Gravity.G = saved


def test_a_derivative_of_a_bound_method_pickles():
    model = Logistic(W.copy(), 0.2, l2=0.1)
    g = symdiff.grad(model.loss_at)
    back = pickle.loads(pickle.dumps(g))
    np.testing.assert_allclose(back(W, X, Y), g(W, X, Y))
    assert "bound method" in repr(back) and "Logistic.loss_at" in repr(back)


class Unsupported:
    def __init__(self):
        self.total = 0.0
        self.history = []
        self.rng = np.random.default_rng(0)
        self.w = np.ones(2)

    def counts(self, x):
        self.total = self.total + x
        return x

    def accumulates(self, x):
        self.total += x
        return x

    def writes(self, x):
        self.w[0] = x
        return x

    def records(self, x):
        self.history.append(x)
        return x

    def draws(self, x):
        return x * self.rng

    @property
    def scale(self):
        return 2.0 * self.total

    def scaled(self, x):
        return self.scale * x

    def stops_early(self, x):
        for peer in self.peers:
            if x > 1.0:
                break
            x = peer.draws(x)
        return x


@pytest.mark.parametrize("method, message", [
    ("counts", "assigning to self.total changes an object"),
    ("accumulates", "assigning to self.total changes an object"),
    ("writes", "assigning into self.w[...] changes an object's data"),
    ("records", "self.history.append(...) changes an object's list"),
    ("draws", "self.rng is not data symdiff reads"),
    ("scaled", "self.scale is a property of Unsupported"),
])
def test_what_objects_cannot_do_is_a_located_error(method, message):
    with pytest.raises(UnsupportedSyntaxError, match=re.escape(message)) as info:
        symdiff.grad(getattr(Unsupported(), method))(1.0)
    assert "test_methods.py" in str(info.value)


def test_a_loop_over_objects_may_not_leave_early_yet():
    obj = Unsupported()
    obj.peers = (Unsupported(), Unsupported())
    with pytest.raises(UnsupportedSyntaxError, match="a loop over self.peers, which holds "
                                                     "objects.* may not break"):
        symdiff.grad(obj.stops_early)(1.0)


def scaled_by(x, input):
    return input.k * x


def test_an_object_parameter_named_as_a_builtin_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="the parameter 'input' holds an object"):
        symdiff.grad(scaled_by)(1.0, Oscillator(2.0, 1.0))


class Spring:
    def __init__(self, k, rest):
        self.k = k
        self.rest = rest

    def energy(self, d):
        return 0.5 * self.k * (d - self.rest) ** 2


SPRINGS = [Spring(1.0, 0.5), Spring(2.0, 1.0), Spring(3.0, 0.2)]


def chain_energy(d):
    e = 0.0
    for spring in SPRINGS:  # runs once per spring while compiling
        e = e + spring.energy(d)
    return e


def test_objects_in_a_module_level_list():
    g = symdiff.grad(chain_energy)
    assert g(1.0) == pytest.approx(0.5 + 0.0 + 2.4)
    SPRINGS[1].rest = 0.0
    assert g(1.0) == pytest.approx(0.5 + 2.0 + 2.4)
    check_grads(chain_energy, (1.0,), order=2)
    original = Spring.energy
    try:
        Spring.energy = lambda self, d: self.k * d  # a method of the objects replaced
        assert g(1.0) == pytest.approx(6.0)
    finally:
        Spring.energy = original
