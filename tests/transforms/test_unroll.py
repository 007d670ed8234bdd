"""`transforms.unroll`: range loops with constant bounds become straight-line IR.

Contract tested here: an unrolled program has no loop left and computes what the loop
did (by the reference interpreter), for plain, nested, empty, stepped and branched
loops; a loop whose body can raise keeps that operation as an effect (so the error is
still raised); loops with run-time bounds, `while` loops, breaks and appends are kept;
the trip budget is shared by all loops; a program with nothing to unroll is returned
as the same object.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from symdiff.ir.evaluate import evaluate
from symdiff.ir.regions import all_nodes
from symdiff.runtime.pipeline import primal_program
from symdiff.transforms.unroll import unroll_loops


def loops_in(program: Any) -> int:
    return sum(node.op == "loop" for node in all_nodes(program))


def horner(x):
    p = 0.0
    for k in range(5):
        p = p * x + (5 - k)
    return p


def nested(x, y):
    s = 0.0
    for i in range(4):
        for j in range(i):
            s += x ** j * y
    return s


def stepped(x):
    s = 1.0
    for i in range(10, 0, -3):
        s = s * x + i
    return s


def empty(x):
    s = x
    for _ in range(0):
        s = s * 2.0
    return s


def branched(x):
    s = 0.0
    for i in range(3):
        if s > 1.0:
            s = s - x
        else:
            s = s + x * i
    return s


def in_branch(x):
    if x > 0.0:
        s = 0.0
        for _ in range(3):
            s += x
        return s
    return -x


@pytest.mark.parametrize("fn", [horner, stepped, empty, branched, in_branch],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [-1.5, 0.25, 2.0])
def test_unrolled_program_computes_the_same(fn: Callable[..., Any], x: float) -> None:
    program = primal_program(fn)
    assert loops_in(program) >= 1
    unrolled = unroll_loops(program, 100)
    assert loops_in(unrolled) == 0
    assert evaluate(unrolled, [x]) == evaluate(program, [x]) == fn(x)


def test_nested_loops_unroll_level_by_level() -> None:
    program = primal_program(nested)
    unrolled = unroll_loops(program, 100)
    assert loops_in(unrolled) == 0
    assert evaluate(unrolled, [1.5, -2.0]) == nested(1.5, -2.0)


def divides(x):
    s = 0.0
    for i in range(3):
        s += 1.0 / (x - i)
    return s


def test_effects_of_the_body_stay() -> None:
    unrolled = unroll_loops(primal_program(divides), 100)
    assert loops_in(unrolled) == 0
    assert unrolled.effects  # the divisions that may raise
    assert evaluate(unrolled, [5.0]) == divides(5.0)
    with pytest.raises(ZeroDivisionError):
        evaluate(unrolled, [1.0])


def runtime_count(x, n):
    s = 0.0
    for _ in range(n):
        s += x
    return s


def halves(x):
    while x > 1.0:
        x = x / 2.0
    return x


def breaks(x):
    s = 0.0
    for _ in range(10):
        s += x
        if s > 3.0:
            break
    return s


def appends(x):
    ys = [x]
    for _ in range(3):
        ys.append(ys[-1] * x)
    return sum(ys)


@pytest.mark.parametrize("fn", [runtime_count, halves, breaks, appends],
                         ids=lambda f: f.__name__)
def test_loops_it_cannot_unroll_are_kept(fn: Callable[..., Any]) -> None:
    program = primal_program(fn)
    assert unroll_loops(program, 100) is program


def test_the_budget_is_shared_by_all_loops() -> None:
    program = primal_program(nested)  # 0 + 1 + 2 + 3 inner trips, 4 outer
    assert unroll_loops(program, 3) is program  # the outer loop alone has 4
    assert loops_in(unroll_loops(program, 4 + 6)) == 0
    partly = unroll_loops(program, 4 + 2)  # the outer, and the inner ones of 0 and 1 trips
    assert 0 < loops_in(partly) < 4 and evaluate(partly, [1.5, 2.0]) == nested(1.5, 2.0)


def test_nothing_to_unroll_is_the_same_program() -> None:
    program = primal_program(lambda x: math.sin(x) * x)
    assert unroll_loops(program, 100) is program
