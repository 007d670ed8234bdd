"""The shipped rules for scipy.special, against finite differences (skipped without SciPy)."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff import grad
from symdiff.testing import check_grads

special = pytest.importorskip("scipy.special")
from scipy.special import erf, expit, gammaln, logsumexp, xlogy  # noqa: E402


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


def scalar(x):
    return erf(x) * expit(x) + gammaln(x) + special.erfc(x)


def two(x, y):
    return xlogy(x, y) + x * y


def lse(a):
    return logsumexp(a)


def arrays(a, b):
    return np.sum(special.expit(a) * gammaln(b) + xlogy(a, b)) + logsumexp(a * b)


@pytest.mark.parametrize("x", [0.3, 1.7, 4.5])
def test_scalar_rules(x: float) -> None:
    check_grads(scalar, (x,))
    check_grads(two, (x, 2.0 * x))


def test_array_rules() -> None:
    a = np.array([0.2, 1.5, 3.0])
    check_grads(lse, (a,))
    check_grads(arrays, (a, np.array([0.7, 2.5, 1.1])))


def test_generated_code_calls_scipy_by_the_users_names() -> None:
    text = symdiff.source(scalar)
    assert "erf(x)" in text and "special.erfc(x)" in text and "gammaln(x)" in text
    # gammaln' = digamma: the rule's own call, reached through an import of SciPy.
    assert "import scipy.special" in text and "scipy.special.digamma(x)" in text


def test_the_derivatives_rules_have_rules() -> None:
    # gammaln' = digamma, digamma' = zeta(2, x): each differentiable in turn.
    assert grad(lambda x: gammaln(x))(3.0) == pytest.approx(special.digamma(3.0))
    check_grads(lambda x: special.digamma(x) * x, (2.5,))
    check_grads(lambda x: special.zeta(2.0, x), (1.5,))


def test_ufunc_without_a_module_path_passed_directly() -> None:
    with pytest.raises(symdiff.SymdiffError, match="differentiate a function that calls it"):
        grad(gammaln)(3.0)


def test_logsumexp_with_an_axis_is_not_covered() -> None:
    with pytest.raises(symdiff.UnsupportedSyntaxError, match=r"takes 1 arguments, got 2"):
        grad(lambda a: np.sum(logsumexp(a, 0)))(np.ones((2, 2)))
