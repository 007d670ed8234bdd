"""Reductions beyond sum (prod, max, min), einsum, vector and Frobenius norms, and the
linear algebra of square matrices (det, inv, solve).

Contract:
- ``prod``, ``amax``, ``amin`` and ``norm`` reduce their argument over ``attrs[0]``
  (sorted non-negative axes, or None for all) keeping the reduced axes as length one
  when ``attrs[1]``, like ``sum``; ``norm`` is the 2-norm of the entries reduced.
- ``einsum`` takes any number of operands and ``attrs[0]``, explicit subscripts
  (``"ij,jk->ik"``; `parse` also reads the implicit form). Its derivatives are einsums
  of the same operands: a letter repeated in one operand (``"ii->"``) is handled with an
  identity matrix, a letter only that operand has by broadcasting.
- ``det``, ``inv``, ``solve`` are NumPy's ``np.linalg`` functions of a 2-D matrix (and,
  for solve, a vector or 2-D right-hand side).
- Conventions where the function is not differentiable are in each rule's docstring:
  ties of max/min share the cotangent equally (like the scalar ``max``'s 0.5/0.5), the
  norm's derivatives at 0 are 0 (like ``abs'(0)`` and ``abs''(0)``, and as ``hypot``'s),
  and prod's is exact with zeros, to second order.
"""

from __future__ import annotations

import ast
from typing import Any, cast

from symdiff.ir.arrays import Axes, np_call
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import Primitive, one_tangent
from symdiff.ir.scalars import over_norm
from symdiff.ir.types import ArrayType, Type, _dim, broadcast, reduced

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _axis(axes: Axes) -> ast.expr:
    if axes is not None and len(axes) == 1:
        return ast.Constant(axes[0])
    # (A tuple constant, which typeshed's `ast.Constant` leaves out; unparsed as written.)
    return ast.Constant(cast(Any, axes))


def _linalg_attr(name: str) -> ast.expr:
    return ast.Attribute(ast.Attribute(ast.Name("np", ast.Load()), "linalg", ast.Load()), name,
                         ast.Load())


