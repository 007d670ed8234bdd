"""Lists a loop appends to: ``xs.append(v)`` in a loop body, on a list from outside it.

Contract (functions over `frame.Frame`s, used by `loops.py`):
- Each iteration appends at most one value to each such list, anywhere in the body
  outside nested loops (also under an ``if``, or after a ``continue`` test). The loop
  outputs one value per iteration (a stack), and, when the append may not happen, a
  flag per iteration; the list after the loop is what it held before followed by the
  values whose flag is true (``seq_select``).
- While it appends, the loop may read the list's last values by constant negative
  indices (``xs[-1]``, ``xs[-2]``) and its length (``len(xs)``): the loop carries those
  (hidden variables), so nothing is copied per iteration. Reading an entry that is
  not there yet raises ``IndexError`` as Python would. Any other read of the list in
  the loop is a located error (see `loops._stacked`).
- The hidden variables: ``#push:xs`` / ``#pushed:xs`` (this iteration's value and
  whether it was appended), ``#xs_last``, ``#xs_last2``... (``xs[-1]``, ``xs[-2]``),
  ``#xs_len`` and ``#xs_known`` (its length before the loop, when known).
- Appending an array raises `ArraysAppended`, a located error a ``for`` loop of a trip
  count known while compiling answers by unrolling itself (`loops.lower_for`): the list
  is then a Python list of the arrays.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from symdiff.errors import UnsupportedSyntaxError
from symdiff.frontend.frame import Frame
from symdiff.ir.node import Node, Op
from symdiff.ir.sequences import is_seq

# The most iterations a loop appending arrays to a list is unrolled for.
UNROLL_LIMIT = 128


class ArraysAppended(UnsupportedSyntaxError):
    """An array appended to a list in a loop lowered as one region, which holds numbers
    only: the loop unrolls instead where it can, else this error stands."""


@dataclass
class Accumulator:
    """A list the loop appends to, and what the loop reads of it."""

    name: str
    window: int  # how many of its last values the loop reads (xs[-1] ... xs[-window])
    counts: bool  # whether the loop reads its length
    known: int | None  # its length before the loop, when known while lowering

    def carried(self) -> list[str]:
        """The hidden variables the loop carries for this list."""
        names = [_last(self.name, k) for k in range(1, self.window + 1)]
        return names + ([_count(self.name)] if self.needs_count() else [])

    def needs_count(self) -> bool:
        return self.counts or self.known is None or self.known < self.window


def _push(name: str) -> str:
    return f"#push:{name}"


def _pushed(name: str) -> str:
    return f"#pushed:{name}"


# The carried ones read as names in generated code: xs_last, xs_last2, xs_len.
def _last(name: str, k: int) -> str:
    return f"#{name}_last{k if k > 1 else ''}"


def _count(name: str) -> str:
    return f"#{name}_len"


def _known(name: str) -> str:
    return f"#{name}_known"


def plan(low: Frame, stmt: ast.For | ast.While) -> list[Accumulator]:
    """The lists from `low` that the loop `stmt` appends to."""
    # Only lists of this frame: one captured from further out is not carried back there.
    names = [n for n in dict.fromkeys(_appended(stmt.body)) if n in low.env
             and n not in low.captures]
    reads = ast.Module([*stmt.body, *([ast.Expr(stmt.test)] if isinstance(
        stmt, ast.While) else [])], type_ignores=[])
    found = []
    for name in names:
        before = low.env[name]
        if not (isinstance(before, list) or (
                isinstance(before, Node) and is_seq(before) and before.op != Op.PARAM)):
            continue  # append() reports what is wrong
        window, counts = 0, False
        for node in ast.walk(reads):
            if isinstance(node, ast.Subscript) and _is_name(node.value, name):
                k = _negative_index(node.slice)
                if k is not None:
                    window = max(window, k)
            if isinstance(node, ast.Call) and _is_name(node.func, "len") and len(
                    node.args) == 1 and _is_name(node.args[0], name):
                counts = True
        known = len(before) if isinstance(before, list) else None
        found.append(Accumulator(name, window, counts, known))
    return found


def start(low: Frame, accs: list[Accumulator]) -> list[str]:
    """Give the hidden variables their values before the loop; return their names."""
    names = []
    for acc in accs:
        before = low.env[acc.name]
        if acc.known is not None:
            low.env[_known(acc.name)] = low.b.const(acc.known)
        for k in range(1, acc.window + 1):
            if isinstance(before, list):
                value = before[-k] if k <= len(before) else low.b.const(0.0)
            else:
                # Padded in front, so an entry the list does not have reads as a zero
                # (never used: reading it raises, see `read_item`).
                assert isinstance(before, Node)
                padded = low.b.apply("seq_concat", low.b.apply(
                    "seq_new", *[low.b.const(0.0)] * acc.window), before)
                value = low.b.apply("seq_get", padded, low.b.const(-k))
            low.env[_last(acc.name, k)] = value
        if acc.needs_count():
            # A list of unknown length is a sequence node (see `plan`).
            if acc.known is not None:
                low.env[_count(acc.name)] = low.b.const(acc.known)
            else:
                assert isinstance(before, Node)
                low.env[_count(acc.name)] = low.b.apply("seq_len", before)
        names += acc.carried()
    return names


def begin_iteration(body: Frame, accs: list[Accumulator]) -> None:
    """Nothing is appended yet in this iteration."""
    for acc in accs:
        body.env[_push(acc.name)] = body.b.const(0.0)
        body.env[_pushed(acc.name)] = body.b.const(False)


def collects(low: Frame, name: str) -> bool:
    """Whether a loop around `low` collects what is appended to `name`."""
    frame: Frame | None = low
    while frame is not None and not frame.accumulates:
        frame = frame.parent
    return frame is not None and _push(name) in frame.env


def append(low: Frame, call: ast.Call, name: str) -> bool:
    """``name.append(v)`` in a loop that accumulates `name`; False when no loop does."""
    if not collects(low, name):
        return False
    pushed = low.visible(_pushed(name))
    if not (isinstance(pushed, Node) and pushed.is_const and not pushed.value):
        raise low.src.error(
            f"a second append to {name!r} in one iteration (not yet): append one value "
            "per iteration", call)
    value = low.expr(call.args[0])
    if isinstance(value, tuple):
        raise low.src.error(
            "a list of tuples built in a loop or comprehension (not yet): build a list "
            "per field (or loop over zip(...) of them)", call.args[0])
    value = low.number(value, call.args[0])
    if value.type is not None:
        # A list a loop builds holds numbers (`ir.sequences`): of arrays, its items would
        # be typed as numbers downstream.
        error = low.src.error(
            f"a list of arrays built in this loop (not yet): only a for loop of a "
            f"constant trip count (at most {UNROLL_LIMIT}) without break, continue or return "
            f"builds one; append numbers, or build an array (np.zeros, then "
            f"{name}[i] = ...)", call.args[0])
        raise ArraysAppended(error.what, error.filename, error.lineno, error.col,
                             error.source_line)
    assign = _assigner(low, call)
    assign(_push(name), value)
    assign(_pushed(name), low.b.const(True))
    window = 0
    while low.visible(_last(name, window + 1)) is not None:
        window += 1
    for k in range(window, 1, -1):
        assign(_last(name, k), low.visible(_last(name, k - 1)))
    if window:
        assign(_last(name, 1), value)
    count = low.visible(_count(name))
    if isinstance(count, Node):
        assign(_count(name), low.b.add(count, low.b.const(1)))
    return True


def _assigner(low: Frame, call: ast.Call) -> Any:
    stmt = ast.Expr(call)

    def assign(hidden: str, value: Any) -> None:
        low.bind(hidden, value, stmt)
    return assign


def read_item(low: Frame, e: ast.Subscript) -> Node | None:
    """``xs[-k]`` inside a loop that appends to `xs`, or None."""
    if not isinstance(e.value, ast.Name):
        return None
    k = _negative_index(e.slice)
    if k is None:
        return None
    value = low.visible(_last(e.value.id, k))
    if not isinstance(value, Node):
        return None
    known = low.visible(_known(e.value.id))
    if isinstance(known, Node) and known.value >= k:
        return value  # the list had k entries before the loop
    count = low.visible(_count(e.value.id))
    assert isinstance(count, Node)
    short = low.b.apply("lt", count, low.b.const(k))
    if short.is_const and not short.value:
        return value
    return low.b.apply("checked_item", value, short)


def read_length(low: Frame, arg: ast.expr) -> Node | None:
    """``len(xs)`` inside a loop that appends to `xs`, or None."""
    if not isinstance(arg, ast.Name):
        return None
    count = low.visible(_count(arg.id))
    return count if isinstance(count, Node) else None


def outputs(body: Frame, accs: list[Accumulator]) -> list[tuple[str, Node, Node | None]]:
    """Per list the body appended to: its name, the value, and the flag (None when the
    body always appends)."""
    found = []
    for acc in accs:
        value, flag = body.env.pop(_push(acc.name)), body.env.pop(_pushed(acc.name))
        body.assigned.pop(_push(acc.name), None)
        body.assigned.pop(_pushed(acc.name), None)
        assert isinstance(value, Node) and isinstance(flag, Node)
        if flag.is_const and not flag.value:
            continue  # never appends
        found.append((acc.name, value, None if flag.is_const else flag))
    return found


def finish(low: Frame, accs: list[Accumulator]) -> None:
    """Drop the hidden variables after the loop."""
    for acc in accs:
        for name in [*acc.carried(), _known(acc.name)]:
            low.env.pop(name, None)
            low.assigned.pop(name, None)


def _appended(stmts: list[ast.stmt]) -> list[str]:
    """Names of lists appended to in these statements, outside nested loops."""
    names = []
    stack: list[ast.AST] = list(stmts)
    while stack:
        node = stack.pop(0)
        if isinstance(node, (ast.For, ast.While, ast.FunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and isinstance(
                node.value.func, ast.Attribute) and node.value.func.attr == "append" \
                and isinstance(node.value.func.value, ast.Name):
            names.append(node.value.func.value.id)
        stack.extend(ast.iter_child_nodes(node))
    return names


def _is_name(e: ast.expr, name: str) -> bool:
    return isinstance(e, ast.Name) and e.id == name


def _negative_index(e: ast.expr) -> int | None:
    """k for a constant index -k (k >= 1), else None."""
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub) and isinstance(
            e.operand, ast.Constant) and type(e.operand.value) is int and e.operand.value > 0:
        return e.operand.value
    return None
