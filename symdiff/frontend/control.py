"""Lowering of conditionals: if/elif/else, ``x if c else y``, and/or, comparisons.

Contract (functions over a `frame.Frame`):
- Each branch is lowered in a child frame with its own builder; values it reads from
  enclosing frames become the branch's parameters (``arg`` nodes) and those values the
  region's operands, so a branch is a closed sub-program and only the taken branch
  runs (`ir.regions.cond`).
- `lower_if` merges the names either branch assigns into the region's outputs. A name
  assigned in one branch only, with no value before, becomes `MaybeUnbound`, and
  reading it later is a located error. An ``if`` with a ``return`` in it takes the rest
  of the block into its branches, so every path ends in a return and the region's
  outputs are the function's result.
- A ``continue`` ends the iteration: an ``if`` holding one takes the rest of the loop
  body into its branches too, and the names are merged at the end of the iteration.
- A constant predicate picks its branch at lowering time.
- ``a and b`` / ``a or b`` and chained comparisons keep Python's value and evaluation
  order: `b` is evaluated once, and only when needed. When evaluating `b` cannot raise
  it is computed eagerly and joined with the ``and_`` / ``or_`` primitive; otherwise
  the choice is a region.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from symdiff.frontend.frame import MAX_NESTING, Frame
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.values import (
    Frozen,
    Instance,
    Keywords,
    MaybeUnbound,
    Nothing,
    Text,
    Value,
    is_dict,
)
from symdiff.ir.node import (
    Node,
    Op,
    Program,
    Structure,
    assemble,
    flatten,
    refill,
    written,
)
from symdiff.ir.regions import cond
from symdiff.ir.rewrite import inline
from symdiff.ir.scalars import EQ, GE, GT, LE, LT, NE, NOT

COMPARE_OPS: dict[type[ast.cmpop], str] = {
    ast.Gt: "gt", ast.GtE: "ge", ast.Lt: "lt", ast.LtE: "le", ast.Eq: "eq", ast.NotEq: "ne",
}

Arm = tuple[Frame, tuple[Node, ...]]


@dataclass(frozen=True)
class Facts:
    """What lowering asks of a statement about how control leaves it."""

    returns: bool  # a return statement appears anywhere inside it
    exits: bool  # it holds a continue or break of the enclosing loop (not of a nested one)
    always: bool  # an if or a return: every path through it ends in a return


def facts(low: Frame, stmt: ast.stmt) -> Facts:
    """The `Facts` of `stmt`, found once per lowering with those of every statement
    inside it: an elif chain nests each arm in the one before, and asking each arm
    afresh would walk the rest of the chain again (time quadratic in its length)."""
    known = low.statement_facts
    found = known.get(id(stmt))
    if found is not None:
        return found[1]
    # After the statements inside it (post-order, iteratively).
    stack: list[tuple[ast.AST, bool]] = [(stmt, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in known:
            continue
        children = [c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.expr)]
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in known)
            continue
        inner = [known[id(c)][1] for c in children]
        always = isinstance(node, ast.Return) or isinstance(node, ast.If) and \
            _always(known, node.body) and _always(known, node.orelse)
        # (The node is kept with its facts: its id is never another node's meanwhile.)
        known[id(node)] = (node, Facts(
            returns=isinstance(node, ast.Return) or any(f.returns for f in inner),
            exits=isinstance(node, (ast.Continue, ast.Break)) or any(
                f.exits for c, f in zip(children, inner, strict=True)
                if not isinstance(c, (ast.For, ast.While))),
            always=always))
    return known[id(stmt)][1]


def _always(known: dict[int, tuple[ast.AST, Facts]], stmts: list[ast.stmt]) -> bool:
    return any(known[id(s)][1].always for s in stmts)


def may_return(low: Frame, stmt: ast.stmt) -> bool:
    """Whether a return statement appears anywhere inside `stmt`."""
    return facts(low, stmt).returns


BREAK = "#break"  # the hidden variable a loop body with a break sets
RETURNED = "#returned"  # set by a return inside a loop, with the values in "#return0"...


def ends_iteration(low: Frame, stmt: ast.stmt) -> bool:
    """Whether `stmt` may end the current loop iteration (continue, break, or a return
    from inside a loop)."""
    return may_continue(low, stmt) or (low.loop_return is not None and may_return(low, stmt))


def return_width(low: Frame, stmt: ast.stmt) -> int:
    """How many values each return inside `stmt` gives (they must agree)."""
    widths = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Return) and node.value is not None:
            widths.add(len(node.value.elts) if isinstance(node.value, ast.Tuple) else 1)
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and any(
                isinstance(e, ast.Tuple) for e in node.value.elts):
            raise low.src.error("a nested tuple returned from inside a loop (not yet)", node)
    if len(widths) != 1:
        raise low.src.error("the returns inside this loop give different numbers of values",
                            stmt)
    return widths.pop()


def may_continue(low: Frame, stmt: ast.stmt) -> bool:
    """Whether `stmt` holds a ``continue`` or ``break`` of the enclosing loop (not of a
    nested one): either ends the iteration."""
    return facts(low, stmt).exits


def lower_if(low: Frame, stmt: ast.If, rest: list[ast.stmt]) -> Structure | None:
    """Lower an if statement and its elif arms, one region for the whole chain (built in
    a loop, not by recursion: see `_next_arm`); with a return inside, also the
    statements after it."""
    if _partial_return(low, stmt, rest):
        return _lower_partial_return(low, stmt, rest)
    # A return ends the function, or inside a loop, the loop (see loops.lower_returning).
    terminal = may_return(low, stmt) and low.loop_return is None
    # After a return, or a continue, the rest of the block runs on the other paths only.
    takes_rest = terminal or ends_iteration(low, stmt)
    tail = rest if takes_rest else []
    chain = _Chain(low)
    current: ast.If = stmt
    while True:
        known = chain.test(current.test)
        if known:  # taken whenever it is reached: the last arm
            last, final = current, current.body + tail
            break
        if known is None:
            body = current.body + tail

            def run(c: Frame, body: list[ast.stmt] = body) -> Any:
                return c.block(body)

            chain.arm(current, run)
        link = _next_arm(low, current.orelse + tail, terminal, takes_rest)
        if link is None:
            last, final = current, current.orelse + tail
            break
        current, tail = link
    if not chain.arms:  # every test was known while compiling
        result = low.block(final)
        if terminal and result is None:
            raise _falls_through(low, last)
        return result
    chain.arm(last, lambda c: c.block(final))
    if not terminal:
        _merge_names(low, stmt, chain)
        return None
    results = [result for _, result in chain.arms]
    for k in reversed(range(len(results))):  # the innermost elif's arms first
        if results[k] is None:
            raise _falls_through(low, chain.owners[k])
    for k in reversed(range(len(results) - 1)):
        if _shape(results[k]) != _shape(results[k + 1]):
            raise low.src.error(
                f"the branches of this if statement return {_shape(results[k])} and "
                f"{_shape(results[k + 1])}; every return must give the same number of "
                "values, nested alike", chain.owners[k])
    outs = chain.region([tuple(flatten(result)) for result in results])
    return _refill(results[0], outs)


def _partial_return(low: Frame, stmt: ast.If, rest: list[ast.stmt]) -> bool:
    """Whether `stmt` returns on some of its paths only, with statements after it."""
    return bool(rest) and may_return(low, stmt) and low.loop_return is None and not (
        _returns_or_not(low, stmt.body) and _returns_or_not(low, stmt.orelse))


def _next_arm(low: Frame, orelse: list[ast.stmt], terminal: bool, takes_rest: bool
              ) -> tuple[ast.If, list[ast.stmt]] | None:
    """The if statement that continues the chain in `orelse` (the statements of an
    else arm, with the rest of the block when the chain takes it), with its own tail,
    when lowering it on its own would give the arms of the chain so far: an ``elif``,
    or an ``if`` after one whose arms all return (or continue) taking the same rest."""
    if not orelse or not isinstance(orelse[0], ast.If):
        return None
    stmt, after = orelse[0], orelse[1:]
    if after and not takes_rest or _partial_return(low, stmt, after):
        return None
    ends = may_return(low, stmt) and low.loop_return is None
    if ends != terminal or (ends or ends_iteration(low, stmt)) != takes_rest:
        return None
    return stmt, after if takes_rest else []


class _Chain:
    """The arms of an ``if``/``elif``/``else`` chain (or of ``a if c else b if d else
    e``) as they are lowered, in source order: the first test in the frame itself, each
    later one in a frame of its own (it runs only when the tests before it fail), each
    arm in a child frame."""

    def __init__(self, low: Frame) -> None:
        self.low = low
        self.pred: Node | None = None
        self.arms: list[tuple[Frame, Any]] = []
        self.owners: list[ast.AST] = []  # the statement (or expression) of each arm
        self.tests: list[tuple[Frame, Node]] = []

    def test(self, e: ast.expr) -> bool | None:
        """Lower the test of the next arm: its truth when known while compiling (the
        arm is never taken, or taken whenever reached), else None."""
        if not self.arms:
            self.pred = self.low.number(self.low.expr(e), e)
            return bool(self.pred.value) if self.pred.is_const else None
        frame = self.low.child()
        flag = frame.number(frame.expr(e), e)
        if flag.is_const and not frame.effects():
            return bool(flag.value)
        self.tests.append((frame, flag))
        return None

    def arm(self, owner: ast.AST, run: Callable[[Frame], Any]) -> None:
        """Lower the next arm in a child frame (`run` lowers it there)."""
        self.arms.append(_branch(self.low, run))
        self.owners.append(owner)

    def region(self, values: list[tuple[Node, ...]]) -> tuple[Node, ...]:
        """The outputs of the region of the chain's arms, each giving its `values`."""
        assert self.pred is not None
        arms = [(frame, vs) for (frame, _), vs in zip(self.arms, values, strict=True)]
        return _region(self.low, self.pred, arms, self.tests)


