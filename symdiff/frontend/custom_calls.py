"""Lowering of calls of functions that have a custom rule (`symdiff.rules.custom`).

Contract: `lower_call(frame, func, e)` lowers a call of `func`, a callable with a custom
rule, to a ``custom_call`` node (`ir.calls`) carrying the rule's functions lowered for
its arguments' types (`frontend.rules.custom_call`). The node's attributes say how generated
code reaches the function: ``(path, module, call)``, the path the user's code reached it
by (module ""), or inside a rule's own function a path from an importable `module` (so
a rule may call ``special.digamma`` though the user's code never names it). A rule
calling its own function reaches it as the call it differentiates does.
`lower_direct(fn, b, types, grammar)` is the one-call program of such a function passed
directly (``grad(f)``).
"""

from __future__ import annotations

import ast
import sys
import types as pytypes
from typing import Any

from symdiff.errors import SymdiffError
from symdiff.frontend.frame import Frame, Grammar
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.rules import custom_call
from symdiff.ir.builder import Builder
from symdiff.ir.node import NUM, Node, Program
from symdiff.rules.custom import Rule, arity, parameter_names, rule_for
from symdiff.unparse import unparse


def lower_call(low: Frame, func: Resolved, e: ast.Call) -> Node:
    """The node of a call of `func`, a callable with a custom rule."""
    rule = rule_for(func.value)
    assert rule is not None
    label = unparse(e.func)
    if e.keywords:
        raise low.src.error(
            f"keyword arguments in a call of {label!r} (a function with a custom rule takes "
            "positional arguments)", e.keywords[0])
    args = [low.number(low.expr(a), a) for a in e.args]
    low_n, high_n = arity(rule)
    if len(args) < low_n or (high_n is not None and len(args) > high_n):
        expected = f"{low_n}" if low_n == high_n else f"{low_n} to {high_n or 'any number of'}"
        raise low.src.error(f"{label}() takes {expected} arguments, got {len(args)}", e)
    reach = _reach(low, func, rule, e)
    call = custom_call(rule, tuple(a.type for a in args), reach, low.grammar)
    return low.b.apply("custom_call", *args, attrs=(*reach, call))


def lower_direct(fn: Any, b: Builder, types: tuple[Any, ...] | None, grammar: Grammar
                 ) -> Program:
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
    reach = ((*module.__name__.split("."), name), module.__name__)
    call = custom_call(rule, tuple(p.type for p in params), reach, grammar)
    node = b.apply("custom_call", *params, attrs=(*reach, call))
    return Program(name, params, node, b, effects=(node,))  # it may raise: it always runs


def _reach(low: Frame, func: Resolved, rule: Rule, e: ast.Call) -> tuple[Any, ...]:
    active = low.outermost().rule
    if active is None:
        return (func.path, "")
    if active[0] is rule:
        return active[1]
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
