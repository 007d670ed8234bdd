"""Emitted code made fit for ``numba.njit``: calls numba types only for numbers.

Contract: `for_numba(func)` rewrites, in place, what numba compiles only for numbers or
not at all into the NumPy spelling it takes: builtins on arrays (``abs(z)`` ->
``np.abs(z)``), the list of arrays NumPy's joining functions take (``np.stack([a, b],
axis=1)`` -> ``np.stack((a, b), axis=1)``), ``a.tolist()`` (-> ``list(a)``),
``a.astype(d, copy=False)`` (-> ``a.astype(d)``: numba takes no keyword there),
``np.full_like(a, v)`` (-> ``np.add(np.zeros_like(a), v)``: numba fills only with a
number) and a Python type as a ``dtype=`` (``float`` -> ``np.float64``); and, through
`numpy_calls`, NumPy functions numba lacks in spellings that give the same array or fail
to compile. It returns the names of the modules it made the code read. It also drops
the statements that only compute a value so that it raises where the user's code raises
(``(1.0 - x) ** 2`` alone): with numba's arithmetic, that does not raise (an overflow
gives inf, ``math.log(-1.0)`` nan, as numba's own compilation of the user's code does);
a division stays, since numba raises ZeroDivisionError. The loops that only held such
statements go too. `while_loops` makes the range loops while loops, and `drop_aliases`
drops the copies of a name that only rename it. Everything else the emitter writes for
the numba backend (array tapes, descending ranges) is `codegen.tapes`'.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Collection
from functools import partial

from symdiff.syntax import each_block

# Builtin -> the NumPy function numba compiles for numbers and arrays alike.
_NUMPY_FOR = {"abs": "abs"}
# A Python type as a dtype argument -> NumPy's (numba takes only NumPy's).
_DTYPES = {"float": "float64", "int": "int64", "bool": "bool_"}
# NumPy functions whose first argument, a sequence of arrays, numba takes as a tuple.
_JOINS = frozenset({"stack", "concatenate", "hstack", "vstack", "dstack", "column_stack"})


def for_numba(func: ast.FunctionDef) -> set[str]:
    """Rewrite `func` in place (see the module docstring); the modules now read."""
    drop_checks(func)
    while_loops(func)
    drop_aliases(func)
    numpy_calls(func)
    read: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in _NUMPY_FOR:
            node.func = ast.Attribute(ast.Name("np", ast.Load()), _NUMPY_FOR[node.func.id],
                                      ast.Load())
            read.add("np")
        elif isinstance(node, ast.Call) and _is_numpy(node.func, _JOINS) and node.args \
                and isinstance(node.args[0], ast.List):
            node.args[0] = ast.Tuple(node.args[0].elts, ast.Load())
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "tolist" and not node.args:
            # numba has no ndarray.tolist: list(a), a list of its rows (numbers when 1-D).
            node.args = [node.func.value]
            node.func = ast.Name("list", ast.Load())
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "astype":
            node.keywords = [k for k in node.keywords if k.arg != "copy"]
        elif isinstance(node, ast.Call) and _is_numpy(node.func, frozenset({"full_like"})) \
                and len(node.args) == 2 and not node.keywords:
            # numba fills only with a number: np.add(np.zeros_like(a), v) takes an array too.
            zeros = ast.Call(ast.Attribute(ast.Name("np", ast.Load()), "zeros_like", ast.Load()),
                             [node.args[0]], [])
            node.func = ast.Attribute(ast.Name("np", ast.Load()), "add", ast.Load())
            node.args = [zeros, node.args[1]]
        if isinstance(node, ast.keyword) and node.arg == "dtype" \
                and isinstance(node.value, ast.Name) and node.value.id in _DTYPES:
            node.value = ast.Attribute(ast.Name("np", ast.Load()), _DTYPES[node.value.id],
                                       ast.Load())
            read.add("np")
    return read


def numpy_calls(func: ast.FunctionDef) -> None:
    """Rewrite, in place, the calls of `_CALLS`' NumPy functions numba lacks (or lacks
    with these arguments) into ones it compiles, innermost first (a rewrite is not
    rewritten again)."""
    _NumpyCalls().visit(func)


class _NumpyCalls(ast.NodeTransformer):
    """Each call of `_CALLS` replaced by its spelling, after its arguments'."""

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute) and _is_numpy(node.func, _CALLS.keys()):
            return _CALLS[node.func.attr](node) or node
        return node


