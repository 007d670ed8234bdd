"""Operations that make a value with a leading batch axis (`transforms.batch`).

Contract:
- ``batch_broadcast(value, like, ref)`` is `value` broadcast to the shape of `like`
  with a leading axis as long as the first axis of `ref` (a batched value):
  ``np.broadcast_to(value, (len(ref), *like.shape))``, a read-only view, when `like` is
  an array; ``np.full(len(ref), value)`` when it is a number. With `like` the value
  itself it repeats the value for every seed direction; with `ref` the value, it
  broadcasts a batched value over axes it lacks.
- ``batch_zeros(like, ref)`` is a new array of zeros of `like`'s shape and dtype with
  that leading axis: ``np.zeros((len(ref), *like.shape), like.dtype)``; its second
  attribute keeps two of them apart (each may be updated in place).
- The first attribute of both says whether `like` is an array.
- ``batch_broadcast`` is linear in its value: its cotangent is summed over the batch
  axis and the axes it broadcast along (a Jacobian program, `transforms.jacobian`, is
  a batched program that other transforms differentiate). ``batch_zeros`` is not
  differentiable.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.arrays import fit, linear_jvp, np_call
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive
from symdiff.ir.types import ArrayType, Type, broadcast


def _length(ref: ast.expr) -> ast.expr:
    return ast.Call(ast.Name("len", ast.Load()), [ref], [])


def _shape(x: ast.expr) -> ast.expr:
    return ast.Attribute(x, "shape", ast.Load())


def _batched_shape(ref: ast.expr, like: ast.expr) -> ast.expr:
    """``(len(ref), *like.shape)``."""
    return ast.Tuple([_length(ref), ast.Starred(_shape(like), ast.Load())], ast.Load())


def _emit_broadcast(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    value, like, ref = args
    if not attrs[0]:
        return np_call("full", _length(ref), value)
    return np_call("broadcast_to", value, _batched_shape(ref, like))


def _emit_zeros(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    like, ref = args
    if not attrs[0]:
        return np_call("zeros", _length(ref))
    return np_call("zeros", _batched_shape(ref, like), ast.Attribute(like, "dtype", ast.Load()))


def _zeros_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    t = types[0]
    if t is None:
        return ArrayType("float64", (None,))
    return ArrayType(t.dtype, (None, *t.dims))


def _broadcast_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    value, like = types[0], types[1]
    dtype = (broadcast(value, like) or ArrayType("float64", ())).dtype
    return ArrayType(dtype, (None, *(like.dims if like is not None else ())))


def _broadcast_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    return fit(b, ct, node.args[0]), None, None


BATCH_BROADCAST = Primitive(
    "batch_broadcast", 3, None, _emit_broadcast, type_rule=_broadcast_type,
    jvp_rule=linear_jvp, vjp_rule=_broadcast_vjp, may_raise=False, view=True)

BATCH_ZEROS = Primitive(
    "batch_zeros", 2, None, _emit_zeros, type_rule=_zeros_type, differentiable=False,
    may_raise=False)


RECORDS: tuple[Primitive, ...] = (
    BATCH_BROADCAST, BATCH_ZEROS,
)