def emit_reduction(name: str) -> Any:
    """``np.<name>(x, axis=..., keepdims=True)`` (``np.linalg.norm`` for "norm")."""
    def emit(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
        axes, keepdims = attrs
        kws = []
        if axes is not None:
            kws.append(ast.keyword("axis", _axis(axes)))
        if keepdims:
            kws.append(ast.keyword("keepdims", ast.Constant(True)))
        func = _linalg_attr("norm") if name == "norm" else ast.Attribute(
            ast.Name("np", ast.Load()), name, ast.Load())
        return ast.Call(func, [args[0]], kws)
    return emit


def _reduced_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    (t,) = types
    return None if t is None else reduced(t, attrs[0], attrs[1])


def kept(b: NodeBuilder, value: Node, reduction: Node) -> Node:
    """`value`, shaped like the result of `reduction` (a sum, prod, max...), with the
    reduced axes put back as length one, so that it broadcasts against the argument."""
    axes, keepdims = reduction.attrs[:2]
    if keepdims or value.type is None:
        return value  # already kept, or a number (which broadcasts as it is)
    x = reduction.args[0]
    chosen = tuple(range(x.type.ndim)) if axes is None else axes
    return b.apply("keepdims", value, attrs=(chosen,))


def _keepdims_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    (t,) = types
    assert t is not None, "a number needs no axes put back"
    dims = list(t.dims)
    for a in attrs[0]:
        dims.insert(a, 1)
    return ArrayType(t.dtype, tuple(dims))


# prod ---------------------------------------------------------------------------------


def product_of_others(b: NodeBuilder, x: Node, axes: Axes) -> Node:
    """For each entry of `x`, the product of the other entries reduced with it.

    Exact where entries are zero (not ``prod / x``), and so is its own derivative (the
    second derivative of ``prod``): the product of the others is that of the non-zero
    ones (the zeros replaced by ones, divided by the entry itself unless it is a zero)
    times that of the zero ones, written as the polynomial it is to first order: 1 when
    no other entry is zero, the sum of the other zeros when one is (its value is 0, its
    derivative the product's), else 0."""
    zero = b.apply("eq", x, 0.0)
    nonzero = b.select(zero, 1.0, x)
    zeros = b.select(zero, x, 0.0)  # the zero entries, which the derivatives still vary
    count = b.sub(b.apply("sum", zero, attrs=(axes, True)), zero)  # other zeros
    other_zeros = b.sub(b.apply("sum", zeros, attrs=(axes, True)), zeros)
    of_zeros = b.select(b.apply("eq", count, 0), 1.0,
                        b.select(b.apply("eq", count, 1), other_zeros, 0.0))
    of_nonzero = b.div(b.apply("prod", nonzero, attrs=(axes, True)), nonzero)
    others = b.mul(of_nonzero, of_zeros)
    for node, hint in ((zero, "is_zero"), (nonzero, "nonzero"), (others, "prod_others")):
        b.name(node, hint)
    return others


def _prod_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    t = one_tangent(ts)
    others = product_of_others(b, node.args[0], node.attrs[0])
    return b.apply("sum", b.mul(t, others), attrs=node.attrs)


def _prod_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """The cotangent times the product of the other entries (see `product_of_others`)."""
    return (b.mul(kept(b, ct, node), product_of_others(b, node.args[0], node.attrs[0])),)


# max and min --------------------------------------------------------------------------


def _extremum_hits(b: NodeBuilder, node: Node) -> tuple[Node, Node]:
    """Where the argument equals its reduced max (min), and how many such entries each
    group has (in the argument's dtype, so a float32 cotangent stays float32)."""
    x = node.args[0]
    hit = b.apply("eq", x, kept(b, node, node))
    # Kept axes broadcast against x; a number (all axes reduced) needs none.
    count = b.apply("sum", hit, attrs=(node.attrs[0], node.type is not None))
    if x.type.dtype != "float64":
        count = b.apply("astype_like", count, x)
    extremum = "max" if node.prim is AMAX else "min"
    b.name(hit, f"is_{extremum}")
    b.name(count, f"n_{extremum}")
    return hit, count


def _extremum_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    t = one_tangent(ts)
    hit, count = _extremum_hits(b, node)
    return b.apply("sum", b.select(hit, b.div(t, count), 0.0), attrs=node.attrs)


def _extremum_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """The cotangent goes to the entries equal to the max (min), split equally among
    ties: the scalar ``max``/``min`` split a tie 0.5/0.5, and this is the same rule for
    any number of tied entries (a subgradient, and the mean of the one-sided
    derivatives for a tie of two)."""
    hit, count = _extremum_hits(b, node)
    return (b.select(hit, b.div(kept(b, ct, node), count), 0.0),)


# einsum -------------------------------------------------------------------------------


def parse(subscripts: str, count: int) -> tuple[tuple[str, ...], str]:
    """The index letters of each of `count` operands and of the output, from explicit
    (``"ij,jk->ik"``) or implicit (``"ij,jk"``: the letters used once, sorted as NumPy
    sorts them) einsum subscripts without ``...``. Raises ValueError naming what is
    wrong."""
    text = subscripts.replace(" ", "")
    if "." in text:
        raise ValueError(f"einsum subscripts {subscripts!r}: '...' must be made letters "
                         "first (`frontend.np_einsum.explicit`)")
    inputs, arrow, output = text.partition("->")
    specs = tuple(inputs.split(","))
    if len(specs) != count:
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(specs)} operands, "
                         f"got {count}")
    for part in (*specs, output):
        bad = [c for c in part if c not in _LETTERS]
        if bad:
            raise ValueError(f"einsum subscripts {subscripts!r}: {bad[0]!r} is not a letter")
    used = "".join(specs)
    if not arrow:  # NumPy's order: upper case first
        output = "".join(sorted(c for c in set(used) if used.count(c) == 1))
    if len(set(output)) != len(output):
        raise ValueError(f"einsum output {output!r} repeats a letter")
    missing = [c for c in output if c not in used]
    if missing:
        raise ValueError(f"einsum output letter {missing[0]!r} is in no operand")
    return specs, output


