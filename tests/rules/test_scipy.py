"""scipy.special's functions in user code: lowered to their primitives (`ir.special`),
checked against finite differences (skipped without SciPy)."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff import grad
from symdiff.rules import custom
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


def test_generated_code_calls_scipy_through_its_module() -> None:
    text = symdiff.source(scalar)
    assert "import scipy.special" in text
    for call in ("erf(x)", "expit(x)", "digamma(x)"):  # gammaln' = digamma
        assert f"scipy.special.{call}" in text, call
    assert "erfc" not in text and "gammaln" not in text  # values not needed, never raising


def test_the_derivatives_rules_have_rules() -> None:
    # gammaln' = digamma, digamma' = zeta(2, x): each differentiable in turn.
    assert grad(lambda x: gammaln(x))(3.0) == pytest.approx(special.digamma(3.0))
    check_grads(lambda x: special.digamma(x) * x, (2.5,))
    check_grads(lambda x: special.zeta(2.0, x), (1.5,))


def test_a_ufunc_passed_directly() -> None:
    assert grad(gammaln)(3.0) == pytest.approx(special.digamma(3.0), rel=1e-15)
    assert grad(xlogy, argnums=1)(2.0, 4.0) == pytest.approx(0.5, rel=1e-15)


def test_logsumexp_with_an_axis() -> None:
    a = np.array([[0.5, -1.0, 2.0], [0.1, 0.3, -0.2]])
    check_grads(lambda a: np.sum(np.sin(logsumexp(a, 0))), (a,), order=2)
    assert np.allclose(grad(lambda a: np.sum(logsumexp(a, 1)))(a), special.softmax(a, axis=1))


def test_a_custom_rule_stands_over_the_built_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(custom, "_FOREIGN", {})  # the rule given here, gone after

    def gamma_jvp(primals, tangents):  # type: ignore[no-untyped-def]
        (x,), (t,) = primals, tangents
        return special.gamma(x), 7.0 * t  # deliberately not gamma's derivative

    custom.defrule(special.gamma, jvp=gamma_jvp)
    assert grad(lambda x: special.gamma(x) + 0.0)(2.0) == 7.0


def test_every_named_scipy_function_has_a_handler_and_back() -> None:
    from symdiff.frontend import scipy_special, scipy_stats
    from symdiff.frontend.resolve import SCIPY_DISTRIBUTIONS, SCIPY_FUNCTIONS

    assert {f"special.{name}" for name in scipy_special._SPECIAL} == set(SCIPY_FUNCTIONS)
    assert set(SCIPY_DISTRIBUTIONS) == {*scipy_stats._FAMILIES, "multivariate_normal",
                                        "dirichlet", "dirichlet_multinomial"}
