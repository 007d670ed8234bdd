"""Python source from a syntax tree, the same text on every Python symdiff supports.

Contract: `unparse(tree)` is what ``ast.unparse`` prints on Python 3.11 and later. On 3.10
``ast.unparse`` puts every tuple in parentheses (``(p_bar, x_bar) = ...``,
``for (i, x) in ...``) and writes ``lambda : x``; here those print as 3.11 prints them, so
generated modules, cache keys and ``symdiff build --check`` agree across versions. Every
module of symdiff prints source through this function, never ``ast.unparse`` itself.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable

__all__ = ["unparse"]


def _unparser_310() -> Callable[[ast.AST], str]:
    """An unparser for 3.10 with 3.11's rules for tuples and argument-less lambdas
    (3.10's printer is private API, used only on 3.10, whose ``ast`` no longer changes)."""
    tuple_level = ast._Precedence.TUPLE  # type: ignore[attr-defined]
    test_level = ast._Precedence.TEST  # type: ignore[attr-defined]

    class Unparser(ast._Unparser):  # type: ignore[name-defined,misc]
        def visit_Tuple(self, node: ast.Tuple) -> None:
            bare = node.elts and self.get_precedence(node) <= tuple_level
            with self.delimit_if("(", ")", not bare):
                self.items_view(self.traverse, node.elts)

        def visit_Assign(self, node: ast.Assign) -> None:
            for target in node.targets:
                self.set_precedence(tuple_level, target)
            super().visit_Assign(node)

        def visit_For(self, node: ast.For) -> None:
            self.set_precedence(tuple_level, node.target)
            super().visit_For(node)

        def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
            self.set_precedence(tuple_level, node.target)
            super().visit_AsyncFor(node)

        def visit_Lambda(self, node: ast.Lambda) -> None:
            if node.args.args or node.args.vararg or node.args.kwonlyargs \
                    or node.args.kwarg or node.args.posonlyargs:
                super().visit_Lambda(node)
                return
            with self.require_parens(test_level, node):
                self.write("lambda: ")
                self.set_precedence(test_level, node.body)
                self.traverse(node.body)

    def unparse_310(tree: ast.AST) -> str:
        return str(Unparser().visit(tree))

    return unparse_310


unparse: Callable[[ast.AST], str] = ast.unparse if sys.version_info >= (3, 11) \
    else _unparser_310()
