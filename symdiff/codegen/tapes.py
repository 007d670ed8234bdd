"""How generated code keeps a loop's tape and runs a range backwards, per backend.

Contract: the emitter asks a `Tapes` for the statements that start a loop's tape, push
an iteration's entry, pop one in a backward loop, and for a backward range.

- `ListTapes` (the Python backend): a list of entries (``tape.append((x, x_dot))``,
  ``x_1, x_dot_1 = tape.pop()``) and ``reversed(range(...))``.
- `ArrayTapes` (the numba backend, code that ``numba.njit`` compiles in nopython mode):
  one NumPy array per saved value (float64 for a number, int64 for an int), preallocated
  to the trip count of a ``for`` loop over a range and doubled when full in a ``while``
  loop, with a cursor counting the entries: 8 bytes per saved number. A loop that saves
  a list or an array keeps a list tape. Backward ranges are descending ranges
  (``range(n - 1, -1, -1)``; `codegen.native` makes them while loops).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from symdiff.codegen.naming import Namer
from symdiff.ir.node import INT, NUM, Node, Op

_WHILE_CAPACITY = 16  # a while loop's tape's first length (entries), doubled when full


class ListTapes:
    """Tapes as Python lists (the Python backend)."""

    def start(self, name: str, saved: Sequence[Node], trips: ast.expr | None,
              stmts: list[ast.stmt]) -> None:
        """Start the tape `name` of a loop that saves `saved` (its parameters) each
        iteration and runs `trips` times at most (None for a while loop)."""
        stmts.append(_assign(name, ast.List([], ast.Load())))

    def push(self, name: str, values: list[ast.expr]) -> list[ast.stmt]:
        """Push one entry of `values` onto the tape `name`."""
        return [append(name, values)]

    def pop(self, tape: ast.expr, names: list[str]) -> list[ast.stmt]:
        """Pop the last entry of `tape` (a tape or a list) into `names`."""
        return [_assign_many(names, _call(ast.Attribute(tape, "pop", ast.Load())))]

    def backwards(self, args: list[ast.expr], unit_step: bool) -> ast.expr:
        """The range of `args` (``range``'s arguments), last element first."""
        return _call(_load("reversed"), _call(_load("range"), *args))


class ArrayTapes(ListTapes):
    """Tapes as preallocated NumPy arrays (the numba backend)."""

    def __init__(self, namer: Namer) -> None:
        self.namer = namer
        # A tape's first column's name -> its cursor's name, its columns' names and
        # whether it grows (a while loop's).
        self.kept: dict[str, tuple[str, list[str], bool]] = {}

    def start(self, name: str, saved: Sequence[Node], trips: ast.expr | None,
              stmts: list[ast.stmt]) -> None:
        kinds = [_kind(v) for v in saved]
        if any(k is None for k in kinds):
            super().start(name, saved, trips, stmts)  # lists or arrays saved: a list
            return
        length = ast.Constant(_WHILE_CAPACITY) if trips is None else _call(_load("len"), trips)
        columns = [name, *(self.namer.hinted(name) for _ in kinds[1:])]
        for column, kind in zip(columns, kinds, strict=True):
            stmts.append(_assign(column, _empty(length, kind == INT)))
        cursor = self.namer.hinted(f"{name}_top")
        stmts.append(_assign(cursor, ast.Constant(0)))
        self.kept[name] = (cursor, columns, trips is None)

    def push(self, name: str, values: list[ast.expr]) -> list[ast.stmt]:
        if name not in self.kept:
            return super().push(name, values)
        cursor, columns, growing = self.kept[name]
        stmts: list[ast.stmt] = []
        if growing:
            # Full: twice the length, the entries so far first.
            full = ast.Compare(_load(cursor), [ast.Eq()], [ast.Subscript(
                ast.Attribute(_load(name), "shape", ast.Load()), ast.Constant(0), ast.Load())])
            grow = [_assign(c, _np("concatenate", ast.Tuple(
                [_load(c), _np("empty_like", _load(c))], ast.Load()))) for c in columns]
            stmts.append(ast.If(full, grow, []))
        for column, value in zip(columns, values, strict=True):
            target = ast.Subscript(_load(column), _load(cursor), ast.Store())
            stmts.append(ast.Assign([target], value, lineno=1))
        stmts.append(_bump(cursor, ast.Add()))
        return stmts

    def pop(self, tape: ast.expr, names: list[str]) -> list[ast.stmt]:
        kept = self.kept.get(tape.id) if isinstance(tape, ast.Name) else None
        if kept is None:
            return super().pop(tape, names)
        cursor, columns, _ = kept
        stmts = [_bump(cursor, ast.Sub())]
        for name, column in zip(names, columns, strict=True):
            stmts.append(_assign(name, ast.Subscript(_load(column), _load(cursor), ast.Load())))
        return stmts

    def backwards(self, args: list[ast.expr], unit_step: bool) -> ast.expr:
        if len(args) == 1:  # range(stop - 1, -1, -1)
            return _call(_load("range"), _minus_one(args[0]), _negative(1), _negative(1))
        if unit_step:  # range(stop - 1, start - 1, -1)
            return _call(_load("range"), _minus_one(args[1]), _minus_one(args[0]),
                         _negative(1))
        # The last element, start + (len - 1) * step, down to start by -step.
        start, _, step = args
        count = _call(_load("len"), _call(_load("range"), *args))
        last = ast.BinOp(start, ast.Add(), ast.BinOp(_minus_one(count), ast.Mult(), step))
        return _call(_load("range"), last, ast.BinOp(start, ast.Sub(), step),
                     ast.UnaryOp(ast.USub(), step))


def append(name: str, values: list[ast.expr]) -> ast.stmt:
    """``name.append(v)``, or of a tuple of several values."""
    item = values[0] if len(values) == 1 else ast.Tuple(values, ast.Load())
    return ast.Expr(_call(ast.Attribute(_load(name), "append", ast.Load()), item))


def _kind(value: Node) -> str | None:
    """NUM or INT for a number or an int a loop saves (a parameter, or a number its
    body computes), else None."""
    if value.op != Op.ARG:
        return NUM if value.type is None else None
    kind = value.attrs[2] if len(value.attrs) == 3 else NUM
    return kind if kind in (NUM, INT) else None


def _empty(length: ast.expr, ints: bool) -> ast.expr:
    args: list[ast.expr] = [length]
    if ints:
        args.append(ast.Attribute(_load("np"), "int64", ast.Load()))
    return _np("empty", *args)


def _np(function: str, *args: ast.expr) -> ast.expr:
    return _call(ast.Attribute(_load("np"), function, ast.Load()), *args)


def _minus_one(value: ast.expr) -> ast.expr:
    if isinstance(value, ast.Constant) and type(value.value) is int:
        return ast.Constant(value.value - 1) if value.value > 0 else _negative(1 - value.value)
    return ast.BinOp(value, ast.Sub(), ast.Constant(1))


def _negative(value: int) -> ast.expr:
    return ast.UnaryOp(ast.USub(), ast.Constant(value))


def _bump(cursor: str, op: ast.operator) -> ast.stmt:
    return ast.AugAssign(ast.Name(cursor, ast.Store()), op, ast.Constant(1))


def _call(func: ast.expr, *args: ast.expr) -> ast.expr:
    return ast.Call(func, list(args), [])


def _load(name: str) -> ast.expr:
    return ast.Name(name, ast.Load())


def _assign(name: str, value: ast.expr) -> ast.stmt:
    return ast.Assign([ast.Name(name, ast.Store())], value, lineno=1)


def _assign_many(names: list[str], value: ast.expr) -> ast.stmt:
    if len(names) == 1:
        return _assign(names[0], value)
    targets = ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())
    return ast.Assign([targets], value, lineno=1)
