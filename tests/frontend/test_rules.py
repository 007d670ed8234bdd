"""Lowering of calls to functions with custom rules, and of the rules themselves."""

from __future__ import annotations

import importlib
import math
import sys
import types
from typing import Any

import pytest

import symdiff
from symdiff.custom import rule_for
from symdiff.errors import UnsupportedSyntaxError
from symdiff.frontend.lower import GRAMMAR, lower
from symdiff.frontend.rules import lower_rule
from symdiff.testing import check_grads

helpers = types.ModuleType("helpers")


@symdiff.custom_jvp
def twice(x):
    return 2.0 * x


@twice.defjvp
def twice_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return twice(x), 2.0 * t


helpers.twice = twice


def test_call_lowers_to_one_node_with_the_users_path() -> None:
    def f(x):
        return twice(x) + helpers.twice(x)

    program = lower(f)
    calls = [n for n in program.builder.nodes() if n.op == "custom_call"]
    assert {n.attrs[:2] for n in calls} == {(("twice",), ""), (("helpers", "twice"), "")}
    assert calls[0] in program.effects  # an opaque function may raise
    # Each call carries the rule, lowered for its argument types and its path.
    rules = [n.attrs[2] for n in calls]
    assert rules[0] is not rules[1] and all(r.jvp is not None for r in rules)
    assert [r.jvp.program.name for r in rules] == ["twice_jvp", "twice_jvp"]


def test_rule_binds_tuples_of_parameters() -> None:
    rule = rule_for(twice)
    assert rule is not None
    program = lower_rule(rule, twice_jvp, ((None,), (None,)), (("twice",), ""), GRAMMAR)
    assert [p.attrs[0] for p in program.params] == ["primals_0", "tangents_0"]
    primal_out, tangent_out = program.result  # type: ignore[misc]
    assert primal_out.op == "custom_call" and primal_out.attrs[:2] == (("twice",), "")
    assert tangent_out.op == "mul"


def test_rule_calling_its_function_through_a_closure_is_reached_as_the_call() -> None:
    inner = symdiff.custom_jvp(math.sin)

    @inner.defjvp
    def inner_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return inner(x), math.cos(x) * t

    def f(x):
        return inner(x)

    assert "inner(x)" in symdiff.source(f, mode="forward")


def test_rule_calling_another_custom_function_through_a_closure() -> None:
    other = symdiff.custom_jvp(math.cos)
    other.defjvp(lambda primals, tangents: (other(primals[0]), -tangents[0]))
    outer = symdiff.custom_jvp(math.sin)
    outer.defjvp(lambda primals, tangents: (outer(primals[0]), other(primals[0]) * tangents[0]))

    def f(x):
        return outer(x)

    with pytest.raises(UnsupportedSyntaxError, match="through a closure variable"):
        symdiff.grad(f)(1.0)


# Three modules: A defines functions with custom rules, B imports them and calls them in
# a helper, C's function calls B's helper. Generated code for C's function runs in C's
# namespace, where the rules' functions have no name.
RULE_HOME = '''
import math

import symdiff


@symdiff.custom_jvp
def softplus(x):
    return math.log1p(math.exp(x))


@softplus.defjvp
def softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t / (1.0 + math.exp(-x))


@symdiff.custom_vjp
def cube(x):
    return x ** 3


def cube_fwd(x):
    return cube(x), (x,)


def cube_bwd(residuals, g):
    return (3.0 * residuals[0] ** 2 * g,)


cube.defvjp(cube_fwd, cube_bwd)
'''
RULE_USER = '''
import rule_home as home
from rule_home import softplus
from rule_home import cube as c3


def helper(x):
    return 2.0 * softplus(x) + c3(x) * home.softplus(0.5 * x)
'''
RULE_CALLER = '''
from rule_user import helper


def loss(x):
    return helper(x) * x
'''
RULE_MODULES = ("rule_home", "rule_user", "rule_caller")


@pytest.fixture
def rule_caller(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, text in zip(RULE_MODULES, (RULE_HOME, RULE_USER, RULE_CALLER), strict=True):
        (tmp_path / f"{name}.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    try:
        yield importlib.import_module("rule_caller")
    finally:
        for name in RULE_MODULES:
            sys.modules.pop(name, None)


def _softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def test_a_rule_imported_into_a_helpers_module_is_reached_through_it(rule_caller: Any) -> None:
    loss = rule_caller.loss
    x = 0.7
    helper = 2.0 * _softplus(x) + x ** 3 * _softplus(0.5 * x)
    d_helper = 2.0 * _sigmoid(x) + 3 * x ** 2 * _softplus(0.5 * x) \
        + x ** 3 * 0.5 * _sigmoid(0.5 * x)
    want = d_helper * x + helper
    assert symdiff.grad(loss)(x) == pytest.approx(want, rel=1e-12)
    value, g = symdiff.value_and_grad(loss)(x)
    assert value == pytest.approx(loss(x), rel=1e-12) and g == pytest.approx(want, rel=1e-12)
    assert symdiff.jvp(loss, (x,), (2.0,))[1] == pytest.approx(2.0 * want, rel=1e-12)
    assert symdiff.vjp(loss, x)[1](1.0)[0] == pytest.approx(want, rel=1e-12)
    h = 1e-5
    second = (symdiff.grad(loss)(x + h) - symdiff.grad(loss)(x - h)) / (2 * h)
    assert symdiff.hessian(loss)(x) == pytest.approx(second, rel=1e-6)
    assert symdiff.grad(symdiff.grad(loss))(x) == pytest.approx(second, rel=1e-6)
    assert symdiff.jacobian(loss)(x) == pytest.approx(want, rel=1e-12)
    check_grads(loss, (x,))
