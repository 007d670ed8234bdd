"""A NumPy or SciPy function differentiated directly, ``grad(np.sum)``, as
``grad(math.sin)`` is.

Contract: for a NumPy or SciPy function the lowering handles (`resolve.callable_op`
gives ``"np.<name>"`` or ``"scipy.<path>"``), `numpy_function(fn)` is a Python function
of `fn`'s required positional parameters that calls it: ``def sum(a): return
np.sum(a)``, ``def logpdf(x): return scipy.stats.norm.logpdf(x)``. It is built as `ast`
nodes, compiled under a `linecache` file name, so that its source reads like any user
function's, and made once per function. Lowering it lowers that call as a call in the
user's own code is lowered: no table of its own. A function without a required
positional parameter raises `SymdiffError`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import types
from typing import Any

from symdiff.errors import SymdiffError
from symdiff.frontend.np_signatures import SIGNATURES
from symdiff.frontend.resolve import callable_op
from symdiff.host.compile import compile_source
from symdiff.unparse import unparse

_made: dict[Any, types.FunctionType] = {}


def numpy_function(fn: Any) -> types.FunctionType:
    """``def name(params): return np.name(params)`` for the NumPy (or SciPy) function
    `fn`."""
    made = _made.get(fn)
    if made is not None:
        return made
    op = callable_op(fn)
    assert op is not None and op.startswith(("np.", "scipy.")), op
    path = op.split(".")
    params = _required(fn, path)
    if not params:
        raise SymdiffError(
            f"cannot differentiate {op} directly: it takes no required positional "
            "argument to differentiate by; call it from a function of your own")
    target: ast.expr = ast.Name(path[0], ast.Load())
    for part in path[1:]:
        target = ast.Attribute(target, part, ast.Load())
    call = ast.Call(target, [ast.Name(p, ast.Load()) for p in params], [])
    args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    func = ast.FunctionDef(path[-1], args, [ast.Return(call)], decorator_list=[], returns=None)
    text = unparse(ast.fix_missing_locations(ast.Module([func], type_ignores=[]))) + "\n"
    library = importlib.import_module("numpy" if path[0] == "np" else "scipy")
    namespace: dict[str, Any] = {path[0]: library, "__name__": library.__name__}
    made = _made[fn] = compile_source(text, op, namespace, tag=library.__name__)[path[-1]]
    return made


def _required(fn: Any, path: list[str]) -> list[str]:
    """The names of `fn`'s positional parameters without a default."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        # NumPy before 2.3 gives its C functions (np.dot) no signature: symdiff's own.
        known = SIGNATURES.get(".".join(path[1:])) if path[0] == "np" else None
        if known is not None:
            return [p for p in known.positional if p not in known.defaults]
        return ["x"]  # a ufunc-like callable without a signature: one argument
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in signature.parameters.values()
            if p.kind in kinds and p.default is inspect.Parameter.empty]
