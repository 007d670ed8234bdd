"""The primitive of a function with a custom rule: a call, differentiated by the rule.

Contract: `ensure_registered(rule)` puts one `Primitive` for `rule` in the table. It is
emitted as a call of the function (by the path in the node's attributes), may raise,
and its type is the arguments' broadcast type (``output="elementwise"``) or a number.
Its JVP and VJP inline the lowered rule programs at the call:
- with a JVP rule, forward mode is the rule's tangent output, and reverse mode is its
  transpose: the VJP of the tangent output with respect to the tangents, which are
  stand-ins that must not remain (the tangent output is linear in them);
- with a VJP rule, reverse mode is ``bwd``'s output, and forward mode is its transpose:
  the VJP of ``bwd``'s outputs with respect to the cotangent, seeded with the tangents.
Rule programs are lowered once per argument types and call path.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import Any

from symdiff.custom import Rule
from symdiff.errors import SymdiffError
from symdiff.ir.builder import Builder
from symdiff.ir.node import NUM, Node, Program, Structure, flatten, topological
from symdiff.ir.primitive import Primitive
from symdiff.ir.primitives import PRIMITIVES, register_custom
from symdiff.ir.rewrite import inline, substitute
from symdiff.ir.types import broadcast


def ensure_registered(rule: Rule) -> None:
    """Register `rule`'s primitive, once."""
    if rule.op in PRIMITIVES:
        return
    register_custom(Primitive(
        rule.op, None, None, _emit,
        jvp_rule=lambda b, node, ts: _jvp(rule, b, node, ts),
        vjp_rule=lambda b, node, ct: _vjp(rule, b, node, ct),
        type_rule=lambda types, attrs: broadcast(*types) if rule.output == "elementwise"
        else None))


def _emit(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    path = attrs[0]
    func: ast.expr = ast.Name(path[0], ast.Load())
    for part in path[1:]:
        func = ast.Attribute(func, part, ast.Load())
    return ast.Call(func, list(args), [])


def _kind(node: Node) -> Any:
    return node.type if node.type is not None else NUM


def _stand_ins(b: Builder, like: Sequence[Node], hint: str) -> list[Node]:
    return [b.arg(hint, _kind(a)) for a in like]


def _jvp(rule: Rule, b: Builder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    from symdiff.transforms.ad import jvp_full

    if rule.jvp is not None:
        dots = _stand_ins(b, node.args, "t")
        tangent_out = _tangent_out(rule, b, node, dots)
        seeds = {d: t for d, t in zip(dots, ts, strict=True) if t is not None}
        new, tangent = jvp_full(b, [tangent_out], seeds)
        (result,) = _settle(rule, rule.jvp, b, [tangent.get(new[tangent_out])], dots,
                            node.args, "is not linear in the tangents")
        return result
    ct = b.arg("g", _kind(node))
    cts = _cotangents(rule, b, node, ct)
    pairs = [(c, t) for c, t in zip(cts, ts, strict=True) if c is not None and t is not None]
    if not pairs:
        return None
    result = _transpose(rule, b, [c for c, _ in pairs], [t for _, t in pairs], ct)
    (result,) = _settle(rule, rule.bwd, b, [result], [ct], [node],
                        "is not linear in the cotangent")
    return result


def _vjp(rule: Rule, b: Builder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    if rule.bwd is not None:
        return _cotangents(rule, b, node, ct)
    assert rule.jvp is not None
    dots = _stand_ins(b, node.args, "t")
    tangent_out = _tangent_out(rule, b, node, dots)
    from symdiff.transforms.ad import vjp

    replaced: dict[Node, Node] = {}
    cts = vjp(b, [tangent_out], [ct], dots, replaced)
    if replaced:
        raise SymdiffError(f"the JVP rule of {rule.name} has a loop; reverse mode cannot "
                           "transpose it yet (give a VJP rule too)")
    return tuple(_settle(rule, rule.jvp, b, cts, dots, node.args,
                         "is not linear in the tangents"))


def _transpose(rule: Rule, b: Builder, outputs: list[Node], seeds: list[Node],
               wrt: Node) -> Node | None:
    from symdiff.transforms.ad import vjp

    replaced: dict[Node, Node] = {}
    (result,) = vjp(b, outputs, seeds, [wrt], replaced)
    if replaced:
        raise SymdiffError(f"the VJP rule of {rule.name} has a loop; forward mode cannot "
                           "transpose it yet (give a JVP rule too)")
    return result


def _settle(rule: Rule, fn: Any, b: Builder, results: Sequence[Node | None],
            stand_ins: Sequence[Node], likes: Sequence[Node], what: str
            ) -> list[Node | None]:
    """`results` without the stand-ins: a result may still read one for its shape only
    (a sum's transpose broadcasts to its operand's shape), which the value it stands in
    for (`likes`) has too; one whose value it reads means the rule is not linear."""
    live = [r for r in results if r is not None]
    if not set(stand_ins) & set(topological(live)):
        return list(results)
    from symdiff.transforms.ad import vjp

    seeds = [b.arg("s", _kind(r)) for r in live]
    if any(c is not None for c in vjp(b, live, seeds, stand_ins)):
        from symdiff.frontend.rules import rule_error

        raise rule_error(rule, fn, what)
    done = substitute(b, live, dict(zip(stand_ins, likes, strict=True)))
    return [None if r is None else done[r] for r in results]


def _tangent_out(rule: Rule, b: Builder, node: Node, dots: list[Node]) -> Node:
    """The JVP rule's tangent output at `node`, along the stand-in tangents `dots`."""
    types = tuple(a.type for a in node.args)
    program = _program(rule, ("jvp", types, node.attrs), rule.jvp, (types, types), node.attrs,
                       _check_jvp)
    result, _ = inline(b, program, [*node.args, *dots])
    return result[1]  # type: ignore[index]


def _cotangents(rule: Rule, b: Builder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """``bwd(fwd residuals, ct)`` at `node`: a cotangent (None for zero) per argument."""
    types = tuple(a.type for a in node.args)
    fwd = _program(rule, ("fwd", types, node.attrs), rule.fwd, types, node.attrs, _check_fwd)
    fwd_out, _ = inline(b, fwd, list(node.args))
    residuals = fwd_out[1]  # type: ignore[index]
    groups = (_types(residuals), node.type)
    bwd = _program(rule, ("bwd", groups, node.attrs), rule.bwd, groups, node.attrs,
                   _check_bwd(len(node.args)))
    cts, _ = inline(b, bwd, [*flatten(residuals), ct])
    return tuple(None if c.is_const and c.value == 0 else c for c in cts)  # type: ignore


def _types(structure: Structure) -> Any:
    if isinstance(structure, Node):
        return structure.type
    return tuple(_types(s) for s in structure)


def _program(rule: Rule, key: Any, fn: Any, groups: Any, outer: tuple[Any, ...],
             check: Callable[[Structure], str | None]) -> Program:
    program = rule.programs.get(key)
    if program is None:
        from symdiff.frontend.rules import lower_rule, rule_error

        program = lower_rule(rule, fn, groups, outer)
        problem = check(program.result)
        if problem is not None:
            raise rule_error(rule, fn, problem)
        rule.programs[key] = program
    return program


def _shape(structure: Structure) -> str:
    if isinstance(structure, Node):
        return "a value"
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
