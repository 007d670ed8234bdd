"""``functools.partial`` passed to the transforms, as JAX takes it: the bound arguments
are data (not differentiated, read afresh on each call) and `argnums` counts the
positional parameters the partial still takes."""

from __future__ import annotations

import functools
import math
import pickle

import numpy as np
import pytest

import symdiff
from symdiff.errors import SymdiffError
from symdiff.testing import check_grads


def nll(w, X, y, l2=0.0, link="logit"):
    """Negative log-likelihood of a logistic (or probit-like tanh) regression."""
    z = X @ w
    if link == "logit":
        losses = np.logaddexp(0.0, z) - y * z
    else:
        losses = (np.tanh(z) - y) ** 2
    return np.mean(losses) + l2 * np.sum(w * w)


RNG = np.random.default_rng(7)
X = RNG.normal(size=(8, 3))
Y = (RNG.uniform(size=8) > 0.5).astype(float)
W = RNG.normal(size=3)


def test_a_loss_with_its_data_bound_by_keyword():
    loss = functools.partial(nll, X=X, y=Y, l2=0.1)
    want = symdiff.grad(nll)(W, X, Y, 0.1)
    np.testing.assert_allclose(symdiff.grad(loss)(W), want)
    value, gradient = symdiff.value_and_grad(loss)(W)
    assert value == pytest.approx(nll(W, X, Y, 0.1))
    np.testing.assert_allclose(gradient, want)
    np.testing.assert_allclose(symdiff.jacfwd(loss)(W), want)
    np.testing.assert_allclose(symdiff.jacrev(loss)(W), want)
    hessian = symdiff.hessian(loss)(W)
    np.testing.assert_allclose(hessian, symdiff.hessian(nll)(W, X, Y, 0.1))
    v = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(symdiff.hvp(loss, (W,), (v,)), hessian @ v)
    out, tangent = symdiff.jvp(loss, (W,), (v,))
    assert (out, tangent) == (pytest.approx(value), pytest.approx(want @ v))
    out, vjp_fn = symdiff.vjp(loss, W)
    (cotangent,) = vjp_fn(1.0)
    np.testing.assert_allclose(cotangent, want)
    check_grads(loss, (W,), order=2)


def decay(x0, k, t):
    return x0 * math.exp(-k * t)


def test_positions_shift_past_the_arguments_bound_by_position():
    q = functools.partial(decay, 2.0)  # q(k, t)
    assert symdiff.grad(q)(0.5, 1.5) == symdiff.grad(decay, argnums=1)(2.0, 0.5, 1.5)
    assert symdiff.grad(q, argnums=(0, -1))(0.5, 1.5) == \
        symdiff.grad(decay, argnums=(1, 2))(2.0, 0.5, 1.5)
    assert symdiff.hessian(q, argnums=(0, 1))(0.5, 1.5) == \
        symdiff.hessian(decay, argnums=(1, 2))(2.0, 0.5, 1.5)
    out, vjp_fn = symdiff.vjp(q, 0.5, 1.5)
    assert vjp_fn(1.0) == symdiff.grad(decay, argnums=(1, 2))(2.0, 0.5, 1.5)  # one per primal
    check_grads(q, (0.5, 1.5), order=2)


def test_bound_arrays_are_data_read_on_each_call():
    data = X.copy()
    g = symdiff.grad(functools.partial(nll, X=data, y=Y))
    before = g(W)
    data *= 2.0  # changed in place after the gradient was built
    np.testing.assert_allclose(g(W), symdiff.grad(nll)(W, 2.0 * X, Y))
    assert not np.allclose(g(W), before)


def test_a_bound_mode_compiles_its_branch():
    logit = symdiff.grad(functools.partial(nll, X=X, y=Y, link="logit"))
    tanh = symdiff.grad(functools.partial(nll, X=X, y=Y, link="tanh"))
    np.testing.assert_allclose(tanh(W), symdiff.grad(nll)(W, X, Y, 0.0, "tanh"))
    np.testing.assert_allclose(logit(W), symdiff.grad(nll)(W, X, Y))
    assert not np.allclose(logit(W), tanh(W))


def test_partials_of_partials_and_of_derivatives():
    inner = functools.partial(decay, 2.0)
    outer = functools.partial(inner, t=1.5)  # functools flattens it
    assert symdiff.grad(outer)(0.5) == symdiff.grad(decay, argnums=1)(2.0, 0.5, 1.5)
    second = symdiff.grad(symdiff.grad(inner))
    assert second(0.5, 1.5) == pytest.approx(2.0 * 1.5 ** 2 * math.exp(-0.75))
    of_grad = functools.partial(symdiff.grad(decay, argnums=1), 2.0)
    assert symdiff.grad(of_grad)(0.5, 1.5) == pytest.approx(second(0.5, 1.5))
    assert "test_partial.decay (1 argument bound)" \
        in repr(symdiff.grad(inner))


def test_a_partial_derivative_pickles_with_its_bound_data():
    g = symdiff.grad(functools.partial(nll, X=X, y=Y, l2=0.1))
    back = pickle.loads(pickle.dumps(g))
    np.testing.assert_allclose(back(W), g(W))


def test_the_source_of_a_partial_is_that_of_its_function():
    text = symdiff.source(functools.partial(decay, 2.0), args=(0.5, 1.5))
    assert "def decay_grad(x0, k, t):" in text and "with respect to k" in text


def test_what_a_partial_cannot_do_is_refused():
    loss = functools.partial(nll, X=X, y=Y)
    with pytest.raises(ValueError, match="argnums 1 names 'X', which the functools.partial of "
                                         ".*test_partial.nll binds by keyword"):
        symdiff.grad(loss, argnums=1)
    with pytest.raises(ValueError, match="argnums 2 is out of range: the functools.partial of "
                                         ".*decay takes 2 arguments after the 1 bound"):
        symdiff.grad(functools.partial(decay, 2.0), argnums=2)
    with pytest.raises(ValueError, match="pass example args"):
        symdiff.source(loss)
    with pytest.raises(SymdiffError, match="does not take a functools.partial yet"):
        symdiff.cost(loss, W)
