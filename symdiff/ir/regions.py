"""Structured control flow in the DAG: regions that hold sub-programs.

Contract:
- A ``cond`` node has arguments ``(pred, *operands)`` and two sub-programs (its
  branches) as attributes. Each branch is a closed `Program` over its own builder:
  its parameters are ``arg`` nodes, one per operand, and its result is a tuple with
  the same number of values in both branches. Only the branch `pred` selects runs,
  so an operation in the other branch never raises.
- The values of a region come out through ``proj`` nodes (``proj(region, i)``).
- A ``loop`` node runs a body sub-program repeatedly over loop-carried values: over a
  ``range`` or ``while`` a test sub-program holds. Its record and the layout of its
  arguments, parameters, results and outputs, by named group, are in `symdiff.ir.loop`.
- Branch and loop bodies never share nodes with the enclosing program (each has its
  own builder), so nothing inside can be hoisted out by accident.
"""

from __future__ import annotations

from symdiff.ir.loop import Loop, loop_node
from symdiff.ir.node import Node, NodeBuilder, Op, Program

__all__ = ["REGIONS", "Loop", "all_nodes", "bodies", "branches", "cond", "cond_node",
           "loop_node", "n_outputs", "proj"]

REGIONS = frozenset({Op.COND, Op.LOOP})


def all_nodes(program: Program) -> list[Node]:
    """Every live node of `program` and of the branch and loop bodies inside it."""
    from symdiff.ir.node import topological

    found: list[Node] = []
    stack = [program]
    while stack:
        p = stack.pop()
        for node in topological([*p.outputs, *p.effects]):
            found.append(node)
            if node.op in REGIONS:
                stack.extend(bodies(node))
    return found


def bodies(node: Node) -> tuple[Program, ...]:
    """Every sub-program of a region node."""
    if node.op == Op.COND:
        return tuple(node.attrs)
    loop: Loop = node.attrs[0]
    return (loop.body,) if loop.test is None else (loop.test, loop.body)


def cond(
    b: NodeBuilder, pred: Node, operands: tuple[Node, ...], then: Program, orelse: Program
) -> tuple[Node, ...]:
    """The outputs of ``then(*operands) if pred else orelse(*operands)``."""
    node = cond_node(b, pred, operands, then, orelse)
    return tuple(proj(b, node, i) for i in range(n_outputs(node)))


def cond_node(
    b: NodeBuilder, pred: Node, operands: tuple[Node, ...], then: Program, orelse: Program
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
    if any(op.op == Op.CONST for op in operands):
        keep = [i for i, op in enumerate(operands) if op.op != Op.CONST]
        then, orelse = (_specialise(b, body, operands, keep) for body in (then, orelse))
        operands = tuple(operands[i] for i in keep)
    # An operand neither branch reads is not passed (so nothing is kept alive for it).
    used = _used(then) | _used(orelse)
    keep = [i for i, p in enumerate(then.params) if p in used or orelse.params[i] in used]
    if len(keep) < len(operands):
        then = then.replace(params=tuple(then.params[i] for i in keep))
        orelse = orelse.replace(params=tuple(orelse.params[i] for i in keep))
        operands = tuple(operands[i] for i in keep)
    return b.structural(Op.COND, (pred, *operands), (then, orelse))


def _used(program: Program) -> set[Node]:
    from symdiff.ir.node import topological

    return set(topological([*program.outputs, *program.effects]))


def _specialise(b: NodeBuilder, body: Program, operands: tuple[Node, ...], keep: list[int]
                ) -> Program:
    from symdiff.ir.rewrite import inline

    nb = b.sub_builder()
    # (A parameter keeps its kind: an array's type, a list's marker.)
    params = [nb.arg(str(body.params[i].attrs[0]), *body.params[i].attrs[2:]) for i in keep]
    args: list[Node] = []
    it = iter(params)
    for op in operands:
        args.append(nb.const(op.value) if op.op == Op.CONST else next(it))
    result, effects = inline(nb, body, args)
    return Program(body.name, tuple(params), result, nb, body.doc, effects)


def proj(b: NodeBuilder, region: Node, i: int) -> Node:
    return b.structural(Op.PROJ, (region,), (i,))


def branches(node: Node) -> tuple[Program, Program]:
    then, orelse = node.attrs
    return then, orelse


def n_outputs(node: Node) -> int:
    return len(node.attrs[0].outputs)
