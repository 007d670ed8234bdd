"""The boundary of a numba-backend function: what stays in Python around the compiled code.

Contract: `split(text, name, kinds, numbers)` cuts the emitted module's function `name`
in two:
- the core, the module text numba compiles: the function taking the leaves of each
  pytree parameter (a dict, list or tuple whose `kinds` entry is a `host.data` layout)
  in place of the pytree, and the numbers and arrays it reads from each object
  parameter (an ``ObjectLayout``: `runtime.attributes`) in place of the object (and
  no parameter the core does not read, such as an unused pytree's tangent), and
  returning the leaves of its result as one flat tuple when the result is a structure
  of displays (a dict numba cannot return, or a tuple holding one); a variable assigned
  such a display once, and only returned (or held by another such display), holds the
  tuple of its leaves instead (``g = {'w': w_bar}`` -> ``g = (w_bar,)``);
- the wrapper, Python source of a function with the original parameters that reads
  those leaves (``p['w']``, ``obj.a``) when it is called, converts each argument that
  may be a list (not those at the positions `numbers`, which a guard has found to be
  numbers) to a float64 array (``_symdiff_in``), calls ``_symdiff_core`` and
  builds the result's structure again from the flat tuple; a numba compile error
  (``_symdiff_errors``) is raised as ``_symdiff_failed(error)``.
A pytree parameter the core still reads other than through a leaf, an object read other
than as its numbers and arrays, a dict the core builds and reads or does not return as
it is, or return statements of different structures, raise a `SymdiffError` (with the
generated line where there is one). Both texts are built as `ast`.
"""

from __future__ import annotations

import ast
import copy
from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

from symdiff.errors import SymdiffError
from symdiff.host.data import DictLayout, ObjectLayout, SequenceLayout
from symdiff.runtime import attributes
from symdiff.unparse import unparse

_OUT = "_symdiff_out"  # the wrapper's name for the core's flat result


def split(text: str, name: str, kinds: Sequence[Any] | None,
          numbers: Collection[int] = ()) -> tuple[str, str]:
    """(the core's module text, the wrapper's source); see the module docstring. The
    parameters at positions `numbers` are known to be numbers: passed as they are."""
    tree = ast.parse(text)
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    params = [a.arg for a in func.args.args]
    given = min(len(kinds or ()), len(params))  # the spec's types: the user's parameters
    kinds = (*tuple(kinds or ())[:given], *(None,) * (len(params) - given))
    trees = {p for p, k in zip(params, kinds, strict=True)
             if isinstance(k, (SequenceLayout, DictLayout))}
    if trees:  # the tangents of pytrees (params past the spec's types) are taken apart too
        trees |= _leaf_roots(func, set(params[given:]))
    leaves = _take_leaves(func, trees, name)
    objects = {p: k for p, k in zip(params, kinds, strict=True) if isinstance(k, ObjectLayout)}
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {*params, name}
    read = [leaf for p, found in objects.items()  # (numbers and arrays: not converted)
            for leaf in attributes.lift(func, p, found, taken)]
    loaded = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)}
    # (a parameter the core never reads is not passed: the tangent of a pytree the
    # derivative does not depend on, which would reach numba as a dict)
    kept = [p for p in params if p not in trees and p not in objects and p in loaded]
    converted = {p for i, (p, k) in enumerate(zip(params, kinds, strict=True))
                 if k is None and i not in numbers}
    func.args.args = [ast.arg(p) for p in [*kept, *(leaf for leaf, _ in [*leaves, *read])]]
    template = _flatten_returns(func, name)
    call_args: list[ast.expr] = [_convert(_load(p)) if p in converted else _load(p)
                                 for p in kept]
    call_args += [_convert(value) for _, value in leaves] + [value for _, value in read]
    core = text if kept == params and template is None else \
        unparse(ast.fix_missing_locations(tree)) + "\n"
    return core, _wrapper(name, params, call_args, template)