def _lower_partial_return(low: Frame, stmt: ast.If, rest: list[ast.stmt]) -> Structure:
    """An if that returns on some of its paths only. Taking the rest of the block into
    every path that falls through would copy it once per such path (2**n copies for n
    such ifs), so the returns record their values in hidden variables instead, and the
    rest of the block is lowered once, behind a region on whether the if returned."""
    width = return_width(low, stmt)
    hidden = [RETURNED, *(f"#return{j}" for j in range(width))]
    low.env[RETURNED] = low.b.const(False)
    for name in hidden[1:]:
        low.env[name] = low.b.const(0.0)
    low.loop_return = width
    try:
        lower_if(low, stmt, [])
    finally:
        low.loop_return = None
    returned = low.env.pop(RETURNED)
    values = tuple(low.env.pop(name) for name in hidden[1:])
    assert isinstance(returned, Node)
    return lower_exit(low, stmt, returned, values, rest)


def _returns_or_not(low: Frame, stmts: list[ast.stmt]) -> bool:
    """Whether these statements either always end in a return or never return."""
    found = [facts(low, s) for s in stmts]
    return any(f.always for f in found) or not any(f.returns for f in found)


def lower_ifexp(low: Frame, e: ast.IfExp) -> Node:
    """``a if c else b``, and ``a if c else b if d else e`` as one region."""
    chain = _Chain(low)
    while True:
        known = chain.test(e.test)
        if known:
            final = e.body
            break
        if known is None:

            def run(c: Frame, body: ast.expr = e.body) -> Any:
                return c.number(c.expr(body), body)

            chain.arm(e, run)
        if not isinstance(e.orelse, ast.IfExp):
            final = e.orelse
            break
        e = e.orelse
    if not chain.arms:
        return low.number(low.expr(final), e)
    chain.arm(e, lambda c: c.number(c.expr(final), final))
    (out,) = chain.region([(value,) for _, value in chain.arms])
    return out


