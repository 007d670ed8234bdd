"""Lowering of statements: one handler per kind of statement, in `STATEMENTS`.

Contract: a handler ``(frame, stmt, rest) -> End | None`` lowers `stmt` in `frame`,
where `rest` is the statements after it in its block for the kinds in `READ_REST`, an
empty list for the others (`Frame.block` looks the handler up by the node's type; a
kind of statement without one is a located error). It gives
`End` when the block ends at `stmt`: a return, a continue or a break, and an if or a
loop that returns, which take `rest` into their paths (`control`, `loops`); else None.
`assign` binds an assignment target to a value: a name (`Frame.bind`), ``name[key]``
of a dict (`dicts`) or an array (`np_indexing`), or a tuple of targets, which unpacks
a tuple or an array.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from symdiff.frontend import (
    call_statements,
    calls,
    checks,
    control,
    dicts,
    instances,
    loops,
    names,
    np_indexing,
    objects,
    sequences,
)
from symdiff.frontend.frame import End, Frame, StatementHandler
from symdiff.frontend.operators import binop
from symdiff.frontend.values import Instance, Value, is_array
from symdiff.ir.node import Node
from symdiff.ir.sequences import is_seq
from symdiff.unparse import unparse


def _return(frame: Frame, stmt: ast.Return, rest: list[ast.stmt]) -> End:
    if stmt.value is None:
        raise frame.src.error("the function returns None, not a number", stmt)
    if frame.loop_return is not None:
        loops.exit_with(frame, stmt)
        return End(None)  # the loop ends here, and the function after it
    return End(frame.output(stmt.value))


def _if(frame: Frame, stmt: ast.If, rest: list[ast.stmt]) -> End | None:
    if checks.is_raise_if(stmt):
        checks.lower_raise_if(frame, stmt)
        return None
    result = control.lower_if(frame, stmt, rest)
    if result is not None or (control.may_return(frame, stmt) and frame.loop_return is None):
        return End(result)
    if control.ends_iteration(frame, stmt):
        return End(None)  # the rest of the body went into the branches
    return None


def _for(frame: Frame, stmt: ast.For, rest: list[ast.stmt]) -> End | None:
    if objects.unrolled_loop(frame, stmt):
        return None
    if control.may_return(frame, stmt):
        return End(loops.lower_returning(frame, stmt, rest))
    loops.lower_for(frame, stmt)
    return None


def _while(frame: Frame, stmt: ast.While, rest: list[ast.stmt]) -> End | None:
    if control.may_return(frame, stmt):
        return End(loops.lower_returning(frame, stmt, rest))
    loops.lower_while(frame, stmt)
    return None


def _continue(frame: Frame, stmt: ast.Continue, rest: list[ast.stmt]) -> End:
    return End(None)  # the iteration ends here


def _break(frame: Frame, stmt: ast.Break, rest: list[ast.stmt]) -> End:
    frame.env[control.BREAK] = frame.b.const(True)
    frame.assigned[control.BREAK] = None
    return End(None)  # the iteration ends here, and the loop after it


def _assign(frame: Frame, stmt: ast.Assign, rest: list[ast.stmt]) -> None:
    if isinstance(stmt.value, ast.ListComp) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        loops.lower_comprehension(frame, stmt)
        return
    value = frame.expr(stmt.value)
    for target in stmt.targets:
        assign(frame, target, value, stmt)


def _annotated(frame: Frame, stmt: ast.AnnAssign, rest: list[ast.stmt]) -> None:
    if stmt.value is not None:
        assign(frame, stmt.target, frame.expr(stmt.value), stmt)


def _augmented(frame: Frame, stmt: ast.AugAssign, rest: list[ast.stmt]) -> None:
    lower = _AUGMENTED.get(type(stmt.target))
    if isinstance(stmt.target, ast.Attribute):
        obj = _changed_object(frame, stmt.target)
        current = instances.attribute(frame, obj, stmt.target.attr, stmt.target)
        value = binop(frame, stmt.op, current, frame.expr(stmt.value), stmt)
        instances.set_attribute(frame, obj, stmt.target.attr, value, stmt.target)
        return
    if lower is None:
        raise frame.src.error("augmented assignment to a non-name", stmt.target)
    lower(frame, stmt)


def _augmented_name(frame: Frame, stmt: ast.AugAssign) -> None:
    """``name += v``: an array changes in place, a number is rebound."""
    assert isinstance(stmt.target, ast.Name)
    current = names.lookup(frame, stmt.target.id, stmt.target)
    if is_array(current):
        np_indexing.augmented_name(frame, stmt, current)  # type: ignore[arg-type]
        return
    value = binop(frame, stmt.op, current, frame.expr(stmt.value), stmt)
    assign(frame, stmt.target, value, stmt)


def _augmented_item(frame: Frame, stmt: ast.AugAssign) -> None:
    """``d["k"] += v`` of a dict, ``x[key] += v`` of an array."""
    target = stmt.target
    if not dicts.is_dict_target(frame, target):
        np_indexing.augmented(frame, stmt)
        return
    current = dicts.get_item(frame, target)  # type: ignore[arg-type]
    value = binop(frame, stmt.op, current, frame.expr(stmt.value), stmt)
    assign(frame, target, value, stmt)


_AUGMENTED: dict[type[ast.expr], Callable[[Frame, ast.AugAssign], None]] = {
    ast.Name: _augmented_name,
    ast.Subscript: _augmented_item,
}


def _function_def(frame: Frame, stmt: ast.FunctionDef, rest: list[ast.stmt]) -> None:
    calls.define(frame, stmt)


def _expression(frame: Frame, stmt: ast.Expr, rest: list[ast.stmt]) -> None:
    call_statements.lower(frame, stmt)


def _pass(frame: Frame, stmt: ast.Pass, rest: list[ast.stmt]) -> None:
    return None


def _assert(frame: Frame, stmt: ast.Assert, rest: list[ast.stmt]) -> None:
    checks.lower_assert(frame, stmt)


def _raise(frame: Frame, stmt: ast.Raise, rest: list[ast.stmt]) -> None:
    raise frame.src.error(f"unsupported raise: {checks.RAISE_FORM}", stmt)


STATEMENTS: dict[type[ast.stmt], StatementHandler] = {
    ast.Return: _return,
    ast.If: _if,
    ast.For: _for,
    ast.While: _while,
    ast.Continue: _continue,
    ast.Break: _break,
    ast.Assign: _assign,
    ast.AnnAssign: _annotated,
    ast.AugAssign: _augmented,
    ast.FunctionDef: _function_def,
    ast.Expr: _expression,
    ast.Pass: _pass,
    ast.Assert: _assert,
    ast.Raise: _raise,
}
# The statements whose handler reads `rest` (the others are given an empty list).
READ_REST = frozenset({ast.If, ast.For, ast.While})


def assign(frame: Frame, target: ast.expr, value: Value, stmt: ast.stmt) -> None:
    """Bind the assignment target `target` of `stmt` to `value`."""
    lower = _TARGETS.get(type(target))
    if isinstance(target, ast.Attribute):
        obj = _changed_object(frame, target)
        instances.set_attribute(frame, obj, target.attr, value, target)
        return
    if lower is None:
        raise frame.src.error(
            f"unsupported assignment target: {type(target).__name__.lower()}", target)
    lower(frame, target, value, stmt)


def _changed_object(frame: Frame, target: ast.Attribute) -> Instance:
    """The object the function made whose attribute `target` assigns; any other object
    is not the function's to change."""
    obj = frame.expr(target.value)
    if not isinstance(obj, Instance):
        raise frame.src.error(
            f"assigning to {unparse(target)} changes an object the function did not "
            "make, which symdiff does not support: a differentiated function and the "
            "methods it calls read the attributes of such objects, never set them; return "
            "the new value instead", target)
    return obj


