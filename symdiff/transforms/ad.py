"""Forward mode (JVP) and reverse mode (VJP) as transforms of the DAG.

Contract:
- `jvp(builder, outputs, tangents)` takes a map from input nodes to their tangent nodes
  and returns the tangent of every output, pushing tangents forward through the
  graph in topological order. Inputs missing from the map have a symbolic zero
  tangent; an output whose tangent is zero comes back as ``None``.
- `vjp(builder, outputs, cotangents, wrt)` seeds each output with its cotangent and
  pulls cotangents back in reverse topological order, visiting each edge once; it
  returns the accumulated cotangent of every node in `wrt` (``None`` for zero).
- Both only build new nodes with the builder (the primal nodes are shared, never
  copied), so their results can be transformed again for higher derivatives.
- Tangent and cotangent nodes of named primal nodes get names ``x_dot`` / ``x_bar``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from symdiff.ir.node import Builder, Node, topological
from symdiff.ir.primitives import PRIMITIVES, accumulate

LEAVES = frozenset({"const", "param", "global"})


def jvp(
    b: Builder, outputs: Sequence[Node], tangents: Mapping[Node, Node]
) -> list[Node | None]:
    """Tangents of `outputs` given tangents of some inputs."""
    tangent: dict[Node, Node] = dict(tangents)
    for node in topological(outputs):
        if node.op in LEAVES:
            continue
        ts = tuple(tangent.get(a) for a in node.args)
        if all(t is None for t in ts):
            continue
        t = PRIMITIVES[node.op].jvp(b, node, ts)
        if t is not None:
            tangent[node] = t
            name = b.names.get(node)
            if name is not None:
                b.name(t, f"{name}_dot")
    return [tangent.get(out) for out in outputs]


def vjp(
    b: Builder,
    outputs: Sequence[Node],
    cotangents: Sequence[Node],
    wrt: Iterable[Node],
) -> list[Node | None]:
    """Cotangents of the `wrt` nodes, given a cotangent for each output."""
    wrt = list(wrt)
    order = topological(outputs)
    active = _active(order, wrt)
    ct: dict[Node, Node] = {}
    for out, seed in zip(outputs, cotangents, strict=True):
        if out in active:
            ct[out] = accumulate(b, ct.get(out), seed)  # type: ignore[assignment]
    for node in reversed(order):
        c = ct.get(node)
        if c is None or node.op in LEAVES:
            continue
        name = b.names.get(node)
        if name is not None:
            b.name(c, f"{name}_bar")
        contributions = PRIMITIVES[node.op].vjp(b, node, c)
        for arg, contribution in zip(node.args, contributions, strict=True):
            if contribution is not None and arg in active:
                ct[arg] = accumulate(b, ct.get(arg), contribution)  # type: ignore[assignment]
    return [ct.get(x) for x in wrt]


def _active(order: list[Node], wrt: list[Node]) -> set[Node]:
    """Nodes whose value depends on a `wrt` node: only they carry cotangents."""
    active = set(wrt)
    for node in order:
        if node not in active and any(a in active for a in node.args):
            if PRIMITIVES[node.op].differentiable:
                active.add(node)
    return active
