"""Every node of a syntax tree, as a list (the user's function, generated code).

Contract: `nodes(tree)` is the list of `tree` and every node below it, in the order
``ast.walk`` yields them (breadth first), made without its generators. A function's
(an ``ast.FunctionDef`` or ``ast.Lambda``: the lowering, the fence, the callee search
and the cache key each read all of a user function's nodes) is made once and kept on
the node; the tree must not change after. Iterative: a tree of any depth.
"""

from __future__ import annotations

import ast

__all__ = ["nodes"]

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
