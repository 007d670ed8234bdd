"""Lowering of custom rules, and of calls to functions that have one.

Contract:
- `lower_call(low, func, e)` lowers a call of a callable with a custom rule
  (`symdiff.custom`) to its primitive. The node's attributes say how generated code
  reaches the function: ``(path, module)``, the path the user's code reached it by
  (module ""), or inside a rule a path from an importable `module` (so a rule may call
  ``special.digamma`` though the user's code never names it). A rule calling its own
  function reaches it as the call it differentiates does.
- `lower_rule(rule, fn, groups, outer)` lowers a rule function (ordinary supported
  Python) to a `Program`: each parameter is bound to one parameter node, or to a
  (nested) tuple of them where `groups` gives a tuple of types (``primals``,
  ``tangents``, residuals). `outer` is the attributes of the call being
  differentiated. Rule functions read only their arguments and constants: a free
  number would be read from the wrong module by the generated code.
"""

from __future__ import annotations

import ast
import sys
import types as pytypes
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from symdiff.custom import Rule, arity, parameter_names, rule_for
from symdiff.errors import SymdiffError
from symdiff.frontend import fence
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.source import get_source
from symdiff.ir.node import NUM, Builder, Node, Program
from symdiff.ir.regions import all_nodes
from symdiff.transforms.custom import ensure_registered

if TYPE_CHECKING:
    from symdiff.frontend.lower import _Lowering

# (rule, attributes of the call it differentiates) of the rules being lowered.
_active: list[tuple[Rule, tuple[Any, ...]]] = []

Group = Any  # a type (None or an ArrayType) or a tuple of groups


def lower_call(low: _Lowering, func: Resolved, e: ast.Call) -> Node:
    """The node of a call of `func`, a callable with a custom rule."""
    rule = rule_for(func.value)
    assert rule is not None
    label = ast.unparse(e.func)
    if e.keywords:
        raise low.src.error(
            f"keyword arguments in a call of {label!r} (a function with a custom rule takes "
            "positional arguments)", e.keywords[0])
    args = [low.number(low.expr(a), a) for a in e.args]
    low_n, high_n = arity(rule)
    if len(args) < low_n or (high_n is not None and len(args) > high_n):
        expected = f"{low_n}" if low_n == high_n else f"{low_n} to {high_n or 'any number of'}"
        raise low.src.error(f"{label}() takes {expected} arguments, got {len(args)}", e)
    ensure_registered(rule)
    return low.b.apply(rule.op, *args, attrs=_reach(low, func, rule, e))


def lower_direct(fn: Any, b: Builder, types: tuple[Any, ...] | None) -> Program:
    """A one-call program of `fn`, a function with a custom rule passed directly
    (``grad(f)``); generated code reaches it through its module."""
    rule = rule_for(fn)
    assert rule is not None
    name = getattr(fn, "__name__", "")
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    if module is None or getattr(module, name, None) is not fn:
        raise SymdiffError(
            f"cannot differentiate {name or fn!r} directly: it is not a module-level name "
            "generated code can reach; differentiate a function that calls it "
            f"(lambda x: {name or 'f'}(x))")
    names = parameter_names(rule)
    if names is None:
        raise SymdiffError(f"cannot differentiate {name} directly: its number of arguments "
                           f"is not known; differentiate a function that calls it")
    params = tuple(b.param(n, types[i] if types and i < len(types) and types[i] is not None
                           else NUM) for i, n in enumerate(names))
    ensure_registered(rule)
    path = (*module.__name__.split("."), name)
    call = b.apply(rule.op, *params, attrs=(path, module.__name__))
    return Program(name, params, call, b, effects=(call,))  # it may raise: it always runs


def _reach(low: _Lowering, func: Resolved, rule: Rule, e: ast.Call) -> tuple[Any, ...]:
    if not _active:
        return (func.path, "")
    if _active[-1][0] is rule:
        return _active[-1][1]
    # Inside a rule: reach the function from a module generated code can import.
    head = func.path[0]
    if head in low.scope.cells:
        raise low.src.error(
            f"a custom rule calls {'.'.join(func.path)!r} through a closure variable; "
            "generated code reaches functions a rule calls through module-level names", e)
    base = low.scope.lookup(head)
    if base is not None and base.kind == "module":
        module, rest = base.value, list(func.path[1:])
        while len(rest) > 1 and isinstance(getattr(module, rest[0], None), pytypes.ModuleType):
            module = getattr(module, rest.pop(0))
        name = module.__name__
        return ((*name.split("."), *rest), name)
    name = getattr(low.fn, "__module__", None)
    if not name or name not in sys.modules:
        raise low.src.error(
            f"a custom rule calls {'.'.join(func.path)!r}, but its module cannot be imported", e)
    return ((*name.split("."), *func.path), name)


def lower_rule(
    rule: Rule, fn: Callable[..., Any], groups: tuple[Group, ...], outer: tuple[Any, ...],
) -> Program:
    """The program of rule function `fn` with its parameters bound as `groups` says."""
    source = get_source(fn)
    fence.check(source)
    node = source.node
    names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    if len(names) != len(groups) or node.args.vararg is not None:
        raise source.error(
            f"the rule {_name(fn)} of {rule.name} must take {len(groups)} parameters", node)
    from symdiff.frontend.lower import _Lowering

    b = Builder()
    low = _Lowering(fn, source, b)
    params: list[Node] = []
    for name, group in zip(names, groups, strict=True):
        low.env[name] = _bind(b, name, group, params)
        low.versions[name] = 0
    _active.append((rule, outer))
    try:
        if isinstance(node, ast.Lambda):
            result = low.output(node.body)
        else:
            result = low.block(node.body)
            if result is None:
                raise source.error(f"the rule {_name(fn)} has no return statement at its end",
                                   node)
    finally:
        _active.pop()
    program = Program(_name(fn), tuple(params), result, b)
    for n in all_nodes(program):
        if n.op == "global":
            raise source.error(
                f"the rule {_name(fn)} reads the global {'.'.join(n.attrs)!r}; a custom rule "
                "may read only its arguments and constants (write the number as a literal)",
                node)
    return program


def _bind(b: Builder, name: str, group: Group, params: list[Node]) -> Any:
    if isinstance(group, tuple):
        return tuple(_bind(b, f"{name}_{i}", g, params) for i, g in enumerate(group))
    node = b.param(name, group if group is not None else NUM)
    params.append(node)
    return node


def rule_error(rule: Rule, fn: Callable[..., Any], what: str) -> Exception:
    """A located error about what rule function `fn` returns."""
    source = get_source(fn)
    return source.error(f"the rule {_name(fn)} of {rule.name} {what}", source.node)


def _name(fn: Any) -> str:
    return getattr(fn, "__name__", "rule")
