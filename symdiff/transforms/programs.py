"""Derivative programs: whole-function transforms built from the node-level ones.

Contract: each function takes a primal `Program` (simplified and pruned, as the
pipeline's passes leave it) and returns a new `Program` over the primal's builder,
marked with what it made (`Program.derived`) for the pipeline's simplify pass, which
runs next, and prune after it (`finish` runs both, for a transform that builds on
another's result). Its parameters and result structure are those of the
corresponding public transform:
- `grad_program`: params as the primal; result the gradient(s) for `argnums`
  (optionally ``(value, gradient)``). The primal must have one output.
- `jvp_program`: params ``(*primals, *tangents)`` (a tangent for each of `argnums`,
  all parameters by default); result ``(out, tangent_out)``.
- `vjp_program`: params ``(*primals, *output_cotangents)``; result one cotangent per
  primal.
With `has_aux`, the primal returns ``(output, aux)``: only `output` is differentiated,
and `aux` (any nested tuple of values) is computed by the same program, as JAX returns
it: the gradient's result is ``(gradient, aux)``, the value and gradient's
``((value, aux), gradient)``, the JVP's ``(out, tangent_out, aux)`` and the VJP's
``(*cotangents, aux)`` (its caller takes the cotangents by position).
Zero derivatives are materialised as ``0.0`` only here, at the program's boundary (for
an array, ``np.zeros_like``; an array's derivative always has its shape).
Every derived program keeps the primal's `effects`, so it raises where the user's
function raises even when the derivative does not need the failing value.
"""

from __future__ import annotations

from collections.abc import Sequence

from symdiff.ir.arrays import output
from symdiff.ir.builder import Builder, builder_of
from symdiff.ir.node import (
    Container,
    Derived,
    Node,
    Op,
    Program,
    Structure,
    flatten,
    rebuild,
)
from symdiff.ir.regions import all_nodes
from symdiff.ir.rewrite import substitute
from symdiff.ir.sequences import is_seq, kind
from symdiff.transforms.ad import HigherOrderLoopError, jvp_full, vjp
from symdiff.transforms.forward_grad import forward_gradient, takes_numbers
from symdiff.transforms.prune import prune_program
from symdiff.transforms.simplify import simplify_program


class NotScalarOutput(TypeError):
    """grad of a function whose result is not a single number."""


class NotAuxPair(TypeError):
    """``has_aux=True`` for a function that does not return a pair ``(output, aux)``."""


def split_aux(primal: Program) -> tuple[Program, Structure]:
    """(the program of `primal`'s output, its aux structure) for a primal returning
    ``(output, aux)``."""
    result = primal.result
    if isinstance(result, tuple) and len(result) == 2:
        return primal.replace(result=result[0]), result[1]
    got = "one value" if isinstance(result, Node) else \
        f"a {result.kind} of {len(result.items)} values" if isinstance(result, Container) \
        else f"a tuple of {len(result)} values"
    raise NotAuxPair(
        f"has_aux=True requires {primal.name} to return a pair (output, aux); it returns "
        f"{got}")


def _has_loop(program: Program) -> bool:
    return any(n.op == Op.LOOP for n in all_nodes(program))


