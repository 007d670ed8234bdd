"""Algebraic simplification: a table of small rewrites run to a fixed point.

Contract: `simplify(builder, roots)` returns a map from every node reachable from
`roots` to an equivalent node. Only rewrites that hold for every IEEE value are in
the table (``x * 1 -> x``, ``x + (-y) -> x - y``, ``-(-x) -> x``); ``x * 0`` is not
``0`` when x is inf or nan, so it is never folded. Zeros the transforms know about are
symbolic (absent), never constant nodes, so they need no rule here. Name hints move
with the node that replaces a named one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from symdiff.ir.node import Builder, Node, topological

Rule = Callable[[Builder, Node], "Node | None"]


def _is(node: Node, value: float) -> bool:
    return node.op == "const" and not isinstance(node.value, bool) and node.value == value


def _mul(b: Builder, n: Node) -> Node | None:
    x, y = n.args
    if _is(y, 1) and not x.is_const:
        return x
    if _is(x, 1) and not y.is_const:
        return y
    if _is(y, -1):
        return b.neg(x)
    if _is(x, -1):
        return b.neg(y)
    if x.op == "neg":
        return b.neg(b.mul(x.args[0], y))
    if y.op == "neg":
        return b.neg(b.mul(x, y.args[0]))
    return None


def _div(b: Builder, n: Node) -> Node | None:
    x, y = n.args
    if _is(y, 1) and not x.is_const:
        return x
    if x.op == "neg":
        return b.neg(b.apply(n.op, x.args[0], y))
    if y.op == "neg":
        return b.neg(b.apply(n.op, x, y.args[0]))
    if n.op == "safe_div" and y.is_const and y.value != 0:
        return b.div(x, y)
    return None


def _add(b: Builder, n: Node) -> Node | None:
    x, y = n.args
    if y.op == "neg":
        return b.sub(x, y.args[0])
    if x.op == "neg":
        return b.sub(y, x.args[0])
    return None


def _sub(b: Builder, n: Node) -> Node | None:
    x, y = n.args
    # (-x) - y is not -(x + y): when x + y cancels, the two zeros differ in sign.
    return b.add(x, y.args[0]) if y.op == "neg" else None


def _neg(b: Builder, n: Node) -> Node | None:
    return n.args[0].args[0] if n.args[0].op == "neg" else None


def _pow(b: Builder, n: Node) -> Node | None:
    x, y = n.args
    return x if _is(y, 1) and not x.is_const and n.op == "pow" and y.value == 1 else None


def _select(b: Builder, n: Node) -> Node | None:
    cond, x, y = n.args
    if x is y:
        return x
    if cond.is_const:
        return x if cond.value else y
    return None


RULES: dict[str, Rule] = {
    "mul": _mul,
    "div": _div,
    "safe_div": _div,
    "add": _add,
    "sub": _sub,
    "neg": _neg,
    "pow": _pow,
    "select": _select,
}


def simplify(b: Builder, roots: Sequence[Node]) -> dict[Node, Node]:
    """Map each node reachable from `roots` to its simplified equivalent."""
    done: dict[Node, Node] = {}
    for node in topological(roots):
        done[node] = _rewrite(b, node, done)
    return done


def _rewrite(b: Builder, node: Node, done: dict[Node, Node]) -> Node:
    # Rebuild over already simplified arguments, then apply rules until none fires.
    # A rule's result may contain new nodes; those are simplified the same way.
    if node.args:
        args = tuple(done.get(a) or _rewrite(b, a, done) for a in node.args)
        current = node if args == node.args else b.apply(node.op, *args, attrs=node.attrs)
    else:
        current = node
    while True:
        rule = RULES.get(current.op)
        result = rule(b, current) if rule is not None else None
        if result is None or result is current:
            break
        current = result if result in done else _rewrite(b, result, done)
    name = b.names.get(node)
    if name is not None:
        b.name(current, name)
    done[node] = current
    return current