def _diagonal(call: ast.Call) -> ast.expr | None:
    """``np.diagonal(a[, k])`` -> ``np.diag(a[:, :][, k])``: the same for a 2-D `a`, and
    nothing numba compiles otherwise (``a[:, :]`` of a vector, np.diag of 3-D)."""
    if call.keywords or not 1 <= len(call.args) <= 2 or not all(
            _int(a) is not None for a in call.args[1:]):
        return None
    matrix = ast.Subscript(call.args[0], ast.Tuple([ast.Slice(), ast.Slice()], ast.Load()),
                           ast.Load())
    return _np("diag", matrix, *call.args[1:])


def _pad(call: ast.Call) -> ast.expr | None:
    """``np.pad(v, (a, b))`` (``n`` for ``(n, n)``) of a vector -> ``v`` between ``a`` and
    ``b`` zeros of its dtype, concatenated; a 2-D `v` does not compile, a negative width
    raises as NumPy's does."""
    if len(call.args) != 2 or call.keywords:
        return None
    widths = call.args[1]
    if isinstance(widths, ast.Tuple) and len(widths.elts) == 1:
        widths = widths.elts[0]  # ((a, b),)
    pair = widths.elts if isinstance(widths, ast.Tuple) else [widths, widths]
    if len(pair) != 2 or any(isinstance(w, ast.Tuple) for w in pair):
        return None

    def build(v: _Read, a: _Read, b: _Read) -> ast.expr:
        dtype = ast.Attribute(v(), "dtype", ast.Load())
        return _np("concatenate", ast.Tuple(
            [_np("zeros", a(), dtype), v(), _np("zeros", b(), copy.copy(dtype))], ast.Load()))
    return _once([call.args[0], *pair], "vab", build)


def _kept_axis(call: ast.Call) -> int | None:
    """The axis of ``np.<f>(a, axis=k, keepdims=True)``, a constant int >= 0, or None."""
    kws = {k.arg: k.value for k in call.keywords}
    keep = kws.get("keepdims")
    if len(call.args) != 1 or set(kws) != {"axis", "keepdims"} or not (
            isinstance(keep, ast.Constant) and keep.value is True):
        return None
    axis = _int(kws["axis"])
    return axis if axis is not None and axis >= 0 else None


def _kept_sum(call: ast.Call) -> ast.expr | None:
    """``np.sum(a, axis=k, keepdims=True)`` -> ``np.sum(np.expand_dims(a, k), axis=k + 1)``:
    a length-one axis ahead of the summed one keeps its place (numba sums with an axis,
    without keepdims)."""
    k = _kept_axis(call)
    if k is None:
        return None
    return _np("sum", _np("expand_dims", call.args[0], ast.Constant(k)),
               axis=ast.Constant(k + 1))


def _kept_extreme(call: ast.Call) -> ast.expr | None:
    """``np.max(a, axis=k, keepdims=True)`` (``min``) -> the entries of `a` at
    ``np.argmax(a, axis=k)`` along that axis (numba has no axis for np.max): nan where a
    nan is, as NumPy's; an empty axis raises."""
    k = _kept_axis(call)
    if k is None:
        return None
    assert isinstance(call.func, ast.Attribute)
    arg = "arg" + call.func.attr

    def build(a: _Read) -> ast.expr:
        # (np.asarray: numba's argmax of a vector is a number)
        at = _np("expand_dims", _np("asarray", _np(arg, a(), axis=ast.Constant(k))),
                 ast.Constant(k))
        return _np("take_along_axis", a(), at, axis=ast.Constant(k))
    return _once(call.args, "a", build)


def _expand_number(call: ast.Call) -> ast.expr | None:
    """``np.expand_dims(x, k)`` -> ``np.expand_dims(np.asarray(x), k)``: numba's takes only
    arrays, and a number's is a 1-element array."""
    if len(call.args) != 2 or call.keywords:
        return None
    return _np("expand_dims", _np("asarray", call.args[0]), call.args[1])


# NumPy function -> its spelling for numba, or None where it keeps its own (`numpy_calls`).
_CALLS: dict[str, Callable[[ast.Call], ast.expr | None]] = {
    "diagonal": _diagonal, "pad": _pad, "sum": _kept_sum, "max": _kept_extreme,
    "min": _kept_extreme, "expand_dims": _expand_number}


_Read = Callable[[], ast.expr]


def _once(args: list[ast.expr], names: str, build: Callable[..., ast.expr]) -> ast.expr:
    """`build`'s expression of `args`, each read through a function it is given (a fresh
    read per call): of the argument itself where all are names or constants, else of a
    parameter (named from `names`) of a lambda called on `args`, which evaluates each
    once."""
    if all(isinstance(a, (ast.Name, ast.Constant)) for a in args):
        return build(*(partial(copy.copy, a) for a in args))
    params = names[:len(args)]
    reads = [partial(ast.Name, n, ast.Load()) for n in params]
    bind = ast.Lambda(ast.arguments(posonlyargs=[], args=[ast.arg(n) for n in params],
                                    vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                                    defaults=[]), build(*reads))
    return ast.Call(bind, list(args), [])


