"""Algebraic simplification: a table of small rewrites run to a fixed point.

Contract: `simplify(builder, roots)` returns a map from every node reachable from
`roots` to an equivalent node. Only rewrites that hold for every IEEE value are in
the table (``x * 1 -> x``, ``x - 0.0 -> x``, ``x + (-y) -> x - y``, ``-(-x) -> x``,
``x - (-0.5 * y) -> x + 0.5 * y``);
``x * 0`` is not ``0`` when x is inf or nan, nor ``x + 0.0`` x when x is -0.0, so neither
is folded. An identity folds only where the result has x's type (an int array times 1.0
is a float array). Zeros the transforms know about are symbolic (absent), never constant
nodes, so they need no rule here. Name hints move with the node that replaces a named
one. `simplify_program` also drops the effects (`Program.effects`) that simplified to a
value nothing in which can raise: a statement kept for its errors must have some.

One rewrite is not in that class and is kept apart: gathering the constant factors of a
product (``0.5 * (1.128 * e) / 1.414 -> 0.399 * e``), which reassociates. It is applied
only to nodes a derivative transform made (`simplify(..., derived_from=...)`; for a
program, those its `derived` mark names), so the user's own expressions are computed
exactly as written. `simplify_program(program)` is the pipeline's simplify pass; in a
loop's body it also reads a value the loop carries unchanged from a constant as that
constant (the cotangent ``s_bar = 1.0`` of a running sum, in a backward loop).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace

from symdiff.ir.arrays import BROADCAST_LIKE, SIZE, UNSUM
from symdiff.ir.builder import Builder, builder_of
from symdiff.ir.loop import Loop
from symdiff.ir.node import LEAVES, Derived, Node, Op, Program, is_int, rebuild, topological
from symdiff.ir.regions import can_raise
from symdiff.ir.rewrite import substitute
from symdiff.ir.scalars import DIV, MUL, NEG, POW, SAFE_DIV

Rule = Callable[[Builder, Node], "Node | None"]


def _is(node: Node, value: float) -> bool:
    return node.op == Op.CONST and not isinstance(node.value, bool) and node.value == value


def _identity(n: Node, x: Node, c: Node, one: float) -> bool:
    """Whether `n`, ``x`` combined with the constant `c`, is ``x`` itself because `c` is
    the identity `one` of its operation: `x` not a constant (the builder folds those),
    and `n` of `x`'s type (an int array times 1.0 is a float one; an int divided by 1,
    a float)."""
    if not _is(c, one) or x.is_const or n.type != x.type:
        return False
    ints = is_int(x) if x.type is None else x.type.dtype.startswith(("int", "uint", "bool"))
    return not ints or (isinstance(c.value, int) and n.prim not in (DIV, SAFE_DIV))


def _spread(n: Node, value: Node, other: Node) -> bool:
    """Whether `value` is a number broadcast to `n`'s shape (the cotangent of a sum) and
    `other` already has that shape and `n`'s dtype: then the number itself broadcasts
    the same way (a broadcast float64 array times a float32 one is float64; the number
    times it, float32)."""
    return (value.prim in (UNSUM, BROADCAST_LIKE) and value.args[0].type is None
            and other.type is not None and n.type is not None and other.type == n.type
            and None not in n.type.dims)  # an unknown length may be one in `other` only


def _unspread(b: Builder, n: Node) -> Node | None:
    x, y = n.args
    if _spread(n, x, y):
        return b.apply(n.op, x.args[0], y)
    if _spread(n, y, x):
        return b.apply(n.op, x, y.args[0])
    return None


def _mul(b: Builder, n: Node) -> Node | None:
    x, y = n.args
    if n.type is not None:
        spread = _unspread(b, n)
        if spread is not None:
            return spread
    if _identity(n, x, y, 1):
        return x
    if _identity(n, y, x, 1):
        return y
    if _is(y, -1):
        return b.neg(x)
    if _is(x, -1):
        return b.neg(y)
    if x.prim is NEG:
        return b.neg(b.mul(x.args[0], y))
    if y.prim is NEG:
        return b.neg(b.mul(x, y.args[0]))
    return None


def _div(b: Builder, n: Node) -> Node | None:
    x, y = n.args
    if n.type is not None:
        spread = _unspread(b, n)
        if spread is not None:
            return spread
    if _identity(n, x, y, 1):
        return x
    if x.prim is NEG:
        return b.neg(b.apply(n.op, x.args[0], y))
    if y.prim is NEG:
        return b.neg(b.apply(n.op, x, y.args[0]))
    if n.prim is SAFE_DIV and y.is_const and y.value != 0:
        return b.div(x, y)
    return None


def _add(b: Builder, n: Node) -> Node | None:
    x, y = n.args
    if x is y and not x.is_const:
        # x + x == x * 2 exactly, overflow included; an int (a length) stays an int.
        ints = is_int(x) or (x.type is not None and x.type.dtype.startswith(("int", "uint")))
        return b.mul(x, 2 if ints else 2.0)
    if y.prim is NEG:
        return b.sub(x, y.args[0])
    if x.prim is NEG:
        return b.sub(y, x.args[0])
    # x + (-0.5 * z) is x - 0.5 * z (`_flipped`), as x + (-y) is x - y.
    for first, second in ((x, y), (y, x)):
        flipped = _flipped(b, second)
        if flipped is not None:
            return b.sub(first, flipped)
    return None


def _sub(b: Builder, n: Node) -> Node | None:
    x, y = n.args
    # x - 0.0 is x, -0.0 included; x - (-0.0) is x + 0.0, which is not (-0.0 + 0.0 is 0.0).
    if _identity(n, x, y, 0) and math.copysign(1.0, y.value) > 0:
        return x
    # (-x) - y is not -(x + y): when x + y cancels, the two zeros differ in sign.
    if y.prim is NEG:
        return b.add(x, y.args[0])
    # x - (-2.0) and x - (-0.5 * z) / w are x + 2.0 and x + (0.5 * z) / w: x - v is
    # x + (-v) in IEEE arithmetic, and negating a product's factor negates it exactly.
    flipped = _flipped(b, y)
    return None if flipped is None else b.add(x, flipped)


def _negative(n: Node) -> bool:
    return n.is_const and (type(n.value) is float and n.value < 0
                           or type(n.value) is int and -2**62 < n.value < 0)


def _flipped(b: Builder, n: Node) -> Node | None:
    """``-n`` with no negation left, when `n`'s leading factor (through products and
    dividends) is a negative constant (``-0.5 * z / w`` -> ``0.5 * z / w``); else None."""
    path: list[tuple[Node, int]] = []
    for _ in range(8):  # (a few levels: a longer chain keeps its sign)
        if n.is_const:
            if _negative(n):
                flipped = b.const(-n.value)
                for node, k in reversed(path):
                    args = list(node.args)
                    args[k] = flipped
                    flipped = b.apply(node.op, *args, attrs=node.attrs)
                return flipped
            return None
        if n.prim not in (MUL, DIV):
            return None
        # A product's constant factor, or its other one; a quotient's dividend.
        k = 0
        if n.prim is MUL and not _negative(n.args[0]) and (
                _negative(n.args[1]) or n.args[0].is_const):
            k = 1
        if not (n.args[k].is_const or n.type is None and n.args[k].type is None):
            return None  # (arrays only through their constant factors)
        path.append((n, k))
        n = n.args[k]
    return None


def _neg(b: Builder, n: Node) -> Node | None:
    return n.args[0].args[0] if n.args[0].prim is NEG else None


def _pow(b: Builder, n: Node) -> Node | None:
    x, y = n.args
    return x if n.prim is POW and _identity(n, x, y, 1) else None


def _select(b: Builder, n: Node) -> Node | None:
    cond, x, y = n.args
    if x is y:
        return x
    if cond.is_const:
        return x if cond.value else y
    # A choice inside one by the same condition: ``where(c, where(c, a, b), d)`` is
    # ``where(c, a, d)``, where b does not widen the type (its shape, its dtype).
    inner = None
    if x.prim is n.prim and x.args[0] is cond:
        inner = b.select(cond, x.args[1], y)
    elif y.prim is n.prim and y.args[0] is cond:
        inner = b.select(cond, x, y.args[2])
    return inner if inner is not None and inner.type == n.type else None


def _shape_of(b: Builder, n: Node) -> Node | None:
    """``x.shape`` / ``x.size`` read from a cheaper node of the same shape."""
    from symdiff.ir.arrays import shape_source

    k = 0 if n.prim is SIZE else 1
    source = shape_source(n.args[k])
    if source is n.args[k] or (k == 1 and source.type.dtype != n.args[k].type.dtype):
        return None  # (a broadcast has its `like`'s dtype: keep it)
    args = list(n.args)
    args[k] = source
    return b.apply(n.op, *args, attrs=n.attrs)


# Rewrites of array shapes (tested in tests/transforms/test_simplify_arrays.py).
ARRAY_RULES: dict[str, Rule] = {
    "size": _shape_of,
    "unsum": _shape_of,
    "broadcast_like": _shape_of,
}

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


def _is_factor(node: Node) -> bool:
    return (node.op == Op.CONST and isinstance(node.value, float)
            and math.isfinite(node.value) and node.value != 0.0)


def _is_int_factor(node: Node, other: Node) -> bool:
    """Whether `node` is a nonzero int constant (the 2 of ``2 * x * x_dot``) that may be
    gathered as a factor of `other`: one a float holds exactly, times a value not known to
    be an int, since ints may wrap around where floats do not (numba's int64, NumPy's)."""
    if node.op != Op.CONST or type(node.value) is not int or not 0 < abs(node.value) <= 2**53:
        return False
    if other.type is not None:
        return not other.type.dtype.startswith(("int", "uint", "bool"))
    return not is_int(other)


def _fold_factors(b: Builder, n: Node, derived: _Derived) -> Node | None:
    """Gather the constant factors of a derivative-only product into one constant.

    ``(u * c1) * c2 -> u * (c1 * c2)``, ``(u * c1) / c2 -> u * (c1 / c2)`` and a constant
    moved out of an inner product, ``(u * c) * v -> (u * v) * c`` (``u * (v * c)`` for an
    array u and a number v: the array is multiplied once). This reassociates, which
    is exact only up to rounding, so it applies to nodes a derivative transform made
    (serial >= `derived_from`), never to the user's own computation. Factors whose
    gathered value would overflow, underflow or be subnormal stay apart, and gathering
    never raises.
    """
    if not derived(n) or n.prim not in (MUL, DIV):
        return None
    x, y = n.args
    if n.prim is MUL and _is_factor(x) and not _is_factor(y):
        x, y = y, x
    if _is_factor(y):
        if not derived(x):
            return None
        u, c = _split(x)
        if c is None:
            return None
        c1, c2 = c.value, y.value
        # (u / c1) / c2 -> u / (c1 * c2): one rounding, and no reciprocal to underflow.
        op, scale = {
            ("mul", "mul"): ("mul", c1 * c2), ("mul", "div"): ("mul", c1 / c2),
            ("div", "mul"): ("mul", c2 / c1), ("div", "div"): ("div", c1 * c2),
        }[(x.op, n.op)]
        if not _is_normal(scale):
            return None  # the gathered factor overflows or loses precision: keep both
        return u if scale == 1.0 else b.apply(op, u, scale)
    if n.prim is MUL:
        for inner, other in ((x, y), (y, x)):
            # (Not out of a product other nodes read too: that would multiply twice.)
            if (inner.prim is MUL and derived(inner) and not other.is_const
                    and derived.uses.get(inner, 1) == 1):
                u, c = _split(inner)
                if c is None or (u.type is None and other.type is not None):
                    continue  # (the constant already scales a number, not an array)
                if u.type is not None and other.type is None:
                    return b.mul(u, b.mul(other, c))  # (one product of the array)
                return b.mul(b.mul(u, other), c)
    return None


def _is_normal(value: float) -> bool:
    """Finite, and neither zero nor subnormal (which has lost significant bits)."""
    return math.isfinite(value) and abs(value) >= sys.float_info.min


def _split(node: Node) -> tuple[Node, Node | None]:
    """``(u, c)`` when `node` is ``u * c``, ``c * u`` or ``u / c`` with a constant c (a
    float, or an int `_is_int_factor` allows)."""
    if node.prim not in (MUL, DIV):
        return node, None
    x, y = node.args
    if not x.is_const and (_is_factor(y) or _is_int_factor(y, x)):
        return x, y
    if node.prim is MUL and not y.is_const and (_is_factor(x) or _is_int_factor(x, y)):
        return y, x
    return node, None


def simplify(
    b: Builder, roots: Sequence[Node], derived_from: int | None = None,
    protect: frozenset[Node] = frozenset(),
) -> dict[Node, Node]:
    """Map each node reachable from `roots` to its simplified equivalent.

    Nodes with serial >= `derived_from` (those a derivative transform made) may also have
    their constant factors gathered, except those in `protect` (the user's computation,
    rebuilt by a transform); by default no node may.
    """
    done: dict[Node, Node] = {}
    # By default no node may: not even those the rules make while simplifying (the
    # user's `(y + y) / 10` becomes `(y * 2) / 10`, which must not become `y * 0.2`).
    derived = _Derived(math.inf if derived_from is None else derived_from, protect)
    order = topological(roots)
    # Readers are counted only where factors may be gathered (the only rule that asks).
    uses = _readers(order, roots) if derived_from is not None else None
    for node in order:
        done[node] = current = _rewrite(b, node, done, derived)
        if uses is not None:
            derived.uses[current] = derived.uses.get(current, 0) + uses.get(node, 0)
    return done


def _readers(order: list[Node], roots: Sequence[Node]) -> dict[Node, int]:
    """How many nodes of `order` (and roots) read each node."""
    uses = dict.fromkeys(roots, 1)
    for node in order:
        for arg in set(node.args):
            uses[arg] = uses.get(arg, 0) + 1
    return uses


class _Derived:
    """Whether a node was made by a derivative transform (and may be reassociated).

    A protected node rebuilt over simplified arguments stays protected (`keep`).
    `uses` counts the readers of each simplified node so far (a node a rule made: one).
    """

    def __init__(self, start: float, protect: frozenset[Node]) -> None:
        self.start = start
        self.protect = set(protect)
        self.uses: dict[Node, int] = {}

    def __call__(self, node: Node) -> bool:
        return node.serial >= self.start and node not in self.protect

    def keep(self, old: Node, new: Node) -> None:
        if old in self.protect:
            self.protect.add(new)


def simplify_program(program: Program) -> Program:
    """`program` with its result and effects simplified: by exact rewrites, and where
    it is a derivative transform's result (`program.derived`), also by gathering the
    constant factors of the nodes the transform made; the result is no longer marked."""
    b = builder_of(program)
    roots = [*program.outputs, *program.effects]
    derived = program.derived
    if derived is None:
        mapping = simplify(b, roots)
        if all(mapping[n] is n for n in roots) and all(map(_raises, program.effects)):
            return program  # unchanged: keep its identity, so regions holding it stay too
    else:
        # The user's computation as the derivative computes it: never reassociated.
        protect = frozenset(topological(list(derived.exact)))
        mapping = simplify(b, roots, derived.start, protect)
        for node, name in derived.names:
            if mapping[node].op not in LEAVES:
                b.names[mapping[node]] = name
    # An effect that became a value nothing in which can raise (``x ** 1`` -> x) is no
    # longer one.
    effects = tuple(dict.fromkeys(m for m in (mapping[n] for n in program.effects)
                                  if _raises(m)))
    return program.replace(
        result=rebuild(program.result, mapping), effects=effects, derived=None)


def _raises(effect: Node) -> bool:
    """Whether evaluating `effect` may raise: itself, or an operation it reads that is
    evaluated with it (``-(a / n)``, what ``(-a) / n`` simplifies to)."""
    if can_raise(effect):
        return True
    stack, seen = [effect], {effect}
    while stack:
        for arg in stack.pop().args:
            if arg not in seen and arg.op not in LEAVES:
                if can_raise(arg):
                    return True
                seen.add(arg)
                stack.append(arg)
    return False


def _constant_params(loop: Loop, args: tuple[Node, ...]) -> Program:
    """The loop's body with each value it carries unchanged from a constant (the
    cotangent ``s_bar = 1.0`` of a running sum, in a backward loop) and each operand
    that is a constant read as that constant, so that it folds (``s_bar * 100.0`` ->
    ``100.0``); the body still gives a carried parameter back as the carried value."""
    body = loop.body
    given = loop.split_args(args)
    params, results = loop.split_params(body.params), loop.split_results(body.outputs)
    bb = builder_of(body)
    constants = {p: bb.const(init.value) for p, init, new in zip(
        params.carry, given.inits, results.carry, strict=True)
        if init.op == Op.CONST and new is p and p.type is None}
    # (and an operand that is a constant: the seed x_dot = 1.0 of a forward-mode loop)
    constants.update({p: bb.const(c.value) for p, c in zip(
        params.consts, given.consts, strict=True) if c.op == Op.CONST and p.type is None})
    if not constants:
        return body
    roots = [*body.outputs, *body.effects]
    done = substitute(bb, roots, constants)
    kept = {n: n if n in constants else done[n] for n in roots}
    derived = body.derived
    if derived is not None:  # the user's values, rebuilt, stay theirs
        derived = Derived(derived.start, tuple(done.get(n, n) for n in derived.exact),
                          derived.names)
    return body.replace(result=rebuild(body.result, kept),
                        effects=tuple(kept[e] for e in body.effects), derived=derived)


def _rewrite(b: Builder, node: Node, done: dict[Node, Node], derived: _Derived) -> Node:
    # Rebuild over already simplified arguments, then apply rules until none fires.
    # A rule's result may contain new nodes; those are simplified the same way.
    if node.op == Op.COND:
        args = tuple(done.get(a) or _rewrite(b, a, done, derived) for a in node.args)
        arms = node.attrs[0].map(simplify_program)
        same = args == node.args and arms is node.attrs[0]
        current = node if same else b.structural("cond", args, (arms,))
    elif node.op == Op.LOOP:
        args = tuple(done.get(a) or _rewrite(b, a, done, derived) for a in node.args)
        loop = node.attrs[0]
        test = None if loop.test is None else simplify_program(loop.test)
        body = simplify_program(_constant_params(loop, args))
        if args == node.args and body is loop.body and test is loop.test:
            current = node
        else:
            current = b.structural(Op.LOOP, args, (replace(loop, body=body, test=test),))
    elif node.op == Op.PROJ:
        region = done.get(node.args[0]) or _rewrite(b, node.args[0], done, derived)
        current = b.structural(Op.PROJ, (region,), node.attrs)
    elif node.args:
        args = tuple(done.get(a) or _rewrite(b, a, done, derived) for a in node.args)
        current = node if args == node.args else b.apply(node.op, *args, attrs=node.attrs)
    else:
        current = node
    derived.keep(node, current)
    while True:
        rule = RULES.get(current.op) or ARRAY_RULES.get(current.op)
        result = rule(b, current) if rule is not None else None
        if result is None:
            result = _fold_factors(b, current, derived)
        if result is None or result is current:
            break
        derived.keep(current, result)  # what a rule makes of the user's value is theirs
        current = result if result in done else _rewrite(b, result, done, derived)
    name = b.names.get(node)
    if name is not None:
        b.name(current, name)
    done[node] = current
    return current
