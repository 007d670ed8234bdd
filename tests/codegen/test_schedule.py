"""`codegen.schedule`: from the DAG to a flat single-assignment program.

Contract tested here: the order lists exactly the live operations (no leaf, nothing
dead), in creation order, which is topological; the same program always gets the same
schedule, and the same construction in a new builder the same one; a shared
subexpression, a named node, an effect and a node whose inlined expression would grow
past `MAX_SIZE` get an assignment, a single-use node is inlined; an effect nothing uses
is a statement of its own; and a statement reading an array an update writes is moved
before that update.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from symdiff.codegen.emit import emit_module
from symdiff.codegen.schedule import MAX_SIZE, Schedule, schedule
from symdiff.ir.builder import Builder
from symdiff.ir.node import LEAVES, Node, Program, topological
from symdiff.ir.types import of_value
from tests.ir.support import run_emitted


def check_topological(s: Schedule) -> None:
    """Every operation the order holds comes after the operations it reads."""
    seen: set[Node] = set()
    for node in s.order:
        assert all(a in seen for a in node.args if a.op not in LEAVES), node
        seen.add(node)


def test_the_order_is_the_live_operations_in_creation_order() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    a = b.mul(x, y)
    dead = b.cos(x)  # created between live nodes, used by nothing
    s_ = b.sin(a)
    out = b.add(s_, b.exp(y))
    s = schedule(Program("f", (x, y), out, b))
    check_topological(s)
    assert s.order == (a, s_, out.args[1], out)
    assert dead not in s.order and x not in s.order
    assert [n.op for n in s.order] == ["mul", "sin", "exp", "add"]


def test_roots_limit_the_order_to_what_they_need() -> None:
    b = Builder()
    x = b.param("x")
    first, second = b.sin(x), b.cos(x)
    s = schedule(Program("f", (x,), (first, second), b), roots=[second])
    assert s.order == (second,)


def test_a_shared_subexpression_is_assigned_and_computed_once() -> None:
    b = Builder()
    x = b.param("x")
    shared = b.sin(b.mul(x, 3.0))
    single = b.cos(x)
    out = b.add(b.mul(shared, shared), b.add(shared, single))
    program = Program("f", (x,), out, b)
    s = schedule(program)
    assert shared in s.assigned and s.uses[shared] == 3
    assert single not in s.assigned  # used once: inlined into its user
    assert b.mul(x, 3.0) not in s.assigned
    source = emit_module(program)
    assert source.count("math.sin(") == 1 and source.count("math.cos(") == 1
    value = math.sin(1.5)
    assert run_emitted(program, 0.5) == value * value + value + math.cos(0.5)


def test_a_named_node_is_assigned_unless_told_to_inline_it() -> None:
    b = Builder()
    x = b.param("x")
    z = b.exp(x)
    b.name(z, "z")
    program = Program("f", (x,), b.neg(z), b)
    assert z in schedule(program).assigned
    assert z not in schedule(program, inline=frozenset({z})).assigned
    assert "z = math.exp(x)" in emit_module(program)


def test_effects_run_even_when_unused() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    unused = b.div(x, y)  # may raise: kept, but nothing reads it
    used = b.apply("sqrt", x)
    program = Program("f", (x, y), b.mul(used, 2.0), b, effects=(unused, used))
    s = schedule(program)
    assert unused in s.order and unused in s.statements and unused not in s.assigned
    assert used in s.assigned  # an effect is never inlined, even when used once
    assert s.order.index(unused) < s.order.index(used)


def chain(b: Builder, x: Node, n: int) -> Node:
    for _ in range(n):
        x = b.sin(x)
    return x


def test_a_long_chain_is_cut_every_max_size_operations() -> None:
    b = Builder()
    x = b.param("x")
    out = chain(b, x, 3 * MAX_SIZE + 2)
    s = schedule(Program("f", (x,), out, b))
    # Assigned at MAX_SIZE + 1 operations: the first cut is the (MAX_SIZE+1)-th sin.
    cuts = sorted(s.order.index(n) for n in s.assigned)
    assert cuts == [MAX_SIZE, 2 * MAX_SIZE + 1]


def test_reading_an_array_comes_before_the_update_that_writes_it() -> None:
    b = Builder()
    x = b.param("x", of_value(np.ones(3)))
    base = b.mul(x, 2.0)
    updated = b.apply("index_set", base, 0.0, attrs=((("int", 0),),))
    total = b.apply("sum", base, attrs=(None, False))  # reads base, created after
    program = Program("f", (x,), (updated, b.mul(total, total)), b)
    s = schedule(program)
    check_topological(s)
    assert total in s.assigned and s.order.index(total) < s.order.index(updated)
    source = emit_module(program)
    assert ".copy()" not in source  # the update writes in place, after the read
    out, squared = run_emitted(program, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(out, [0.0, 4.0, 6.0])
    assert squared == 144.0


# Random programs --------------------------------------------------------------------

UNARY = ("sin", "cos", "exp", "neg")
BINARY = ("add", "mul", "sub")
Step = tuple[str, int, int]

STEPS = st.lists(st.tuples(st.sampled_from(UNARY + BINARY), st.integers(0, 99),
                           st.integers(0, 99)), min_size=1, max_size=30)


def build(steps: Sequence[Step], picks: Sequence[int]) -> Program:
    """A program over x, y: each step applies an operation to earlier values (chosen
    modulo how many exist); the results are the last value and the `picks`."""
    b = Builder()
    values: list[Node] = [b.param("x"), b.param("y")]
    for op, i, j in steps:
        args = [values[i % len(values)]] if op in UNARY else [
            values[i % len(values)], values[j % len(values)]]
        values.append(b.apply(op, *args))
    result = (values[-1], *(values[p % len(values)] for p in picks))
    return Program("f", tuple(values[:2]), result, b)


def inlined_size(node: Node, assigned: frozenset[Node]) -> int:
    return 1 + sum(inlined_size(a, assigned) for a in node.args
                   if a.op not in LEAVES and a not in assigned)


def shape(s: Schedule) -> tuple[Any, ...]:
    """A schedule as positions and operations, comparable across builders."""
    at = {n: i for i, n in enumerate(s.order)}
    return tuple((n.op, tuple(at.get(a, a.op) for a in n.args), n in s.assigned)
                 for n in s.order)


@settings(max_examples=150, deadline=None)
@given(STEPS, st.lists(st.integers(0, 99), max_size=3))
def test_random_programs_are_scheduled_by_the_contract(steps: list[Step],
                                                       picks: list[int]) -> None:
    program = build(steps, picks)
    s = schedule(program)
    live = [n for n in topological(list(program.outputs)) if n.op not in LEAVES]
    assert set(s.order) == set(live) and len(s.order) == len(live)
    assert list(s.order) == sorted(live, key=lambda n: n.serial)
    check_topological(s)
    for node in s.order:
        if s.uses[node] > 1:
            assert node in s.assigned
        if node not in s.assigned:
            assert inlined_size(node, s.assigned) <= MAX_SIZE
    again = schedule(program)
    assert again.order == s.order and again.assigned == s.assigned
    assert shape(schedule(build(steps, picks))) == shape(s)
    x, y = 0.3, -0.7
    if all(abs(v) < 1e6 for v in evaluate_all(program, x, y)):
        got = run_emitted(program, x, y)
        np.testing.assert_allclose(got, evaluate_all(program, x, y), rtol=1e-12)


def evaluate_all(program: Program, x: float, y: float) -> tuple[float, ...]:
    from symdiff.ir.evaluate import evaluate

    try:
        return tuple(evaluate(program, [x, y]))
    except OverflowError:
        return (math.inf,)
