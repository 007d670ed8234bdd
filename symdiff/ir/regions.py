"""Structured control flow in the DAG: regions that hold sub-programs.

Contract:
- A ``cond`` node has arguments ``(pred, *operands)`` and two sub-programs (its
  branches) as attributes. Each branch is a closed `Program` over its own builder:
  its parameters are ``arg`` nodes, one per operand, and its result is a tuple with
  the same number of values in both branches. Only the branch `pred` selects runs,
  so an operation in the other branch never raises.
- The values of a region come out through ``proj`` nodes (``proj(region, i)``).
- Branch bodies never share nodes with the enclosing program (each has its own
  builder), so nothing inside a branch can be hoisted out of it by accident.
"""

from __future__ import annotations

from symdiff.ir.node import Builder, Node, Program

REGIONS = frozenset({"cond"})


def cond(
    b: Builder, pred: Node, operands: tuple[Node, ...], then: Program, orelse: Program
) -> tuple[Node, ...]:
    """The outputs of ``then(*operands) if pred else orelse(*operands)``."""
    node = cond_node(b, pred, operands, then, orelse)
    return tuple(proj(b, node, i) for i in range(n_outputs(node)))


def cond_node(
    b: Builder, pred: Node, operands: tuple[Node, ...], then: Program, orelse: Program
) -> Node:
    """The region node itself (its values come out through `proj`).

    A constant operand is not passed in: the branches are rebuilt with the constant in
    place of their parameter, so it folds there.
    """
    n = len(then.outputs)
    if len(orelse.outputs) != n:
        raise ValueError(f"branches return {n} and {len(orelse.outputs)} values")
    if not (len(then.params) == len(orelse.params) == len(operands)):
        raise ValueError("each branch takes one parameter per operand")
    if any(op.op == "const" for op in operands):
        keep = [i for i, op in enumerate(operands) if op.op != "const"]
        then, orelse = (_specialise(body, operands, keep) for body in (then, orelse))
        operands = tuple(operands[i] for i in keep)
    return b.structural("cond", (pred, *operands), (then, orelse))


def _specialise(body: Program, operands: tuple[Node, ...], keep: list[int]) -> Program:
    from symdiff.ir.rewrite import inline

    nb = Builder()
    params = [nb.arg(str(body.params[i].attrs[0])) for i in keep]
    args: list[Node] = []
    it = iter(params)
    for op in operands:
        args.append(nb.const(op.value) if op.op == "const" else next(it))
    result, effects = inline(nb, body, args)
    return Program(body.name, tuple(params), result, nb, body.doc, effects)


def proj(b: Builder, region: Node, i: int) -> Node:
    return b.structural("proj", (region,), (i,))


def branches(node: Node) -> tuple[Program, Program]:
    then, orelse = node.attrs
    return then, orelse


def n_outputs(node: Node) -> int:
    return len(node.attrs[0].outputs)