def lower_boolop(low: Frame, e: ast.BoolOp) -> Node:
    """``a and b and c``: each operand after the first is lowered in a child frame of
    the one before (it runs only when those before it did not decide), in a loop; the
    operands are then joined from the last one back (`_join`)."""
    is_and = isinstance(e.op, ast.And)
    frame, joins = low, _Joins()
    for k, operand in enumerate(e.values):
        value = frame.number(frame.expr(operand), operand)
        if k == len(e.values) - 1 or joins.decided(value, is_and):
            break
        frame = joins.descend(frame, value)
    return joins.join(is_and, value)


def lower_compare(low: Frame, e: ast.Compare) -> Node:
    """``a < b < c`` is ``(a < b) and (b < c)``, with b evaluated once and c only if
    a < b: lowered like ``and`` (`lower_boolop`). A comparison of a string is decided
    while compiling (`_compare_text`)."""
    first = low.expr(e.left)
    if len(e.ops) == 1 and isinstance(e.ops[0], ast.Is | ast.IsNot):
        return _compare_none(low, e, first)
    if isinstance(first, Text):
        return _compare_text(low, e, first)
    if isinstance(first, tuple):
        return _compare_tuple(low, e, first)
    frame, joins = low, _Joins()
    left = low.number(first, e.left)
    for k, (op, comparator) in enumerate(zip(e.ops, e.comparators, strict=True)):
        value = frame.expr(comparator)
        if isinstance(value, Text) and len(e.ops) == 1 and isinstance(op, ast.Eq | ast.NotEq):
            return frame.b.const(isinstance(op, ast.NotEq))  # a number is no string
        right = frame.number(value, comparator)
        prim = COMPARE_OPS.get(type(op))
        if prim is None:
            raise frame.src.error(f"unsupported comparison {type(op).__name__}", e)
        test = frame.b.apply(prim, left, right)
        if k == len(e.ops) - 1 or joins.decided(test, True):
            break
        frame = joins.descend(frame, test)
        left = frame.capture_node(right)
    return joins.join(True, test)