def _np(name: str, *args: ast.expr, **keywords: ast.expr) -> ast.Call:
    """``np.<name>(*args, **keywords)``."""
    return ast.Call(ast.Attribute(ast.Name("np", ast.Load()), name, ast.Load()), list(args),
                    [ast.keyword(k, v) for k, v in keywords.items()])


def _int(expr: ast.expr) -> int | None:
    """The value of `expr` if it is a constant int (``-2`` too, as parsed)."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        n = _int(expr.operand)
        return None if n is None else -n
    return expr.value if isinstance(expr, ast.Constant) and type(expr.value) is int else None


def drop_checks(func: ast.FunctionDef) -> None:
    """Drop, in place, the bare expression statements that cannot raise in numba, and
    then the loops left doing nothing (a check loop of ``x[t + k]`` reads, whose
    bounds numba does not test)."""
    for block in each_block(func.body):
        block[:] = [s for s in block if not (isinstance(s, ast.Expr) and _silent(s.value))]
        if not block:
            block.append(ast.Pass())
    changed = True
    while changed:  # (an outer loop is inert once its inner ones are gone)
        changed = False
        for block in each_block(func.body):
            kept = [s for s in block if not (isinstance(s, ast.For) and _inert(s, func))]
            if len(kept) < len(block):
                block[:] = kept or [ast.Pass()]
                changed = True


def _inert(loop: ast.For, func: ast.FunctionDef) -> bool:
    """Whether `loop` does nothing numba can see: ``for i in range(...)`` of numbers,
    with no ``else``, whose body only passes or gives names values computed silently
    (`_silent`), names (the index too) that nothing outside the loop reads."""
    it = loop.iter
    if loop.orelse or not (isinstance(loop.target, ast.Name) and isinstance(it, ast.Call)
                           and isinstance(it.func, ast.Name) and it.func.id == "range"
                           and not it.keywords and all(map(_silent, it.args))):
        return False
    names = {loop.target.id}
    for stmt in loop.body:
        if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets) \
                and _silent(stmt.value):
            names.update(t.id for t in stmt.targets)  # type: ignore[attr-defined]
        elif not isinstance(stmt, ast.Pass):
            return False
    inside = {id(n) for n in ast.walk(loop)}
    return not any(isinstance(n, ast.Name) and n.id in names and id(n) not in inside
                   for n in ast.walk(func))


def while_loops(func: ast.FunctionDef) -> None:
    """Make each ``for i in range(start, stop, step):`` of `func` with a constant `step`
    a while loop, in place: ``i = start``, ``while i < stop:`` (``>`` counting down)
    the body and ``i += step``. numba compiles a descending range to a slower loop that
    cannot see that its index stays >= 0 (a negative index counts from the end, so each
    ``a[i + k]`` tests it), and a range loop nested with while loops (the backward
    sweep's) slower than while loops alone: a convolution's backward sweep 1.25 x.
    Only where that is the same loop: no ``else``, ``break`` or ``continue``, ``i`` not
    assigned in the body nor read after it, `stop` reading nothing the body assigns nor
    anything the body may change (`_fixed`)."""
    for block in each_block(func.body):
        for k, stmt in enumerate(block):
            made = _as_while(stmt, func) if isinstance(stmt, ast.For) else None
            if made is not None:
                block[k:k + 1] = made  # (one statement for two: the rest move by one)


def drop_aliases(func: ast.FunctionDef) -> None:
    """Drop, in place, each pair ``b = a`` ... ``a = b`` of one block whose statements
    between them do not touch ``a`` nor assign ``b``, where ``b`` appears nowhere else:
    those statements read and update ``a`` itself. (A loop carrying an array it updates
    in place is written so; numba counts the references of each array assignment, in
    the backward sweep of a convolution a third of its time.)"""
    counts: dict[str, int] = {}
    for node in ast.walk(func):
        if isinstance(node, ast.Name):
            counts[node.id] = counts.get(node.id, 0) + 1
    for block in each_block(func.body):
        k = 0
        while k < len(block):
            end = _alias_end(block, k, counts)
            if end is None:
                k += 1
                continue
            alias, name = block[k].targets[0].id, block[k].value.id  # type: ignore
            for stmt in block[k + 1:end]:
                for node in ast.walk(stmt):
                    if isinstance(node, ast.Name) and node.id == alias:
                        node.id = name
            del block[end]
            del block[k]
        if not block:
            block.append(ast.Pass())


def _alias_end(block: list[ast.stmt], k: int, counts: dict[str, int]) -> int | None:
    """The index of the ``a = b`` closing the alias ``b = a`` at `block[k]`, or None."""
    first = block[k]
    if not (isinstance(first, ast.Assign) and len(first.targets) == 1
            and isinstance(first.targets[0], ast.Name) and isinstance(first.value, ast.Name)):
        return None
    alias, name = first.targets[0].id, first.value.id
    uses = 1
    for end in range(k + 1, len(block)):
        stmt = block[end]
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == name \
                and isinstance(stmt.value, ast.Name) and stmt.value.id == alias:
            return end if uses + 1 == counts[alias] else None
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and (
                    node.id == name or node.id == alias and not isinstance(node.ctx, ast.Load)):
                return None
            if isinstance(node, ast.Name) and node.id == alias:
                uses += 1
    return None


def _as_while(loop: ast.For, func: ast.FunctionDef) -> list[ast.stmt] | None:
    """``[i = start, while i < stop: ...; i += step]`` for `loop` (``>`` and ``-=``
    counting down), or None when that is not the same loop (see `while_loops`)."""
    it, target = loop.iter, loop.target
    if not (isinstance(target, ast.Name) and isinstance(it, ast.Call)
            and isinstance(it.func, ast.Name) and it.func.id == "range"
            and 1 <= len(it.args) <= 3 and not it.keywords and not loop.orelse):
        return None
    args = it.args if len(it.args) > 1 else [ast.Constant(0), *it.args]
    start, stop = args[0], args[1]
    step: ast.expr = args[2] if len(args) == 3 else ast.Constant(1)
    down = isinstance(step, ast.UnaryOp) and isinstance(step.op, ast.USub)
    by = step.operand if isinstance(step, ast.UnaryOp) and down else step
    if not (isinstance(by, ast.Constant) and type(by.value) is int and by.value > 0):
        return None  # (a step of unknown sign: ``-(-3)`` counts up)
    inside = {id(n) for n in ast.walk(loop)}
    stored: set[str] = set()
    for node in ast.walk(ast.Module(loop.body, type_ignores=[])):
        if isinstance(node, (ast.Break, ast.Continue)):
            return None
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            stored.add(node.id)
    bounds = {n.id for n in ast.walk(stop) if isinstance(n, ast.Name)}
    if target.id in stored or bounds & stored or not _fixed(stop):
        return None
    if any(isinstance(n, ast.Name) and n.id == target.id and id(n) not in inside
           and isinstance(n.ctx, ast.Load) for n in ast.walk(func)):
        return None
    index = ast.Name(target.id, ast.Store())
    test = ast.Compare(ast.Name(target.id, ast.Load()), [ast.Gt() if down else ast.Lt()],
                       [stop])
    move = ast.AugAssign(ast.Name(target.id, ast.Store()), ast.Sub() if down else ast.Add(),
                         by)
    made: list[ast.stmt] = [ast.Assign([index], start, lineno=loop.lineno),
                            ast.While(test, [*loop.body, move], [])]
    for node in made:
        ast.copy_location(node, loop)
    ast.copy_location(move, loop)
    return made


def _fixed(stop: ast.expr) -> bool:
    """Whether the while test may compute `stop` each time as the range did once: names,
    numbers, arithmetic and an array's shape (which nothing changes), and no call (which
    may cost) nor element read (which the body may change)."""
    for node in ast.walk(stop):
        if isinstance(node, ast.Attribute):
            if node.attr not in ("shape", "size", "ndim"):
                return False
        elif isinstance(node, ast.Subscript):
            if not (isinstance(node.value, ast.Attribute) and node.value.attr == "shape"):
                return False
        elif not isinstance(node, _FIXED_NODES):
            return False
    return True


_FIXED_NODES = (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Load, ast.operator,
                ast.unaryop)


def _silent(expr: ast.expr) -> bool:
    """Whether numba computes `expr` without raising: numbers, names, subscripts, `+ - *
    **`, and ``math`` functions of those."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return False  # a docstring
        if isinstance(node, ast.BinOp) and not isinstance(node.op, _SILENT_OPS):
            return False
        if isinstance(node, ast.Call) and not (
                isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "math"):
            return False
        if not isinstance(node, _SILENT_NODES):
            return False
    return True


_SILENT_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Pow)
_SILENT_NODES = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant, ast.Subscript,
                 ast.Attribute, ast.Load, ast.operator, ast.unaryop)


def _is_numpy(func: ast.expr, names: Collection[str]) -> bool:
    """Whether `func` is ``np.<name>`` for one of `names`."""
    return isinstance(func, ast.Attribute) and func.attr in names \
        and isinstance(func.value, ast.Name) and func.value.id == "np"