def fresh_letter(used: str) -> str:
    """An einsum letter not in `used`; ValueError when all 52 are."""
    for c in _LETTERS:
        if c not in used:
            return c
    raise ValueError("einsum of more than 52 distinct letters")


def fresh_letters(n: int) -> str:
    """`n` different einsum letters; ValueError for more than 52."""
    if n > len(_LETTERS):
        raise ValueError("einsum of more than 52 distinct letters")
    return _LETTERS[:n]


def subscripts_of(specs: tuple[str, ...] | list[str], output: str) -> str:
    return f"{','.join(specs)}->{output}"


def einsum(b: NodeBuilder, specs: list[str], output: str, operands: list[Node]) -> Node:
    """``np.einsum`` of `operands`, written plainer where it is: a number (an operand
    without letters) multiplies the rest, and one operand without repeated letters is
    summed over the letters the output lacks and transposed to the output's order."""
    factors = [x for s, x in zip(specs, operands, strict=True) if not s]
    pairs = [(s, x) for s, x in zip(specs, operands, strict=True) if s]
    if not pairs:
        result = factors.pop(0)
    elif len(pairs) == 1 and len(set(pairs[0][0])) == len(pairs[0][0]):
        spec, result = pairs[0]
        lost = tuple(i for i, c in enumerate(spec) if c not in output)
        if lost:
            result = b.apply("sum", result, attrs=(lost, False))
            spec = "".join(c for c in spec if c in output)
        if spec != output:
            order = tuple(spec.index(c) for c in output)
            result = b.apply("transpose", result, attrs=(
                None if order == tuple(reversed(range(len(order)))) else order,))
    else:
        result = b.apply("einsum", *(x for _, x in pairs),
                         attrs=(subscripts_of([s for s, _ in pairs], output),))
    for factor in factors:
        result = b.mul(factor, result)
    return result


def _einsum_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    specs, output = parse(attrs[0], len(types))
    arrays_ = [t for t in types if t is not None]
    if not arrays_:
        return None
    dims: dict[str, Any] = {}
    for spec, t in zip(specs, types, strict=True):
        if t is None:
            continue
        if len(spec) != t.ndim:
            raise TypeError(f"einsum operand {spec!r} has {t.ndim} axes")
        for c, d in zip(spec, t.dims, strict=True):
            dims[c] = _dim(dims[c], d) if c in dims else d
    dtype = broadcast(*(ArrayType(t.dtype, ()) for t in arrays_))
    assert dtype is not None
    return ArrayType(dtype.dtype, tuple(dims[c] for c in output)) if output else None


