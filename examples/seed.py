"""The essay's example, ``e = (a + b) * (b + 1)`` at ``a = 2, b = 1``, through symdiff.

Run with ``make demo``. It prints the value, the source symdiff generates for forward
and reverse mode, the gradient, and the essay's two pictures of the chain rule:
forward mode from ``b`` (∂node/∂b for every node) and reverse mode from ``e``
(∂e/∂node for every node). The per-node numbers come from symdiff's own transforms
run over the lowered program, then evaluated by the reference interpreter.
"""

from __future__ import annotations

import symdiff
from symdiff.frontend.lower import lower
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import Node, Program, topological
from symdiff.ir.primitives import PRIMITIVES
from symdiff.transforms import ad


def e(a: float, b: float) -> float:
    c = a + b
    d = b + 1
    e = c * d
    return e


ARGS = (2.0, 1.0)


def named_nodes(program: Program) -> dict[Node, str]:
    """The user's names of the program's nodes (inputs and variables), in evaluation order."""
    names = program.builder.names
    found = {p: p.attrs[0] for p in program.params}
    found.update((n, names[n]) for n in topological(program.outputs) if n in names)
    return found


def evaluate_nodes(program: Program, nodes: list[Node | None]) -> list[float]:
    """Values of `nodes` at `ARGS`; ``None`` (a symbolic zero) is 0."""
    zero = program.builder.const(0.0)
    result = tuple(zero if n is None else n for n in nodes)
    return list(evaluate(program.replace(result=result), ARGS))


def edge_labels(program: Program) -> list[str]:
    """Each edge's local derivative ∂head/∂tail: the node's VJP rule seeded with 1."""
    b, names = program.builder, named_nodes(program)
    labels = []
    for node, head in names.items():
        if node.op in ad.LEAVES:
            continue
        contributions = PRIMITIVES[node.op].vjp(b, node, b.const(1.0))
        edges = [(names[a], c) for a, c in zip(node.args, contributions, strict=True) if a in names]
        values = evaluate_nodes(program, [c for _, c in edges])
        labels += [f"∂{head}/∂{tail} = {v:g}" for (tail, _), v in zip(edges, values, strict=True)]
    return labels


def forward_from(program: Program, name: str) -> dict[str, float]:
    """∂node/∂`name` for every named node: one JVP pass seeded at the input `name`."""
    b, names = program.builder, named_nodes(program)
    seed = {node: b.const(1.0) for node, n in names.items() if n == name}
    tangents = ad.jvp(b, list(names), seed)
    return dict(zip(names.values(), evaluate_nodes(program, tangents), strict=True))


def reverse_from(program: Program) -> dict[str, float]:
    """∂output/∂node for every named node: one VJP pass seeded at the output."""
    b, names = program.builder, named_nodes(program)
    out = program.outputs[0]
    wrt = list(reversed(names))  # from the output back towards the inputs
    cotangents = ad.vjp(b, [out], [b.const(1.0)], wrt=wrt)
    return dict(zip((names[n] for n in wrt), evaluate_nodes(program, cotangents), strict=True))


def show(derivatives: dict[str, float], template: str) -> None:
    print("  " + ", ".join(template.format(n, f"{v:g}") for n, v in derivatives.items()))


def heading(title: str) -> None:
    print(f"\n== {title} ==")


def main() -> None:
    a, b = ARGS
    heading("The function: c = a + b; d = b + 1; e = c * d")
    program = lower(e)
    names = named_nodes(program)
    values = evaluate_nodes(program, list(names))
    show(dict(zip(names.values(), values, strict=True)), "{} = {}")
    print(f"  value: e({a:g}, {b:g}) = {e(a, b):g}")
    print("  edges: " + ", ".join(edge_labels(program)))

    heading("Forward-mode source (symdiff.source(e, mode='forward'))")
    print(symdiff.source(e, mode="forward", argnums=(0, 1)).rstrip())
    heading("Reverse-mode source (symdiff.source(e, mode='reverse'))")
    print(symdiff.source(e, mode="reverse", argnums=(0, 1)).rstrip())

    heading("Gradient")
    print(f"  symdiff.grad(e, argnums=(0, 1))({a}, {b}) = {symdiff.grad(e, argnums=(0, 1))(a, b)}")

    heading("Forward mode from b: ∂node/∂b, one pass covers every node")
    show(forward_from(program, "b"), "∂{}/∂b = {}")
    out, tangent = symdiff.jvp(e, ARGS, (0.0, 1.0))
    print(f"  symdiff.jvp(e, {ARGS}, (0.0, 1.0)) = ({out}, {tangent})")

    heading("Reverse mode from e: ∂e/∂node, one pass covers every node")
    show(reverse_from(program), "∂e/∂{} = {}")
    out, vjp_fn = symdiff.vjp(e, *ARGS)
    print(f"  symdiff.vjp(e, {a}, {b})[1](1.0) = {vjp_fn(1.0)}")


if __name__ == "__main__":
    main()
