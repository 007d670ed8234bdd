"""Short lines: a statement longer than `WIDTH` characters is split into assignments.

Contract: `shorten(func)` changes the function's simple statements (assignments,
returns, expression statements) in place: while one is wider than `WIDTH` with its
indentation, its widest operation that can run first is assigned to a fresh temporary
just before it: one that every evaluation runs (never a part evaluated on some paths
only: a branch of ``x if c else y``, a later operand of ``and``/``or`` or of a chained
comparison), and before which only operations that cannot raise run (``+``, ``-``,
``*``). So the operations that can raise run in the same order, and a statement raises
the same error as before. A statement
whose operands are all names and constants stays as it is. Temporaries continue the
``_tN`` numbering of the function. `shorten_module(module, text)` does the same to the
functions of a module as the emitter made it (`text` its unparsed text), and gives the
new text: the same `text` when every line fits.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator

from symdiff.syntax import blocks, nodes
from symdiff.unparse import unparse

WIDTH = 88  # ruff's and black's default line length
_TEMP_WIDTH = 6  # a temporary's name, at most: _t9999
_ATOMS = (ast.Name, ast.Constant)
_TEMP = re.compile(r"_t(\d+)$")


def shorten(func: ast.FunctionDef, width: int = WIDTH) -> None:
    """Split `func`'s long statements in place (its nodes must not be shared; parsed
    from text, each statement knows where it ends)."""
    _shorten(func, width, _parsed_long)


def shorten_module(module: ast.Module, text: str, width: int = WIDTH) -> str:
    """The text of `module` (made by the emitter, its expressions possibly shared between
    statements), as `text` unparses it, with its functions' long statements split in
    place; `text` itself when every line fits. A statement that may be one of the long
    lines is measured, and split as a copy of its own."""
    long = [line for line in text.splitlines() if len(line) > width]
    if not long:
        return text
    # Every identifier of the text: the names a temporary must not take (and more).
    taken = set(_IDENTIFIER.findall(text))
    for stmt in module.body:
        if isinstance(stmt, ast.FunctionDef):
            _shorten(stmt, width, _Lines(long).long, taken)
    return unparse(module)


def _shorten(func: ast.FunctionDef, width: int,
             long: Callable[[ast.stmt, int, int], ast.stmt | None],
             taken: set[str] | None = None) -> None:
    counter: Iterator[int] = iter(())
    added: list[ast.Name] = []

    def fresh(*uses: ast.Name) -> str:
        nonlocal counter, taken
        if not added:  # the names in use, read at the first split only
            if taken is None:
                taken = {n.id for n in _names(func)}
            last = max((int(m.group(1)) for name in taken if (m := _TEMP.match(name))),
                       default=-1)
            counter = iter(range(last + 1, 1 << 30))
        assert taken is not None  # (read at the first split)
        added.extend(uses)
        while True:
            name = f"_t{next(counter)}"
            if name not in taken:
                taken.add(name)
                return name

    _block(func.body, 4, width, fresh, long)
    if added:
        _renumber(func, _names(func))


def _names(func: ast.FunctionDef) -> list[ast.Name]:
    """The function's name nodes, each once (the emitter may share one in places)."""
    # (Walked from a module around it: `nodes` keeps a function's own list on it, and
    # this one changes.)
    found = {id(n): n for n in nodes(ast.Module([func], [])) if isinstance(n, ast.Name)}
    return list(found.values())


def _parsed_long(stmt: ast.stmt, indent: int, width: int) -> ast.stmt | None:
    """`stmt` if it does not fit on its line (a statement parsed from text knows where
    it ends: one that fits costs nothing)."""
    fits = getattr(stmt, "end_lineno", None) == getattr(stmt, "lineno", 0) \
        and getattr(stmt, "end_col_offset", width + 1) <= width
    return None if fits else stmt


