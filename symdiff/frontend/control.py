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
from collections.abc import Callable
from typing import Any

from symdiff.frontend.frame import Frame
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.values import Keywords, MaybeUnbound, Text, is_dict
from symdiff.ir.node import Node, Op, Program, Structure, flatten
from symdiff.ir.regions import cond
from symdiff.ir.rewrite import inline
from symdiff.ir.scalars import EQ, GE, GT, LE, LT, NE, NOT

COMPARE_OPS: dict[type[ast.cmpop], str] = {
    ast.Gt: "gt", ast.GtE: "ge", ast.Lt: "lt", ast.LtE: "le", ast.Eq: "eq", ast.NotEq: "ne",
}

Arm = tuple[Frame, tuple[Node, ...]]


def may_return(stmt: ast.stmt) -> bool:
    """Whether a return statement appears anywhere inside `stmt`."""
    return any(isinstance(n, ast.Return) for n in ast.walk(stmt))


BREAK = "#break"  # the hidden variable a loop body with a break sets
RETURNED = "#returned"  # set by a return inside a loop, with the values in "#return0"...


def ends_iteration(low: Frame, stmt: ast.stmt) -> bool:
    """Whether `stmt` may end the current loop iteration (continue, break, or a return
    from inside a loop)."""
    return may_continue(stmt) or (low.loop_return is not None and may_return(stmt))


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


