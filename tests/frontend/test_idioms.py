"""Python's everyday idioms inside differentiated code: optional arguments tested with
``is None``, asserts and raises, keyword-only parameters, reversed loops, tuple loop
targets, ``math.fsum``, and rounding with zero derivative."""

from __future__ import annotations

import math

import numpy as np
import pytest

import symdiff
from symdiff.errors import UnsupportedSyntaxError
from symdiff.testing import check_grads


def weighted_mse(pred, target, weights=None):
    r = pred - target
    if weights is None:
        return np.mean(r ** 2)
    return np.sum(weights * r ** 2) / np.sum(weights)


def damped(x, damping=None):
    if damping is not None:
        x = x * damping
    return math.sin(x) * x


P = np.array([0.5, -1.0, 2.0])
T = np.array([0.0, 1.0, 1.5])
W = np.array([1.0, 2.0, 0.5])


def test_is_none_on_an_optional_argument_picks_the_code():
    g = symdiff.grad(weighted_mse)
    np.testing.assert_allclose(g(P, T), 2 * (P - T) / 3)
    np.testing.assert_allclose(g(P, T, None), 2 * (P - T) / 3)
    np.testing.assert_allclose(g(P, T, weights=W), 2 * W * (P - T) / W.sum())
    value, grad = symdiff.value_and_grad(weighted_mse)(P, T, W)
    assert value == pytest.approx(weighted_mse(P, T, W))
    np.testing.assert_allclose(symdiff.jacfwd(weighted_mse)(P, T), 2 * (P - T) / 3)
    np.testing.assert_allclose(symdiff.jacrev(weighted_mse)(P, T, None), 2 * (P - T) / 3)
    np.testing.assert_allclose(symdiff.hessian(weighted_mse)(P, T), 2 * np.eye(3) / 3)
    np.testing.assert_allclose(symdiff.hessian(weighted_mse)(P, T, W), 2 * np.diag(W) / W.sum())
    out, vjp_fn = symdiff.vjp(weighted_mse, P, T)
    np.testing.assert_allclose(vjp_fn(1.0)[0], 2 * (P - T) / 3)
    check_grads(lambda p: weighted_mse(p, T), (P,), order=2)
    check_grads(lambda p, w: weighted_mse(p, T, w), (P, W), order=2)


def test_is_not_none_and_each_value_has_its_own_code():
    for args in [(0.7,), (0.7, None), (0.7, 1.3)]:
        value, grad = symdiff.value_and_grad(damped)(*args)
        assert value == pytest.approx(damped(*args))
    check_grads(damped, (0.7,), order=2)
    check_grads(damped, (0.7, 1.3), order=2)
    check_grads(lambda x: damped(x, None), (0.7,), order=2)
    out, tangent = symdiff.jvp(damped, (0.7,), (1.0,))
    assert tangent == pytest.approx(math.cos(0.7) * 0.7 + math.sin(0.7))
    out, vjp_fn = symdiff.vjp(damped, 0.7)  # vjp differentiates every primal given
    assert vjp_fn(1.0)[0] == pytest.approx(tangent)
    assert "if" not in symdiff.source(damped, args=(0.7, None)).split('"""')[-1]


def test_is_compares_only_with_none():
    def same(x, y):
        return x * y if x is y else x

    with pytest.raises(UnsupportedSyntaxError, match="only `is None` and `is not None`"):
        symdiff.grad(same)(1.0, 2.0)


def test_none_where_a_number_is_expected_is_located():
    with pytest.raises(UnsupportedSyntaxError, match="None .argument 'w'. is used where a number"):
        symdiff.grad(lambda x, w=None: x * w)(1.0)


def log_likelihood(sigma, x):
    assert sigma > 0, "sigma must be positive"
    return -math.log(sigma) - 0.5 * (x / sigma) ** 2


def damped_sum(x, n):
    if n < 1:
        raise ValueError("n must be at least 1")
    s = 0.0
    for i in range(n):
        if x * i > 100.0:
            raise OverflowError("the series diverges")
        s += math.sin(x * i) / (i + 1)
    return s


