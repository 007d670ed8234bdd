"""Lowering of custom rules' functions to programs, for `transforms.custom`.

Contract: `lower_rule(rule, fn, groups, outer)` lowers a rule function (ordinary
supported Python) to a `Program`: each parameter is bound to one parameter node, or to
a (nested) tuple of them where `groups` gives a tuple of types (``primals``,
``tangents``, residuals). `outer` is the attributes of the call being differentiated
(see `custom_calls`). Rule functions read only their arguments and constants: a free
number would be read from the wrong module by the generated code. `rule_error` is a
located error about what a rule function returns.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from symdiff.custom import Rule
from symdiff.frontend import fence
from symdiff.frontend.frame import Frame
from symdiff.frontend.lower import GRAMMAR
from symdiff.frontend.source import get_source
from symdiff.ir.builder import Builder
from symdiff.ir.node import NUM, Node, Program
from symdiff.ir.regions import all_nodes

Group = Any  # a type (None or an ArrayType) or a tuple of groups


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
    b = Builder()
    low = Frame(fn, source, b, GRAMMAR)
    low.rule = (rule, outer)
    params: list[Node] = []
    for name, group in zip(names, groups, strict=True):
        low.env[name] = _bind(b, name, group, params)
        low.versions[name] = 0
    if isinstance(node, ast.Lambda):
        result = low.output(node.body)
    else:
        result = low.block(node.body)
        if result is None:
            raise source.error(f"the rule {_name(fn)} has no return statement at its end",
                               node)
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
