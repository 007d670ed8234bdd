"""Derivatives of a ``custom_call`` node: the rules it carries, inlined at the call.

Contract: `jvp(b, node, ts, ad)` and `vjp(b, node, ct, ad)` are the forward and reverse
rules of a ``custom_call`` node (`ir.calls`), from the programs in its `CustomCall`
(lowered with the call, so nothing here lowers code). `ad` is the transform they use
on those programs (`transforms.ad`: ``jvp_full`` and ``vjp``):
- with a JVP rule, forward mode is the rule's tangent output, and reverse mode is its
  transpose: the VJP of the tangent output with respect to the tangents, which are
  stand-ins that must not remain (the tangent output is linear in them);
- with a VJP rule, reverse mode is ``bwd``'s output, and forward mode is its transpose:
  the VJP of ``bwd``'s outputs with respect to the cotangent, seeded with the tangents.
A result that still reads a stand-in's value means the rule is not linear: a located
error about the rule function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, cast

from symdiff.errors import SymdiffError
from symdiff.ir.builder import Builder
from symdiff.ir.calls import CustomCall, RuleProgram
from symdiff.ir.node import NUM, Node, flatten, topological
from symdiff.ir.rewrite import inline, substitute


class AD(NamedTuple):
    """The transforms the rules are differentiated and transposed with."""

    jvp_full: Callable[..., tuple[dict[Node, Node], dict[Node, Node]]]
    vjp: Callable[..., list[Node | None]]


def _call(node: Node) -> CustomCall:
    call: CustomCall = node.attrs[2]
    assert call.types == tuple(a.type for a in node.args), "rules lowered for other types"
    return call


def _kind(node: Node) -> Any:
    return node.type if node.type is not None else NUM


def _stand_ins(b: Builder, like: Sequence[Node], hint: str) -> list[Node]:
    return [b.arg(hint, _kind(a)) for a in like]


def jvp(b: Builder, node: Node, ts: tuple[Node | None, ...], ad: AD) -> Node | None:
    """The tangent of `node` given its arguments' tangents (None = zero)."""
    call = _call(node)
    if call.jvp is not None:
        dots = _stand_ins(b, node.args, "t")
        tangent_out = _tangent_out(call.jvp, b, node, dots)
        seeds = {d: t for d, t in zip(dots, ts, strict=True) if t is not None}
        new, tangent = ad.jvp_full(b, [tangent_out], seeds)
        (result,) = _settle(call.jvp, b, [tangent.get(new[tangent_out])], dots, node.args,
                            "is not linear in the tangents", ad)
        return result
    assert call.fwd is not None and call.bwd is not None
    ct = b.arg("g", _kind(node))
    cts = _cotangents(call, b, node, ct)
    pairs = [(c, t) for c, t in zip(cts, ts, strict=True) if c is not None and t is not None]
    if not pairs:
        return None
    result = _transpose(call, b, [c for c, _ in pairs], [t for _, t in pairs], ct, ad)
    (result,) = _settle(call.bwd, b, [result], [ct], [node], "is not linear in the cotangent",
                        ad)
    return result


def vjp(b: Builder, node: Node, ct: Node, ad: AD) -> tuple[Node | None, ...]:
    """The cotangent of each argument of `node` (None = zero) given `node`'s."""
    call = _call(node)
    if call.bwd is not None:
        return _cotangents(call, b, node, ct)
    assert call.jvp is not None
    dots = _stand_ins(b, node.args, "t")
    tangent_out = _tangent_out(call.jvp, b, node, dots)
    replaced: dict[Node, Node] = {}
    cts = ad.vjp(b, [tangent_out], [ct], dots, replaced)
    if replaced:
        raise SymdiffError(f"the JVP rule of {call.name} has a loop; reverse mode cannot "
                           "transpose it yet (give a VJP rule too)")
    return tuple(_settle(call.jvp, b, cts, dots, node.args, "is not linear in the tangents",
                         ad))


def _transpose(call: CustomCall, b: Builder, outputs: list[Node], seeds: list[Node],
               wrt: Node, ad: AD) -> Node | None:
    replaced: dict[Node, Node] = {}
    (result,) = ad.vjp(b, outputs, seeds, [wrt], replaced)
    if replaced:
        raise SymdiffError(f"the VJP rule of {call.name} has a loop; forward mode cannot "
                           "transpose it yet (give a JVP rule too)")
    return result


def _settle(rule: RuleProgram, b: Builder, results: Sequence[Node | None],
            stand_ins: Sequence[Node], likes: Sequence[Node], what: str, ad: AD
            ) -> list[Node | None]:
    """`results` without the stand-ins: a result may still read one for its shape only
    (a sum's transpose broadcasts to its operand's shape), which the value it stands in
    for (`likes`) has too; one whose value it reads means the rule is not linear."""
    live = [r for r in results if r is not None]
    if not set(stand_ins) & set(topological(live)):
        return list(results)
    seeds = [b.arg("s", _kind(r)) for r in live]
    if any(c is not None for c in ad.vjp(b, live, seeds, stand_ins)):
        raise rule.error(what)
    done = substitute(b, live, dict(zip(stand_ins, likes, strict=True)))
    return [None if r is None else done[r] for r in results]


def _tangent_out(rule: RuleProgram, b: Builder, node: Node, dots: list[Node]) -> Node:
    """The JVP rule's tangent output at `node`, along the stand-in tangents `dots`."""
    result, _ = inline(b, rule.program, [*node.args, *dots])
    return cast(tuple[Node, Node], result)[1]  # (primal_out, tangent_out)


def _cotangents(call: CustomCall, b: Builder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """``bwd(fwd residuals, ct)`` at `node`: a cotangent (None for zero) per argument."""
    assert call.fwd is not None and call.bwd is not None
    fwd_out, _ = inline(b, call.fwd.program, list(node.args))
    residuals = fwd_out[1]  # type: ignore[index]
    cts, _ = inline(b, call.bwd.program, [*flatten(residuals), ct])
    return tuple(None if c.is_const and c.value == 0 else c for c in cts)  # type: ignore
