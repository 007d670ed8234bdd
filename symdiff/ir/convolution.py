"""Discrete convolution and correlation of two arrays with the same number of axes.

Contract:
- ``convolve(a, b)`` is the full convolution, ``y[n] = sum_m a[m] b[n - m]`` along
  every axis (length ``la + lb - 1``); ``correlate_valid(c, k)`` the valid correlation,
  ``y[n] = sum_j c[n + j] k[j]`` (length ``lc - lk + 1``; `c` is at least as long as
  `k` along every axis). ``attrs[0]`` is the number of axes they act on (the last of
  each argument): of vectors they are emitted as ``np.convolve(a, b)`` and
  ``np.correlate(c, k)``, of more axes as ``scipy.signal.convolve(a, b)`` and
  ``scipy.signal.correlate(c, k, mode='valid')``. ``attrs[1]`` counts leading loop
  axes before them (a batch of seeds: `transforms.batch`), over which the arguments
  broadcast and the call is vectorised (``np.vectorize``). The frontend makes every
  other mode a slice of a full convolution.
- Both are linear in each argument, and each one's transpose is the other or itself:
  the cotangents of a convolution are valid correlations of the cotangent with the
  other argument, and those of a valid correlation a convolution and a correlation.
  Derivatives of every order follow from these two records.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive, accumulate
from symdiff.ir.types import MANY, ArrayType, Dim, Type


def attr(*names: str) -> ast.expr:
    """``a.b.c`` for the names ``a``, ``b``, ``c``."""
    func: ast.expr = ast.Name(names[0], ast.Load())
    for part in names[1:]:
        func = ast.Attribute(func, part, ast.Load())
    return func


def vectorized(func: ast.expr, args: list[ast.expr], signature: str,
               mode: list[ast.keyword]) -> ast.expr:
    """``np.vectorize(func, signature=...)(*args, **mode)``: `func` of the last axes its
    core signature names, over the leading axes its arguments broadcast (the keywords
    `mode` passed as they are)."""
    keywords = [ast.keyword("signature", ast.Constant(signature))]
    if mode:
        keywords.append(ast.keyword("excluded", ast.Set([ast.Constant(k.arg) for k in mode])))
    return ast.Call(ast.Call(attr("np", "vectorize"), [func], keywords), list(args), mode)


def _emit(numpy: str, signal: str, valid: bool) -> Any:
    """``np.<numpy>(a, b)`` of vectors, ``scipy.signal.<signal>(a, b)`` of arrays, and
    either vectorised over leading loop axes (`vectorized`)."""
    def emit(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
        ndim, loops = attrs
        func = attr("np", numpy) if ndim == 1 else attr("scipy", "signal", signal)
        mode = [ast.keyword("mode", ast.Constant("valid"))] if valid and ndim > 1 else []
        if not loops:
            return ast.Call(func, list(args), mode)
        core = [",".join(f"{name}{i}" for i in range(ndim)) for name in "abc"]
        return vectorized(func, args, f"({core[0]}),({core[1]})->({core[2]})", mode)
    return emit


def _full_dim(a: Dim, b: Dim) -> Dim:
    if a is not None and a != MANY and b is not None and b != MANY:
        return a + b - 1
    return MANY if MANY in (a, b) else None


def _valid_dim(c: Dim, k: Dim) -> Dim:
    if c is not None and c != MANY and k is not None and k != MANY:
        return c - k + 1
    return c if k == 1 else None


def _type(dim: Any) -> Any:
    def rule(types: list[Type], attrs: tuple[Any, ...]) -> Type:
        a, b = types
        ndim = attrs[0]
        if not (isinstance(a, ArrayType) and isinstance(b, ArrayType)
                and min(a.ndim, b.ndim) >= ndim):
            raise TypeError("a convolution of two arrays with the same number of axes")
        dtype = a.dtype if a.dtype == b.dtype else "float64"
        loops = a.dims[:a.ndim - ndim] if a.ndim >= b.ndim else b.dims[:b.ndim - ndim]
        core = zip(a.dims[a.ndim - ndim:], b.dims[b.ndim - ndim:], strict=True)
        return ArrayType(dtype, (*(None for _ in loops), *(dim(x, y) for x, y in core)))
    return rule


def _bilinear(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    """The tangent of a product linear in each argument: the op of each tangent with
    the other argument."""
    x, y = node.args
    tx, ty = ts
    return accumulate(b, None if tx is None else _apply(b, node.op, tx, y, node),
                      None if ty is None else _apply(b, node.op, x, ty, node))


def _apply(b: NodeBuilder, op: str, x: Node, y: Node, like: Node) -> Node:
    """`op` of `x` and `y` with `like`'s core axes, over the loop axes either has."""
    ndim = like.attrs[0]
    loops = max(x.type.ndim, y.type.ndim) - ndim
    return b.apply(op, x, y, attrs=(ndim, loops))


def _fit(b: NodeBuilder, ct: Node, arg: Node) -> Node:
    """A cotangent of `arg` summed over the loop axes `arg` does not have."""
    extra = ct.type.ndim - arg.type.ndim
    return b.apply("sum", ct, attrs=(tuple(range(extra)), False)) if extra else ct


def _convolve_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    x, y = node.args
    return (_fit(b, _apply(b, "correlate_valid", ct, y, node), x),
            _fit(b, _apply(b, "correlate_valid", ct, x, node), y))


def _correlate_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    c, k = node.args
    return (_fit(b, _apply(b, "convolve", ct, k, node), c),
            _fit(b, _apply(b, "correlate_valid", c, ct, node), k))


CONVOLVE = Primitive(
    "convolve", 2, None, _emit("convolve", "convolve", valid=False),
    type_rule=_type(_full_dim), jvp_rule=_bilinear, vjp_rule=_convolve_vjp, may_raise=False)

CORRELATE_VALID = Primitive(
    "correlate_valid", 2, None, _emit("correlate", "correlate", valid=True),
    type_rule=_type(_valid_dim), jvp_rule=_bilinear, vjp_rule=_correlate_vjp, may_raise=False)

RECORDS: tuple[Primitive, ...] = (CONVOLVE, CORRELATE_VALID)
