"""The user's checks as primitives: effects that raise, emitted as the user wrote them."""

from __future__ import annotations

import ast

import pytest

from symdiff.codegen.emit import emit_module
from symdiff.ir.builder import Builder
from symdiff.ir.checks import ASSERT, RAISE_IF, CheckFailed
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import Program


def checked(prim_name: str, attrs: tuple[str, str | None]) -> Program:
    """``f(x)``: the check of ``x > 0`` (an effect), then ``x * 2``."""
    b = Builder()
    x = b.param("x")
    check = b.apply(prim_name, b.apply("gt", x, 0.0), attrs=attrs)
    return Program("f", (x,), b.mul(x, 2.0), b, effects=(check,))


def run(program: Program, x: float) -> float:
    namespace: dict[str, object] = {}
    exec(compile(emit_module(program), "<f>", "exec"), namespace)
    return namespace["f"](x)  # type: ignore[operator]


def test_assert_is_emitted_as_an_assert_and_raises_its_message() -> None:
    program = checked(ASSERT.name, ("AssertionError", "x must be positive"))
    text = emit_module(program)
    assert "assert x > 0.0, 'x must be positive'" in text
    ast.parse(text)
    assert run(program, 1.5) == 3.0
    with pytest.raises(AssertionError, match="x must be positive"):
        run(program, -1.0)
    assert evaluate(program, [1.5]) == 3.0
    with pytest.raises(AssertionError):
        evaluate(program, [-1.0])


def test_raise_if_is_emitted_as_an_if_and_raises_the_exception() -> None:
    program = checked(RAISE_IF.name, ("ValueError", None))
    assert "if x > 0.0:\n        raise ValueError()" in emit_module(program)
    assert run(program, -1.5) == -3.0
    with pytest.raises(ValueError):
        run(program, 1.0)
    with pytest.raises(CheckFailed):
        evaluate(program, [1.0])


def test_checks_are_not_differentiable_and_may_raise() -> None:
    b = Builder()
    node = b.apply(ASSERT.name, b.param("x"), attrs=("AssertionError", None))
    assert not ASSERT.differentiable and ASSERT.can_raise(node)
    assert ASSERT.vjp(b, node, b.param("ct")) == (None,)
