"""Forward mode (JVP) and reverse mode (VJP) as transforms of the DAG.

Contract:
- `jvp_full(builder, roots, tangents)` takes a map from input nodes to their tangent
  nodes and pushes tangents forward through the graph in topological order. It
  returns a map from each primal node to the node that computes it now (a region is
  replaced by one that also computes its tangents, so that the branch runs once) and
  a map from primal nodes to tangents; `jvp` returns just the outputs' tangents.
  Inputs missing from the map have a symbolic zero tangent (``None``).
- `vjp(builder, outputs, cotangents, wrt)` seeds each output with its cotangent and
  pulls cotangents back in reverse topological order, visiting each edge once; it
  returns the accumulated cotangent of every node in `wrt` (``None`` for zero).
- A ``cond`` region is differentiated by differentiating both branches (closed
  sub-programs) and making a new region on the same predicate: in reverse mode the
  backward region recomputes the taken branch's primal values from its operands,
  so nothing needs to be saved.
- Both only build new nodes (the primal nodes are shared, never copied), so their
  results can be transformed again for higher derivatives.
- Tangent and cotangent nodes of named primal nodes get names ``x_dot`` / ``x_bar``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from symdiff.ir.node import LEAVES, Builder, Node, Program, topological
from symdiff.ir.primitives import PRIMITIVES, accumulate
from symdiff.ir.regions import branches, cond, cond_node, proj


def jvp(
    b: Builder, outputs: Sequence[Node], tangents: Mapping[Node, Node]
) -> list[Node | None]:
    """Tangents of `outputs` given tangents of some inputs."""
    primal, tangent = jvp_full(b, outputs, tangents)
    return [tangent.get(primal[out]) for out in outputs]


def jvp_full(
    b: Builder, roots: Sequence[Node], tangents: Mapping[Node, Node]
) -> tuple[dict[Node, Node], dict[Node, Node]]:
    """(new primal node of every node reachable from `roots`, tangent of each node)."""
    primal: dict[Node, Node] = {}
    tangent: dict[Node, Node] = dict(tangents)
    for node in topological(roots):
        if node.op in LEAVES:
            primal[node] = node
            continue
        args = tuple(primal[a] for a in node.args)
        if node.op == "proj":
            region = args[0]
            primal[node] = proj(b, region, node.attrs[0])
            t = tangent.get(region)
            name = b.names.get(node)
            if name is not None:
                b.name(primal[node], name)
            if isinstance(t, tuple) and t[node.attrs[0]] is not None:
                tangent[primal[node]] = t[node.attrs[0]]
                if name is not None:
                    b.name(t[node.attrs[0]], f"{name}_dot")
            continue
        if node.op == "cond":
            ts = tuple(tangent.get(a) for a in args)
            new, out_tangents = _cond_jvp(b, args, node.attrs, ts)
            primal[node] = new
            tangent[new] = out_tangents  # type: ignore[assignment]
            continue
        current = node if args == node.args else b.apply(node.op, *args, attrs=node.attrs)
        primal[node] = current
        ts = tuple(tangent.get(a) for a in args)
        if all(t is None for t in ts):
            continue
        t = PRIMITIVES[node.op].jvp(b, current, ts)
        if t is not None:
            tangent[current] = t
            name = b.names.get(node)
            if name is not None:
                b.name(current, name)
                b.name(t, f"{name}_dot")
    return primal, tangent


def _cond_jvp(
    b: Builder, args: tuple[Node, ...], bodies: tuple[Program, ...],
    ts: tuple[Node | None, ...],
) -> tuple[Node, tuple[Node | None, ...]]:
    """A region computing the outputs of ``cond(*args)`` and their tangents."""
    pred, operands = args[0], args[1:]
    seeded = [i for i, t in enumerate(ts[1:]) if t is not None]
    derived = [_body_jvp(body, seeded) for body in bodies]
    n = len(bodies[0].outputs)
    # An output has a tangent when either branch gives it one; the other gives 0.0.
    live = [i for i in range(n) if any(d[1][i] is not None for d in derived)]
    programs = []
    for program, out_tangents in derived:
        bb = program.builder
        extra = tuple(out_tangents[i] or bb.const(0.0) for i in live)
        programs.append(program.replace(result=(*program.outputs, *extra)))
    operands_in = (*operands, *(ts[1 + i] for i in seeded))
    region = cond_node(b, pred, operands_in, programs[0], programs[1])  # type: ignore[arg-type]
    out_tangents: list[Node | None] = [None] * n
    for k, i in enumerate(live):
        out_tangents[i] = proj(b, region, n + k)
    return region, tuple(out_tangents)


def _body_jvp(body: Program, seeded: list[int]) -> tuple[Program, list[Node | None]]:
    """`body` extended with a tangent parameter for each seeded parameter."""
    bb = body.builder
    tangent_args = [bb.arg(f"{body.params[i].attrs[0]}_dot") for i in seeded]
    seeds = {body.params[i]: t for i, t in zip(seeded, tangent_args, strict=True)}
    primal, tangent = jvp_full(bb, [*body.outputs, *body.effects], seeds)
    outputs = tuple(primal[o] for o in body.outputs)
    effects = tuple(primal[e] for e in body.effects)
    program = Program(body.name, (*body.params, *tangent_args), outputs, bb, body.doc, effects)
    return program, [tangent.get(o) for o in outputs]


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
    region_ct: dict[Node, dict[int, Node]] = {}
    for out, seed in zip(outputs, cotangents, strict=True):
        if out in active:
            ct[out] = accumulate(b, ct.get(out), seed)  # type: ignore[assignment]
    for node in reversed(order):
        if node.op == "cond":
            if node in region_ct:
                contributions = _cond_vjp(b, node, region_ct[node])
                _pull(b, node, contributions, active, ct)
            continue
        c = ct.get(node)
        if c is None or node.op in LEAVES:
            continue
        name = b.names.get(node)
        if name is not None:
            b.name(c, f"{name}_bar")
        if node.op == "proj":
            slots = region_ct.setdefault(node.args[0], {})
            slots[node.attrs[0]] = accumulate(b, slots.get(node.attrs[0]), c)  # type: ignore
            continue
        _pull(b, node, PRIMITIVES[node.op].vjp(b, node, c), active, ct)
    return [ct.get(x) for x in wrt]


def _pull(
    b: Builder, node: Node, contributions: Sequence[Node | None], active: set[Node],
    ct: dict[Node, Node],
) -> None:
    for arg, contribution in zip(node.args, contributions, strict=True):
        if contribution is not None and arg in active:
            ct[arg] = accumulate(b, ct.get(arg), contribution)  # type: ignore[assignment]


def _cond_vjp(b: Builder, node: Node, out_cts: dict[int, Node]) -> list[Node | None]:
    """Cotangent contributions to the arguments of a ``cond`` node: a backward region."""
    pred, operands = node.args[0], node.args[1:]
    seeded = sorted(out_cts)
    derived = [_body_vjp(body, seeded) for body in branches(node)]
    live = [i for i in range(len(operands)) if any(d[1][i] is not None for d in derived)]
    if not live:
        return [None] * len(node.args)
    programs = []
    for program, cts in derived:
        bb = program.builder
        programs.append(program.replace(result=tuple(cts[i] or bb.const(0.0) for i in live)))
    back = cond(b, pred, (*operands, *(out_cts[i] for i in seeded)), programs[0], programs[1])
    contributions: list[Node | None] = [None] * len(node.args)
    for k, i in enumerate(live):
        contributions[1 + i] = back[k]
    return contributions


def _body_vjp(body: Program, seeded: list[int]) -> tuple[Program, list[Node | None]]:
    """A program over (body params, cotangents of the seeded outputs) giving the
    cotangent of every body parameter."""
    bb = body.builder
    outs = [body.outputs[i] for i in seeded]
    ct_args = [bb.arg(f"{bb.names.get(o, 'out')}_bar") for o in outs]
    cts = vjp(bb, outs, ct_args, body.params)
    program = Program(body.name, (*body.params, *ct_args), (), bb, body.doc)
    return program, cts


def _active(order: list[Node], wrt: list[Node]) -> set[Node]:
    """Nodes whose value depends on a `wrt` node: only they carry cotangents."""
    active = set(wrt)
    for node in order:
        if node in active or not any(a in active for a in node.args):
            continue
        if node.op == "cond":
            if any(a in active for a in node.args[1:]):
                active.add(node)
        elif node.op == "proj" or PRIMITIVES[node.op].differentiable:
            active.add(node)
    return active

