"""scipy.linalg.cholesky, solve_triangular, cho_factor, cho_solve and expm in user code,
under the names Gaussian-process and ODE code imports them by: both modes and second
derivatives against finite differences, SciPy's values, the generated code (NumPy only
but for expm), the functions differentiated directly, and located errors (skipped
without SciPy)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from symdiff import UnsupportedSyntaxError, grad, jacfwd, jvp
from symdiff.testing import check_grads
from tests.frontend import support
from tests.ir.support import positive_definite

sla = pytest.importorskip("scipy.linalg")
import scipy.linalg  # noqa: E402
from scipy.linalg import cho_factor, cho_solve, expm, solve_triangular  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_disk_cache")

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()
RNG = np.random.default_rng(37)


def triangular_solves(A, b):
    lower = solve_triangular(A, b, lower=True)
    upper = solve_triangular(A, b)
    transposed = solve_triangular(A, b, trans="T", lower=True) + solve_triangular(A, b, trans=1)
    unit = sla.solve_triangular(A, b, 0, True, True)
    return lower * upper + transposed - unit + solve_triangular(A, b, trans=2)


def factor_and_solve(K, y):
    c, low = cho_factor(K)
    upper = cho_solve((c, low), y)
    lower = cho_solve(cho_factor(K, lower=True), y)
    return upper * 2.0 + lower ** 2


def factors(K):
    return scipy.linalg.cholesky(K) + scipy.linalg.cholesky(K, lower=True) ** 2


def triangular_matrix_rhs(A, B):
    return solve_triangular(A, B, lower=True, check_finite=False)


def linear_ode(A, x0):
    # x' = A x from x0, at times 0.5 and 1: a state-transition matrix.
    return expm(0.5 * A) @ x0 + scipy.linalg.expm(A) @ x0


def stacked_factors_and_flows(K, A):
    # SciPy's cholesky and expm of a stack: each matrix's.
    return scipy.linalg.cholesky(K, lower=True) + cholesky_upper(K) ** 2 + expm(A) @ K


def cholesky_upper(K):
    return sla.cholesky(K)


A3 = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
CASES: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (triangular_solves, (A3, RNG.standard_normal(3))),
    (factor_and_solve, (positive_definite(RNG, 4), RNG.standard_normal(4))),
    (factors, (positive_definite(RNG, 3),)),
    (triangular_matrix_rhs, (A3, RNG.standard_normal((3, 2)))),
    (linear_ode, (0.5 * RNG.standard_normal((3, 3)), RNG.standard_normal(3))),
]


def _scipy_takes_stacks() -> bool:
    """Whether this SciPy's cholesky and expm take a stack of matrices (SciPy 1.15 and
    older raise ValueError, as the user's own function then does)."""
    try:
        scipy.linalg.cholesky(np.eye(2)[None])
        scipy.linalg.expm(np.zeros((1, 2, 2)))
    except ValueError:
        return False
    return True


if _scipy_takes_stacks():
    CASES.append((stacked_factors_and_flows,
                  (np.stack([positive_definite(RNG, 3) for _ in range(2)]),
                   0.5 * RNG.standard_normal((2, 3, 3)))))


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_derivatives_match_finite_differences(f: Callable[..., Any],
                                              args: tuple[Any, ...]) -> None:
    check_grads(f, args, order=2, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_float32(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    check_grads(f, tuple(a.astype(np.float32) for a in args), eps=1e-3, rtol=3e-2, atol=3e-3)


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_values_are_scipy_s(f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    value, _ = jvp(f, args, tuple(np.ones_like(a) for a in args))
    np.testing.assert_allclose(value, f(*args), rtol=1e-10)


def test_generated_code_needs_numpy_only() -> None:
    def quadratic(K, y):
        return y @ cho_solve(cho_factor(K, lower=True), y)

    g = grad(quadratic)
    K, y = positive_definite(RNG, 3), RNG.standard_normal(3)
    # -alpha alpha^T for a symmetric K, read from the lower triangle cho_factor reads.
    alpha = np.linalg.solve(K, y)
    outer = np.outer(alpha, alpha)
    np.testing.assert_allclose(g(K, y), -(2 * np.tril(outer, -1) + np.diag(np.diag(outer))),
                               rtol=1e-10)
    assert "scipy" not in g.source and "np.linalg.cholesky(K)" in g.source


def test_expm_is_scipy_s_own_call() -> None:
    def trace_of_exp(A):
        return np.trace(expm(A))

    g = grad(trace_of_exp)
    A = 0.5 * RNG.standard_normal((3, 3))
    # d tr(exp(A)) = tr(exp(A) dA): the gradient is exp(A).T.
    np.testing.assert_allclose(g(A), expm(A).T, rtol=1e-10)
    assert "import scipy.linalg" in g.source and "scipy.linalg.expm(A)" in g.source


def test_functions_differentiated_directly() -> None:
    A, b = positive_definite(RNG, 3), RNG.standard_normal(3)
    eps, direction = 1e-6, RNG.standard_normal((3, 3))
    for fn in (scipy.linalg.cholesky, lambda a: solve_triangular(a, b), expm):
        fd = (fn(A + eps * direction) - fn(A - eps * direction)) / (2 * eps)
        jac = jacfwd(fn)(A)
        np.testing.assert_allclose(np.tensordot(jac, direction, axes=2), fd, rtol=1e-6,
                                   atol=1e-8)


def test_the_functions_named_are_the_ones_lowered() -> None:
    from symdiff.frontend import scipy_linalg
    from symdiff.frontend.resolve import SCIPY_LINALG

    assert {f"linalg.{name}" for name in scipy_linalg._LINALG} == set(SCIPY_LINALG)


# Located errors -----------------------------------------------------------------------


def cho_solve_of_a_matrix(K):
    return cho_solve(K, K[0]).sum()  # E:pair


def lower_not_constant(K):
    return solve_triangular(K, K[0], lower=K[0, 0] > 0).sum()  # E:lower


def stacked_triangle(K):
    return solve_triangular(K[None], K[0]).sum()  # E:stack


def rhs_of_three_axes(K):
    return solve_triangular(K, K[None]).sum()  # E:rhs


def bad_trans(K):
    return solve_triangular(K, K[0], trans=3).sum()  # E:trans


ERRORS = [
    (cho_solve_of_a_matrix, "pair", "K,", ["the pair (c, lower)"]),
    (lower_not_constant, "lower", "solve_triangular(", ["lower must be a constant"]),
    (stacked_triangle, "stack", "solve_triangular(", ["stack of matrices", "not supported yet"]),
    (rhs_of_three_axes, "rhs", "solve_triangular(", ["vector or a matrix"]),
    (bad_trans, "trans", "solve_triangular(", ["trans=3 is not supported here"]),
]


@pytest.mark.parametrize(("f", "tag", "snippet", "words"), ERRORS,
                         ids=[f.__name__ for f, *_ in ERRORS])
def test_unsupported_arguments_are_located(f: Callable[..., Any], tag: str, snippet: str,
                                           words: list[str]) -> None:
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(f)(positive_definite(RNG, 3))
    support.assert_located(info.value, THIS_FILE, LINES, tag, snippet, words)