def _compare_none(low: Frame, e: ast.Compare, left: Value) -> Node:
    """``x is None``, ``x is not None``: a constant, since None is known while compiling
    (an optional argument's code is specialised on whether it is None)."""
    right = low.expr(e.comparators[0])
    if not isinstance(left, Nothing) and not isinstance(right, Nothing):
        raise low.src.error("unsupported comparison with `is`: only `is None` and "
                            "`is not None`", e)
    same = isinstance(left, Nothing) and isinstance(right, Nothing)
    return low.b.const(same != isinstance(e.ops[0], ast.IsNot))


def _compare_tuple(low: Frame, e: ast.Compare, left: tuple[Value, ...]) -> Node:
    """``x.shape == (3, 2)``, ``a.shape != b.shape``: tuples of numbers are equal when
    they are as long and equal item by item."""
    op = e.ops[0]
    right = low.expr(e.comparators[0])
    if len(e.ops) != 1 or not isinstance(op, ast.Eq | ast.NotEq) or not isinstance(
            right, tuple):
        raise low.src.error("unsupported comparison of a tuple: only == and != of two "
                            "tuples", e)
    b = low.b
    same = b.const(len(left) == len(right))
    if len(left) == len(right):
        for x, y in zip(left, right, strict=True):
            test = b.apply("eq", low.number(x, e.left), low.number(y, e.comparators[0]))
            same = test if same.is_const and same.value else b.apply("and_", same, test)
    return b.apply("not_", same) if isinstance(op, ast.NotEq) else same


def _compare_text(low: Frame, e: ast.Compare, left: Text) -> Node:
    """``mode == "fast"``, ``!=``, ``in`` / ``not in`` a tuple or list: a constant, since
    strings are known while compiling."""
    op = e.ops[0]
    if len(e.ops) != 1 or not isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn):
        raise low.src.error("unsupported comparison of a string: only ==, !=, in and not in "
                            "(with one operator)", e)
    right = low.expr(e.comparators[0])
    if isinstance(op, ast.Eq | ast.NotEq):
        found = isinstance(right, Text) and right.value == left.value
    elif isinstance(right, tuple | list):
        found = any(isinstance(v, Text) and v.value == left.value for v in right)
    elif is_dict(right):
        found = left.value in right.keys()  # type: ignore[union-attr]
    else:
        raise low.src.error("`in` with a string: only in a tuple or list of strings, or a "
                            "dict", e)
    return low.b.const(found != isinstance(op, ast.NotEq | ast.NotIn))


