"""Copying sub-programs between builders.

Contract: `substitute(b, roots, mapping)` rebuilds the graph under `roots` with some
nodes replaced. `inline(b, program, args)` rebuilds the nodes of `program` in builder `b`
with its parameters replaced by `args` (through `NodeBuilder.apply`, so equal nodes are
interned and constants fold) and returns its result structure there, together with
its effects. Regions inside are rebuilt around the same (closed) sub-programs. Name
hints move along. `copy_in_order(program, order, b, remake)` copies a program into a new
builder node by node in a given order (the order its statements then keep), some nodes
remade.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from symdiff.ir.node import LEAVES, Node, NodeBuilder, Op, Program, Structure, rebuild, topological


def inline(
    b: NodeBuilder, program: Program, args: Sequence[Node]
) -> tuple[Structure, tuple[Node, ...]]:
    """`program`'s result and effects, computed in `b` from `args`."""
    mapping: dict[Node, Node] = dict(zip(program.params, args, strict=True))
    roots = [*program.outputs, *program.effects]
    for node in topological(roots):
        if node in mapping:
            continue
        if node.op in LEAVES:
            if node.op == Op.ARG:
                raise ValueError(f"{program.name} reads an argument it does not declare")
            mapping[node] = copy_leaf(b, node)
            continue
        new_args = tuple(mapping[a] for a in node.args)
        if node.op in (Op.COND, Op.PROJ, Op.LOOP):
            copied = b.structural(node.op, new_args, node.attrs)
        else:
            copied = b.apply(node.op, *new_args, attrs=node.attrs)
        mapping[node] = copied
        hint = program.builder.names.get(node)
        if hint is not None:
            b.name(copied, hint)
    effects = tuple(mapping[n] for n in program.effects)
    return rebuild(program.result, mapping), effects


def copy_leaf(b: NodeBuilder, node: Node) -> Node:
    """A leaf (a constant, parameter, region argument or global) made again in `b`."""
    if node.op == Op.CONST:
        return b.const(node.value)
    if node.op == Op.PARAM:
        return b.param(node.attrs[0], *node.attrs[1:])
    if node.op == Op.ARG:
        return b.arg(node.attrs[0], *node.attrs[2:])
    return b.global_(node.attrs, node.type)


def copy_in_order(
    program: Program, order: Sequence[Node], b: NodeBuilder,
    remake: Callable[[Node, dict[Node, Node]], Node | None],
) -> Program:
    """`program` copied into the empty builder `b` node by node in `order` (arguments
    before users), so that its statements keep that order. ``remake(node, copies)``
    makes a node's copy from the copies so far, or None to copy it as it is over its
    arguments' copies. Effects left out of `order` are dropped."""
    new: dict[Node, Node] = {p: copy_leaf(b, p) for p in program.params}
    names = program.builder.names
    for node in order:
        if node in new:
            continue
        made = copy_leaf(b, node) if not node.args else remake(node, new)
        if made is None:
            args = tuple(new[a] for a in node.args)
            made = b.structural(node.op, args, node.attrs) if node.op in _STRUCTURAL \
                else b.apply(node.op, *args, attrs=node.attrs)
        new[node] = made
        hint = names.get(node)
        if hint is not None:
            b.name(made, hint)
    return program.replace(
        params=tuple(new[p] for p in program.params), result=rebuild(program.result, new),
        builder=b, effects=tuple(new[e] for e in program.effects if e in new))


_STRUCTURAL = (Op.COND, Op.PROJ, Op.LOOP)


def substitute(b: NodeBuilder, roots: Sequence[Node], mapping: dict[Node, Node]
               ) -> dict[Node, Node]:
    """Map every node reachable from `roots` to itself rebuilt over `mapping`'s
    replacements (a node in `mapping` becomes its image)."""
    done: dict[Node, Node] = {}
    for node in topological(roots):
        if node in mapping:
            done[node] = mapping[node]
            continue
        done[node] = rebuilt(b, node, tuple(done.get(a, a) for a in node.args))
    return done


def rebuilt(b: NodeBuilder, node: Node, args: tuple[Node, ...], attrs: tuple[Any, ...] | None = None
            ) -> Node:
    """`node` over new `args` (and `attrs`), keeping its name; `node` itself when
    nothing changed."""
    attrs = node.attrs if attrs is None else attrs
    if args == node.args and all(x is y for x, y in zip(attrs, node.attrs, strict=True)):
        return node
    if node.op in (Op.COND, Op.PROJ, Op.LOOP):
        new = b.structural(node.op, args, attrs)
    else:
        new = b.apply(node.op, *args, attrs=attrs)
    hint = b.names.get(node)
    if hint is not None:
        b.name(new, hint)
    return new


def with_regions_inlined(
    program: Program, done: dict[Node, Node],
    inlined: dict[Node, tuple[tuple[Node, ...], tuple[Node, ...]]],
) -> Program:
    """`program` rebuilt over `done` (each node's replacement), where each region of
    `inlined` was replaced by its outputs and contributes its effects, in its place
    among the program's effects or, for a region that was no effect itself, after
    them."""
    effects: list[Node] = []
    for node in program.effects:
        effects.extend(inlined[node][1] if node in inlined else (done[node],))
    listed = set(effects)
    for _, region_effects in inlined.values():
        for e in region_effects:
            if e not in listed:
                effects.append(e)
                listed.add(e)
    return program.replace(result=rebuild(program.result, done), effects=tuple(effects))
