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
  returns the accumulated cotangent of every node in `wrt` (``None`` for zero). Only
  the nodes that depend on `wrt` get cotangents (`transforms.activity`); the reverse
  derivatives of branch and loop bodies share their enclosing derivative's analysis, so
  a loop nested d deep is analysed once per pattern of active arguments, not 2**d times.
- A ``cond`` region is differentiated by differentiating each branch (closed
  sub-programs) and making a new region on the same predicate and tests: in reverse
  mode the backward region recomputes the taken branch's primal values from its
  operands, so nothing needs to be saved.
- A loop's tangents are carried in the same loop. A loop that saves a tape also saves
  its saved values' tangents after them in each entry, and the loop that pops the tape
  pops them too (so forward mode composes over a gradient's loops). Reverse mode over a
  loop that saves or pops a tape raises `HigherOrderLoopError`.
- Both only build new nodes (the primal nodes are shared, never copied), so their
  results can be transformed again for higher derivatives.
- Tangent and cotangent nodes of named primal nodes get names ``x_dot`` / ``x_bar``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from symdiff.errors import SymdiffError
from symdiff.ir.arrays import fit
from symdiff.ir.builder import Builder, builder_of
from symdiff.ir.calls import CUSTOM_CALL
from symdiff.ir.indexing import accumulate as add_cotangents
from symdiff.ir.indexing import zeros
from symdiff.ir.lengths import unsure_axes
from symdiff.ir.loop import (
    BodyParams,
    BodyResults,
    Loop,
    LoopArgs,
    loop_node,
    moved_output,
)
from symdiff.ir.node import LEAVES, Derived, Node, Op, Program, topological
from symdiff.ir.primitive import accumulate
from symdiff.ir.regions import Arms, cond, cond_node, proj
from symdiff.ir.rewrite import substitute
from symdiff.ir.sequences import (
    AddAll,
    AddAt,
    Whole,
    apply_deltas,
    is_seq,
    kind,
    zeros_like,
)
from symdiff.transforms import custom
from symdiff.transforms.activity import Activity


class HigherOrderLoopError(SymdiffError):
    """Reverse mode over a derivative's loops (those that save or pop a tape): not yet."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"reverse mode through the loops of a derivative (loops that save or pop a "
            f"tape) is not supported yet ({what}); forward mode is: use jvp, hvp or "
            "hessian, or grad with respect to numbers (computed by forward mode)")


@dataclass(frozen=True)
class TapeTangent:
    """The tangent of a loop's tape: the positions of the saved values whose tangents
    follow them in each entry (in that order)."""

    saved: tuple[int, ...]


class _Pending(list):  # type: ignore[type-arg]
    """The cotangent of a sequence so far: changes (`Delta`) not yet applied to a list."""


Cotangent = Node | _Pending


def jvp(
    b: Builder, outputs: Sequence[Node], tangents: Mapping[Node, Node]
) -> list[Node | None]:
    """Tangents of `outputs` given tangents of some inputs."""
    primal, tangent = jvp_full(b, outputs, tangents)
    return [tangent.get(primal[out]) for out in outputs]


# A region body differentiated with some of its parameters seeded, by (body, seeded
# positions): the body and its JVP (`_body_jvp`), kept for one forward-mode transform.
Bodies = dict[tuple[int, tuple[int, ...]], tuple[Program, Program, list[Node | None]]]


def jvp_full(
    b: Builder, roots: Sequence[Node], tangents: Mapping[Node, Node],
    bodies: Bodies | None = None,
) -> tuple[dict[Node, Node], dict[Node, Node]]:
    """(new primal node of every node reachable from `roots`, tangent of each node).

    `bodies` holds the region bodies this transform has differentiated already (None
    starts it): the same body seeded alike is differentiated once, however many rounds
    the loops around it take to find which carried values have a tangent."""
    bodies = {} if bodies is None else bodies
    primal: dict[Node, Node] = {}
    tangent: dict[Node, Node] = dict(tangents)
    for node in topological(roots):
        if node.op in LEAVES:
            primal[node] = node
            continue
        args = tuple(primal[a] for a in node.args)
        if node.op == Op.PROJ:
            region = args[0]
            index = node.attrs[0]
            if region.op == Op.LOOP and node.args[0].op == Op.LOOP:
                # A loop that also carries tangents has each group of outputs longer.
                index = moved_output(node.args[0].attrs[0], region.attrs[0], index)
            primal[node] = proj(b, region, index)
            t = tangent.get(region)
            name = b.names.get(node)
            if name is not None:
                b.name(primal[node], name)
            if isinstance(t, tuple) and t[node.attrs[0]] is not None:
                tangent[primal[node]] = t[node.attrs[0]]
                if name is not None and isinstance(t[node.attrs[0]], Node):
                    b.name(t[node.attrs[0]], f"{name}_dot")
            continue
        if node.op in (Op.COND, Op.LOOP):
            ts = tuple(tangent.get(a) for a in args)
            rule = _cond_jvp if node.op == Op.COND else _loop_jvp
            new, out_tangents = rule(b, args, node.attrs, ts, bodies)
            primal[node] = new
            tangent[new] = out_tangents  # type: ignore[assignment]
            continue
        current = node if args == node.args else b.apply(node.op, *args, attrs=node.attrs)
        primal[node] = current
        ts = tuple(tangent.get(a) for a in args)
        if all(t is None for t in ts):
            continue
        t = local_jvp(b, current, ts)
        if t is not None:
            if current.type is not None or t.type is not None:
                t = fit(b, t, current)  # a tangent has its value's shape
                if unsure_axes(current):  # the tangent of an operand broadcast
                    t = b.apply("broadcast_like", t, current)
            tangent[current] = t
            name = b.names.get(node)
            if name is not None:
                b.name(current, name)
                b.name(t, f"{name}_dot")
    return primal, tangent


def _zero(b: Builder, like: Node) -> Node:
    """A zero (co)tangent of `like` where one must be given: 0.0, or for an array, new
    zeros of its shape (a number would not do where it is indexed or updated)."""
    return zeros(b, like) if like.type is not None else b.const(0.0)


def _cond_jvp(
    b: Builder, args: tuple[Node, ...], attrs: tuple[Arms, ...],
    ts: tuple[Node | None, ...], bodies: Bodies,
) -> tuple[Node, tuple[Node | None, ...]]:
    """A region computing the outputs of ``cond(*args)`` and their tangents (its tests
    take the tangents too, and read only what they read before)."""
    pred, operands = args[0], args[1:]
    (arms,) = attrs
    if any(isinstance(t, TapeTangent) for t in ts):
        raise HigherOrderLoopError("forward mode over a tape passed into a branch")
    seeded = [i for i, t in enumerate(ts[1:]) if t is not None]
    derived = [_body_jvp(body, seeded, bodies) for body in arms.branches]
    n = len(arms.branches[0].outputs)
    # An output has a tangent when some branch gives it one; the others give 0.0.
    live = [i for i in range(n) if any(d[1][i] is not None for d in derived)]
    programs = []
    for program, branch_tangents in derived:
        bb = builder_of(program)
        extra = tuple(branch_tangents[i] or _zero_cotangent(bb, program.outputs[i])
                      for i in live)
        programs.append(program.replace(result=(*program.outputs, *extra)))
    operands_in = (*operands, *(ts[1 + i] for i in seeded))
    extra = derived[0][0].params[len(operands):]
    tests = [_padded(test, extra) for test in arms.tests]
    region = cond_node(b, pred, operands_in, *programs, tests=tests)  # type: ignore[arg-type]
    out_tangents: list[Node | None] = [None] * n
    for k, i in enumerate(live):
        out_tangents[i] = proj(b, region, n + k)
    return region, tuple(out_tangents)


def _padded(test: Program, like: Sequence[Node]) -> Program:
    """`test` taking one more parameter, which it does not read, per parameter in `like`
    (of another program: the branches' new parameters)."""
    tb = test.builder
    pads = tuple(tb.arg(str(p.attrs[0]), *p.attrs[2:]) for p in like)
    return test.replace(params=(*test.params, *pads))


def _loop_jvp(
    b: Builder, args: tuple[Node, ...], attrs: tuple[Loop, ...], ts: tuple[Any, ...],
    bodies: Bodies,
) -> tuple[Node, tuple[Any, ...]]:
    """A loop that also carries the tangents of its carried values.

    A loop that saves values on a tape also saves their tangents, in the same entry
    after them; a loop that pops a tape then pops those tangents too (the tape's
    tangent is a `TapeTangent` saying which entries have one), and a loop that pops a
    value from a list also pops its tangent from the list's tangent.
    """
    (loop,) = attrs
    given, dots = loop.split_args(args), loop.split_args(ts)
    if dots.tape is not None and not isinstance(dots.tape, TapeTangent):
        raise HigherOrderLoopError("a tape that is not a loop's own")
    popped = list(dots.tape.saved) if dots.tape is not None else []
    lists = [j for j, t in enumerate(dots.lists) if t is not None]
    consts = [j for j, t in enumerate(dots.consts) if t is not None]
    at = loop.split_params(range(len(loop.body.params)))
    # A carried value has a tangent when it starts with one or the body gives it one;
    # iterate until that set stops growing. (A body seeded alike again is taken from
    # `bodies`: a loop nested d deep is not differentiated 2**d times.)
    carried = {k for k, t in enumerate(dots.inits) if t is not None}
    while True:
        # (`at` lays out positions; cut by it, values are nodes.)
        seeded: BodyParams[Any] = replace(at, index=(), popped=tuple(at.popped[i] for i in popped),
                         unstacked=tuple(at.unstacked[j] for j in lists),
                         carry=tuple(at.carry[k] for k in sorted(carried)),
                         consts=tuple(at.consts[j] for j in consts))
        program, out_t = _body_jvp(loop.body, list(seeded.flat()), bodies)
        grown = carried | {k for k, t in enumerate(loop.split_results(out_t).carry)
                           if t is not None}
        if grown == carried:
            break
        carried = grown
    order = sorted(carried)
    # The body's new parameters: a tangent per seeded parameter, in the same order.
    params = loop.split_params(loop.body.params)
    tangent_params = program.params[len(loop.body.params):]
    tangent_of = dict(zip(
        (loop.body.params[i] for i in seeded.flat()), tangent_params, strict=True))
    dot = seeded.cut(tangent_params)
    results, tangents = loop.split_results(program.outputs), loop.split_results(out_t)
    bb = builder_of(program)
    # Each group of results followed by its tangents: an appended value's in a list next
    # to its list, a saved value's in the same tape entry after it.
    stacked = [j for j, t in enumerate(tangents.stacked) if t is not None]
    # (A saved value the body computes, not a parameter, has the tangent it computes.)
    saved_dots: list[Node | None] = [tangent_of.get(v, t) for v, t in zip(
        results.saved, tangents.saved, strict=True)]
    saved = [i for i, t in enumerate(saved_dots) if t is not None]
    more = BodyResults(
        tuple(tangents.carry[k] or _zero_cotangent(bb, results.carry[k]) for k in order),
        tuple(t for t in tangents.stacked if t is not None),
        tuple(d for d in saved_dots if d is not None), None)
    body = Program("body", params.extend(dot).flat(), results.extend(more).flat(), bb,
                   effects=program.effects)
    test = loop.test
    if test is not None:
        tb = test.builder
        pads = dot.cut([tb.arg(f"{p.attrs[0]}_dot", kind(p)) for p in dot.flat()])
        test = test.replace(params=loop.split_params(test.params).extend(pads).flat())
    new_loop = loop.extended(body, test, dot, more)
    # A list's zero tangent is a list: the body indexes and updates it.
    new_args = given.extend(LoopArgs(
        (), tuple(dots.inits[k] or _zero_cotangent(b, given.inits[k]) for k in order),
        tuple(dots.consts[j] for j in consts), tuple(dots.lists[j] for j in lists), None))
    node = loop_node(b, new_loop, new_args.flat())  # type: ignore[arg-type]
    was, now = loop.outputs, new_loop.outputs
    out_tangents: list[Any] = [None] * loop.n_outputs
    for k, i in zip(order, now.carry[loop.n_carry:], strict=True):
        out_tangents[was.carry[k]] = proj(b, node, i)
    for j, i in zip(stacked, now.stacks[loop.n_stacked:], strict=True):
        out_tangents[was.stacks[j]] = proj(b, node, i)
    if saved:
        out_tangents[was.tape] = TapeTangent(tuple(saved))  # type: ignore[index]
    return node, tuple(out_tangents)


def _body_jvp(body: Program, seeded: list[int], bodies: Bodies
              ) -> tuple[Program, list[Node | None]]:
    """`body` extended with a tangent parameter for each seeded parameter."""
    key = (id(body), tuple(seeded))
    found = bodies.get(key)
    if found is not None and found[0] is body:
        return found[1], found[2]
    bb = builder_of(body)
    tangent_args = [bb.arg(f"{body.params[i].attrs[0]}_dot", kind(body.params[i]))
                    for i in seeded]
    seeds = {body.params[i]: t for i, t in zip(seeded, tangent_args, strict=True)}
    primal, tangent = jvp_full(bb, [*body.outputs, *body.effects], seeds, bodies)
    outputs = tuple(primal[o] for o in body.outputs)
    effects = tuple(primal[e] for e in body.effects)
    program = Program(body.name, (*body.params, *tangent_args), outputs, bb, body.doc, effects)
    out_t = [tangent.get(o) for o in outputs]
    bodies[key] = (body, program, out_t)  # (the body kept: its id stays its own)
    return program, out_t


def vjp(
    b: Builder,
    outputs: Sequence[Node],
    cotangents: Sequence[Node],
    wrt: Iterable[Node],
    replaced: dict[Node, Node] | None = None,
    bases: Mapping[Node, Node] | None = None,
    activity: Activity | None = None,
) -> list[Node | None]:
    """Cotangents of the `wrt` nodes, given a cotangent for each output.

    The cotangent of a sequence is a list; for a sequence in `bases`, its changes are
    applied to that list (updating it in place) instead of to a new list of zeros. The
    cotangent of an array in `bases` starts from that array (contributions are added into
    it). A branch or loop region takes the cotangent an array operand has so far and
    adds its own contributions into it (in place, with ``g[i] += v``, iteration after
    iteration), instead of making one of its own to be added afterwards.

    A loop whose backward sweep needs values from each iteration is replaced by one that
    also saves them on a tape; the replacements (old node -> new node) are added to
    `replaced`, and the caller rebuilds its primal computation over them so that the
    loop runs once. `activity` is the analysis of the derivative this one is part of
    (the reverse derivative of a region's body); None starts a new one.
    """
    replaced = {} if replaced is None else replaced
    wrt = list(wrt)
    order = topological(outputs)
    activity = Activity() if activity is None else activity
    active = activity.active(order, wrt)
    ct: dict[Node, Cotangent] = {}
    region_ct: dict[Node, dict[int, Node]] = {}
    for x, base in (bases or {}).items():
        if x.type is not None:
            ct[x] = base
    for out, seed in zip(outputs, cotangents, strict=True):
        if out in active:
            _add_ct(b, ct, out, seed)
    for node in reversed(order):
        if node.op in (Op.COND, Op.LOOP):
            if node in region_ct:
                running = _running(node, ct)
                if node.op == Op.COND:
                    contributions = _cond_vjp(b, node, region_ct[node], running, activity)
                else:
                    contributions = _loop_vjp(b, node, region_ct[node], active, replaced,
                                              running, activity)
                for i in running:
                    del ct[node.args[i]]  # the region's contribution includes it
                _pull(b, node, contributions, active, ct)
            continue
        if node.op in LEAVES or node not in ct:
            continue
        c = _materialize(b, ct, node)
        name = b.names.get(node)
        if name is not None:
            b.name(c, f"{name}_bar")
        if node.op == Op.PROJ:
            slots = region_ct.setdefault(node.args[0], {})
            slots[node.attrs[0]] = accumulate(b, slots.get(node.attrs[0]), c)  # type: ignore
            continue
        _pull(b, node, local_vjp(b, node, c), active, ct)
    bases = bases or {}
    return [_materialize(b, ct, x, bases.get(x)) if x in ct else None for x in wrt]


def local_jvp(b: Builder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    """The tangent of `node` from its arguments' (None = zero): its primitive's rule, or
    for a call of a function with a custom rule, the rules the call carries."""
    if node.prim is CUSTOM_CALL:
        return custom.jvp(b, node, ts, _AD) if any(t is not None for t in ts) else None
    return node.prim.jvp(b, node, ts)


def local_vjp(b: Builder, node: Node, ct: Node) -> tuple[Any, ...]:
    """The contribution of `node`'s cotangent to each argument's (None = zero)."""
    if node.prim is CUSTOM_CALL:
        return custom.vjp(b, node, ct, _AD)
    return node.prim.vjp(b, node, ct)


def _add_ct(b: Builder, ct: dict[Node, Cotangent], node: Node, contribution: Any) -> None:
    """Add a contribution to `node`'s cotangent (a node, or a change to a list)."""
    if isinstance(contribution, Node) and is_seq(node):
        contribution = Whole(contribution)
    if isinstance(contribution, (AddAt, AddAll, Whole)):
        pending = ct.setdefault(node, _Pending())
        assert isinstance(pending, _Pending)
        pending.append(contribution)
    else:
        ct[node] = add_cotangents(b, ct.get(node), contribution)  # type: ignore[arg-type]


def _materialize(
    b: Builder, ct: dict[Node, Cotangent], node: Node, base: Node | None = None
) -> Node:
    c = ct[node]
    if isinstance(c, _Pending):
        c = ct[node] = apply_deltas(b, base, node, list(c))
    return c


def _pull(
    b: Builder, node: Node, contributions: Sequence[Any], active: set[Node],
    ct: dict[Node, Cotangent],
) -> None:
    arrays = node.type is not None or any(a.type is not None for a in node.args)
    unsure = unsure_axes(node) if arrays else ()
    for arg, contribution in zip(node.args, contributions, strict=True):
        if contribution is not None and arg in active:
            if arrays and isinstance(contribution, Node) and not is_seq(arg):
                mine = _unsure_of(node, arg, unsure) if unsure else ()
                contribution = fit(b, contribution, arg, mine)  # undo broadcasting
            _add_ct(b, ct, arg, contribution)


def _unsure_of(node: Node, arg: Node, unsure: tuple[int, ...]) -> tuple[int, ...]:
    """`unsure` (axes of `node`'s result) as axes of its argument `arg`."""
    if arg.type is None:
        return ()
    lead = node.type.ndim - arg.type.ndim
    return tuple(a - lead for a in unsure if a >= lead)


def _running(node: Node, ct: dict[Node, Cotangent]) -> dict[int, Node]:
    """The array operands of a region (by argument position) with a cotangent so far,
    which the backward region adds into (an operand passed twice is left out)."""
    if node.op == Op.COND:
        positions: Sequence[int] = range(1, len(node.args))
    else:
        positions = node.attrs[0].split_args(range(len(node.args))).consts
    found = {}
    for i in positions:
        op = node.args[i]
        c = ct.get(op)
        if op.type is not None and isinstance(c, Node) and node.args.count(op) == 1:
            found[i] = c
    return found


def _cond_vjp(b: Builder, node: Node, out_cts: dict[int, Node], running: dict[int, Node],
              activity: Activity) -> list[Node | None]:
    """Cotangent contributions to the arguments of a ``cond`` node: a backward region
    (for the operands in `running`, their cotangents so far with its own added)."""
    pred, operands = node.args[0], node.args[1:]
    seeded = sorted(out_cts)
    into = [i - 1 for i in sorted(running)]
    arms: Arms = node.attrs[0]
    derived = [_body_vjp(body, seeded, into, activity) for body in arms.branches]
    live = [i for i in range(len(operands)) if any(d[1][i] is not None for d in derived)]
    if not live:
        return [None] * len(node.args)
    programs = []
    for program, cts in derived:
        bb = builder_of(program)
        zeros = [_zero_cotangent(bb, program.params[i]) for i in live]
        programs.append(program.replace(
            result=tuple(cts[i] or z for i, z in zip(live, zeros, strict=True))))
    extra = derived[0][0].params[len(operands):]
    back = cond(b, pred, (*operands, *(out_cts[i] for i in seeded),
                          *(running[1 + i] for i in into)), *programs,
                tests=[_padded(test, extra) for test in arms.tests])
    contributions: list[Node | None] = [None] * len(node.args)
    for k, i in enumerate(live):
        contributions[1 + i] = back[k]
    return contributions


def _loop_vjp(
    b: Builder, node: Node, out_cts: dict[int, Node], active: set[Node],
    replaced: dict[Node, Node], running: dict[int, Node], activity: Activity,
) -> list[Node | None]:
    """Cotangent contributions to a loop's arguments: a loop running backwards.

    The backward body is the reverse-mode derivative of the loop body; it reads the
    carried values of the iteration it undoes only where it needs them, and those alone
    are saved on a tape by the forward loop (a running sum saves nothing).
    """
    loop: Loop = node.attrs[0]
    if loop.n_saved or loop.n_popped or loop.counted or loop.n_unstacked:
        raise HigherOrderLoopError("reverse mode over a derivative loop")
    given, at, out = loop.split_args(node.args), loop.split_args(range(len(node.args))), \
        loop.outputs
    body, bb = loop.body, builder_of(loop.body)
    params, results = loop.split_params(body.params), loop.split_results(body.outputs)
    wanted = [j for j, op in enumerate(given.consts) if op in active]
    # The cotangent of a value the loop appended to a list is popped from the list's
    # cotangent, one per iteration, last first.
    stacks = [j for j, i in enumerate(out.stacks) if i in out_cts]
    appended = [results.stacked[j] for j in stacks]
    unstacked = [bb.arg(f"{bb.names.get(v, 'value')}_bar") for v in appended]
    live = activity.nonzero_cotangents(
        loop, activity.loop(node, active).carried,
        {k for k, i in enumerate(out.carry) if i in out_cts}, appended)
    carry_bars = [bb.arg(f"{params.carry[k].attrs[0]}_bar", kind(params.carry[k]))
                  for k in live]
    accs = [bb.arg(f"{params.consts[j].attrs[0]}_bar", kind(params.consts[j])) for j in wanted]
    # A sequence operand's cotangent list is carried and updated in place; so is an
    # array's cotangent.
    bases = {params.consts[j]: acc for j, acc in zip(wanted, accs, strict=True)
             if is_seq(acc) or acc.type is not None}
    made_from = len(bb)  # (the nodes from here on are the derivative's own)
    cts = vjp(bb, [*(results.carry[k] for k in live), *appended], [*carry_bars, *unstacked],
              [*(params.carry[k] for k in live), *(params.consts[j] for j in wanted)],
              bases=bases, activity=activity)
    m = len(live)
    new_bars = [c or _zero(bb, params.carry[k]) for c, k in zip(cts[:m], live, strict=True)]
    new_accs = [acc if c is None else c if is_seq(acc) or acc.type is not None
                else add_cotangents(bb, acc, c)
                for acc, c in zip(accs, cts[m:], strict=True)]
    backward_out: tuple[Node, ...] = (*new_bars, *new_accs)
    reads = set(topological(list(backward_out)))
    saved = tuple(p for p in params.carry if p in reads)
    # A while loop, or a loop that may break, runs a number of times known only after it.
    counted = loop.kind == "while" or loop.breaks
    popped: tuple[Node, ...] = saved
    if saved or counted:  # a tape anyway: costly values go on it too
        backward_out, kept, fresh = _kept(bb, body, params, backward_out)
        reads = set(topological(list(backward_out)))
        carried = tuple(p for p in params.carry if p in reads)
        saved, popped = (*carried, *kept), (*carried, *fresh)
    index = params.index[0] if params.index else bb.arg("_")
    # The user's values the backward body computes again stay as written; the
    # derivative's own may have their constant factors gathered (`simplify`).
    exact = tuple(sorted((n for n in reads if n.serial < made_from), key=lambda n: n.serial))
    backward = Program("backward", BodyParams((index,), popped, tuple(unstacked),
                                              (*carry_bars, *accs), params.consts).flat(),
                       backward_out, bb, derived=Derived(made_from, exact))
    forward = node
    if saved or counted:
        taped = body.replace(result=replace(results, saved=saved).flat())
        forward = loop_node(b, replace(loop, body=taped, n_saved=len(saved),
                                       counted=counted), node.args)
        replaced[node] = forward
        now = forward.attrs[0].outputs
        for i, j in zip((*out.carry, *out.stacks), (*now.carry, *now.stacks), strict=True):
            old, new = proj(b, node, i), proj(b, forward, j)
            replaced[old] = new
            if old in b.names:
                b.name(new, b.names[old])
    now = forward.attrs[0].outputs
    tape = proj(b, forward, now.tape) if now.tape is not None else None
    if loop.kind == "range" and not counted:
        start, stop, step = given.range
    elif loop.kind == "range":
        # The indices the loop ran: start, start + step, ... (trips of them).
        start, _, step = given.range
        trips = proj(b, forward, now.trips)  # type: ignore[arg-type]
        stop = b.add(start, b.mul(trips, step))
        if start.is_const and start.value == 0 and step.is_const and step.value == 1:
            stop = trips
    else:
        start, stop, step = b.const(0), proj(b, forward, now.trips), b.const(1)  # type: ignore
    # (A loop that itself runs backwards, without a tape to pop, is undone forwards.)
    back_loop = Loop("range", backward, m + len(wanted), n_popped=len(popped),
                     reverse=not loop.reverse, n_unstacked=len(stacks))
    args = LoopArgs(
        range=(start, stop, step),
        inits=(*(out_cts.get(out.carry[k]) or _zero(b, given.inits[k]) for k in live),
               *(running.get(at.consts[j]) or _zero_cotangent(b, given.consts[j])
                 if not is_seq(given.consts[j]) else _zero_cotangent(b, given.consts[j])
                 for j in wanted)),
        consts=given.consts, lists=tuple(out_cts[out.stacks[j]] for j in stacks), tape=tape)
    back = loop_node(b, back_loop, args.flat())
    bars = back_loop.outputs.carry
    contributions: list[Node | None] = [None] * len(node.args)
    for k, i in zip(live, bars[:m], strict=True):
        contributions[at.inits[k]] = proj(b, back, i)
    for j, i in zip(wanted, bars[m:], strict=True):
        contributions[at.consts[j]] = proj(b, back, i)
    return contributions


def _kept(bb: Builder, body: Program, params: BodyParams[Node], outs: tuple[Node, ...]
          ) -> tuple[tuple[Node, ...], tuple[Node, ...], tuple[Node, ...]]:
    """The numbers of transcendental operations (``math.sin(theta)``) that the forward
    body computes from what changes each iteration and the backward body `outs` reads:
    saved on the tape, they are read back, not computed again (a load for a call).
    Returns `outs` reading them from new parameters, the values and the parameters."""
    varying = {*params.index, *params.carry}
    sines: set[Node] = set()  # (the arguments of the sines and cosines it computes)
    for n in topological(list(body.outputs)):
        if n not in varying and any(a in varying for a in n.args):
            varying.add(n)
            if n.prim is not None and n.prim.name in _PARTNERS and n.type is None:
                sines.add(n.args[0])
    # The cosine a sine's derivative needs (or the sine a cosine's) is computed in the
    # forward body too, next to it: numba makes the pair one ``sincos`` call. (Only
    # those: both raise for the same arguments, so the forward body raises no new error.)
    kept = tuple(n for n in topological(list(outs)) if _transcendental(n) and (
        n in varying or n.prim.name in _PARTNERS and n.args[0] in sines))
    if not kept:
        return outs, (), ()
    fresh = tuple(bb.arg(bb.names.get(n, f"{n.prim.name}_saved"), kind(n)) for n in kept)
    done = substitute(bb, outs, dict(zip(kept, fresh, strict=True)))
    return tuple(done[o] for o in outs), kept, fresh


_PARTNERS = frozenset({"sin", "cos"})


def _transcendental(n: Node) -> bool:
    return n.prim is not None and n.prim.cost == "transcendental" and n.type is None


def _zero_cotangent(b: Builder, value: Node) -> Node:
    """A zero cotangent to accumulate into: a new list for a list, a new array of its
    shape for an array (so zero trips still give the right shape), else 0.0."""
    return zeros_like(b, value) if is_seq(value) else _zero(b, value)


def _body_vjp(body: Program, seeded: list[int], into: Sequence[int], activity: Activity
              ) -> tuple[Program, list[Node | None]]:
    """A program over (body params, cotangents of the seeded outputs, the cotangents so
    far of the parameters `into`) giving the cotangent of every body parameter (for
    those of `into`, added to the one so far)."""
    bb = builder_of(body)
    outs = [body.outputs[i] for i in seeded]
    ct_args = [bb.arg(f"{bb.names.get(o, 'out')}_bar", kind(o)) for o in outs]
    so_far = [bb.arg(f"{body.params[i].attrs[0]}_bar", kind(body.params[i])) for i in into]
    cts = vjp(bb, outs, ct_args, body.params,
              bases={body.params[i]: a for i, a in zip(into, so_far, strict=True)},
              activity=activity)
    program = Program(body.name, (*body.params, *ct_args, *so_far), (), bb, body.doc)
    return program, cts


# The transforms a custom call's rules are differentiated and transposed with.
_AD = custom.AD(jvp_full, vjp)
