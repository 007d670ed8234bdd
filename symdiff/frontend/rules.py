"""Lowering of custom rules' functions to the programs a ``custom_call`` node carries.

Contract: `custom_call(rule, types, reach, grammar)` is the `ir.calls.CustomCall` of the
calls of `rule`'s function with arguments of `types` reached by `reach` (``(path,
module)``, see `custom_calls`): its rule functions lowered with `grammar` (the frames'
way of lowering Python, `frontend.lower.GRAMMAR`) (the JVP rule, or ``fwd`` and ``bwd``,
or all three), each checked for the shape of what it returns (``fwd``'s residuals may
hold None, which ``bwd`` gets as None; ``bwd`` may give None for a zero cotangent, as
in JAX). It is made once per rule,
types and path (and again after the rule changes) and kept on the rule, so equal calls
are one node; a rule that calls its own function gets the call being made.
`lower_rule(rule, fn, groups, outer, grammar)` lowers one rule function (ordinary supported
Python) to a `Program`: each parameter is bound to one parameter node, or to a (nested)
tuple of them where `groups` gives a tuple of types (``primals``, ``tangents``,
residuals). Rule functions read only their arguments and constants: a free number would
be read from the wrong module by the generated code. `rule_error` is a located error
about what a rule function returns.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from symdiff.frontend import fence
from symdiff.frontend.frame import Frame, Grammar
from symdiff.frontend.source import get_source
from symdiff.frontend.values import Nothing
from symdiff.ir.builder import Builder
from symdiff.ir.calls import CUSTOM_CALL, CustomCall, RuleProgram
from symdiff.ir.node import NUM, Container, Node, Op, Program, Structure, global_name
from symdiff.ir.regions import all_nodes
from symdiff.rules.custom import Rule

Group = Any  # a type (None or an ArrayType), `NONE`, or a tuple of groups
# The group of a residual that ``fwd`` gives as None (JAX's empty residual): ``bwd``
# gets None for it, and no parameter.
NONE = "none"


def custom_call(rule: Rule, types: tuple[Any, ...], reach: tuple[Any, ...],
                grammar: Grammar) -> CustomCall:
    """The rules, lowered, of a call of `rule`'s function on arguments of `types`."""
    key = (types, reach)
    call = rule.programs.get(key)
    if call is not None:
        return call  # type: ignore[no-any-return]
    call = rule.programs[key] = CustomCall(rule.name, rule.output, types)
    try:
        if rule.jvp is not None:
            call.jvp, _ = _lowered(rule, rule.jvp, (types, types), reach, grammar, _check_jvp)
        if rule.fwd is not None and rule.bwd is not None:
            call.fwd, returned = _lowered(rule, rule.fwd, types, reach, grammar, _check_fwd,
                                          none=())
            out = CUSTOM_CALL.type_rule(list(types), (*reach, call))  # type: ignore[misc]
            call.bwd, _ = _lowered(rule, rule.bwd, (_types(returned[1]), out), reach, grammar,
                                   _check_bwd(len(types)), none=0.0)
    except BaseException:
        del rule.programs[key]
        raise
    return call


def _lowered(rule: Rule, fn: Callable[..., Any], groups: Any, reach: tuple[Any, ...],
             grammar: Grammar, check: Callable[[Structure], str | None], none: Any = None
             ) -> tuple[RuleProgram, Any]:
    """The rule function lowered and checked, and what it returns, its None kept."""
    program, returned = _lower(rule, fn, groups, reach, grammar, none)
    problem = check(program.result)
    if problem is not None:
        raise rule_error(rule, fn, problem)
    located = rule_error(rule, fn, "")
    where = (located.filename, located.lineno, located.col, located.source_line)
    return RuleProgram(program, f"the rule {_name(fn)} of {rule.name}", where), returned


def lower_rule(
    rule: Rule, fn: Callable[..., Any], groups: tuple[Group, ...], outer: tuple[Any, ...],
    grammar: Grammar,
) -> Program:
    """The program of rule function `fn` with its parameters bound as `groups` says;
    `outer` is how the call being differentiated reaches the function (``(path,
    module)``), which a call of it inside the rule reaches it by too."""
    return _lower(rule, fn, groups, outer, grammar)[0]


