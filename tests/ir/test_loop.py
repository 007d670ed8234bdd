"""`ir.loop`: a loop's arguments, parameters, results and outputs by named group.

Contract tested here: for every loop a derivative holds (forward loops that append to
lists, save a tape and count their trips; backward loops that pop a tape and lists; a
forward-over-reverse loop whose tape entries hold tangents), each ``split_*`` cuts the
node's arguments, its body's parameters and results and its outputs into groups that lay
out again as they were (`flat`), the lists popped line up with the parameter groups
they fill and the lists pushed with the result groups pushed; `extend` and `cut` keep
the groups; `moved_output` follows an output into a loop that also carries tangents;
and the reference interpreter runs tapes of one value and of several as the generated
code does.
"""

from __future__ import annotations

import math

import pytest

from symdiff.frontend.lower import lower
from symdiff.ir.builder import Builder
from symdiff.ir.evaluate import evaluate
from symdiff.ir.loop import BodyParams, BodyResults, Loop, moved_output
from symdiff.ir.node import Node, Op, Program
from symdiff.ir.regions import all_nodes
from symdiff.transforms.higher import hessian_program
from symdiff.transforms.programs import grad_program, jvp_program
from symdiff.transforms.prune import prune_program
from symdiff.transforms.simplify import simplify_program


def trajectory(y0, h):
    ys = [y0]
    for _ in range(5):
        ys.append(ys[-1] + h * math.sin(ys[-1]))
    return sum(ys)


def newton_sqrt(x):
    y = x
    while abs(y * y - x) > 1e-12:
        y = 0.5 * (y + x / y)
    return y


def two_carried(x):
    s = 0.0
    t = 1.0
    for k in range(4):
        s, t = s * math.sin(x) + t * x, t * math.cos(s) + k
        if s > 10.0:
            break
    return s + t


FUNCTIONS = [trajectory, newton_sqrt, two_carried]


def primal(f) -> Program:
    return prune_program(simplify_program(lower(f)))


def derivatives(f) -> list[Program]:
    p = primal(f)
    return [p, grad_program(p, 0), jvp_program(grad_program(p, 0), 0), hessian_program(p, 0)]


def loop_nodes(program: Program) -> list[Node]:
    return [n for n in all_nodes(program) if n.op == "loop"]


@pytest.mark.parametrize("f", FUNCTIONS)
def test_every_group_lays_out_again_as_it_was(f) -> None:
    kinds = set()
    for program in derivatives(f):
        for node in loop_nodes(program):
            loop: Loop = node.attrs[0]
            body = loop.body
            assert loop.split_args(node.args).flat() == node.args
            assert loop.split_params(body.params).flat() == body.params
            assert loop.split_results(body.outputs).flat() == body.outputs
            assert loop.outputs.flat() == tuple(range(loop.n_outputs))
            if loop.test is not None:
                assert loop.split_params(loop.test.params).flat() == loop.test.params
            args, params = loop.split_args(node.args), loop.split_params(body.params)
            results = loop.split_results(body.outputs)
            assert len(args.popped_from) == len(params.pops)
            if loop.n_popped:  # the tape's entry first, then a value from each list
                assert [len(g) for g in params.pops] == [loop.n_popped,
                                                         *[1] * loop.n_unstacked]
            assert len(loop.outputs.lists) == len(results.pushed)
            assert (results.stop is not None) == loop.breaks
            kinds.add((loop.kind, loop.reverse, bool(loop.n_saved), bool(loop.n_popped),
                       bool(loop.n_stacked), bool(loop.n_unstacked), loop.counted))
    assert len(kinds) > 2  # forward and backward loops, with and without lists


def test_a_tape_entry_holds_tangents_after_the_values_it_saves() -> None:
    (taped,) = [n.attrs[0] for n in loop_nodes(hessian_program(primal(two_carried), 0))
                if n.attrs[0].n_saved]
    saved = taped.split_results(taped.body.outputs).saved
    values, dots = saved[:len(saved) // 2], saved[len(saved) // 2:]
    assert len(values) == len(dots)
    # The carried values the iteration starts from, each with its tangent, and the
    # transcendental values it computes (math.cos(s)) or that its derivative needs of
    # the same argument (the sine), saved so as not to compute them again, with theirs.
    assert [str(d.attrs[0]) for v, d in zip(values, dots, strict=True) if v.op == Op.ARG] \
        == [f"{v.attrs[0]}_dot" for v in values if v.op == Op.ARG]
    assert sorted(v.prim.name for v in values if v.op != Op.ARG) == ["cos", "sin"]


def test_extend_and_cut_keep_the_groups() -> None:
    params = BodyParams(("i",), ("a",), (), ("s", "t"), ("x",))
    more = BodyParams((), ("a_dot",), (), ("s_dot",), ("x_dot",))
    assert params.extend(more) == BodyParams(("i",), ("a", "a_dot"), (), ("s", "t", "s_dot"),
                                             ("x", "x_dot"))
    assert more.cut([1, 2, 3]) == BodyParams((), (1,), (), (2,), (3,))
    with pytest.raises(ValueError):
        more.cut([1, 2])
    results = BodyResults(("s",), (), (), "stop")
    assert results.extend(BodyResults(("s_dot",), (), (), None)).flat() == ("s", "s_dot",
                                                                             "stop")
    with pytest.raises(ValueError):
        results.extend(results)


def test_an_output_moves_with_its_group() -> None:
    b = Builder()
    body = Program("body", (), (), b)
    old = Loop("range", body, 2, n_stacked=1, n_saved=1, counted=True)
    new = Loop("range", body, 3, n_stacked=2, n_saved=2, counted=True)
    assert [moved_output(old, new, i) for i in range(old.n_outputs)] == [0, 1, 3, 5, 6]
    with pytest.raises(IndexError):
        moved_output(old, new, old.n_outputs)


@pytest.mark.parametrize("f", FUNCTIONS)
@pytest.mark.parametrize("x", [0.3, 1.7])
def test_the_interpreter_runs_tapes_as_the_generated_code_does(f, x: float) -> None:
    import symdiff

    args = (x, 0.1) if f is trajectory else (x,)
    p = primal(f)
    got = evaluate(grad_program(p, 0), list(args))
    want = symdiff.grad(f)(*args)
    assert got == pytest.approx(want, rel=1e-12)
    got = evaluate(hessian_program(p, 0), list(args))
    want = symdiff.hessian(f)(*args)
    assert got == pytest.approx(want, rel=1e-12)