class _Joins:
    """The operands of a chain of ``and`` (or ``or``) still to be joined with the value
    of the rest of the chain: each with the frame it was lowered in and the child frame
    the rest was lowered in."""

    def __init__(self) -> None:
        self.pending: list[tuple[Frame, Node, Frame]] = []

    def decided(self, value: Node, is_and: bool) -> bool:
        """Whether a constant operand decides the chain (the rest is never evaluated);
        a constant that does not leaves the rest to be lowered in the same frame."""
        return value.is_const and (not value.value if is_and else bool(value.value))

    def descend(self, frame: Frame, value: Node) -> Frame:
        """The frame to lower the rest of the chain in, after `value` of `frame`."""
        if value.is_const:
            return frame
        child = frame.child(checked=False)  # (only operands that can raise nest: `join`)
        self.pending.append((frame, value, child))
        return child

    def join(self, is_and: bool, value: Node) -> Node:
        """The value of the whole chain whose last lowered operand gave `value`. The
        rest of the chain is computed in place where it cannot raise, else in a branch
        holding the branches of the operands after it."""
        nested = 0
        for frame, left, child in reversed(self.pending):
            if child.effects():
                nested += 1
                if frame.depth + nested > MAX_NESTING:
                    raise frame.too_deep()
            value = _join(frame, is_and, left, child, value)
        return value


def _join(low: Frame, is_and: bool, left: Node, right_frame: Frame, right: Node) -> Node:
    """``left and right`` of `low`, `right` lowered in its child `right_frame`."""
    if not right_frame.effects():
        # Evaluating the right side cannot raise: compute it here and join with and/or.
        params, operands = _closure(right_frame)
        program = Program("right", tuple(params), (right,), right_frame.b)
        result, _ = inline(low.b, program, operands)
        (inlined,) = cast(tuple[Node], result)
        return low.b.apply("and_" if is_and else "or_", left, inlined)
    keep = low.child()
    kept = keep.capture_node(left)
    arms: list[Arm] = [(right_frame, (right,)), (keep, (kept,))]
    (out,) = _region(low, left, arms if is_and else arms[::-1])
    return out


def lower_exit(
    low: Frame, stmt: ast.stmt, returned: Node, values: tuple[Any, ...],
    rest: list[ast.stmt],
) -> Structure:
    """After a loop that may return: its values if it did, else the rest of the block."""
    if returned.is_const:
        result = low.block(rest) if not returned.value else None
        if returned.value:
            return values[0] if len(values) == 1 else tuple(values)
        if result is None:
            raise _falls_through(low, stmt)
        return result
    then, kept = _branch(low, lambda c: tuple(c.capture_node(v) for v in values))
    other, result = _branch(low, lambda c: c.block(rest))
    if result is None:
        raise low.src.error(
            "the function has no return statement after this loop (a path that leaves the "
            "loop without returning would return None, not a number)", stmt)
    leaves = tuple(flatten(result))
    if len(leaves) != len(values) or (len(values) == 1) != isinstance(result, Node):
        raise low.src.error(
            "the returns inside this loop and after it give different numbers of values",
            stmt)
    outs = _region(low, returned, [(then, kept), (other, leaves)])
    return _refill(result, outs)


def _branch(low: Frame, run: Callable[[Frame], Any]) -> tuple[Frame, Any]:
    frame = low.child()
    return frame, run(frame)


def _falls_through(low: Frame, stmt: ast.AST) -> Exception:
    return low.src.error(
        "not every path through this if statement returns a value: one can fall through "
        "to the end of the function (which would return None)", stmt)


def _refill(template: Structure, values: tuple[Node, ...]) -> Structure:
    return refill(template, values)  # type: ignore[no-any-return]


def _shape(s: Structure) -> str:
    """What `s` returns, for comparing the returns of branches: ``a number``, ``a
    tuple of 2``, or its nesting (``{'a': *, 'b': (*, *)}``) where it has more."""
    if isinstance(s, Node):
        return "a number"
    if s.__class__ is tuple and all(isinstance(x, Node) for x in s):
        return f"a tuple of {len(s)}"
    return assemble(s, lambda _: "*", written)  # type: ignore[no-any-return]


