"""`symdiff.syntax`: every node of a tree, in ast.walk's order, a function's kept."""

from __future__ import annotations

import ast

from symdiff.syntax import nodes


def test_the_nodes_are_ast_walks_in_its_order() -> None:
    tree = ast.parse("def f(x, y=2):\n    z = [x * y, -x]\n    return z[0] if x else y\n")
    assert nodes(tree) == list(ast.walk(tree))
    fn = tree.body[0]
    assert nodes(fn) == list(ast.walk(fn))


def test_a_functions_nodes_are_made_once() -> None:
    fn = ast.parse("def f(x):\n    return x + 1\n").body[0]
    assert nodes(fn) is nodes(fn)
    stmt = fn.body[0]
    assert nodes(stmt) is not nodes(stmt)  # (only a function's are kept)


def test_a_tree_deeper_than_the_recursion_limit() -> None:
    expr: ast.expr = ast.Name("x", ast.Load())
    for _ in range(5000):
        expr = ast.UnaryOp(ast.USub(), expr)
    assert len(nodes(expr)) == 1 + 5000 * 2 + 1  # each minus, its operator; x, its context
