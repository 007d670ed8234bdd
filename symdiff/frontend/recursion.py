"""Tail recursion as a loop: recursion whose depth is decided at run time.

Contract: `as_loop(node, name)` returns, for a function whose every call of itself (by
its own `name`) is a tail call ``return name(...)``, an equivalent function whose body
is ``while True:`` around the original body with each tail call replaced by rebinding
the parameters and ``continue``; None for any other function. Parameters a tail call
passes unchanged are not rebound, so a function argument can be passed along. A tail
call must name every parameter (positionally or by keyword), or leave out parameters
whose default is a constant. The new nodes keep the original positions, so errors
still point at the user's lines.

Recursion that is not a tail call is unrolled while lowering (`frontend.calls`) when
its depth is known while compiling.
"""

from __future__ import annotations

import ast
import copy


def as_loop(node: ast.FunctionDef | ast.Lambda, name: str) -> ast.FunctionDef | None:
    if not isinstance(node, ast.FunctionDef) or node.args.vararg or node.args.kwarg:
        return None
    calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Name) and n.func.id == name]
    if not calls or _rebinds(node, name) or not _always_returns(node.body):
        return None
    tails = {id(s.value) for s in _outside_loops(node.body) if isinstance(s, ast.Return)}
    if any(id(c) not in tails for c in calls):
        return None  # a call that is not a tail call, or one inside a loop or nested def
    params = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
    defaults = _defaults(node)
    for call in calls:
        if _arguments(call, params, defaults) is None:
            return None
    rewrite = _Rewrite(name, params, defaults)
    body: list[ast.stmt] = []
    for stmt in node.body:
        new_stmt = rewrite.visit(copy.deepcopy(stmt))
        body.extend(new_stmt if isinstance(new_stmt, list) else [new_stmt])
    loop = ast.While(test=ast.Constant(True), body=body, orelse=[])
    ast.copy_location(loop, node.body[0])
    ast.copy_location(loop.test, node.body[0])
    new = ast.FunctionDef(name=node.name, args=node.args, body=[loop], decorator_list=[],
                          returns=None, type_comment=None)
    ast.copy_location(new, node)
    return ast.fix_missing_locations(new)


def _outside_loops(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of `body` and of its ifs, not those inside loops or nested defs."""
    out: list[ast.stmt] = []
    for stmt in body:
        out.append(stmt)
        if isinstance(stmt, ast.If):
            out.extend(_outside_loops(stmt.body))
            out.extend(_outside_loops(stmt.orelse))
    return out


def _rebinds(node: ast.FunctionDef, name: str) -> bool:
    """Whether the function assigns its own name (then a call of it is not recursion)."""
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
               or isinstance(n, ast.FunctionDef) and n is not node and n.name == name
               for n in ast.walk(node))


def _always_returns(body: list[ast.stmt]) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return):
        return True
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    return False


def _defaults(node: ast.FunctionDef) -> dict[str, ast.expr]:
    args = node.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    out = dict(zip(positional[len(positional) - len(args.defaults):], args.defaults,
                   strict=True))
    out.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                if d is not None})
    return {k: v for k, v in out.items() if isinstance(v, ast.Constant)}


def _arguments(call: ast.Call, params: list[str],
               defaults: dict[str, ast.expr]) -> dict[str, ast.expr] | None:
    """The tail call's argument per parameter, or None if it cannot be bound statically."""
    if any(isinstance(a, ast.Starred) for a in call.args) or len(call.args) > len(params):
        return None
    bound = dict(zip(params, call.args, strict=False))
    for kw in call.keywords:
        if kw.arg is None or kw.arg not in params or kw.arg in bound:
            return None
        bound[kw.arg] = kw.value
    for p in params:
        if p not in bound:
            if p not in defaults:
                return None
            bound[p] = defaults[p]
    return bound


class _Rewrite(ast.NodeTransformer):
    def __init__(self, name: str, params: list[str], defaults: dict[str, ast.expr]):
        self.name, self.params, self.defaults = name, params, defaults

    def visit_Return(self, node: ast.Return) -> ast.AST | list[ast.stmt]:
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id == self.name):
            return node
        bound = _arguments(call, self.params, self.defaults)
        assert bound is not None
        changed = [(p, v) for p, v in bound.items()
                   if not (isinstance(v, ast.Name) and v.id == p)]
        out: list[ast.stmt] = []
        if changed:
            target = ast.Tuple([ast.Name(p, ast.Store()) for p, _ in changed], ast.Store())
            value = ast.Tuple([v for _, v in changed], ast.Load())
            out.append(ast.Assign(targets=[target], value=value))
        out.append(ast.Continue())
        for stmt in out:
            ast.copy_location(stmt, node)
            for sub in ast.walk(stmt):
                if not hasattr(sub, "lineno"):
                    ast.copy_location(sub, node)
        return out

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return node  # a nested def's returns are its own

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        return node
