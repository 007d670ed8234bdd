"""Emitted code made fit for ``numba.njit``: calls numba types only for numbers.

Contract: `for_numba(func)` rewrites, in place, what numba compiles only for numbers or
not at all into the NumPy spelling it takes: builtins on arrays (``abs(z)`` ->
``np.abs(z)``), the list of arrays NumPy's joining functions take (``np.stack([a, b],
axis=1)`` -> ``np.stack((a, b), axis=1)``), ``a.tolist()`` (-> ``list(a)``),
``np.full_like(a, v)`` (-> ``np.add(np.zeros_like(a), v)``: numba fills only with a
number) and a Python type as a ``dtype=`` (``float`` -> ``np.float64``); it returns the
names of the modules it made the code read. It also drops the statements that only
compute a value so that it raises where the user's code raises (``(1.0 - x) ** 2``
alone): with numba's arithmetic, that does not raise (an overflow gives inf,
``math.log(-1.0)`` nan, as numba's own compilation of the user's code does); a division
stays, since numba raises ZeroDivisionError. Everything else the emitter writes for the
numba backend (array tapes, descending ranges) is `codegen.tapes`'.
"""

from __future__ import annotations

import ast

# Builtin -> the NumPy function numba compiles for numbers and arrays alike.
_NUMPY_FOR = {"abs": "abs"}
# A Python type as a dtype argument -> NumPy's (numba takes only NumPy's).
_DTYPES = {"float": "float64", "int": "int64", "bool": "bool_"}
# NumPy functions whose first argument, a sequence of arrays, numba takes as a tuple.
_JOINS = frozenset({"stack", "concatenate", "hstack", "vstack", "dstack", "column_stack"})


def for_numba(func: ast.FunctionDef) -> set[str]:
    """Rewrite `func` in place (see the module docstring); the modules now read."""
    drop_checks(func)
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


def drop_checks(func: ast.FunctionDef) -> None:
    """Drop, in place, the bare expression statements that cannot raise in numba."""
    blocks = [func.body]
    while blocks:
        block = blocks.pop()
        block[:] = [s for s in block if not (isinstance(s, ast.Expr) and _silent(s.value))]
        if not block:
            block.append(ast.Pass())
        for stmt in block:
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and inner:
                    blocks.append(inner)


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


def _is_numpy(func: ast.expr, names: frozenset[str]) -> bool:
    """Whether `func` is ``np.<name>`` for one of `names`."""
    return isinstance(func, ast.Attribute) and func.attr in names \
        and isinstance(func.value, ast.Name) and func.value.id == "np"
