"""Lowering of loops: ``for ... in range(...)`` and ``while``.

Contract (functions over a `frame.Frame`):
- The loop-carried values are the names the body assigns that already have a value
  before the loop. The body (and a while loop's test) is lowered in a child frame
  where those names are parameters; everything else it reads from outside becomes an
  operand, so the body is a closed sub-program (`ir.regions.Loop`), not unrolled.
- After the loop the carried names hold the region's outputs. A name assigned in the
  body only, and the loop variable, may be unbound after it (the loop may not run);
  but a ``while True:`` body runs at least once and is left only by a break (or a
  return), so a name every path through it assigns also has a value after it.
- ``continue`` ends an iteration and ``break`` also ends the loop (a hidden flag the
  body returns; see `control.lower_if`). A ``return`` inside a loop, at any depth,
  records its values in hidden variables the loops carry and ends every loop around
  it (`lower_returning`). ``for``/``while`` with ``else`` is a located error.
- A ``for`` whose body appends arrays to a list (`accumulators.ArraysAppended`) is
  unrolled instead, when its trip count is a constant of at most
  `accumulators.UNROLL_LIMIT` and it has no break, continue or return: the body is
  lowered once per index, so the list is a list of the arrays (for ``np.stack``,
  ``np.array``, ``sum``...).
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend import (
    accumulators,
    control,
    instances,
    sequences,
    unrolled,
    unrolling,
)
from symdiff.frontend.control import BREAK, RETURNED, return_width, share_captures
from symdiff.frontend.frame import Frame
from symdiff.frontend.mutations import changed_in_place
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.values import (
    Frozen,
    Instance,
    MaybeUnbound,
    Nothing,
    Text,
    Value,
    is_dict,
    is_sequence,
)
from symdiff.ir.arrays import fit
from symdiff.ir.node import INT, SEQ, Node, Program, flatten, is_int
from symdiff.ir.regions import Loop, loop_node, proj
from symdiff.ir.sequences import kind
from symdiff.ir.types import broadcast
from symdiff.unparse import unparse


def lower_returning(low: Frame, stmt: ast.For | ast.While, rest: list[ast.stmt]) -> Any:
    """A loop with a ``return`` inside: the loop carries whether it returned and the
    values; after it, a region returns those or runs the rest of the function."""
    width = return_width(low, stmt)
    hidden = [RETURNED, *(f"#return{j}" for j in range(width))]
    if low.loop_return is not None:
        return _lower_nested_returning(low, stmt, rest, hidden)
    low.env[RETURNED] = low.b.const(False)
    for name in hidden[1:]:
        low.env[name] = low.b.const(0.0)
    if isinstance(stmt, ast.For):
        lower_for(low, stmt, hidden, width)
    else:
        lower_while(low, stmt, hidden, width)
    returned = low.env.pop(RETURNED)
    values = tuple(low.env.pop(name) for name in hidden[1:])
    assert isinstance(returned, Node)
    if _only_exit_is_return(stmt):
        # 'while True:' without a break leaves only through a return.
        return values[0] if width == 1 else tuple(values)
    return control.lower_exit(low, stmt, returned, values, rest)


def _lower_nested_returning(
    low: Frame, stmt: ast.For | ast.While, rest: list[ast.stmt], hidden: list[str]
) -> Any:
    """A loop that returns, where a return already only records its values (inside a
    loop that returns, or an if that returns on some paths only): the loop carries the
    same hidden variables, and after it, a return inside it ends the enclosing loop
    too (``if returned: break``), else the rest of the block runs."""
    width = len(hidden) - 1
    if width != low.loop_return:
        raise low.src.error("the returns inside this loop and around it give different "
                            "numbers of values", stmt)
    if isinstance(stmt, ast.For):
        lower_for(low, stmt, hidden, width)
    else:
        lower_while(low, stmt, hidden, width)
    leave: list[ast.stmt] = [ast.Break()] if low.in_loop else [ast.Pass()]
    guard = ast.If(ast.Name(RETURNED, ast.Load()), leave, rest)
    ast.copy_location(guard, stmt)
    ast.fix_missing_locations(guard)
    return low.block([guard])


def _only_exit_is_return(stmt: ast.For | ast.While) -> bool:
    if not (isinstance(stmt, ast.While) and isinstance(stmt.test, ast.Constant)
            and stmt.test.value is True):
        return False
    stack: list[ast.AST] = list(stmt.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Break):
            return False
        if not isinstance(node, (ast.For, ast.While)):  # their breaks are their own
            stack.extend(ast.iter_child_nodes(node))
    return True


def exit_with(low: Frame, stmt: ast.Return) -> None:
    """A ``return`` inside a loop body: record the values and leave the loop."""
    assert stmt.value is not None and low.loop_return is not None
    output = low.output(stmt.value)
    if not (isinstance(output, Node) or (isinstance(output, tuple) and all(
            isinstance(v, Node) for v in output))):
        raise low.src.error("a dict or list returned from inside a loop (not yet)", stmt)
    values = list(flatten(output))
    if len(values) != low.loop_return:
        raise low.src.error(
            "the returns inside this loop give different numbers of values", stmt)
    low.bind(RETURNED, low.b.const(True), stmt)
    for j, value in enumerate(values):
        low.bind(f"#return{j}", value, stmt)
    if low.in_loop:
        low.bind(BREAK, low.b.const(True), stmt)


def lower_for(
    low: Frame, stmt: ast.For, hidden: list[str] | None = None, width: int | None = None
) -> None:
    _check_plain(low, stmt)
    values = unrolled.items(low, stmt.iter)
    if values is not None:  # a pytree's items: the body once per item
        unrolled.lower(low, stmt, values)
        return
    if unrolling.lower(low, stmt):
        return  # over a list, or arrays the function computes, of a tuple
    (start, stop, step), bind, hint = sequences.iteration(low, stmt.iter, stmt.target)
    targets = _target_names(stmt.target)
    # The loop variables are set by the loop each iteration, never carried.
    carried = [name for name in _carried(low, stmt) if name not in targets]
    carried += hidden or []
    accs = accumulators.plan(low, stmt)
    carried += accumulators.start(low, accs)
    types: dict[str, Any] = {}
    while True:
        body = _body_frame(low, width)
        index = body.b.arg(hint)
        body.loop_index = (index, (start, stop, step))
        bind(body, index)
        try:
            carry, new, stop_flag = _lower_body(low, body, stmt, carried, accs, types)
            break
        except _Widen as widen:
            types.update(widen.types)  # lowered again, carrying the wider values
        except accumulators.ArraysAppended:
            count = _trip_count(start, stop, step)
            if count is None or count > accumulators.UNROLL_LIMIT or hidden or \
                    unrolled.first_exit(stmt):
                raise
            accumulators.finish(low, accs)
            _unroll(low, stmt, int(start.value), int(step.value), count, bind)
            return
    stacked = _stacked(low, stmt, [body], accs)
    operands, (params,) = share_captures([body])
    program = Program("body", (index, *carry, *params),
                      (*new, *_stack_outputs(stacked), *stop_flag), body.b,
                      effects=body.effects())
    inits = tuple(_init(low, name) for name in carried)
    loop = Loop("range", program, len(carried), breaks=bool(stop_flag),
                n_stacked=len(_stack_outputs(stacked)))
    node = loop_node(low.b, loop, (start, stop, step, *inits, *operands))
    _after(low, stmt, node, carried, body, targets, stacked)
    accumulators.finish(low, accs)


def _trip_count(start: Node, stop: Node, step: Node) -> int | None:
    """How many times a loop over ``range(start, stop, step)`` runs, when known."""
    bounds = [b.value for b in (start, stop, step) if b.is_const]
    ints = [b for b in bounds if type(b) is int]
    if len(ints) != 3:
        return None
    return len(range(*ints))


def _unroll(low: Frame, stmt: ast.For, start: int, step: int, count: int, bind: Any
            ) -> None:
    """The body once per index, in `low`: a list it appends arrays to is then a list of
    them, as in code without the loop."""
    for k in range(count):
        bind(low, low.b.const(start + k * step))
        low.block(stmt.body)


def lower_while(
    low: Frame, stmt: ast.While, hidden: list[str] | None = None, width: int | None = None
) -> None:
    _check_plain(low, stmt)
    carried = _carried(low, stmt) + (hidden or [])
    accs = accumulators.plan(low, stmt)
    carried += accumulators.start(low, accs)
    types: dict[str, Any] = {}
    while True:
        test = low.child()
        test_carry = _carry_params(test, carried, types)
        flag = test.number(test.expr(stmt.test), stmt.test)
        body = _body_frame(low, width)
        try:
            body_carry, new, stop_flag = _lower_body(low, body, stmt, carried, accs, types)
            break
        except _Widen as widen:
            types.update(widen.types)  # lowered again, carrying the wider values
    inits = [_init(low, name) for name in carried]
    once = flag.is_const and bool(flag.value)  # while True: left only by a break or return
    if once:
        for name, value in _bound_every_path(body, carried):
            # A value from the body only: the loop carries it from a stand-in it never
            # reads, for after the loop.
            carried.append(name)
            test_carry.append(test.b.arg(name, kind(value)))
            body_carry.append(body.b.arg(name, kind(value)))
            new.append(value)
            inits.append(low.b.const(0.0))
    stacked = _stacked(low, stmt, [body, test], accs)
    operands, (test_params, body_params) = share_captures([test, body])
    test_program = Program("test", (*test_carry, *test_params), (flag,), test.b,
                           effects=test.effects())
    program = Program("body", (*body_carry, *body_params),
                      (*new, *_stack_outputs(stacked), *stop_flag), body.b,
                      effects=body.effects())
    loop = Loop("while", program, len(carried), test=test_program, breaks=bool(stop_flag),
                n_stacked=len(_stack_outputs(stacked)))
    node = loop_node(low.b, loop, (*inits, *operands))
    _after(low, stmt, node, carried, body, [], stacked, once)
    accumulators.finish(low, accs)


def _bound_every_path(body: Frame, carried: list[str]) -> list[tuple[str, Node]]:
    """The names a loop body assigns on every path through it (so also on every path to
    a break) that the loop does not carry, with their values at its end: a name one
    path leaves unassigned is `MaybeUnbound` there (see `control.lower_if`)."""
    return [(name, value) for name in body.assigned
            if name.isidentifier() and name not in carried
            and isinstance(value := body.env.get(name), Node) and kind(value) != SEQ]


def _body_frame(low: Frame, width: int | None) -> Frame:
    body = low.child()
    body.loop_return = width
    body.in_loop = True
    body.accumulates = True
    return body


Stack = tuple[str, Node, "Node | None"]  # a list's name, its value and flag per iteration


def _stacked(low: Frame, stmt: ast.stmt, frames: list[Frame],
             accs: list[accumulators.Accumulator]) -> list[Stack]:
    """The values (and flags, when appending is conditional) the body appends to lists
    from outside the loop."""
    stacked = accumulators.outputs(frames[0], accs)
    for acc in accs:
        if any(acc.name in frame.captures for frame in frames):
            raise low.src.error(
                f"unsupported construct: list {acc.name!r} is read inside the loop that "
                f"appends to it; there only {acc.name}[-1], {acc.name}[-2], ... and "
                f"len({acc.name}) can be read (keep other values you need in variables)",
                stmt)
    return stacked


def _stack_outputs(stacked: list[Stack]) -> list[Node]:
    return [node for _, value, flag in stacked for node in (value, flag) if node is not None]


class _Widen(Exception):
    """A carried value the body makes an array of a wider type than it starts with
    (``total = 0.0`` then ``total = total + row``): lower the loop again with these."""

    def __init__(self, types: dict[str, Any]) -> None:
        super().__init__()
        self.types = types


def _lower_body(
    low: Frame, body: Frame, stmt: ast.For | ast.While, carried: list[str],
    accs: list[accumulators.Accumulator], types: dict[str, Any],
) -> tuple[list[Node], list[Node], tuple[Node, ...]]:
    """Lower the loop body in `body`: (carry parameters, new carried values, stop flag).
    `types` gives the array type of carried values wider than their value before."""
    carry = _carry_params(body, carried, types)
    accumulators.begin_iteration(body, accs)
    body.env[BREAK] = body.b.const(False)
    if body.loop_return is None:
        _no_return(low, stmt)
    body.block(stmt.body)
    return carry, _new_values(low, body, carried, carry, stmt), _stop_flag(body)


SUM = "#total"  # the hidden accumulator of sum(... for i in range(...))


def lower_sum(low: Frame, call: ast.Call) -> Node:
    """``sum(expr for i in range(...) if cond)`` as the loop it is: an accumulator
    carried through a ``for`` over the range, not a list."""
    if call.keywords or not 1 <= len(call.args) <= 2:
        raise low.src.error("sum() takes an iterable and an optional start value", call)
    gen = call.args[0]
    if not isinstance(gen, (ast.GeneratorExp, ast.ListComp)):
        raise low.src.error(
            f"unsupported sum() of {unparse(gen)!r}: only a generator expression or "
            "list comprehension over range(...) (lists are not supported yet)", gen)
    if len(gen.generators) != 1 or gen.generators[0].is_async:
        raise low.src.error("sum() over more than one 'for' is not supported yet", gen)
    start = low.number(low.expr(call.args[1]), call.args[1]) if len(call.args) == 2 \
        else low.b.const(0)
    add = ast.AugAssign(ast.Name(SUM, ast.Store()), ast.Add(), gen.elt)
    total = _as_loop(low, gen, SUM, start, add)
    assert isinstance(total, Node)
    return total


def lower_comprehension(low: Frame, stmt: ast.Assign) -> None:
    """``ys = [expr for v in xs if cond]``: the list `comprehension` builds, named ys."""
    assert isinstance(stmt.value, ast.ListComp) and isinstance(stmt.targets[0], ast.Name)
    name = stmt.targets[0].id
    low.bind(name, comprehension(low, stmt.value, name), stmt)


def comprehension(low: Frame, comp_expr: ast.ListComp | ast.GeneratorExp, hint: str = "items"
                  ) -> Value:
    """``[expr for v in xs if cond]`` as the loop that builds the list by appending
    (``for v in xs: if cond: ys.append(expr)``). The list is built under a hidden name,
    so the comprehension reads the names it mentions as they are
    (``x = [v / sum(x) for v in x]``), and its variables are its own: outer names of
    the same spelling are kept."""
    if len(comp_expr.generators) != 1 or comp_expr.generators[0].is_async:
        raise low.src.error("a list comprehension with more than one 'for' is not supported "
                            "yet", comp_expr)
    objects = instances.comprehension(low, comp_expr)
    if objects is not None:
        return objects
    built = f"#:{hint}"  # printed as the hint itself ("#:" is dropped)
    append = ast.Expr(ast.Call(
        ast.Attribute(ast.Name(built, ast.Load()), "append", ast.Load()), [comp_expr.elt], []))
    return _as_loop(low, comp_expr, built, [], append)


def _as_loop(low: Frame, comp_expr: ast.GeneratorExp | ast.ListComp, hidden: str,
             initial: Value, step: ast.stmt) -> Value:
    """The value of the hidden variable `hidden`, from `initial`, after the loop a
    one-``for`` comprehension is: ``for v in xs: if cond: step``, written as a syntax
    tree at the comprehension's position. Its variables are its own, so outer names of
    the same spelling are kept."""
    comp = comp_expr.generators[0]
    for test in reversed(comp.ifs):
        step = ast.If(test, [step], [])
    loop = ast.For(comp.target, comp.iter, [step], [])
    ast.copy_location(loop, comp_expr)
    ast.fix_missing_locations(loop)
    names = _target_names(comp.target)
    saved = {n: low.env[n] for n in names if n in low.env}
    was_assigned = {n for n in names if n in low.assigned}
    low.env[hidden] = initial
    lower_for(low, loop)
    for n in names:
        low.env.pop(n, None)
        if n not in was_assigned:
            low.assigned.pop(n, None)
    low.env.update(saved)
    low.assigned.pop(hidden, None)
    return low.env.pop(hidden)  # type: ignore[return-value]


def _target_names(target: ast.expr) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _check_plain(low: Frame, stmt: ast.For | ast.While) -> None:
    kind = "for" if isinstance(stmt, ast.For) else "while"
    if stmt.orelse:
        raise low.src.error(f"unsupported construct: {kind} ... else", stmt)


def _carried(low: Frame, stmt: ast.For | ast.While) -> list[str]:
    """Names the body assigns that have a value before the loop, in order of appearance."""
    assigned: dict[str, None] = {}
    for node in ast.walk(ast.Module(stmt.body, type_ignores=[])):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            assigned[node.id] = None
        elif (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)
              and isinstance(node.value, ast.Name)):
            assigned[node.value.id] = None  # out[i] = v makes a new array `out`
        elif isinstance(node, ast.Expr) and isinstance(
                changed := changed_in_place(node.value), ast.Name) and not (
                    isinstance(node.value, ast.Call) and sequences.is_append(node.value)):
            assigned[changed.id] = None  # np.add.at(out, ...), out.fill(v): a new `out`
    carried = []
    for name in assigned:
        value = low.visible(name)
        if is_sequence(value):
            raise low.src.error(
                f"variable {name!r} holds a list and is assigned in this loop (not yet): "
                "build a list with append()", stmt)
        if isinstance(value, Node):
            carried.append(name)
        elif isinstance(value, tuple | Resolved | Text | Nothing | Frozen) or is_dict(value):
            what = "a tuple" if isinstance(value, tuple) else \
                "a dict" if is_dict(value) else "a string" if isinstance(value, Text) \
                else "None" if isinstance(value, Nothing) else \
                "a frozen distribution" if isinstance(value, Frozen) else "a function"
            raise low.src.error(
                f"variable {name!r} holds {what} and is assigned in this loop; only numbers "
                "can be carried from one iteration to the next", stmt)
    return carried


def _no_return(low: Frame, stmt: ast.For | ast.While) -> None:
    for node in ast.walk(ast.Module(stmt.body, type_ignores=[])):
        if isinstance(node, ast.Return):
            raise low.src.error("unsupported construct: return inside a loop (not yet)", node)


def _stop_flag(body: Frame) -> tuple[Node, ...]:
    """The body's break flag as an output, or nothing when the loop never breaks."""
    flag = body.env.pop(BREAK)
    body.assigned.pop(BREAK, None)
    assert isinstance(flag, Node)
    return () if flag.is_const and not flag.value else (flag,)


