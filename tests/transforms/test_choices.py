"""The derivatives of operations that choose an argument (``max``, ``min``, ``np.clip``,
``np.where``, ``abs``, ``fmax``, ``and``/``or``, ``heaviside``'s h0) select the
(co)tangent where the argument is chosen and give 0 elsewhere, never multiply it by a
0/1 mask: where the argument is not chosen the derivative is 0 even where the slope
upstream is infinite (``sqrt'(0)``), in both modes, at second order, for numbers and
arrays. A partial applied to a (co)tangent so chosen applies to the chosen value alone
(`ir.primitive.chosen`), so a zero stays a zero through later operations.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff.ir.builder import Builder
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import Node, Program
from symdiff.ir.primitive import Quotient, accumulate, apply_partial
from symdiff.ir.primitives import PRIMITIVES
from symdiff.testing import check_grads
from symdiff.unparse import unparse


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    # The discarded infinite slope is computed, and NumPy warns dividing by zero.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# The rules: an infinite (co)tangent where the argument is not chosen gives 0 ---------------

# (primitive, arguments, index of an argument the operation does not choose there)
UNCHOSEN = [
    ("max", (-1.0, 0.0), 0), ("max", (1.0, 0.0), 1),
    ("min", (1.0, 0.0), 0), ("min", (-1.0, 0.0), 1),
    ("fmax", (-1.0, 0.0), 0), ("fmax", (1.0, math.nan), 1),
    ("fmin", (1.0, 0.0), 0), ("fmin", (-1.0, math.nan), 1),
    ("abs", (0.0,), 0), ("fabs", (0.0,), 0), ("copysign", (0.0, -2.0), 0),
    ("and_", (0.0, 3.0), 1), ("and_", (2.0, 3.0), 0),
    ("or_", (2.0, 3.0), 1), ("or_", (0.0, 3.0), 0),
    ("heaviside", (1.0, 0.5), 1),
    ("select", (False, 1.0, 2.0), 1), ("select", (True, 1.0, 2.0), 2),
]


def _rules(name: str, n: int) -> tuple[Builder, list[Node], Node]:
    b = Builder()
    params = [b.param(f"x{i}") for i in range(n)]
    return b, params, b.apply(name, *params)


@pytest.mark.parametrize(("name", "args", "unchosen"), UNCHOSEN)
def test_an_infinite_cotangent_does_not_reach_an_argument_not_chosen(
        name: str, args: tuple[float, ...], unchosen: int) -> None:
    b, params, node = _rules(name, len(args))
    ct = b.param("ct")
    contributions = PRIMITIVES[name].vjp(b, node, ct)
    got = contributions[unchosen]
    assert got is not None
    program = Program("f", (*params, ct), (got,), b)
    for inf in (math.inf, -math.inf):
        assert evaluate(program, [*args, inf])[0] == 0.0


@pytest.mark.parametrize(("name", "args", "unchosen"), UNCHOSEN)
def test_an_infinite_tangent_of_an_argument_not_chosen_gives_zero(
        name: str, args: tuple[float, ...], unchosen: int) -> None:
    b, params, node = _rules(name, len(args))
    t = b.param("t")
    tangents = tuple(t if i == unchosen else None for i in range(len(args)))
    program = Program("f", (*params, t), (PRIMITIVES[name].jvp(b, node, tangents),), b)
    assert evaluate(program, [*args, math.inf])[0] == 0.0


def test_a_partial_applies_to_the_chosen_value_alone() -> None:
    # sqrt'(0) = 0.5 / 0 is inf; times the zero the selection chose, 0, not nan.
    b = Builder()
    c, t, root = b.param("c"), b.param("t"), b.param("r")
    chosen = b.select(b.apply("gt", c, 0.0), b.select(b.apply("lt", c, 2.0), t, 0.0), 0.0)
    for partial in (Quotient(0.5, root, True), b.safe_div(1.0, root)):
        applied = apply_partial(b, partial, chosen)
        program = Program("f", (c, t, root), (applied,), b)
        assert evaluate(program, [-1.0, 1.0, 0.0])[0] == 0.0
        assert evaluate(program, [3.0, 1.0, 0.0])[0] == 0.0
        assert evaluate(program, [1.0, 1.0, 0.0])[0] == math.inf
    negated = PRIMITIVES["neg"].jvp(b, b.neg(t), (chosen,))
    assert negated.prim is PRIMITIVES["select"]


def test_two_terms_chosen_alike_are_summed_as_one_choice() -> None:
    b = Builder()
    c, s, t = b.param("c"), b.param("s"), b.param("t")
    total = accumulate(b, b.select(c, s, 0.0), b.select(c, t, 0.0))
    assert total is b.select(c, b.add(s, t), 0.0)
    apart = accumulate(b, b.select(c, s, 0.0), b.select(c, 0.0, t))
    assert apart is b.add(b.select(c, s, 0.0), b.select(c, 0.0, t))


# End to end: the functions practitioners write, in every mode and at second order ---------


def relu_sqrt(v: float) -> float:
    return math.sqrt(max(v, 0.0)) + v


def neg_part_sqrt(v: float) -> float:
    return math.sqrt(-min(v, 0.0)) + v


def abs_power(v: float) -> float:
    return math.sqrt(abs(v)) * v + math.sqrt(math.fabs(v))


def clipped(v: float) -> float:
    return math.sqrt(min(max(v, 0.0), 1.0)) + v


def np_relu_sqrt(v: Any) -> Any:
    return np.sum(np.sqrt(np.maximum(v, 0.0)) + v)


def np_clip_sqrt(v: Any) -> Any:
    return np.sum(np.sqrt(np.clip(v, 0.0, 1.0)) ** 3 + v)


def np_where_sqrt(v: Any) -> Any:
    return np.sum(np.where(v > 0.0, np.sqrt(v), 0.0) + v)


def np_abs_sqrt(v: Any) -> Any:
    return np.sum(np.sqrt(np.abs(v)) + v)


def np_fmax_sqrt(v: Any) -> Any:
    return np.sum(np.sqrt(np.fmax(v, 0.0)) + v)


def np_minimum_sqrt(v: Any) -> Any:
    return np.sum(np.sqrt(-np.minimum(v, 0.0)) + v)


Fn = Callable[..., Any]

# (function, a point where the chosen-against argument has an infinite slope around it,
#  the gradient there)
AT_KINK: list[tuple[Fn, Any, Any]] = [
    (relu_sqrt, -2.0, 1.0),
    (neg_part_sqrt, 3.0, 1.0),
    (abs_power, 0.0, 0.0),
    (clipped, -1.0, 1.0),
    (np_relu_sqrt, np.array([-1.0, 4.0, -0.5]), np.array([1.0, 1.25, 1.0])),
    (np_clip_sqrt, np.array([-1.0, 0.25, 2.0]), np.array([1.0, 1.75, 1.0])),
    (np_where_sqrt, np.array([-1.0, 0.0, 4.0]), np.array([1.0, 1.0, 1.25])),
    (np_abs_sqrt, np.array([0.0, 4.0, -4.0]), np.array([1.0, 1.25, 0.75])),
    (np_fmax_sqrt, np.array([-3.0, 4.0]), np.array([1.0, 1.25])),
    (np_minimum_sqrt, np.array([3.0, -4.0]), np.array([1.0, 0.75])),
]


def _ids(cases: list[Any]) -> list[str]:
    return [c[0].__name__ for c in cases]


@pytest.mark.parametrize(("f", "x", "expected"), AT_KINK, ids=_ids(AT_KINK))
def test_gradient_is_finite_where_the_argument_is_not_chosen(f: Fn, x: Any, expected: Any
                                                             ) -> None:
    np.testing.assert_allclose(symdiff.grad(f)(x), expected)
    np.testing.assert_allclose(symdiff.value_and_grad(f)(x)[1], expected)
    np.testing.assert_allclose(symdiff.jacfwd(f)(x), expected)
    np.testing.assert_allclose(symdiff.jacrev(f)(x), expected)
    direction = np.ones_like(x)
    np.testing.assert_allclose(symdiff.jvp(f, (x,), (direction,))[1],
                               np.sum(expected * direction))
    _, pullback = symdiff.vjp(f, x)
    np.testing.assert_allclose(pullback(1.0)[0], expected)


@pytest.mark.parametrize(("f", "x", "expected"), AT_KINK, ids=_ids(AT_KINK))
def test_second_derivatives_are_finite_where_the_argument_is_not_chosen(
        f: Fn, x: Any, expected: Any) -> None:
    for second in (symdiff.hessian(f), symdiff.jacfwd(symdiff.jacfwd(f)),
                   symdiff.jacrev(symdiff.grad(f)), symdiff.jacfwd(symdiff.grad(f))):
        h = np.asarray(second(x))
        assert np.all(np.isfinite(h)), h
    # Where nothing is chosen against an infinite slope, they are the second derivative.
    if np.ndim(x):
        hess = symdiff.hessian(f)(x)
        for i in np.flatnonzero(expected == 1.0):
            assert np.all(hess[i] == 0.0) and np.all(hess[:, i] == 0.0)


# Away from the kinks the derivatives are the usual ones, checked against differences.
AWAY: list[tuple[Fn, Any]] = [
    (relu_sqrt, 2.0), (neg_part_sqrt, -3.0), (abs_power, -1.5), (clipped, 0.25),
    (np_relu_sqrt, np.array([1.0, 4.0])), (np_clip_sqrt, np.array([0.25, 0.5])),
    (np_where_sqrt, np.array([1.0, 4.0])), (np_abs_sqrt, np.array([-1.0, 4.0])),
    (np_fmax_sqrt, np.array([2.0, 3.0])), (np_minimum_sqrt, np.array([-2.0, -3.0])),
]


@pytest.mark.parametrize(("f", "x"), AWAY, ids=_ids(AWAY))
def test_away_from_the_kinks_the_derivatives_are_the_usual_ones(f: Fn, x: Any) -> None:
    check_grads(f, (x,), order=2)


# The code: plain conditionals on numbers, np.where on arrays, selecting, not masking ------


def _assigned(source: str, name: str) -> ast.expr:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return node.value
    raise AssertionError(f"no assignment to {name} in\n{source}")


def test_number_code_selects_with_a_conditional_expression() -> None:
    source = symdiff.source(lambda v: math.sqrt(max(v, 0.0)))
    chosen = _assigned(source, "v_bar")
    assert isinstance(chosen, ast.IfExp), source
    assert isinstance(chosen.orelse, ast.Constant) and chosen.orelse.value == 0.0
    assert "np." not in source


def test_array_code_selects_with_np_where() -> None:
    source = symdiff.source(lambda v: np.sum(np.sqrt(np.maximum(v, 0.0))),
                            args=(np.ones(3),))
    chosen = _assigned(source, "v_bar")
    assert isinstance(chosen, ast.Call) and unparse(chosen.func) == "np.where", source
    assert isinstance(chosen.args[2], ast.Constant) and chosen.args[2].value == 0.0


def test_ties_still_split_the_derivative() -> None:
    assert symdiff.grad(lambda x, y: max(x, y), argnums=(0, 1))(1.0, 1.0) == (0.5, 0.5)
    assert symdiff.grad(lambda x: min(x, 2.0))(2.0) == 0.5
    v, w = np.array([1.0, 3.0, 2.0]), np.array([1.0, 2.0, 3.0])
    dv, dw = symdiff.grad(lambda v, w: np.sum(np.maximum(v, w)), argnums=(0, 1))(v, w)
    np.testing.assert_allclose(dv, [0.5, 1.0, 0.0])
    np.testing.assert_allclose(dw, [0.5, 0.0, 1.0])


# A realistic case: a Heston-style variance clamp in a Monte Carlo path ------------------------


def test_heston_gradient_with_a_clamped_variance_matches_differences() -> None:
    # The corpus's call price under Heston dynamics, full truncation Euler: the variance
    # may go negative, and enters the drift and the diffusion as np.maximum(v, 0.0).
    pytest.importorskip("scipy")  # (the corpus module imports it)
    from benchmarks.realistic.finance import heston_call_mc

    rng = np.random.default_rng(7)
    Z1, Z2 = rng.normal(size=(64, 12)), rng.normal(size=(64, 12))
    params = (1.5, 0.04, 0.9, -0.6, 0.04)  # a vol of vol this high drives v below 0
    argnums = (0, 1, 2, 3, 4)
    kappa, theta, xi, rho, v = params
    clamped = 0  # (the clamp binds on some paths: the case under test)
    for t in range(12):
        clamped += int(np.sum(v < 0.0))
        vp = np.maximum(v, 0.0)
        noise = rho * Z1[:, t] + math.sqrt(1 - rho**2) * Z2[:, t]
        v = v + kappa * (theta - vp) / 12 + xi * np.sqrt(vp / 12) * noise
    assert clamped > 0

    def price(kappa: float, theta: float, xi: float, rho: float, v0: float) -> Any:
        return heston_call_mc(kappa, theta, xi, rho, v0, Z1, Z2)  # fixed normals

    def central(i: int, h: float = 1e-6) -> float:
        up, down = list(params), list(params)
        up[i] += h
        down[i] -= h
        return float(price(*up) - price(*down)) / (2 * h)

    fd = [central(i) for i in argnums]
    assert np.all(np.isfinite(fd))
    for transform in (symdiff.grad, symdiff.jacfwd, symdiff.jacrev):
        got = transform(heston_call_mc, argnums=argnums)(*params, Z1, Z2)
        np.testing.assert_allclose(got, fd, rtol=1e-5)
    np.testing.assert_allclose(symdiff.grad(price, argnums=argnums)(*params), fd, rtol=1e-5)
    _, tangent = symdiff.jvp(price, params, (0.0, 0.0, 1.0, 0.0, 0.0))
    np.testing.assert_allclose(tangent, fd[2], rtol=1e-5)
