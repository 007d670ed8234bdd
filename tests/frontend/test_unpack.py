"""A list parameter unpacked by name (``mu, log_sigma = params``), as fitting code does."""

from __future__ import annotations

import math

import numpy as np
import pytest

import symdiff

DATA = [0.5, 1.0, -0.3, 2.2]


def gaussian_nll(params, data):
    mu, log_sigma = params
    sigma = math.exp(log_sigma)
    total = 0.0
    for x in data:
        total += 0.5 * ((x - mu) / sigma) ** 2 + log_sigma + 0.5 * math.log(2 * math.pi)
    return total


def three(p):
    a, b, c = p
    return a * b * math.sin(c)


def pair_of_array(x):
    a, b = x
    return a * b


def by_hand(params):
    mu, log_sigma = params
    s2 = math.exp(2 * log_sigma)
    d_mu = -sum(x - mu for x in DATA) / s2
    d_log_sigma = len(DATA) - sum((x - mu) ** 2 for x in DATA) / s2
    return [d_mu, d_log_sigma]


@pytest.mark.parametrize("params", [[0.1, 0.2], (0.1, 0.2)], ids=["list", "tuple"])
def test_the_gradient_of_unpacked_parameters(params) -> None:
    g = symdiff.grad(gaussian_nll)(params, DATA)
    assert g == pytest.approx(by_hand(list(params)))


def central(f, p, i, h=1e-6):
    up, down = list(p), list(p)
    up[i] += h
    down[i] -= h
    return (f(up) - f(down)) / (2 * h)


def test_every_transform_of_an_unpacked_list() -> None:
    p = [1.5, -0.5, 0.7]
    expected = [central(three, p, i) for i in range(3)]
    assert symdiff.grad(three)(p) == pytest.approx(expected, rel=1e-6)
    assert symdiff.jvp(three, (p,), ([0.0, 0.0, 1.0],))[1] == pytest.approx(expected[2])
    _, vjp_fn = symdiff.vjp(three, p)
    assert vjp_fn(1.0)[0] == pytest.approx(expected, rel=1e-6)
    grad_three = symdiff.grad(three)
    rows = [[central(lambda q, j=j: grad_three(q)[j], p, i, 1e-5) for i in range(3)]
            for j in range(3)]
    assert np.allclose(symdiff.hessian(three)(p), rows, atol=1e-6)
    (value, g) = symdiff.value_and_grad(three)(p)
    assert value == three(p)
    assert g == pytest.approx([p[1] * math.sin(p[2]), p[0] * math.sin(p[2]),
                               p[0] * p[1] * math.cos(p[2])])
    h = symdiff.hessian(gaussian_nll)([0.1, 0.2], DATA)
    assert np.allclose(h, np.transpose(h))


def test_a_list_of_another_length_raises_as_python_does() -> None:
    with pytest.raises(ValueError, match="cannot unpack a list of another length into 3"):
        symdiff.grad(three)([1.0, 2.0])
    with pytest.raises(ValueError):
        three([1.0, 2.0])  # (Python's own: not enough values to unpack)


def test_an_array_unpacked_by_rows_is_still_an_array() -> None:
    assert list(symdiff.grad(pair_of_array)(np.array([2.0, 3.0]))) == [3.0, 2.0]
    assert symdiff.grad(pair_of_array)([2.0, 3.0]) == [3.0, 2.0]


def test_a_number_for_an_unpacked_parameter_is_refused_at_the_call() -> None:
    with pytest.raises(TypeError, match="'p' .* is used as a list"):
        symdiff.grad(three)(1.0)