TRANSFORMS = {
    "grad": lambda f, *a: symdiff.grad(f)(*a),
    "value_and_grad": lambda f, *a: symdiff.value_and_grad(f)(*a),
    "jvp": lambda f, x, *a: symdiff.jvp(lambda y: f(y, *a), (x,), (1.0,)),
    "vjp": lambda f, x, *a: symdiff.vjp(lambda y: f(y, *a), x)[1](1.0),
    "jacfwd": lambda f, *a: symdiff.jacfwd(f)(*a),
    "jacrev": lambda f, *a: symdiff.jacrev(f)(*a),
    "hessian": lambda f, *a: symdiff.hessian(f)(*a),
}


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_an_assert_raises_with_its_message_in_every_transform(transform):
    run = TRANSFORMS[transform]
    run(log_likelihood, 1.5, 0.3)
    with pytest.raises(AssertionError, match="sigma must be positive"):
        run(log_likelihood, -1.5, 0.3)  # before math.log's ValueError: the user's order


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_a_raise_in_a_branch_raises_where_the_user_wrote_it(transform):
    run = TRANSFORMS[transform]
    run(damped_sum, 0.3, 4)
    with pytest.raises(ValueError, match="n must be at least 1"):
        run(damped_sum, 0.3, 0)
    with pytest.raises(OverflowError, match="the series diverges"):
        run(damped_sum, 30.0, 5)


def test_checks_keep_values_and_derivatives():
    check_grads(log_likelihood, (1.5, 0.3), order=2)
    check_grads(lambda x: damped_sum(x, 4), (0.3,), order=2)
    assert symdiff.value_and_grad(damped_sum)(0.3, 4)[0] == pytest.approx(damped_sum(0.3, 4))
    text = symdiff.source(damped_sum, args=(0.3, 4))
    assert "raise ValueError('n must be at least 1')" in text
    assert "assert sigma > 0, 'sigma must be positive'" in symdiff.source(log_likelihood)


def test_other_raises_are_located_errors():
    def reraise(x):
        if x > 0:
            x = x * 2
            raise ValueError("positive")
        return x

    class Custom(Exception):
        pass

    def custom(x):
        if x > 0:
            raise Custom("positive")
        return x

    with pytest.raises(UnsupportedSyntaxError, match="whole body of an if without else"):
        symdiff.grad(reraise)(1.0)
    with pytest.raises(UnsupportedSyntaxError, match="only builtin exceptions"):
        symdiff.grad(custom)(1.0)


def huber(r, *, delta=1.0, reduction="mean"):
    a = abs(r)
    v = 0.5 * r * r if a <= delta else delta * (a - 0.5 * delta)
    return v if reduction == "mean" else 2.0 * v


def scaled_energy(x, *, scale=2.0):
    return scale * np.sum(x ** 2)


def power(x, *, k):
    return x ** k


def test_keyword_only_parameters_with_defaults_in_every_transform():
    g = symdiff.grad(huber)
    assert g(0.5) == pytest.approx(0.5)
    assert g(3.0, delta=2.0) == pytest.approx(2.0)
    assert g(3.0, delta=2.0, reduction="sum") == pytest.approx(4.0)
    value, grad = symdiff.value_and_grad(huber)(3.0, delta=2.0)
    assert value == pytest.approx(huber(3.0, delta=2.0))
    assert symdiff.grad(huber, argnums=(0, 1))(3.0, delta=2.0) == \
        (pytest.approx(2.0), pytest.approx(3.0 - 2.0))
    x = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(symdiff.grad(scaled_energy)(x, scale=3.0), 6.0 * x)
    np.testing.assert_allclose(symdiff.jacfwd(scaled_energy)(x), 4.0 * x)
    np.testing.assert_allclose(symdiff.jacrev(scaled_energy)(x, scale=0.5), x)
    np.testing.assert_allclose(symdiff.hessian(scaled_energy)(x, scale=3.0), 6.0 * np.eye(3))
    out, tangent = symdiff.jvp(scaled_energy, (x,), (np.ones(3),))
    assert (out, tangent) == (pytest.approx(scaled_energy(x)), pytest.approx(4.0 * x.sum()))
    out, vjp_fn = symdiff.vjp(scaled_energy, x)
    np.testing.assert_allclose(vjp_fn(1.0)[0], 4.0 * x)
    check_grads(lambda r: huber(r, delta=2.0), (0.7,), order=2)
    check_grads(lambda x, s: scaled_energy(x, scale=s), (x, 1.5), order=2)


def test_a_required_keyword_only_parameter():
    assert symdiff.grad(power)(2.0, k=3) == pytest.approx(12.0)
    assert symdiff.hessian(power)(2.0, k=3) == pytest.approx(12.0)
    with pytest.raises(TypeError, match="'k'"):
        symdiff.grad(power)(2.0)


def stepped(x):
    return math.floor(x) * x * x + math.ceil(x) * x + int(x) + round(x) * math.sin(x)


