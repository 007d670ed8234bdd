"""Every node of a syntax tree, as a list, and its blocks of statements (the user's
function, generated code).

Contract: `nodes(tree)` is the list of `tree` and every node below it, in the order
``ast.walk`` yields them (breadth first), made without its generators. A function's
(an ``ast.FunctionDef`` or ``ast.Lambda``: the lowering, the fence, the callee search
and the cache key each read all of a user function's nodes) is made once and kept on
the node; the tree must not change after. `blocks(stmt)` is the lists of statements a
statement holds, in source order; `each_block(body)` yields `body` and every block
nested in it, each before the blocks inside it, and reads a block's statements only
when its caller has done with it, so the caller may change a block in place (the blocks
of the statements it puts there are visited). Iterative: a tree of any depth.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

__all__ = ["blocks", "each_block", "nodes"]

_KEPT = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def nodes(tree: ast.AST) -> list[ast.AST]:
    """`tree` and every node below it, breadth first."""
    kept = tree.__dict__.get("_symdiff_nodes") if isinstance(tree, _KEPT) else None
    if kept is not None:
        return kept  # type: ignore[no-any-return]
    found: list[ast.AST] = [tree]
    for node in found:  # (grows while read: each node's children join the end)
        for name in node._fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                found.extend([v for v in value if isinstance(v, ast.AST)])
            elif isinstance(value, ast.AST):
                found.append(value)
    if isinstance(tree, _KEPT):
        tree.__dict__["_symdiff_nodes"] = found
    return found


def blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The blocks of statements in `stmt`, in source order (none for a simple one)."""
    handlers = [h.body for h in getattr(stmt, "handlers", ())]
    cases = [c.body for c in getattr(stmt, "cases", ())]
    return [getattr(stmt, "body", []), *handlers, *cases, getattr(stmt, "orelse", []),
            getattr(stmt, "finalbody", [])]


def each_block(body: list[ast.stmt]) -> Iterator[list[ast.stmt]]:
    """`body` and every block of statements nested in it (see the module docstring)."""
    pending = [body]
    while pending:
        block = pending.pop()
        yield block
        pending.extend(inner for stmt in block for inner in blocks(stmt)
                       if isinstance(inner, list) and inner)