def may_continue(stmt: ast.stmt) -> bool:
    """Whether `stmt` holds a ``continue`` or ``break`` of the enclosing loop (not of a
    nested one): either ends the iteration."""
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Continue, ast.Break)):
            return True
        if node is not stmt and isinstance(node, (ast.For, ast.While)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def lower_if(low: Frame, stmt: ast.If, rest: list[ast.stmt]) -> Structure | None:
    """Lower an if statement; with a return inside, also the statements after it."""
    if rest and may_return(stmt) and low.loop_return is None and not (
            _returns_or_not(stmt.body) and _returns_or_not(stmt.orelse)):
        return _lower_partial_return(low, stmt, rest)
    pred = low.number(low.expr(stmt.test), stmt.test)
    # A return ends the function, or inside a loop, the loop (see loops.lower_returning).
    terminal = may_return(stmt) and low.loop_return is None
    # After a return, or a continue, the rest of the block runs on the other paths only.
    takes_rest = terminal or ends_iteration(low, stmt)
    then_body = stmt.body + rest if takes_rest else stmt.body
    else_body = stmt.orelse + rest if takes_rest else stmt.orelse
    if pred.is_const:
        result = low.block(then_body if pred.value else else_body)
        if terminal and result is None:
            raise _falls_through(low, stmt)
        return result
    then, then_result = _branch(low, lambda c: c.block(then_body))
    other, else_result = _branch(low, lambda c: c.block(else_body))
    if not terminal:
        _merge_names(low, stmt, pred, then, other)
        return None
    if then_result is None or else_result is None:
        raise _falls_through(low, stmt)
    if _shape(then_result) != _shape(else_result):
        raise low.src.error(
            f"the branches of this if statement return {_shape(then_result)} and "
            f"{_shape(else_result)}; every return must give the same number of values", stmt)
    outs = _region(low, pred, [(then, tuple(flatten(then_result))),
                               (other, tuple(flatten(else_result)))])
    return _refill(then_result, outs)


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


def _returns_or_not(stmts: list[ast.stmt]) -> bool:
    """Whether these statements either always end in a return or never return."""
    return _always_returns(stmts) or not any(may_return(s) for s in stmts)


def _always_returns(stmts: list[ast.stmt]) -> bool:
    for stmt in stmts:
        if isinstance(stmt, ast.Return):
            return True
        if isinstance(stmt, ast.If) and _always_returns(stmt.body) and _always_returns(
                stmt.orelse):
            return True
    return False


def lower_ifexp(low: Frame, e: ast.IfExp) -> Node:
    pred = low.number(low.expr(e.test), e.test)
    if pred.is_const:
        return low.number(low.expr(e.body if pred.value else e.orelse), e)
    then, a = _branch(low, lambda c: c.number(c.expr(e.body), e.body))
    other, b = _branch(low, lambda c: c.number(c.expr(e.orelse), e.orelse))
    (out,) = _region(low, pred, [(then, (a,)), (other, (b,))])
    return out


def lower_boolop(low: Frame, e: ast.BoolOp) -> Node:
    is_and = isinstance(e.op, ast.And)

    def chain(frame: Frame, values: list[ast.expr]) -> Node:
        first = frame.number(frame.expr(values[0]), values[0])
        if len(values) == 1:
            return first
        return _short_circuit(frame, is_and, first, lambda c: chain(c, values[1:]))

    return chain(low, list(e.values))


def lower_compare(low: Frame, e: ast.Compare) -> Node:
    def chain(frame: Frame, left: Node, ops: list[ast.cmpop],
              comparators: list[ast.expr]) -> Node:
        # a < b < c is (a < b) and (b < c), with b evaluated once and c only if a < b.
        value = frame.expr(comparators[0])
        if isinstance(value, Text) and len(ops) == 1 and type(ops[0]) in (ast.Eq, ast.NotEq):
            return frame.b.const(isinstance(ops[0], ast.NotEq))  # a number is no string
        right = frame.number(value, comparators[0])
        prim = COMPARE_OPS.get(type(ops[0]))
        if prim is None:
            raise frame.src.error(f"unsupported comparison {type(ops[0]).__name__}", e)
        test = frame.b.apply(prim, left, right)
        if len(ops) == 1:
            return test
        return _short_circuit(
            frame, True, test,
            lambda c: chain(c, c.capture_node(right), ops[1:], comparators[1:]))

    first = low.expr(e.left)
    if isinstance(first, Text):
        return _compare_text(low, e, first)
    return chain(low, low.number(first, e.left), list(e.ops), list(e.comparators))


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
    else:
        raise low.src.error("`in` with a string: only in a tuple or list of strings", e)
    return low.b.const(found != isinstance(op, ast.NotEq | ast.NotIn))


def _short_circuit(
    low: Frame, is_and: bool, left: Node, lower_right: Callable[[Frame], Node]
) -> Node:
    """``left and right`` / ``left or right`` with Python's value and evaluation order."""
    if left.is_const:
        done = not left.value if is_and else bool(left.value)
        return left if done else lower_right(low)
    right_frame, right = _branch(low, lower_right)
    if not right_frame.effects():
        # Evaluating the right side cannot raise: compute it here and join with and/or.
        params, operands = _closure(right_frame)
        program = Program("right", tuple(params), (right,), right_frame.b)
        (inlined,), _ = inline(low.b, program, operands)
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


def _falls_through(low: Frame, stmt: ast.If) -> Exception:
    return low.src.error(
        "not every path through this if statement returns a value: one can fall through "
        "to the end of the function (which would return None)", stmt)


def _refill(template: Structure, values: tuple[Node, ...]) -> Structure:
    it = iter(values)

    def fill(s: Structure) -> Structure:
        return next(it) if isinstance(s, Node) else tuple(fill(x) for x in s)

    return fill(template)


def _shape(s: Structure) -> str:
    return "a number" if isinstance(s, Node) else f"a tuple of {len(s)}"


def _merge_names(
    low: Frame, stmt: ast.If, pred: Node, then: Frame, other: Frame
) -> None:
    names = list(dict.fromkeys([*then.assigned, *other.assigned]))
    merged: list[str] = []
    dict_names: dict[str, Keywords] = {}
    values: tuple[list[Node], list[Node]] = ([], [])
    for name in names:
        pair = [frame.env[name] if name in frame.assigned else frame.visible(name)
                for frame in (then, other)]
        for k, frame in enumerate((then, other)):
            if (pair[k] is None or isinstance(pair[k], MaybeUnbound)) and _returned(frame):
                # A branch that returned never uses the name afterwards: any value does.
                pair[k] = frame.b.const(0.0)
        if any(v is None or isinstance(v, MaybeUnbound) for v in pair):
            low.env[name] = MaybeUnbound(name, stmt)
            continue
        if is_dict(pair[0]) and is_dict(pair[1]) \
                and pair[0].keys() == pair[1].keys():
            # A dict: the same keys after both branches, its values merged one by one.
            for key, v0, v1 in zip(pair[0].keys(), *(p.items for p in pair), strict=True):
                if v0[1] is v1[1] and isinstance(v0[1], Resolved):
                    continue
                if not (isinstance(v0[1], Node) and isinstance(v1[1], Node)):
                    raise low.src.error(
                        f"dict {name!r} holds different non-numbers at {key!r} after the "
                        "branches of this if; only numbers can be merged after an if", stmt)
                merged.append(f"{name}[{key!r}]")
                values[0].append(v0[1])
                values[1].append(v1[1])
            dict_names[name] = pair[0]
            continue
        if isinstance(pair[0], Resolved | Text) and pair[0] == pair[1]:
            low.env[name] = pair[0]  # the same function (or string) after both branches
            continue
        if not all(isinstance(v, Node) for v in pair):
            what = "a tuple" if any(isinstance(v, tuple) for v in pair) else \
                "a string" if any(isinstance(v, Text) for v in pair) else \
                "a function or dict"
            raise low.src.error(
                f"variable {name!r} is assigned {what} inside this if statement that differs "
                "between the branches; only numbers can be merged after an if", stmt)
        merged.append(name)
        values[0].append(pair[0])
        values[1].append(pair[1])
    outs = _region(low, pred, [(then, tuple(values[0])), (other, tuple(values[1]))])
    results = dict(zip(merged, outs, strict=True))
    for name, out in results.items():
        if "[" not in name:
            low.bind(name, out, stmt)
    for name, template in dict_names.items():
        low.env[name] = template.map(
            lambda key, v, name=name: results.get(f"{name}[{key!r}]", v))
        low.assigned[name] = None


def _returned(frame: Frame) -> bool:
    """Whether every path through this frame has returned (its return flag is set)."""
    flag = frame.env.get(RETURNED)
    return isinstance(flag, Node) and flag.is_const and flag.value is True


def _region(low: Frame, pred: Node, arms: list[Arm]) -> tuple[Node, ...]:
    """The cond region of two lowered branches and the values they produce.

    A value that is True in one branch and False in the other is the predicate's truth
    itself (a break or return flag), computed without the region.
    """
    (then, a), (other, b) = arms
    flags = {k: (x.value, y.value) for k, (x, y) in enumerate(zip(a, b, strict=True))
             if _is_bool(x) and _is_bool(y) and x.value != y.value}
    same = {k: x for k, (x, y) in enumerate(zip(a, b, strict=True))
            if x.is_const and y.is_const and type(x.value) is type(y.value)
            and x.value == y.value}
    first = {pair: k for k, pair in reversed(list(enumerate(zip(a, b, strict=True))))}
    if same or len(first) < len(a):
        # One constant on both sides (a flag both branches set) needs no region, and a
        # pair of values already given (a list's last value and its new entry) no output.
        keep = sorted(k for k in first.values() if k not in same)
        rest = _region(low, pred, [(then, tuple(a[k] for k in keep)),
                                   (other, tuple(b[k] for k in keep))]) if keep else ()
        values = dict(zip(keep, rest, strict=True))
        for k in range(len(a)):
            values[k] = low.b.const(same[k].value) if k in same else values[first[a[k], b[k]]]
        return tuple(values[k] for k in range(len(a)))
    if flags:
        keep = [k for k in range(len(a)) if k not in flags]
        rest = _region(low, pred, [(then, tuple(a[k] for k in keep)),
                                   (other, tuple(b[k] for k in keep))]) if keep else ()
        truth = pred if _is_boolean_op(pred) else low.b.apply("ne", pred, 0)
        values = dict(zip(keep, rest, strict=True))
        for k, (when_true, _) in flags.items():
            values[k] = truth if when_true else low.b.apply("not_", truth)
        return tuple(values[k] for k in range(len(a)))
    # Both branches take every value either one captured, in first-capture order.
    operands, params = share_captures([frame for frame, _ in arms])
    programs = [
        Program("branch", tuple(ps), outputs, frame.b, effects=frame.effects())
        for (frame, outputs), ps in zip(arms, params, strict=True)
    ]
    return cond(low.b, pred, tuple(operands), programs[0], programs[1])


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
    """The nodes in a captured value (a tuple, list or dict of them; functions have
    none)."""
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    if is_dict(value):
        return [leaf for _, v in value.items for leaf in _leaves(v)]
    return [value] if isinstance(value, Node) else []