def _carry_params(frame: Frame, carried: list[str], types: dict[str, Any]
                  ) -> list[Node]:
    params = []
    for name in carried:
        outer = frame.parent.visible(name) if frame.parent is not None else None
        typ = types.get(name, outer.type if isinstance(outer, Node) else None)
        if typ is None and isinstance(outer, Node) and is_int(outer):
            typ = INT  # an int counter stays one, unless the body makes it a float
        param = frame.b.arg(name, typ if typ is not None else "num")
        frame.env[name] = param
        params.append(param)
    return params


def _new_values(
    low: Frame, body: Frame, carried: list[str], carry: list[Node], stmt: ast.stmt
) -> list[Node]:
    values = []
    wider: dict[str, Any] = {}
    for name, param in zip(carried, carry, strict=True):
        value = body.env[name]
        if not isinstance(value, Node):
            raise low.src.error(
                f"variable {name!r} is carried through this loop but ends an iteration "
                "without a number value", stmt)
        if param.attrs[2:] == (INT,) and not is_int(value):
            wider[name] = "num"  # (``k = 0`` then ``k = k + 0.5``): carried as a number
        elif value.type != param.type:
            joined = broadcast(param.type, value.type)
            if joined != param.type:
                wider[name] = joined
            else:
                value = fit(body.b, value, param)  # a number where an array is carried
        values.append(value)
    if wider:
        raise _Widen(wider)
    return values