def riemann(x, h):
    n = math.ceil(x / h)  # an int, as Python gives: the loop's count
    s = 0.0
    for i in range(n):
        s += math.sin(i * h) * x
    return s


def quantised(x):
    return np.sum(np.floor(x) * x + np.ceil(x) ** 2 + np.round(x) * np.sin(x))


def test_rounding_has_zero_derivative_and_python_values():
    for x in (2.3, -1.7, 0.4):
        value, grad = symdiff.value_and_grad(stepped)(x)
        assert value == pytest.approx(stepped(x))
        expected = 2 * math.floor(x) * x + math.ceil(x) + round(x) * math.cos(x)
        assert grad == pytest.approx(expected)
        check_grads(stepped, (x,), order=2)
    assert symdiff.hessian(stepped)(2.3) == pytest.approx(2 * 2 - 2 * math.sin(2.3))


def test_a_rounded_number_counts_loop_trips():
    value, grad = symdiff.value_and_grad(riemann)(1.0, 0.3)
    assert value == pytest.approx(riemann(1.0, 0.3))
    assert grad == pytest.approx(sum(math.sin(i * 0.3) for i in range(4)))
    assert symdiff.jacfwd(riemann)(1.0, 0.3) == pytest.approx(grad)
    assert symdiff.jacrev(riemann)(1.0, 0.3) == pytest.approx(grad)
    assert symdiff.jvp(lambda x: riemann(x, 0.3), (1.0,), (1.0,))[1] == pytest.approx(grad)
    check_grads(lambda x: riemann(x, 0.3), (1.0,))
    check_grads(lambda h: riemann(1.0, h), (0.3,))



def ceiled(x, h):
    n = math.ceil(x)
    s = 0.0
    for i in range(n):
        s += math.sin(i * h) * x
    return s


def test_the_hessian_of_a_loop_counted_from_the_argument():
    # The Hessian program once named the primal's parameters while its code read the
    # simplified gradient's: a KeyError while emitting, where the loop count comes from x.
    h = symdiff.hessian(ceiled, argnums=(0, 1))(1.5, 0.3)
    assert h[0][0] == 0.0  # linear in x between integers
    assert h[1][1] == pytest.approx(-1.5 * sum(i * i * math.sin(i * 0.3) for i in range(2)))
    assert h[0][1] == h[1][0] == pytest.approx(sum(i * math.cos(i * 0.3) for i in range(2)))
    assert symdiff.hessian(ceiled)(1.5, 0.3) == 0.0


def test_numpy_rounding_elementwise():
    x = np.array([0.3, 1.7, -2.2])
    expected = np.floor(x) + np.round(x) * np.cos(x)
    np.testing.assert_allclose(symdiff.grad(quantised)(x), expected)
    np.testing.assert_allclose(symdiff.jacfwd(quantised)(x), expected)
    np.testing.assert_allclose(symdiff.hessian(quantised)(x), np.diag(-np.round(x) * np.sin(x)))
    check_grads(quantised, (x,), order=2)


def horner(x, coeffs):
    p = 0.0
    for c in reversed(coeffs):
        p = p * x + c
    return p


def backward_recurrence(x, n):
    s = 0.0
    for i in reversed(range(n)):
        s = s * x + i
    return s


def unwinding(x):
    s = 0.0
    for i in reversed(range(2, 6)):
        s = math.sin(s + x * i)
    return s


def discounted(w, X):
    total = 0.0
    for row in reversed(X):
        total = 0.5 * total + np.dot(row, w)
    return total


def test_reversed_lists_and_ranges_in_every_transform():
    coeffs = [1.0, -2.0, 3.0]
    value, grad = symdiff.value_and_grad(horner)(2.0, coeffs)
    assert value == pytest.approx(horner(2.0, coeffs))
    assert grad == pytest.approx(6 * 2.0 - 2.0)
    assert symdiff.grad(horner, argnums=1)(2.0, coeffs) == pytest.approx([1.0, 2.0, 4.0])
    assert symdiff.hessian(horner)(2.0, coeffs) == pytest.approx(6.0)
    assert symdiff.jvp(lambda x: horner(x, coeffs), (2.0,), (1.0,))[1] == pytest.approx(grad)
    check_grads(horner, (2.0, np.array(coeffs)), order=2)
    assert symdiff.value_and_grad(backward_recurrence)(2.0, 4) == \
        (pytest.approx(backward_recurrence(2.0, 4)), pytest.approx(9 * 4.0 + 4 * 2.0 + 1))
    assert symdiff.hessian(backward_recurrence)(2.0, 4) == pytest.approx(18 * 2.0 + 4)
    assert symdiff.jacrev(backward_recurrence)(2.0, 0) == 0.0
    check_grads(lambda x: backward_recurrence(x, 5), (0.7,), order=2)
    assert symdiff.value_and_grad(unwinding)(0.3)[0] == pytest.approx(unwinding(0.3))
    check_grads(unwinding, (0.3,), order=2)
    X = np.arange(6.0).reshape(3, 2)
    w = np.array([0.5, -1.0])
    assert symdiff.value_and_grad(discounted)(w, X)[0] == pytest.approx(discounted(w, X))
    np.testing.assert_allclose(symdiff.jacfwd(discounted)(w, X), 0.25 * X[2] + 0.5 * X[1] + X[0])
    check_grads(discounted, (w, X), order=2)


