"""`ir.regions.cond`: one region for an if/elif/else chain of n branches.

Contract tested here, on regions built by hand: the reference interpreter runs the
branch of the first test that holds (the predicate's, then each test's in order, else
the last), and runs no test after it nor any other branch, so an operation there never
raises; a region passes only the operands a branch or test reads and folds constant
operands into them; prune keeps what the tests read; forward and reverse mode over a
region of three branches agree with central differences and with each other.
"""

from __future__ import annotations

import math

import pytest

from symdiff.ir.builder import Builder
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import Node, Program
from symdiff.ir.regions import Arms, arms, branches, cond, cond_node
from symdiff.transforms.programs import grad_program, jvp_program
from symdiff.transforms.prune import prune_program


def _program(name: str, arity: int, make) -> Program:
    """A sub-program of `arity` parameters whose result is ``make(builder, *params)``."""
    b = Builder()
    params = tuple(b.arg(f"p{i}") for i in range(arity))
    out = make(b, *params)
    return Program(name, params, out if isinstance(out, tuple) else (out,), b)


def three_way() -> Program:
    """``-x * y if x < 0 else sin(x) * y if 1 / x > 2 else x * x * y``."""
    b = Builder()
    x, y = b.param("x"), b.param("y")
    programs = (
        _program("neg", 2, lambda bb, x, y: bb.mul(bb.neg(x), y)),
        _program("sin", 2, lambda bb, x, y: bb.mul(bb.sin(x), y)),
        _program("square", 2, lambda bb, x, y: bb.mul(bb.mul(x, x), y)),
    )
    test = _program("test", 2, lambda bb, x, y: bb.gt(bb.div(1.0, x), 2.0))
    (out,) = cond(b, b.lt(x, 0.0), (x, y), *programs, tests=[test])
    return Program("three_way", (x, y), out, b)


def reference(x: float, y: float) -> float:
    if x < 0.0:
        return -x * y
    elif 1.0 / x > 2.0:
        return math.sin(x) * y
    return x * x * y


POINTS = [(-1.5, 2.0), (0.25, 3.0), (1.5, -0.5)]  # one per branch


def test_the_first_branch_whose_test_holds_runs() -> None:
    program = three_way()
    for x, y in POINTS:
        assert evaluate(program, [x, y]) == reference(x, y)


def test_a_test_runs_only_when_the_ones_before_it_fail() -> None:
    program = three_way()
    b = program.builder
    (region,) = [n for n in (program.result.args[0],) if n.op == "cond"]  # type: ignore
    # x == 0 takes no branch before the test 1 / x > 2, which raises there: as in Python.
    with pytest.raises(ZeroDivisionError):
        evaluate(program, [0.0, 1.0])
    # ... and a predicate that holds keeps the test from running at all.
    first = cond_node(b, b.le(program.params[0], 0.0), region.args[1:],
                      *branches(region), tests=arms(region).tests)
    assert evaluate(program.replace(result=b.structural("proj", (first,), (0,))),
                    [0.0, 1.0]) == 0.0


def test_an_arms_record_needs_a_test_between_each_two_branches() -> None:
    arm = _program("arm", 1, lambda bb, x: x)
    with pytest.raises(ValueError, match="3 branches need 1 tests"):
        Arms((arm, arm, arm))


def test_operands_nothing_reads_are_dropped_and_constants_folded_in() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    programs = (
        _program("a", 3, lambda bb, x, y, c: bb.mul(x, c)),
        _program("b", 3, lambda bb, x, y, c: x),
        _program("c", 3, lambda bb, x, y, c: bb.neg(x)),
    )
    test = _program("test", 3, lambda bb, x, y, c: bb.gt(y, 1.0))
    node = cond_node(b, b.lt(x, 0.0), (x, y, b.const(3.0)), *programs, tests=[test])
    assert node.args[1:] == (x, y)  # the constant is folded in; y is read by the test
    assert all(len(p.params) == 2 for p in node.attrs[0].programs)
    program = Program("f", (x, y), b.structural("proj", (node,), (0,)), b)
    assert [evaluate(program, [v, 2.0]) for v in (-1.0, 1.0)] == [-3.0, 1.0]
    assert evaluate(program, [1.0, 0.0]) == -1.0
    pruned = prune_program(program)
    (region,) = [n for n in (pruned.result.args[0],) if n.op == "cond"]  # type: ignore
    assert len(region.args) == 3 and len(arms(region).tests) == 1


def _value(program: Program, x: float, y: float) -> tuple[float, ...]:
    out = evaluate(program, [x, y])
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize(("x", "y"), POINTS)
def test_forward_and_reverse_mode_through_three_branches(x: float, y: float) -> None:
    h = 1e-6
    want = [(reference(x + h, y) - reference(x - h, y)) / (2 * h),
            (reference(x, y + h) - reference(x, y - h)) / (2 * h)]
    gradient = evaluate(grad_program(three_way(), (0, 1)), [x, y])
    assert gradient == pytest.approx(want, rel=1e-6)
    jvp = jvp_program(three_way())
    for k in range(2):
        tangent = [1.0 if i == k else 0.0 for i in range(2)]
        value, derivative = evaluate(jvp, [x, y, *tangent])
        assert value == reference(x, y)
        assert derivative == pytest.approx(gradient[k], rel=1e-12)


def test_three_branches_are_one_region() -> None:
    program = three_way()
    region = program.result.args[0]  # type: ignore[union-attr]
    assert isinstance(region, Node) and region.op == "cond"
    assert len(branches(region)) == 3 and len(arms(region).tests) == 1