def _merge_names(low: Frame, stmt: ast.If, chain: _Chain) -> None:
    """Bind the names the arms of `chain` (the if statement `stmt` and its elifs)
    assign to the values of its region: in each arm, the value it gave the name or the
    one the name had before."""
    frames = [frame for frame, _ in chain.arms]
    names = list(dict.fromkeys(name for frame in frames for name in frame.assigned))
    merged: list[str] = []
    dict_names: dict[str, Keywords] = {}
    frozen_names: dict[str, str] = {}
    values: list[list[Node]] = [[] for _ in frames]
    for name in names:
        column = [frame.env[name] if name in frame.assigned else frame.visible(name)
                  for frame in frames]
        for k, frame in enumerate(frames):
            if (column[k] is None or isinstance(column[k], MaybeUnbound)) \
                    and _returned(frame):
                # A branch that returned never uses the name afterwards: any value does.
                column[k] = frame.b.const(0.0)
        if any(v is None or isinstance(v, MaybeUnbound) for v in column):
            low.env[name] = MaybeUnbound(name, stmt)
            continue
        first = column[0]
        frozen = [v for v in column if isinstance(v, Frozen)]
        if len(frozen) == len(column) and len(
                {(v.distribution, tuple(k for k, _ in v.values)) for v in frozen}) == 1:
            # A frozen distribution: its parameters merged as a dict's values.
            frozen_names[name] = frozen[0].distribution
            column = [Keywords(v.values) for v in frozen]
            first = column[0]
        if all(is_dict(v) for v in column) and all(
                v.keys() == first.keys() for v in column):  # type: ignore[union-attr]
            # A dict: the same keys after every branch, its values merged one by one.
            for key, *items in zip(first.keys(), *(v.items for v in column),  # type: ignore
                                   strict=True):
                held = [item[1] for item in items]
                if all(h is held[0] for h in held) and isinstance(held[0], Resolved):
                    continue
                if not all(isinstance(h, Node) for h in held):
                    raise low.src.error(
                        f"dict {name!r} holds different non-numbers at {key!r} after the "
                        "branches of this if; only numbers can be merged after an if", stmt)
                merged.append(f"{name}[{key!r}]")
                for k, h in enumerate(held):
                    values[k].append(h)
            dict_names[name] = first  # type: ignore[assignment]
            continue
        if isinstance(first, Resolved | Text | Nothing) and all(v == first for v in column):
            low.env[name] = first  # the same function (string, None) after every branch
            continue
        if not all(isinstance(v, Node) for v in column):
            what = "a tuple" if any(isinstance(v, tuple) for v in column) else \
                "a string" if any(isinstance(v, Text) for v in column) else \
                "an object" if any(isinstance(v, Instance) for v in column) else \
                "a frozen distribution" if any(isinstance(v, Frozen) for v in column) else \
                "a function or dict"
            raise low.src.error(
                f"variable {name!r} is assigned {what} inside this if statement that differs "
                "between the branches; only numbers can be merged after an if", stmt)
        merged.append(name)
        for k, v in enumerate(column):
            values[k].append(v)  # type: ignore[arg-type]
    outs = chain.region([tuple(vs) for vs in values])
    results = dict(zip(merged, outs, strict=True))
    for name, out in results.items():
        if "[" not in name:
            low.bind(name, out, stmt)
    for name, template in dict_names.items():

        def merged_item(key: str, v: Any, name: str = name) -> Any:
            return results.get(f"{name}[{key!r}]", v)

        value = template.map(merged_item)
        low.env[name] = Frozen(frozen_names[name], value.items) if name in frozen_names \
            else value
        low.assigned[name] = None


def _returned(frame: Frame) -> bool:
    """Whether every path through this frame has returned (its return flag is set)."""
    flag = frame.env.get(RETURNED)
    return isinstance(flag, Node) and flag.is_const and flag.value is True