def grad_program(
    primal: Program, argnums: int | tuple[int, ...], with_value: bool = False,
    has_aux: bool = False, loops_forward: bool = False,
) -> Program:
    """Reverse-mode gradient of a scalar-output program; with `loops_forward`, forward
    mode when it is with respect to one number and the program has a loop (the loop
    then carries the derivative along: no tape, one sweep)."""
    b = builder_of(primal)
    start = len(b)
    aux: Structure = ()
    if has_aux:
        primal, aux = split_aux(primal)
    if not isinstance(primal.result, Node):
        n = len(tuple(flatten(primal.result)))
        what = primal.result.kind if isinstance(primal.result, Container) else "tuple"
        raise NotScalarOutput(
            f"grad requires a function with one scalar output; {primal.name} returns a {what} "
            f"of {n} values (use vjp or jvp for several outputs)")
    indices = (argnums,) if isinstance(argnums, int) else argnums
    wrt = [primal.params[i] for i in indices]
    replaced: dict[Node, Node] = {}
    if is_seq(primal.result):
        raise NotScalarOutput(
            f"grad requires a function with one scalar output; {primal.name} returns a list "
            "(use vjp or jacobian)")
    if primal.result.type is not None:
        raise NotScalarOutput(
            f"grad requires a function with one scalar output; {primal.name} returns an "
            f"array ({primal.result.type}) (use vjp or jacobian)")
    effects, values, mode = primal.effects, [primal.result], "Reverse"
    if loops_forward and len(wrt) == 1 and takes_numbers(wrt) and _has_loop(primal):
        cts, value, effects = forward_gradient(primal, wrt)
        values, mode = [value], "Forward"
    else:
        try:
            cts = vjp(b, [primal.result], [b.const(1.0)], wrt, replaced)
        except HigherOrderLoopError:
            # Reverse mode over a loop that pops a tape is not supported; forward mode is.
            if not takes_numbers(wrt):
                raise
            replaced.clear()
            cts, value, effects = forward_gradient(primal, wrt)
            values, mode = [value], "Forward"
    grads = _outputs(b, cts, wrt)
    for param, g in zip(wrt, grads, strict=True):
        b.name(g, f"{param.attrs[0]}_bar")
    result: Structure = grads[0] if isinstance(argnums, int) else tuple(grads)
    if with_value:
        result = ((values[0], aux) if has_aux else values[0], result)
    elif has_aux:
        result = (result, aux)
    kind = "value and gradient" if with_value else "gradient"
    names = ", ".join(p.attrs[0] for p in wrt)
    return _finish(primal, f"{primal.name}_grad", primal.params, result,
                   f"{mode}-mode {kind} of {primal.name} with respect to {names}.", start,
                   effects, replaced=replaced, primal_values=[*values, *flatten(aux)])


def jvp_program(primal: Program, argnums: int | tuple[int, ...] | None = None,
                has_aux: bool = False) -> Program:
    """Forward mode: output value and its directional derivative along the `argnums`."""
    b = builder_of(primal)
    start = len(b)
    aux: Structure = ()
    if has_aux:
        primal, aux = split_aux(primal)
    kept = list(flatten(aux))
    taken = {p.attrs[0] for p in primal.params}
    if argnums is None:
        seeded = list(primal.params)
    else:
        seeded = [primal.params[i] for i in ((argnums,) if isinstance(argnums, int) else argnums)]
    tangents = [b.param(_fresh(f"{p.attrs[0]}_dot", taken), kind(p)) for p in seeded]
    outputs = list(flatten(primal.result))
    seeds = dict(zip(seeded, tangents, strict=True))
    # A region is replaced by one that also computes tangents; the primal values come
    # from it too, so each branch runs once.
    new, tangent = jvp_full(b, [*outputs, *kept, *primal.effects], seeds)
    outs = _outputs(b, [tangent.get(new[o]) for o in outputs], [new[o] for o in outputs])
    tangent_result = rebuild(primal.result, dict(zip(outputs, outs, strict=True)))
    if isinstance(primal.result, Node):
        tangent_result = outs[0]
    value = rebuild(primal.result, new)
    result: Structure = ((value, tangent_result, rebuild(aux, new)) if has_aux
                         else (value, tangent_result))
    return _finish(primal, f"{primal.name}_jvp", (*primal.params, *tangents), result,
                   f"Forward-mode derivative (JVP) of {primal.name}.", start,
                   tuple(new[e] for e in primal.effects),
                   primal_values=[new[o] for o in [*outputs, *kept]])


