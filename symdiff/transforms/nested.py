"""Transforms called inside the differentiated function, expanded into its program.

Contract: `expand(program)` replaces every ``derivative_call`` node (`ir.calls`: a
``grad``, ``value_and_grad`` or ``jvp`` the user's function calls, as `frontend.nested`
lowers it), in the program and in its branch and loop bodies, by the derivative it
stands for: the transform's program of the callee's program (itself expanded first,
so transforms of transforms nest), simplified and pruned as the pipeline would, and
inlined at the node's arguments. The derivative's checks join the program's effects
where the call was. A program without such nodes is returned as it is. The pipeline
runs it right after lowering, so every later pass, and the outer transforms, see only
ordinary nodes: the derivative of the expansion is the higher derivative.
"""

from __future__ import annotations

from dataclasses import replace

from symdiff.ir.calls import DERIVATIVE_CALL, InnerDerivative
from symdiff.ir.node import LEAVES, Node, Op, Program, flatten, rebuild, topological
from symdiff.ir.regions import REGIONS, bodies
from symdiff.ir.rewrite import inline, rebuilt
from symdiff.transforms.programs import finish, grad_program, jvp_program


def expand(program: Program) -> Program:
    """`program` with its derivative calls replaced by the derivatives."""
    roots = [*program.outputs, *program.effects]
    order = topological(roots)
    if not any(_holds_calls(n) for n in order):
        return program
    b = program.builder
    done: dict[Node, Node] = {}
    checks: dict[Node, tuple[Node, ...]] = {}
    made: dict[tuple[int, tuple[Node, ...]], tuple[list[Node], tuple[Node, ...]]] = {}
    for node in order:
        if node.op in LEAVES:
            done[node] = node
            continue
        args = tuple(done[a] for a in node.args)
        if node.prim is DERIVATIVE_CALL:
            record: InnerDerivative = node.attrs[0]
            key = (id(record), args)
            if key not in made:
                result, effects = inline(b, _derivative(record), list(args))
                made[key] = list(flatten(result)), effects
            leaves, effects = made[key]
            done[node], checks[node] = leaves[node.attrs[1]], effects
        elif node.op == Op.COND:
            done[node] = rebuilt(b, node, args, (node.attrs[0].map(expand),))
        elif node.op == Op.LOOP:
            loop = node.attrs[0]
            test = None if loop.test is None else expand(loop.test)
            done[node] = rebuilt(b, node, args, (replace(loop, body=expand(loop.body),
                                                         test=test),))
        else:
            done[node] = rebuilt(b, node, args)
    kept: list[Node] = []
    for node in program.effects:
        for e in checks.get(node, (done[node],)):
            if e not in kept:
                kept.append(e)
    return program.replace(result=rebuild(program.result, done), effects=tuple(kept))


def _holds_calls(node: Node) -> bool:
    if node.prim is DERIVATIVE_CALL:
        return True
    return node.op in REGIONS and any(
        _holds_calls(n) for body in bodies(node) for n in topological(
            [*body.outputs, *body.effects]))


def _derivative(record: InnerDerivative) -> Program:
    """The derivative program `record` stands for, over the callee's parameters (then,
    for ``jvp``, the tangents), made once per record."""
    if record.derived is None:
        primal = finish(expand(record.program))
        if record.kind == "jvp":
            derived = jvp_program(primal, tuple(range(record.n_args)))
        else:
            derived = grad_program(primal, record.argnums,
                                   with_value=record.kind == "value_and_grad")
        record.derived = finish(derived)
    return record.derived
