"""`transforms.activity`: which values depend on the inputs differentiated.

Contract tested here: a value a loop carries from constants (a counter) is not active,
nor is an output computed from it, while a value computed from an input is; a branch's
flag computed from constants in both branches is not active. An `Activity` remembers a
region's answer per pattern of active arguments: what it remembers is what a fresh
analysis finds, and the reverse-mode derivative of ``for`` loops nested d deep analyses
each loop once and calls the analysis a number of times linear in d (it used to
re-analyse each inner body twice per enclosing level: 2**d times, 172 s at d = 19).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from benchmarks.compile_scaling import nested_loops
from symdiff.frontend.lower import lower
from symdiff.ir.node import Program, topological
from symdiff.ir.regions import all_nodes, branches
from symdiff.transforms import activity
from symdiff.transforms.activity import Activity
from symdiff.transforms.programs import grad_program
from symdiff.transforms.prune import prune_program
from symdiff.transforms.simplify import simplify_program


def counted(x):
    s = x
    k = 0.0
    for _ in range(3):
        s = s * x + k
        k = k + 1.0
    return s + k


def flagged(x):
    s = 0.0
    for _ in range(4):
        if s > 1.0:
            s = s + x
            big = 1.0
        else:
            s = s * x + 1.0
            big = 0.0
        s = s + big
    return s


def primal(f: Callable[..., Any]) -> Program:
    return prune_program(simplify_program(lower(f)))


def loop_carry_names(program: Program) -> dict[str, bool]:
    """For the program's one loop, each carried value's name: whether it is active."""
    (node,) = [n for n in topological(list(program.outputs)) if n.op == "loop"]
    loop = node.attrs[0]
    names = [str(p.attrs[0]) for p in loop.split_params(loop.body.params).carry]
    carried = Activity().loop(node, {program.params[0]}).carried
    return {name: k in carried for k, name in enumerate(names)}


def test_a_counter_is_not_active() -> None:
    assert loop_carry_names(primal(counted)) == {"s": True, "k": False}


def test_a_flag_both_branches_compute_from_constants_is_not_active() -> None:
    program = primal(flagged)
    (region,) = [n for n in all_nodes(program) if n.op == "cond"]
    (loop_node,) = [n for n in all_nodes(program) if n.op == "loop"]
    body = loop_node.attrs[0].body
    seeds = [p for p in body.params if p.attrs[0] == "s"]
    active = Activity().active(topological(list(body.outputs)), seeds)
    then = branches(region)[0]
    flag = [k for k, out in enumerate(then.outputs) if out.is_const]
    assert flag and all(k not in Activity().cond_outputs(region, active) for k in flag)


@pytest.mark.parametrize("f", [counted, flagged])
def test_what_it_remembers_is_what_a_fresh_analysis_finds(f: Callable[..., Any]) -> None:
    program = primal(f)
    shared = Activity()
    wrt = [program.params[0]]
    outer = shared.active(topological(list(program.outputs)), wrt)
    for node in all_nodes(program):
        if node.op == "loop" and node in outer:
            assert shared.loop(node, outer) == Activity().loop(node, outer)
    assert shared.active(topological(list(program.outputs)), wrt) == outer


def analyses(depth: int, import_text: Callable[[str, str], Any],
             monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the reverse-mode gradient of loops nested `depth` deep calls the
    analysis (`active`) and analyses a loop (`_loop`)."""
    program = primal(import_text(f"nested_{depth}", nested_loops(depth)).f)
    calls = {"active": 0, "_loop": 0}
    for name in calls:
        original = getattr(Activity, name)

        def counting(self: Activity, *args: Any, _name: str = name,
                     _original: Any = original) -> Any:
            calls[_name] += 1
            return _original(self, *args)

        monkeypatch.setattr(activity.Activity, name, counting)
    grad_program(program, 0)
    monkeypatch.undo()
    return calls


def test_nested_loops_are_analysed_once_each(import_text: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    small, large = analyses(6, import_text, monkeypatch), analyses(12, import_text, monkeypatch)
    assert small["_loop"] == 6 and large["_loop"] == 12
    assert large["active"] <= 2 * small["active"] + 2  # linear in the depth