def _take_leaves(func: ast.FunctionDef, trees: set[str], name: str
                 ) -> list[tuple[str, ast.expr]]:
    """Remove the leading ``leaf = p['w']`` statements of the pytree parameters `trees`
    from `func`; (the leaf's name, its expression) for each."""
    if not trees:
        return []
    body = func.body
    start = 1 if body and isinstance(body[0], ast.Expr) and isinstance(
        body[0].value, ast.Constant) else 0
    taken: list[tuple[str, ast.expr]] = []
    while start < len(body) and _is_leaf(body[start], trees):
        stmt = body.pop(start)
        assert isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
        taken.append((stmt.targets[0].id, stmt.value))
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and node.id in trees:
            raise SymdiffError(
                f"the numba backend cannot compile {name}: it reads the pytree argument "
                f"{node.id!r} other than leaf by leaf; not yet supported, use "
                'backend="python"')
    return taken


def _leaf_roots(func: ast.FunctionDef, candidates: set[str]) -> set[str]:
    """Those of `candidates` that the leading ``leaf = p[k]...`` statements read."""
    body = func.body[1:] if func.body and isinstance(func.body[0], ast.Expr) else func.body
    found = set()
    for stmt in body:
        root = _root(stmt)
        if root is None:
            break
        if root in candidates:
            found.add(root)
    return found


def _root(stmt: ast.stmt) -> str | None:
    """p when `stmt` is ``name = p[k1][k2]...`` with constant keys, else None."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Subscript)):
        return None
    value: ast.expr = stmt.value
    while isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Constant):
        value = value.value
    return value.id if isinstance(value, ast.Name) else None


def _is_leaf(stmt: ast.stmt, trees: set[str]) -> bool:
    """Whether `stmt` is ``name = p[k1][k2]...`` of a pytree parameter p."""
    return _root(stmt) in trees


def _flatten_returns(func: ast.FunctionDef, name: str) -> ast.expr | None:
    """Make every return of `func` return the flat tuple of its result's leaves when the
    result holds a dict display (`_flatten_built` first); the structure, its leaves read
    from ``_symdiff_out`` (None when nothing changed)."""
    returns = [n for n in ast.walk(func) if isinstance(n, ast.Return) and n.value is not None]
    _flatten_built(func, returns, name)
    inside = {id(n) for r in returns for n in ast.walk(r)}
    for node in ast.walk(func):
        if isinstance(node, ast.Dict) and id(node) not in inside:
            raise SymdiffError(
                f"the numba backend cannot compile {name}: it builds a dict (line "
                f"{node.lineno} of the generated code) that it does not return as it is; "
                'not yet supported, use backend="python"')
    if not any(isinstance(n, ast.Dict) for r in returns if r.value is not None
               for n in ast.walk(r.value)):
        return None
    template: ast.expr | None = None
    for ret in returns:
        assert ret.value is not None
        leaves: list[ast.expr] = []
        shape = _template(ret.value, leaves)
        if template is not None and ast.dump(shape) != ast.dump(template):
            raise SymdiffError(f"the numba backend cannot compile {name}: its returns give "
                               "results of different structures")
        template = shape
        ret.value = ast.Tuple(leaves, ast.Load())
    return template


def _flatten_built(func: ast.FunctionDef, returns: list[ast.Return], name: str) -> None:
    """Make each variable assigned once a display holding a dict (``g = {'w': w_bar}``)
    a tuple of its leaves (``g = (w_bar,)``), and each return that gives it give the
    display of those (``{'w': g[0]}``); a variable read otherwise raises."""
    stores = Counter(n.id for n in ast.walk(func)
                     if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load))
    built = sorted((n for n in ast.walk(func) if isinstance(n, ast.Assign)
                    and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
                    and stores[n.targets[0].id] == 1 and _holds_dict(n.value)),
                   key=lambda n: (n.lineno, n.col_offset))
    names = {n.targets[0].id for n in built}  # type: ignore[attr-defined]
    reads = [n for n in ast.walk(func)
             if isinstance(n, ast.Name) and n.id in names and isinstance(n.ctx, ast.Load)]
    shapes: dict[str, ast.expr] = {}
    inlined: set[int] = set()
    for stmt in built:  # in order: a display may hold a variable built before it
        var = stmt.targets[0].id  # type: ignore[attr-defined]
        leaves: list[ast.expr] = []
        shapes[var] = _template(_inline(stmt.value, shapes, inlined), leaves, var)
        stmt.value = ast.Tuple(leaves, ast.Load())
    for ret in returns:
        assert ret.value is not None
        ret.value = _inline(ret.value, shapes, inlined)
    for node in reads:
        if id(node) not in inlined:
            raise SymdiffError(
                f"the numba backend cannot compile {name}: it reads the dict it builds, "
                f"{node.id} (line {node.lineno} of the generated code), other than by "
                'returning it; not yet supported, use backend="python"')


def _holds_dict(expr: ast.expr) -> bool:
    """Whether `expr` is a dict display, or a tuple or list display holding one."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Dict):
            return True
        if isinstance(node, (ast.Tuple, ast.List)):
            stack += node.elts
    return False