def _emit_einsum(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    return np_call("einsum", ast.Constant(attrs[0]), *args)


def _einsum_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    specs, output = parse(node.attrs[0], len(node.args))
    total: Node | None = None
    for i, t in enumerate(ts):
        if t is None:
            continue
        operands = [t if j == i else x for j, x in enumerate(node.args)]
        term = einsum(b, list(specs), output, operands)
        total = term if total is None else b.add(total, term)
    return total


def _einsum_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """Each operand's cotangent is the einsum of the output's cotangent with the other
    operands, onto that operand's letters. A letter it repeats (``"ii"``) becomes a
    fresh letter tied to the first by an identity matrix; a letter no other operand nor
    the output has is broadcast back."""
    specs, output = parse(node.attrs[0], len(node.args))
    used = set("".join(specs))
    result: list[Node | None] = []
    for i, x in enumerate(node.args):
        others = [(output, ct), *((s, y) for j, (s, y) in enumerate(
            zip(specs, node.args, strict=True)) if j != i)]
        target = ""
        for position, c in enumerate(specs[i]):
            if c in target:
                fresh = fresh_letter("".join(used))
                used.add(fresh)
                first = specs[i].index(c)
                others.append((c + fresh, b.apply("eye_like", x, attrs=(first, position))))
                c = fresh
            target += c
        present = set("".join(s for s, _ in others))
        kept_letters = "".join(c for c in target if c in present)
        g = einsum(b, [s for s, _ in others], kept_letters, [y for _, y in others])
        lost = tuple(p for p, c in enumerate(target) if c not in present)
        if lost:
            g = b.apply("unsum", g, x, attrs=(lost, False))
        result.append(g)
    return tuple(result)


def _eye_type(types: list[ArrayType], attrs: tuple[Any, ...]) -> Type:
    (t,) = types
    return ArrayType(t.dtype, tuple(t.dims[a] for a in attrs))


def _emit_eye(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    shape = ast.Attribute(args[0], "shape", ast.Load())
    lengths = [ast.Subscript(shape, ast.Constant(a), ast.Load()) for a in attrs]
    return np_call("eye", *lengths, dtype=ast.Attribute(args[0], "dtype", ast.Load()))


# trace --------------------------------------------------------------------------------


def _trace_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    (t,) = types
    if t is None or t.ndim < 2:
        raise TypeError("trace of an array of fewer than two axes")
    return ArrayType(t.dtype, t.dims[2:]) if t.ndim > 2 else None


def _trace_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """The cotangent on the diagonal of the first two axes (which need not be equally
    long: ``np.trace`` of a 2x3 matrix sums two entries)."""
    x = node.args[0]
    eye = b.apply("eye_like", x, attrs=(0, 1))
    rest = tuple(range(2, x.type.ndim))
    if rest:
        eye = b.apply("keepdims", eye, attrs=(rest,))
        ct = b.apply("keepdims", ct, attrs=((0, 1),))
    return (b.mul(ct, eye),)


# norm ---------------------------------------------------------------------------------


def _norm_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    t = one_tangent(ts)
    x = node.args[0]
    return over_norm(b, b.apply("sum", b.mul(x, t), attrs=node.attrs), node)


def _norm_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """``x / norm`` times the cotangent, and 0 where the norm is 0 (the convention of
    ``abs'(0) = 0``: the smallest subgradient), as are its own derivatives there."""
    x = node.args[0]
    return (b.mul(x, kept(b, over_norm(b, ct, node), node)),)


# det, inv, solve ----------------------------------------------------------------------


def _square_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    (t,) = types
    if t is None or t.ndim != 2:
        raise TypeError("np.linalg of a matrix (2-D array) only")
    return t


def _det_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    # d det = det * trace(inv(A) @ dA) = det * sum(inv(A).T * dA)
    t = one_tangent(ts)
    inv_t = b.apply("transpose", b.apply("inv", node.args[0]), attrs=(None,))
    return b.mul(node, b.apply("sum", b.mul(inv_t, t), attrs=(None, False)))


def _det_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """``ct * det(A) * inv(A).T``: needs A invertible (np.linalg.inv raises otherwise)."""
    inv_t = b.apply("transpose", b.apply("inv", node.args[0]), attrs=(None,))
    return (b.mul(b.mul(ct, node), inv_t),)


def _inv_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    t = one_tangent(ts)
    return b.neg(b.apply("matmul", b.apply("matmul", node, t), node))


def _inv_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    inv_t = b.apply("transpose", node, attrs=(None,))
    return (b.neg(b.apply("matmul", b.apply("matmul", inv_t, ct), inv_t)),)


def matrix_and_rhs(types: list[Type], what: str) -> tuple[ArrayType, ArrayType, str]:
    """The types of a matrix and a right-hand side (a vector or a matrix) of the solver
    `what`, and the dtype of its result; TypeError for other arguments."""
    a, rhs = types
    if a is None or a.ndim != 2 or rhs is None or rhs.ndim not in (1, 2):
        raise TypeError(f"np.linalg.{what} of a matrix and a vector or matrix only")
    dtype = broadcast(ArrayType(a.dtype, ()), ArrayType(rhs.dtype, ()))
    assert dtype is not None
    return a, rhs, dtype.dtype


def _solve_type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    a, rhs, dtype = matrix_and_rhs(types, "solve")
    return ArrayType(dtype, (a.dims[0], *rhs.dims[1:]))


def _solve_jvp(b: NodeBuilder, node: Node, ts: tuple[Node | None, ...]) -> Node | None:
    # A x = y: A dx = dy - dA x
    ta, ty = ts
    rhs = ty
    if ta is not None:
        moved = b.apply("matmul", ta, node)
        rhs = b.neg(moved) if rhs is None else b.sub(rhs, moved)
    assert rhs is not None
    return b.apply("solve", node.args[0], rhs)


def _solve_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    """``y_bar = solve(A.T, ct)`` and ``A_bar = -y_bar x^T``."""
    a = node.args[0]
    y_bar = b.apply("solve", b.apply("transpose", a, attrs=(None,)), ct)
    if node.type.ndim == 1:
        a_bar = b.apply("outer", y_bar, node)
    else:
        a_bar = b.apply("matmul", y_bar, b.apply("transpose", node, attrs=(None,)))
    return b.neg(a_bar), y_bar


def _linalg(name: str) -> Any:
    return lambda args, attrs: ast.Call(_linalg_attr(name), list(args), [])


PROD = Primitive(
    "prod", 1, None, emit_reduction("prod"), type_rule=_reduced_type,
    jvp_rule=_prod_jvp, vjp_rule=_prod_vjp, may_raise=False)

# An empty array has no max: NumPy raises.
AMAX = Primitive(
    "amax", 1, None, emit_reduction("max"), type_rule=_reduced_type,
    jvp_rule=_extremum_jvp, vjp_rule=_extremum_vjp)

AMIN = Primitive(
    "amin", 1, None, emit_reduction("min"), type_rule=_reduced_type,
    jvp_rule=_extremum_jvp, vjp_rule=_extremum_vjp)

NORM = Primitive(
    "norm", 1, None, emit_reduction("norm"), type_rule=_reduced_type,
    jvp_rule=_norm_jvp, vjp_rule=_norm_vjp, may_raise=False)

# A reduction's result with the reduced axes (attrs[0]) back as length one.
KEEPDIMS = Primitive(
    "keepdims", 1, None, lambda args, attrs: np_call(
        "expand_dims", args[0], _axis(attrs[0])), type_rule=_keepdims_type,
    jvp_rule=lambda b, node, ts: b.apply("keepdims", one_tangent(ts), attrs=node.attrs),
    vjp_rule=lambda b, node, ct: (b.apply("sum", ct, attrs=(node.attrs[0], False)),),
    may_raise=False)

EINSUM = Primitive(
    "einsum", None, None, _emit_einsum, type_rule=_einsum_type, jvp_rule=_einsum_jvp,
    vjp_rule=_einsum_vjp)

TRACE = Primitive(
    "trace", 1, None, lambda args, attrs: np_call("trace", args[0]), type_rule=_trace_type,
    jvp_rule=lambda b, node, ts: b.apply("trace", one_tangent(ts)), vjp_rule=_trace_vjp,
    may_raise=False)

# The identity matrix as long as axes attrs[0] and attrs[1] of the argument (a
# rectangular one when they differ), in its dtype.
EYE_LIKE = Primitive(
    "eye_like", 1, None, _emit_eye, type_rule=_eye_type, differentiable=False,
    may_raise=False)

DET = Primitive(
    "det", 1, None, _linalg("det"), jvp_rule=_det_jvp, vjp_rule=_det_vjp,
    type_rule=lambda types, attrs: _square_type(types, attrs) and None)

INV = Primitive(
    "inv", 1, None, _linalg("inv"), jvp_rule=_inv_jvp, vjp_rule=_inv_vjp,
    type_rule=_square_type)

SOLVE = Primitive(
    "solve", 2, None, _linalg("solve"), jvp_rule=_solve_jvp, vjp_rule=_solve_vjp,
    type_rule=_solve_type)


RECORDS: tuple[Primitive, ...] = (
    PROD, AMAX, AMIN, NORM, KEEPDIMS, EINSUM, TRACE, EYE_LIKE, DET, INV, SOLVE,
)