def _to_name(frame: Frame, target: ast.Name, value: Value, stmt: ast.stmt) -> None:
    frame.bind(target.id, value, stmt)


def _to_item(frame: Frame, target: ast.Subscript, value: Value, stmt: ast.stmt) -> None:
    if dicts.is_dict_target(frame, target):
        dicts.set_item(frame, target, value, stmt)
    else:
        np_indexing.assign(frame, target, value, stmt)


def _to_tuple(frame: Frame, target: ast.Tuple, value: Value, stmt: ast.stmt) -> None:
    if is_array(value):
        value = np_indexing.unpack(frame, value, len(target.elts), target)  # type: ignore
    elif isinstance(value, Node) and is_seq(value):
        value = sequences.unpack(frame, value, len(target.elts))
    if not isinstance(value, tuple):
        raise frame.src.error("cannot unpack a number into several names", target)
    if len(value) != len(target.elts):
        raise frame.src.error(
            f"cannot unpack {len(value)} values into {len(target.elts)} names", target)
    for sub_target, sub_value in zip(target.elts, value, strict=True):
        assign(frame, sub_target, sub_value, stmt)


_TARGETS: dict[type[ast.expr], Callable[[Frame, Any, Value, ast.stmt], None]] = {
    ast.Name: _to_name,
    ast.Subscript: _to_item,
    ast.Tuple: _to_tuple,
}