def _lower(
    rule: Rule, fn: Callable[..., Any], groups: tuple[Group, ...], outer: tuple[Any, ...],
    grammar: Grammar, none: Any = None,
) -> tuple[Program, Any]:
    """`lower_rule`, where a None inside the tuple the function returns stands for
    `none` (not None): ``()``, nothing (a residual), or a number (a zero cotangent); and
    what the function returns, its None kept."""
    source = get_source(fn)
    fence.check(source)
    node = source.node
    names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    if len(names) != len(groups) or node.args.vararg is not None:
        raise source.error(
            f"the rule {_name(fn)} of {rule.name} must take {len(groups)} parameters", node)
    b = Builder()
    low = Frame(fn, source, b, grammar)
    low.rule = (rule, outer)
    low.nones = none is not None
    params: list[Node] = []
    for name, group in zip(names, groups, strict=True):
        low.env[name] = _bind(b, name, group, params)
        low.versions[name] = 0
    result: Structure | None
    if isinstance(node, ast.Lambda):
        result = low.output(node.body)
    else:
        result = low.block(node.body)
        if result is None:
            raise source.error(f"the rule {_name(fn)} has no return statement at its end",
                               node)
    program = Program(_name(fn), tuple(params), _filled(b, result, none), b)
    for n in all_nodes(program):
        if n.op == Op.GLOBAL:
            raise source.error(
                f"the rule {_name(fn)} reads the global {global_name(n.attrs)!r}; a custom rule "
                "may read only its arguments and constants (write the number as a literal)",
                node)
    return program, result


def _filled(b: Builder, returned: Any, none: Any) -> Structure:
    """What a rule function returns, each None in it replaced by `none`."""
    if returned is None:
        return none if none == () else b.const(none)  # type: ignore[no-any-return]
    if isinstance(returned, tuple):
        return tuple(_filled(b, r, none) for r in returned)
    return returned  # type: ignore[no-any-return]


def _bind(b: Builder, name: str, group: Group, params: list[Node]) -> Any:
    if group == NONE:
        return Nothing()  # a residual fwd gave as None: bwd gets None
    if isinstance(group, tuple):
        return tuple(_bind(b, f"{name}_{i}", g, params) for i, g in enumerate(group))
    node = b.param(name, group if group is not None else NUM)
    params.append(node)
    return node


def rule_error(rule: Rule, fn: Callable[..., Any], what: str) -> Any:
    """A located error about what rule function `fn` returns."""
    source = get_source(fn)
    return source.error(f"the rule {_name(fn)} of {rule.name} {what}", source.node)


def _name(fn: Any) -> str:
    return getattr(fn, "__name__", "rule")


def _types(returned: Any) -> Any:
    """The groups `bwd` binds its residuals as: a value's type, `NONE` for None."""
    if returned is None:
        return NONE
    if isinstance(returned, Node):
        return returned.type
    return tuple(_types(s) for s in returned)


# What each rule function must return -------------------------------------------------------


def _shape(structure: Structure) -> str:
    if isinstance(structure, Node):
        return "a value"
    if isinstance(structure, Container):
        return f"a {structure.kind}"
    return f"a tuple of {len(structure)}"


def _check_jvp(result: Structure) -> str | None:
    if isinstance(result, tuple) and len(result) == 2 and all(
            isinstance(r, Node) for r in result):
        return None
    return ("must return (primal_out, tangent_out), a pair of numbers or arrays; it "
            f"returns {_shape(result)}" + _nested(result))


def _check_fwd(result: Structure) -> str | None:
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], Node):
        return None
    return f"must return (primal_out, residuals); it returns {_shape(result)}" + _nested(result)


def _check_bwd(n: int) -> Callable[[Structure], str | None]:
    def check(result: Structure) -> str | None:
        if isinstance(result, tuple) and len(result) == n and all(
                isinstance(r, Node) for r in result):
            return None
        return (f"must return a tuple of {n} cotangent{'s' if n != 1 else ''}, one per "
                f"argument; it returns {_shape(result)}" + _nested(result))

    return check


def _nested(result: Structure) -> str:
    if isinstance(result, tuple) and any(not isinstance(r, Node) for r in result):
        return " with a tuple inside"
    return ""
