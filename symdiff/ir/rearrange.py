"""Rearranging an array's entries along an axis: ``np.roll``.

Contract:
- ``roll(x, shift)`` moves the entries of `x` by the int `shift` (a constant or a value
  known at run time) along axis ``attrs[0]``, wrapping around; ``attrs[1]`` is the
  rank of `x` (a vector's roll is written without its axis). It is linear, and its
  transpose is the roll back by ``-shift``.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.arrays import linear_jvp, np_call
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive


def _emit_roll(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    axis, ndim = attrs
    return np_call("roll", *args, **({} if ndim == 1 else {"axis": axis}))


def _roll_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    return b.apply("roll", ct, b.neg(node.args[1]), attrs=node.attrs), None


# attrs (axis, rank)
ROLL = Primitive(
    "roll", 2, None, _emit_roll, type_rule=lambda types, attrs: types[0],
    jvp_rule=linear_jvp, vjp_rule=_roll_vjp, may_raise=False)


RECORDS: tuple[Primitive, ...] = (ROLL,)