def test_reversed_with_another_step_is_located():
    def odd_steps(x):
        s = 0.0
        for i in reversed(range(0, 6, 2)):
            s = s * x + i
        return s

    with pytest.raises(UnsupportedSyntaxError, match="step other than 1 or -1"):
        symdiff.grad(odd_steps)(1.0)


def energy(xs):
    return math.fsum([x * x for x in xs])


def cancelling(x, y):
    parts = [1e16, x * y, -1e16]
    return math.fsum(parts) * x


def test_fsum_is_exactly_rounded_and_differentiated():
    xs = [1.0, -2.0, 0.5]
    value, grad = symdiff.value_and_grad(energy)(xs)
    assert value == energy(xs)
    assert grad == pytest.approx([2.0, -4.0, 1.0])
    assert symdiff.jacrev(energy)(xs) == pytest.approx([2.0, -4.0, 1.0])
    assert symdiff.hessian(energy)(xs) == pytest.approx(2.0 * np.eye(3))
    value, grad = symdiff.value_and_grad(cancelling)(2.0, 0.5)
    assert value == cancelling(2.0, 0.5) == 2.0  # sum() would round the 1.0 away
    assert grad == pytest.approx(2 * 2.0 * 0.5)
    assert symdiff.hessian(cancelling)(2.0, 0.5) == pytest.approx(2 * 0.5)
    assert symdiff.jvp(lambda x: cancelling(x, 0.5), (2.0,), (1.0,))[1] == pytest.approx(grad)
    assert symdiff.jacfwd(cancelling)(2.0, 0.5) == pytest.approx(grad)
    check_grads(lambda x, y: math.fsum([x * y, x * x, y]), (0.7, -1.3), order=2)


def test_fsum_of_a_generator_is_located():
    with pytest.raises(UnsupportedSyntaxError, match="not a generator expression"):
        symdiff.grad(lambda x: math.fsum(x * i for i in range(3)))(1.0)


def weighted_pairs(w, xs, ys):
    loss = 0.0
    for k, (x, y) in enumerate(zip(xs, ys, strict=True), 1):
        loss += (w * x - y) ** 2 / k
    return loss


def test_enumerate_of_zip_with_a_tuple_target():
    xs, ys = [1.0, 2.0, -0.5], [0.0, 3.0, 1.0]
    value, grad = symdiff.value_and_grad(weighted_pairs)(0.5, xs, ys)
    assert value == pytest.approx(weighted_pairs(0.5, xs, ys))
    assert grad == pytest.approx(sum(2 * (0.5 * x - y) * x / k
                                     for k, (x, y) in enumerate(zip(xs, ys, strict=True), 1)))
    g_xs = symdiff.grad(weighted_pairs, argnums=1)(0.5, xs, ys)
    assert g_xs == pytest.approx([2 * (0.5 * x - y) * 0.5 / k
                                  for k, (x, y) in enumerate(zip(xs, ys, strict=True), 1)])
    assert symdiff.hessian(weighted_pairs)(0.5, xs, ys) == pytest.approx(
        sum(2 * x * x / k for k, x in enumerate(xs, 1)))
    assert symdiff.jvp(lambda w: weighted_pairs(w, xs, ys), (0.5,), (1.0,))[1] == \
        pytest.approx(grad)
    assert symdiff.jacfwd(weighted_pairs)(0.5, xs, ys) == pytest.approx(grad)
    check_grads(lambda w: weighted_pairs(w, xs, ys), (0.5,), order=2)
    check_grads(lambda w, x: weighted_pairs(w, x, np.array(ys)), (0.5, np.array(xs)), order=2)


def test_enumerate_of_zip_strict_raises_on_different_lengths():
    with pytest.raises(ValueError, match="different lengths"):
        symdiff.grad(weighted_pairs)(0.5, [1.0, 2.0], [1.0])