def _init(low: Frame, name: str) -> Node:
    value = low.visible(name)
    assert isinstance(value, Node)
    return value


def _after(
    low: Frame, stmt: ast.stmt, node: Node, carried: list[str], body: Frame,
    targets: list[str], stacked: list[Stack], once: bool = False,
) -> None:
    for k, name in enumerate(carried):
        low.bind(name, proj(low.b, node, k), stmt)
    k = len(carried)
    for name, _, flag in stacked:
        before = low.env[name]
        values = proj(low.b, node, k)
        if flag is not None:
            kept = proj(low.b, node, k + 1)
            low.b.name(values, f"{name}_each")
            low.b.name(kept, f"{name}_kept")
            values = low.b.apply("seq_select", values, kept)
        k += 2 if flag is not None else 1
        if not (isinstance(before, list) and not before):
            low.b.name(values, f"{name}_appended")
            values = low.b.apply("seq_concat", sequences.as_seq(low, before, stmt), values)
        sequences.rebind(low, before, values)
        low.b.name(values, name)
    line = getattr(stmt, "lineno", "?")
    why = f"it is assigned inside the loop at line {line}, which may run zero times"
    unbound = [name for name in body.assigned if name not in carried]
    if once:
        why = (f"the loop at line {line} does not assign it on every path through its "
               "body")
        unbound += [name for name, value in body.env.items() if name.isidentifier()
                    and isinstance(value, MaybeUnbound) and name not in carried]
    for name in unbound:
        held = isinstance(body.env.get(name), Instance)
        low.env[name] = MaybeUnbound(name, stmt, why if not held else (
            f"it holds an object the loop at line {line} makes, which cannot outlive the "
            "loop (not supported yet)"))
    for name in targets:
        low.env[name] = MaybeUnbound(name, stmt, why)