class _Lines:
    """Statements of an emitted function that are among its `long` lines: a statement
    whose line could start as one of them does is unparsed and compared."""

    def __init__(self, long: list[str]) -> None:
        self.lines = set(long)

    def long(self, stmt: ast.stmt, indent: int, width: int) -> ast.stmt | None:
        """A copy of `stmt` with nodes of its own, if it is a long line; else None."""
        if not isinstance(stmt, _SPLIT):
            return None
        start = " " * indent
        if isinstance(stmt, ast.Return):
            start += "return"
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            start += stmt.targets[0].id + " "
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            start += stmt.target.id + " "
        if not any(line.startswith(start) for line in self.lines):
            return None
        text = unparse(stmt)
        if " " * indent + text not in self.lines:
            return None
        return ast.parse(text).body[0]


_SPLIT = (ast.Assign, ast.AugAssign, ast.Return, ast.Expr)
_COMPOUND = (ast.If, ast.For, ast.While, ast.Try)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _renumber(func: ast.FunctionDef, names: list[ast.Name]) -> None:
    """Number the ``_tN`` temporaries in the order they are assigned, as the emitter
    does (the ones added here came last); `names` are all the function's names."""
    params = {a.arg for a in func.args.args}
    order: dict[str, None] = {}
    for stmt in _statements(func.body):
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                for node in (target.elts if isinstance(target, ast.Tuple) else [target]):
                    if isinstance(node, ast.Name) and _TEMP.match(node.id) \
                            and node.id not in params:
                        order.setdefault(node.id)
    others = {n.id for n in names} - set(order)
    numbers = (f"_t{k}" for k in range(1 << 30))
    mapping = {old: next(n for n in numbers if n not in others and n not in params)
               for old in order}
    for node in names:
        node.id = mapping.get(node.id, node.id)


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Simple statements in source order, nested blocks included (a stack of blocks,
    not a recursion: an elif chain nests each arm in the one before)."""
    stack = [iter(body)]
    while stack:
        stmt = next(stack[-1], None)
        if stmt is None:
            stack.pop()
        elif isinstance(stmt, _COMPOUND):
            stack += [iter(block) for block in reversed(blocks(stmt))]
        else:
            yield stmt


def _block(body: list[ast.stmt], indent: int, width: int, fresh: object,
           long: Callable[[ast.stmt, int, int], ast.stmt | None]) -> None:
    """Split the long statements of `body` (indented `indent`) and of the blocks in it;
    `long` gives the statement to split in place of one that does not fit."""
    todo = [(body, indent)]
    while todo:
        block, indent = todo.pop()
        out: list[ast.stmt] = []
        for stmt in block:
            for inner in blocks(stmt) if isinstance(stmt, _COMPOUND) else ():
                if inner:
                    # (An elif, the one if of an else, is printed at the if's indentation.)
                    elif_ = inner is getattr(stmt, "orelse", None) and isinstance(
                        stmt, ast.If) and len(inner) == 1 and isinstance(inner[0], ast.If)
                    todo.append((inner, indent if elif_ else indent + 4))
            split = long(stmt, indent, width)
            if split is not None:
                before = _split(split, indent, width, fresh)
                if before:
                    out += before
                    stmt = split
            out.append(stmt)
        block[:] = out


def _split(stmt: ast.stmt, indent: int, width: int, fresh: object) -> list[ast.stmt]:
    """Assignments to put before `stmt` so that it fits (each split in turn)."""
    if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Return, ast.Expr)) \
            or stmt.value is None:
        return []
    out: list[ast.stmt] = []
    while (excess := indent + len(unparse(stmt)) - width) > 0:
        found = _best(stmt.value, excess, indent, width)
        if found is None:
            break
        parent, field, index, expr = found
        target = ast.Name("_" * _TEMP_WIDTH, ast.Store())  # as wide as a temporary's name
        assign = ast.Assign([target], expr, lineno=0)
        out += _split(assign, indent, width, fresh)
        out.append(assign)
        replacement = ast.Name("", ast.Load())
        # Named after its own temporaries.
        target.id = replacement.id = fresh(target, replacement)  # type: ignore[operator]
        if index is None:
            setattr(parent, field, replacement)
        else:
            getattr(parent, field)[index] = replacement
    return out


def _best(value: ast.expr, excess: int, indent: int, width: int
          ) -> tuple[ast.AST, str, int | None, ast.expr] | None:
    """An operation inside `value` that can run first without changing which error the
    statement raises (everything evaluated before it cannot raise: ``+``, ``-``, ``*`` of
    names and constants), to save `excess` characters. None if there is none."""
    candidates: list[tuple[int, tuple[ast.AST, str, int | None, ast.expr]]] = []
    clean = True  # no operation that can raise has run yet

    def visit(node: ast.expr) -> None:
        nonlocal clean
        for found in _operands(node):
            expr = found[3]
            if isinstance(expr, _ATOMS) or _is_dotted(expr):
                continue
            if clean:
                candidates.append((len(unparse(expr)), found))
            visit(expr)
        if _raises(node):
            clean = False

    visit(value)
    if not candidates:
        return None
    # The widest that fits on its own line and leaves the statement fitting, else the
    # widest that fits on its own line, else the widest.
    alone = [c for c in candidates if indent + _TEMP_WIDTH + 3 + c[0] <= width]
    enough = [c for c in alone if c[0] - _TEMP_WIDTH >= excess]
    return max(enough or alone or candidates, key=lambda c: c[0])[1]


_SAFE_OPS = (ast.Add, ast.Sub, ast.Mult)


def _raises(node: ast.expr) -> bool:
    """Whether evaluating `node` itself, or the parts of it evaluated on some paths only,
    can raise (a division, a power, a call, an index)."""
    if isinstance(node, ast.BinOp):
        return not isinstance(node.op, _SAFE_OPS)
    if isinstance(node, (ast.UnaryOp, ast.Name, ast.Constant, ast.Attribute, ast.Tuple,
                         ast.List)):
        return False
    if isinstance(node, ast.Compare):
        return any(_raises_anywhere(c) for c in node.comparators[1:])
    if isinstance(node, ast.IfExp):
        return _raises_anywhere(node.body) or _raises_anywhere(node.orelse)
    if isinstance(node, ast.BoolOp):
        return any(_raises_anywhere(v) for v in node.values[1:])
    return True  # calls, subscripts, comprehensions


def _raises_anywhere(expr: ast.expr) -> bool:
    return any(_raises(n) for n in ast.walk(expr) if isinstance(n, ast.expr))


def _operands(node: ast.expr) -> Iterator[tuple[ast.AST, str, int | None, ast.expr]]:
    """`node`'s operands that every evaluation of it evaluates, in evaluation order."""
    if isinstance(node, ast.BinOp):
        yield node, "left", None, node.left
        yield node, "right", None, node.right
    elif isinstance(node, ast.UnaryOp):
        yield node, "operand", None, node.operand
    elif isinstance(node, ast.Call):
        for k, arg in enumerate(node.args):
            if not isinstance(arg, ast.Starred):
                yield node, "args", k, arg
        for kw in node.keywords:
            yield kw, "value", None, kw.value
    elif isinstance(node, (ast.Tuple, ast.List)):
        for k, elt in enumerate(node.elts):
            if not isinstance(elt, ast.Starred):
                yield node, "elts", k, elt
    elif isinstance(node, ast.Subscript):
        yield node, "value", None, node.value
        if not isinstance(node.slice, (ast.Slice, ast.Tuple)):
            yield node, "slice", None, node.slice
    elif isinstance(node, ast.IfExp):
        yield node, "test", None, node.test  # the branches run on some paths only
    elif isinstance(node, ast.BoolOp):
        yield node, "values", 0, node.values[0]
    elif isinstance(node, ast.Compare):
        yield node, "left", None, node.left
        yield node, "comparators", 0, node.comparators[0]
    elif isinstance(node, (ast.ListComp, ast.GeneratorExp)):
        # The first iterable is evaluated before the comprehension, where it stands; of
        # a call such as zip(...), its arguments are what is worth naming.
        first = node.generators[0]
        if isinstance(first.iter, ast.Call) and isinstance(first.iter.func, ast.Name):
            yield from _operands(first.iter)
        else:
            yield first, "iter", None, first.iter


def _is_dotted(expr: ast.expr) -> bool:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return isinstance(expr, ast.Name)