def _inline(expr: ast.expr, shapes: dict[str, ast.expr], inlined: set[int]) -> ast.expr:
    """`expr` with each variable of `shapes` that it is or holds as an item of its
    displays replaced by (a copy of) its shape; the ids of those replaced go to
    `inlined`."""
    if isinstance(expr, ast.Name) and expr.id in shapes:
        inlined.add(id(expr))
        return copy.deepcopy(shapes[expr.id])
    stack = [expr]
    while stack:
        node = stack.pop()
        if not isinstance(node, (ast.Tuple, ast.List, ast.Dict)):
            continue
        items = node.values if isinstance(node, ast.Dict) else node.elts
        for k, item in enumerate(items):
            if isinstance(item, ast.Name) and item.id in shapes:
                inlined.add(id(item))
                items[k] = copy.deepcopy(shapes[item.id])
            else:
                stack.append(item)
    return expr


def _template(expr: ast.expr, leaves: list[ast.expr], out: str = _OUT) -> ast.expr:
    """`expr` with each leaf (any expression but a tuple, list or dict display) replaced
    by ``out[i]``, appending the leaf to `leaves`; built without recursion."""
    def placeholder(leaf: ast.expr) -> ast.expr:
        leaves.append(leaf)
        return ast.Subscript(_load(out), ast.Constant(len(leaves) - 1), ast.Load())

    if not isinstance(expr, (ast.Tuple, ast.List, ast.Dict)):
        return placeholder(expr)
    root = _copy_display(expr)
    stack: list[tuple[ast.expr, ast.expr]] = [(expr, root)]
    while stack:
        old, new = stack.pop()
        items = old.values if isinstance(old, ast.Dict) else old.elts  # type: ignore[attr-defined]
        made = []
        for item in items:
            if isinstance(item, (ast.Tuple, ast.List, ast.Dict)):
                made.append(_copy_display(item))
                stack.append((item, made[-1]))
            else:
                made.append(placeholder(item))
        if isinstance(new, ast.Dict):
            new.values = made
        else:
            new.elts = made  # type: ignore[attr-defined]
    return root


def _copy_display(expr: ast.expr) -> ast.expr:
    if isinstance(expr, ast.Dict):
        return ast.Dict(list(expr.keys), [])
    return type(expr)([], ast.Load())  # type: ignore[call-arg, arg-type]


def _wrapper(name: str, params: list[str], args: list[ast.expr],
             template: ast.expr | None) -> str:
    call = ast.Call(_load("_symdiff_core"), args, [])
    fail = ast.Raise(ast.Call(_load("_symdiff_failed"), [_load("error")], []),
                     ast.Constant(None))
    handler = ast.ExceptHandler(_load("_symdiff_errors"), "error", [fail])
    if template is None:
        body: list[ast.stmt] = [ast.Try([ast.Return(call)], [handler], [], [])]
    else:
        run = ast.Assign([ast.Name(_OUT, ast.Store())], call, lineno=1)
        body = [ast.Try([run], [handler], [], []), ast.Return(template)]
    arguments = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params],
                              vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                              defaults=[])
    func = ast.FunctionDef(name, arguments, body, decorator_list=[], returns=None)
    return unparse(ast.fix_missing_locations(ast.Module([func], type_ignores=[]))) + "\n"


def _convert(value: ast.expr) -> ast.expr:
    return ast.Call(_load("_symdiff_in"), [value], [])


def _load(name: str) -> ast.expr:
    return ast.Name(name, ast.Load())
