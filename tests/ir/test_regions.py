"""`ir.regions`: the records and helpers of branch and loop regions, tested directly.

Contract tested here: an `Arms` lists its branches then its tests, and `map` returns
itself when no sub-program changes; `bodies` gives every sub-program of a cond and of a
loop; `cond` checks its branches agree and projects each output (interned, so asking
twice gives the same node); `n_outputs` and `output_source` read a cond's first branch
and a loop's carried values; `all_nodes` reaches every node of regions nested deeper
than Python's recursion limit without recursing.
"""

from __future__ import annotations

import sys

import pytest

from symdiff.frontend.lower import lower
from symdiff.ir.builder import Builder
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import Node, Program
from symdiff.ir.regions import (
    Arms,
    all_nodes,
    arms,
    bodies,
    branches,
    cond,
    cond_node,
    n_outputs,
    output_source,
    proj,
)


def _body(name: str, make, arity: int = 1) -> Program:
    b = Builder()
    params = tuple(b.arg(f"p{i}") for i in range(arity))
    out = make(b, *params)
    return Program(name, params, out if isinstance(out, tuple) else (out,), b)


def test_an_arms_record_lists_branches_then_tests_and_maps_to_itself_unchanged() -> None:
    one, two, three = (_body(n, lambda b, x: x) for n in ("one", "two", "three"))
    test = _body("test", lambda b, x: b.gt(x, 1.0))
    record = Arms((one, two, three), (test,))
    assert record.programs == (one, two, three, test)
    assert record.map(lambda p: p) is record
    renamed = record.map(lambda p: p.replace(name=p.name + "!"))
    assert renamed is not record and [p.name for p in renamed.programs] == [
        "one!", "two!", "three!", "test!"]


def test_a_cond_of_two_branches_projects_each_output_once() -> None:
    b = Builder()
    x = b.param("x")
    then = _body("then", lambda bb, p: (bb.neg(p), bb.sin(p)))
    orelse = _body("orelse", lambda bb, p: (p, bb.cos(p)))
    outs = cond(b, b.lt(x, 0.0), (x,), then, orelse)
    region = outs[0].args[0]
    assert [o.op for o in outs] == ["proj", "proj"] and n_outputs(region) == 2
    assert proj(b, region, 1) is outs[1]  # interned
    assert branches(region) == (then, orelse) and arms(region).tests == ()
    assert bodies(region) == (then, orelse)
    assert output_source(region, 0) is then.outputs[0]
    program = Program("f", (x,), outs, b)
    assert evaluate(program, [-2.0])[0] == 2.0 and evaluate(program, [2.0])[0] == 2.0


def test_branches_that_disagree_are_refused() -> None:
    b = Builder()
    x = b.param("x")
    one = _body("one", lambda bb, p: (p, p))
    other = _body("other", lambda bb, p: p)
    with pytest.raises(ValueError, match="branches return 2 and 1 values"):
        cond_node(b, b.lt(x, 0.0), (x,), one, other)
    with pytest.raises(ValueError, match="one parameter per operand"):
        cond_node(b, b.lt(x, 0.0), (x, x), one, one)


def looped(x):
    s = x
    for i in range(3):
        s = s * x + i
    return s


def test_a_loops_bodies_and_carried_outputs() -> None:
    program = lower(looped)
    (loop,) = [n for n in all_nodes(program) if n.op == "loop"]
    record = loop.attrs[0]
    assert bodies(loop) == (record.body,)  # a range loop has no test program
    assert n_outputs(loop) == record.n_outputs
    for i in range(n_outputs(loop)):
        source = output_source(loop, i)
        assert source is (record.body.outputs[i] if i in record.outputs.carry else None)


def test_all_nodes_follows_regions_nested_past_the_recursion_limit() -> None:
    depth = sys.getrecursionlimit() + 100
    inner = _body("leaf", lambda b, p: b.add(p, 1.0))
    for k in range(depth):  # each level: cond(p < k) of the level below, else p
        b = Builder()
        p = b.arg("p")
        (out,) = cond(b, b.lt(p, float(k)), (p,), inner, _body("same", lambda bb, q: q))
        inner = Program(f"level{k}", (p,), (out,), b)
    b = Builder()
    x = b.param("x")
    (out,) = cond(b, b.lt(x, -1.0), (x,), inner, _body("same", lambda bb, q: q))
    found = all_nodes(Program("deep", (x,), out, b))
    assert sum(n.op == "cond" for n in found) == depth + 1
    assert all(isinstance(n, Node) for n in found)
