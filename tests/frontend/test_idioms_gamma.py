"""``math.lgamma`` and ``math.gamma``: their derivatives are the digamma function (and
its derivatives), built from the table's operations, so no SciPy is needed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import symdiff
from symdiff.errors import UnsupportedSyntaxError
from symdiff.testing import check_grads

DATA = [0.8, 2.3, 1.1, 4.0, 0.5, 2.9]


def gamma_nll(k, theta, xs):
    """The negative log-likelihood of the Gamma(k, theta) distribution."""
    n = len(xs)
    total = 0.0
    for x in xs:
        total += (k - 1.0) * math.log(x) - x / theta
    return n * (math.lgamma(k) + k * math.log(theta)) - total


def test_gamma_likelihood_score_and_fisher_information():
    k, theta = 1.7, 1.3
    n = len(DATA)
    special = pytest.importorskip("scipy.special")
    gk, gt = symdiff.grad(gamma_nll, argnums=(0, 1))(k, theta, DATA)
    assert gk == pytest.approx(n * (special.digamma(k) + math.log(theta))
                               - sum(math.log(x) for x in DATA), rel=1e-12)
    assert gt == pytest.approx(n * k / theta - sum(DATA) / theta ** 2, rel=1e-12)
    H = symdiff.hessian(gamma_nll, argnums=(0, 1))(k, theta, DATA)
    assert H[0][0] == pytest.approx(n * special.polygamma(1, k), rel=1e-11)
    assert H[0][1] == pytest.approx(n / theta)
    check_grads(lambda k, t: gamma_nll(k, t, DATA), (k, theta), order=3)


def log_beta(a, b):
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


@pytest.mark.parametrize("a", [0.3, 1.0, 4.5, 60.0, -0.7, -2.5])
def test_lgamma_and_gamma_derivatives_across_the_line(a):
    special = pytest.importorskip("scipy.special")
    assert symdiff.grad(math.lgamma)(a) == pytest.approx(special.digamma(a), rel=1e-12,
                                                         abs=1e-13)
    assert symdiff.grad(math.gamma)(a) == pytest.approx(
        math.gamma(a) * special.digamma(a), rel=1e-12, abs=1e-13)
    assert symdiff.hessian(math.lgamma)(a) == pytest.approx(special.polygamma(1, a),
                                                            rel=1e-11)
    check_grads(log_beta, (a, 1.3), order=2)


def test_the_domain_errors_are_lgammas_own():
    with pytest.raises(ValueError):
        symdiff.grad(lambda x: 2.0 * math.lgamma(x))(-2.0)  # a pole: math.lgamma raises
    with pytest.raises(OverflowError):
        symdiff.grad(lambda x: math.gamma(x) * 2.0)(200.0)
    with pytest.raises(UnsupportedSyntaxError, match="lgamma.. of an array"):
        symdiff.grad(lambda v: np.sum(math.lgamma(v)))(np.ones(3))
    assert "scipy" not in symdiff.source(log_beta)
