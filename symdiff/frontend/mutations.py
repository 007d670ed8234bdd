"""What a call changes in place, read from its syntax alone.

Contract: `changed_in_place(e)` is the expression a call changes when it runs as a
statement (`call_statements`): ``xs`` of ``xs.append(v)``, ``xs.extend(ys)``,
``out.fill(v)``, ``out.sort()``, and the first argument of ``np.add.at(out, ...)`` and
``np.copyto(out, ...)``; None for any other call. It reads names only as written, so a
loop can carry the changed name and a called function can be refused for changing
what it did not make, before anything is lowered.
"""

from __future__ import annotations

import ast

METHODS = ("append", "extend", "fill", "sort")


def changed_in_place(e: ast.AST) -> ast.expr | None:
    """The expression the call `e` changes in place, or None."""
    if not isinstance(e, ast.Call) or not isinstance(e.func, ast.Attribute):
        return None
    func = e.func
    if func.attr in METHODS:
        return func.value
    is_add_at = func.attr == "at" and isinstance(func.value, ast.Attribute) and \
        func.value.attr == "add"
    if (is_add_at or func.attr == "copyto") and e.args:
        return e.args[0]
    return None
