"""Lowering of calls to functions with custom rules, and of the rules themselves."""

from __future__ import annotations

import math
import types

import pytest

import symdiff
from symdiff.custom import rule_for
from symdiff.errors import UnsupportedSyntaxError
from symdiff.frontend.lower import lower
from symdiff.frontend.rules import lower_rule

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
    calls = [n for n in program.builder.nodes() if n.op.startswith("custom.")]
    assert {n.attrs for n in calls} == {(("twice",), ""), (("helpers", "twice"), "")}
    assert calls[0] in program.effects  # an opaque function may raise


def test_rule_binds_tuples_of_parameters() -> None:
    rule = rule_for(twice)
    assert rule is not None
    program = lower_rule(rule, twice_jvp, ((None,), (None,)), (("twice",), ""))
    assert [p.attrs[0] for p in program.params] == ["primals_0", "tangents_0"]
    primal_out, tangent_out = program.result  # type: ignore[misc]
    assert primal_out.op == rule.op and primal_out.attrs == (("twice",), "")
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
