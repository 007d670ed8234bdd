"""Which parameters of a function are lists: read from its syntax alone.

Contract: `sequence_params(fn_node)` returns the parameters the function indexes,
measures (``len``), sums, iterates over, appends to or extends a list with. It imports
nothing but `ast` (and `symdiff.syntax`, which imports only `ast`), so the runtime can
check arguments against it without loading the compiler.
"""

from __future__ import annotations

import ast

from symdiff.syntax import nodes

ITERATORS = ("enumerate", "zip")
# The nodes that may use a parameter as a sequence.
_READS_SEQUENCES = (ast.Subscript, ast.For, ast.comprehension, ast.Call, ast.Assign)


def parameter_names(fn: ast.FunctionDef | ast.Lambda) -> list[str]:
    """The parameters of `fn` in order: positional, then keyword-only."""
    return [a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)]


def sequence_params(fn: ast.FunctionDef | ast.Lambda) -> set[str]:
    """The parameters `fn` uses as sequences."""
    found: set[str] = set()
    wanted = set(parameter_names(fn))

    def note(e: ast.expr) -> None:
        if isinstance(e, ast.Name) and e.id in wanted:
            found.add(e.id)

    for node in nodes(fn):
        if not isinstance(node, _READS_SEQUENCES):
            continue
        if isinstance(node, ast.Subscript):
            note(node.value)
        elif isinstance(node, (ast.For, ast.comprehension)):
            note(node.iter)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in ("len", "sum", "reversed", *ITERATORS) and node.args:
                for arg in node.args[: None if node.func.id == "zip" else 1]:
                    note(arg)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("append", "extend")):
            note(node.func.value)
            if node.func.attr == "extend" and node.args:
                note(node.args[0])
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, (ast.Tuple, ast.List)) for t in node.targets):
            note(node.value)  # unpacked: ``mu, log_sigma = params``
    return found
