"""The input-language fence: reject unsupported syntax before lowering.

Contract: `check(source)` walks the function's AST and raises a located
`UnsupportedSyntaxError` (file, line, column, the line with a caret) at the first
construct outside the supported language, named the way a user would name it.
Supported: positional parameters with defaults; assignment, tuple unpacking,
augmented and annotated assignment; ``return``; ``pass``; a docstring; ``assert`` and
``raise`` (which forms, `checks` decides); ``if`` /
``elif`` / ``else`` and ``x if c else y``; comparisons (chained too), ``and``, ``or``,
``not``; arithmetic ``+ - * / ** // %`` and unary ``- +``; numeric literals; names;
attribute access; calls (``*xs`` as an argument too); tuples; nested ``def``s and
lambdas; keyword-only parameters. A function called from the differentiated one
(`callee=True`) may also take ``*args``. Whether a name or call is meaningful is the
lowering's business.
"""

from __future__ import annotations

import ast

from symdiff.frontend.source import FunctionSource
from symdiff.syntax import nodes

ALLOWED: tuple[type[ast.AST], ...] = (
    ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Pass, ast.Expr,
    ast.If, ast.IfExp, ast.Compare, ast.BoolOp, ast.And, ast.Or, ast.Not,
    ast.For, ast.While, ast.Break, ast.Continue,
    ast.GeneratorExp, ast.ListComp, ast.comprehension,
    ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot,
    ast.BinOp, ast.UnaryOp, ast.Call, ast.Constant, ast.Name, ast.Attribute, ast.Tuple,
    ast.List, ast.Dict, ast.Subscript, ast.Slice, ast.keyword,
    ast.Load, ast.Store, ast.arguments, ast.arg,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.FloorDiv, ast.Mod, ast.USub, ast.UAdd,
    ast.MatMult, ast.FunctionDef, ast.Lambda, ast.Assert, ast.Raise,
)

_ALLOWED = frozenset(ALLOWED)  # (a set first: isinstance tries the tuple in turn)

NAMES: dict[type[ast.AST], str] = {
    ast.If: "if statement", ast.IfExp: "conditional expression (x if c else y)",
    ast.For: "for loop", ast.AsyncFor: "async for loop", ast.While: "while loop",
    ast.Break: "break", ast.Continue: "continue", ast.With: "with statement",
    ast.AsyncWith: "async with statement", ast.Try: "try statement", ast.Raise: "raise",
    ast.Assert: "assert", ast.Delete: "del", ast.Import: "import inside the function",
    ast.ImportFrom: "import inside the function", ast.Global: "global declaration",
    ast.Nonlocal: "nonlocal declaration", ast.FunctionDef: "nested function definition",
    ast.AsyncFunctionDef: "nested async function", ast.ClassDef: "class definition",
    ast.Lambda: "lambda inside the function", ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension", ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression", ast.Yield: "yield", ast.YieldFrom: "yield from",
    ast.Await: "await", ast.Compare: "comparison", ast.BoolOp: "and/or",
    ast.List: "list", ast.Dict: "dict", ast.Set: "set", ast.Subscript: "subscript (x[i])",
    ast.Starred: "starred expression (*x)", ast.JoinedStr: "f-string",
    ast.NamedExpr: "assignment expression (:=)", ast.Slice: "slice",
    ast.MatMult: "the @ operator", ast.BitAnd: "the & operator", ast.BitOr: "the | operator",
    ast.BitXor: "the ^ operator", ast.LShift: "the << operator", ast.RShift: "the >> operator",
    ast.Not: "not", ast.Invert: "the ~ operator", ast.Match: "match statement",
    ast.keyword: "keyword argument in a call",
}


def check(source: FunctionSource, callee: bool = False) -> None:
    """Raise at the first unsupported construct of the function in `source`; `callee`:
    the function is called from the differentiated one, not differentiated itself."""
    fn = source.node
    _check_arguments(source, fn.args, callee)
    body: list[ast.AST] = list(fn.body) if isinstance(fn, ast.FunctionDef) else [fn.body]
    everything = nodes(fn)
    # *xs is supported as an argument of a call only.
    call_args = {id(a) for n in everything if isinstance(n, ast.Call) for a in n.args}
    if all(n.__class__ in _ALLOWED or isinstance(n, ALLOWED)
           or isinstance(n, ast.Starred) and id(n) in call_args for n in everything):
        return  # (the walk in source order below finds the first construct that is not)
    for stmt in body:
        for node, anchor in _walk(stmt):
            if isinstance(node, (ast.FunctionDef, ast.Lambda)):
                _check_arguments(source, node.args, callee=True)
            elif isinstance(node, ast.Starred) and id(node) in call_args:
                continue
            if not isinstance(node, ALLOWED):
                name = NAMES.get(type(node), type(node).__name__)
                raise source.error(f"unsupported construct: {name}", anchor)


def _check_arguments(source: FunctionSource, args: ast.arguments, callee: bool) -> None:
    if args.vararg is not None and not callee:
        raise source.error("unsupported construct: *args parameter", args.vararg)
    if args.kwarg is not None and not callee:
        raise source.error("unsupported construct: **kwargs parameter", args.kwarg)


def _walk(root: ast.AST) -> list[tuple[ast.AST, ast.AST]]:
    """(node, nearest node with a position) in source order, skipping annotations.

    Operators and contexts carry no position of their own, so an error about one points
    at the expression that holds it.
    """
    out: list[tuple[ast.AST, ast.AST]] = []
    stack = [(root, root)]
    while stack:
        node, anchor = stack.pop()
        if hasattr(node, "lineno"):
            anchor = node
        out.append((node, anchor))
        children = [
            (child, anchor)
            for field, child in _fields(node)
            if field not in ("annotation", "returns")
        ]
        stack.extend(reversed(children))
    return out


def _fields(node: ast.AST) -> list[tuple[str, ast.AST]]:
    result = []
    for field, value in ast.iter_fields(node):
        if isinstance(value, ast.AST):
            result.append((field, value))
        elif isinstance(value, list):
            result.extend((field, v) for v in value if isinstance(v, ast.AST))
    return result