def vjp_program(primal: Program, forward_fallback: bool = True, has_aux: bool = False,
                argnums: tuple[int, ...] | None = None) -> Program:
    """Reverse mode: cotangent of every primal given a cotangent of every output (of
    those of `argnums` only, the others zero, when given: what a Jacobian with respect
    to them needs).

    Through a derivative's loops that pop a tape, which reverse mode does not go
    through, it runs forward mode per number argument (`forward_fallback`), else raises
    `HigherOrderLoopError`."""
    b = builder_of(primal)
    start = len(b)
    aux: Structure = ()
    if has_aux:
        primal, aux = split_aux(primal)
    outputs = list(flatten(primal.result))
    taken = {p.attrs[0] for p in primal.params}
    seeds = []
    for i, out in enumerate(outputs):
        base = b.names.get(out) or ("out" if len(outputs) == 1 else f"out{i}")
        seeds.append(b.param(_fresh(f"{base}_bar", taken), kind(out)))
    replaced: dict[Node, Node] = {}
    effects, mode = primal.effects, "Reverse"
    wrt = [p for i, p in enumerate(primal.params) if argnums is None or i in argnums]
    try:
        found: list[Node | None] = vjp(b, outputs, seeds, wrt, replaced)
    except HigherOrderLoopError:
        # Reverse mode over a loop that pops a tape is not supported; forward mode is:
        # the cotangents are the gradient of sum(seed * output), one JVP per argument.
        if not forward_fallback or not takes_numbers(wrt) \
                or any(o.type is not None for o in outputs):
            raise
        replaced.clear()
        total = b.mul(seeds[0], outputs[0])
        for seed, out in zip(seeds[1:], outputs[1:], strict=True):
            total = b.add(total, b.mul(seed, out))
        weighted = Program(primal.name, primal.params, total, b, effects=primal.effects)
        found, _, effects = forward_gradient(weighted, wrt)
        mode = "Forward"
    by_param = dict(zip(wrt, found, strict=True))
    cts = _outputs(b, [by_param.get(p) for p in primal.params], primal.params)
    for param, ct in zip(primal.params, cts, strict=True):
        b.name(ct, f"{param.attrs[0]}_bar")
    result: Structure = (*cts, aux) if has_aux else tuple(cts)
    return _finish(primal, f"{primal.name}_vjp", (*primal.params, *seeds), result,
                   f"{mode}-mode derivative (VJP) of {primal.name}.", start, effects,
                   replaced=replaced, primal_values=[*primal.outputs, *flatten(aux)])


def _outputs(b: Builder, nodes: Sequence[Node | None], like: Sequence[Node]) -> list[Node]:
    """Derivatives handed to the user: zeros for symbolic zeros, and for an array, a
    new array of exactly its shape."""
    return [output(b, n, x) for n, x in zip(nodes, like, strict=True)]




def _fresh(name: str, taken: set[str]) -> str:
    candidate, i = name, 1
    while candidate in taken:
        candidate, i = f"{name}_{i}", i + 1
    taken.add(candidate)
    return candidate


def _finish(
    primal: Program, name: str, params: Sequence[Node], result: Structure, doc: str,
    derived_from: int, effects: tuple[Node, ...] | None = None,
    replaced: dict[Node, Node] | None = None, primal_values: Sequence[Node] = (),
) -> Program:
    b = primal.builder
    effects = primal.effects if effects is None else effects
    # The user's computation as this program computes it: never reassociated.
    primal_roots = [*(primal_values or primal.outputs), *effects]
    if replaced:
        # Loops that now also save a tape replace the originals everywhere.
        swap = substitute(b, [*flatten(result), *effects, *primal_roots], replaced)
        result = rebuild(result, swap)
        effects = tuple(swap[n] for n in effects)
        primal_roots = [swap[n] for n in primal_roots]
    return Program(name, tuple(params), result, b, doc, effects,
                   Derived(derived_from, tuple(primal_roots)))


def finish(program: Program) -> Program:
    """`program` simplified and pruned, as the pipeline's passes leave a transform's
    result: for a transform that builds on another one's result, which must be what the
    pipeline would make of it (the derivative of an unsimplified program is larger, and
    its loops carry values nothing reads)."""
    return prune_program(simplify_program(program))