def _region(low: Frame, pred: Node, arms: list[Arm],
            tests: Sequence[tuple[Frame, Node]] = ()) -> tuple[Node, ...]:
    """The cond region of lowered branches (and the tests between them, each a frame
    and the flag it computes) and the values they produce.

    A value every branch gives as one constant needs no output, nor does a value given
    in every branch by an output already there. Of two branches, a value that is True in
    one and False in the other is the predicate's truth itself (a break or return flag),
    computed without the region.
    """
    columns = list(zip(*(values for _, values in arms), strict=True))
    n = len(columns)
    same = {k: col[0] for k, col in enumerate(columns)
            if all(x.is_const for x in col) and all(
                type(x.value) is type(col[0].value) and x.value == col[0].value
                for x in col[1:])}
    first = {col: k for k, col in reversed(list(enumerate(columns)))}
    flags = {k: col[0].value for k, col in enumerate(columns)
             if len(arms) == 2 and all(_is_bool(x) for x in col)
             and col[0].value != col[1].value}

    def region_of(keep: list[int]) -> dict[int, Node]:
        """The values `keep` of the region with only those outputs."""
        kept = [(frame, tuple(values[k] for k in keep)) for frame, values in arms]
        return dict(zip(keep, _region(low, pred, kept, tests) if keep else (),
                        strict=True))

    if same or len(first) < n:
        # One constant in every branch (a flag each sets) needs no region, and values
        # already given (a list's last value and its new entry) no output.
        values = region_of(sorted(k for k in first.values() if k not in same))
        for k in range(n):
            values[k] = low.b.const(same[k].value) if k in same else \
                values[first[columns[k]]]
        return tuple(values[k] for k in range(n))
    if flags:
        values = region_of([k for k in range(n) if k not in flags])
        truth = pred if _is_boolean_op(pred) else low.b.apply("ne", pred, 0)
        for k, when_true in flags.items():
            values[k] = truth if when_true else low.b.apply("not_", truth)
        return tuple(values[k] for k in range(n))
    # Every branch and test takes every value any of them captured, in first-capture
    # order.
    frames = [frame for frame, _ in arms] + [frame for frame, _ in tests]
    operands, params = share_captures(frames)
    programs = [
        Program("branch", tuple(ps), outputs, frame.b, effects=frame.effects())
        for (frame, outputs), ps in zip(arms, params, strict=False)
    ]
    checks = [
        Program("test", tuple(ps), (flag,), frame.b, effects=frame.effects())
        for (frame, flag), ps in zip(tests, params[len(arms):], strict=True)
    ]
    return cond(low.b, pred, tuple(operands), *programs, tests=checks)


def _is_bool(node: Node) -> bool:
    return node.is_const and isinstance(node.value, bool)


def _is_boolean_op(node: Node) -> bool:
    return node.prim in (GT, GE, LT, LE, EQ, NE, NOT) or _is_bool(node)


def share_captures(frames: list[Frame]) -> tuple[list[Node], list[list[Node]]]:
    """Make every frame take every value any of them captured; return the operands and
    each frame's parameters for them, in one order."""
    keys = list(dict.fromkeys(k for frame in frames for k in frame.captures))
    for key in keys:
        outer = next(frame.captures[key][1] for frame in frames if key in frame.captures)
        for frame in frames:
            frame.capture(key, outer)
    closures = [_closure(frame, keys) for frame in frames]
    return closures[0][1], [params for params, _ in closures]


def _closure(frame: Frame, keys: list[str] | None = None) -> tuple[list[Node], list[Node]]:
    """The frame's parameters and the enclosing values they stand for, in `keys` order
    (by default the order the frame captured them in)."""
    params: list[Node] = []
    operands: list[Node] = []
    for key in frame.captures if keys is None else keys:
        inner, outer = frame.captures[key]
        for i, o in zip(_leaves(inner), _leaves(outer), strict=True):
            if i.op == Op.ARG:  # constants and globals are re-created, not passed in
                params.append(i)
                operands.append(o)
    return params, operands


def _leaves(value: Any) -> list[Node]:
    """The nodes in a captured value (a tuple, list or dict of them, a frozen
    distribution's parameters; functions have none)."""
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    if is_dict(value):
        return [leaf for _, v in value.items for leaf in _leaves(v)]
    if isinstance(value, Frozen):
        return [leaf for _, v in value.values for leaf in _leaves(v)]
    return [value] if isinstance(value, Node) else []
