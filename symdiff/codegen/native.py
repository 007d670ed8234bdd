"""Emitted code made fit for ``numba.njit``: calls numba types only for numbers.

Contract: `for_numba(func)` rewrites, in place, what numba compiles only for numbers or
not at all into the NumPy spelling it takes: builtins on arrays (``abs(z)`` ->
``np.abs(z)``), the list of arrays NumPy's joining functions take (``np.stack([a, b],
axis=1)`` -> ``np.stack((a, b), axis=1)``), ``a.tolist()`` (-> ``list(a)``) and a Python
type as a ``dtype=`` (``float`` -> ``np.float64``); it returns the names of the modules
it made the code read. Everything else the emitter writes for the numba backend (array
tapes, descending ranges) is `codegen.tapes`'.
"""

from __future__ import annotations

import ast

# Builtin -> the NumPy function numba compiles for numbers and arrays alike.
_NUMPY_FOR = {"abs": "abs"}
# A Python type as a dtype argument -> NumPy's (numba takes only NumPy's).
_DTYPES = {"float": "float64", "int": "int64", "bool": "bool_"}
# NumPy functions whose first argument, a sequence of arrays, numba takes as a tuple.
_JOINS = frozenset({"stack", "concatenate", "hstack", "vstack", "dstack", "column_stack"})


def for_numba(tree: ast.AST) -> set[str]:
    """Rewrite `tree` in place (see the module docstring); the modules now read."""
    read: set[str] = set()
    for node in ast.walk(tree):
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
        if isinstance(node, ast.keyword) and node.arg == "dtype" \
                and isinstance(node.value, ast.Name) and node.value.id in _DTYPES:
            node.value = ast.Attribute(ast.Name("np", ast.Load()), _DTYPES[node.value.id],
                                       ast.Load())
            read.add("np")
    return read


def _is_numpy(func: ast.expr, names: frozenset[str]) -> bool:
    """Whether `func` is ``np.<name>`` for one of `names`."""
    return isinstance(func, ast.Attribute) and func.attr in names \
        and isinstance(func.value, ast.Name) and func.value.id == "np"
