"""The one table of primitives.

Each `Primitive` record says, in one place, how the operation is evaluated (`impl`,
also used for constant folding), how it is emitted as a Python expression (`emit`),
how it is differentiated and how it translates to SymPy. Derivatives are given either
as `partials` (the local derivative of the output with respect to each input: the
edge labels of the computational graph) from which the JVP and VJP rules follow, or
as explicit `jvp` / `vjp` rules for operations where that reads better. Rules build IR
with the `Builder`, so a derivative's IR can itself be differentiated.

A rule returns ``None`` for a symbolic zero: no code is emitted for it.

Conventions at non-differentiable points: ``abs'(0) = 0``; every derivative of
``hypot`` at 0 is 0 (`over_norm`); ties of ``min``/``max``
split the derivative 0.5/0.5; ``sqrt'(0) = inf`` (derivative-only divisions by zero
give IEEE inf/nan instead of raising). Domain errors are the user's code's own: the
primal operations are emitted as written, so ``math.sqrt(-1)`` raises ``ValueError``.
Powers have one rule for numbers and arrays (`pow_dx`, `pow_dy`): exact limits at a
zero base to every order, and nan (not an error) for the exponent's derivative at a
negative base.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from symdiff.ir.node import Builder, Node


@dataclass(frozen=True)
class Quotient:
    """A partial derivative ``num / den``: applied to a (co)tangent t it gives ``t*num/den``.

    ``safe`` marks divisions the derivative introduces where the primal may have
    ``den == 0`` without raising (``sqrt'(0)``); those follow IEEE (inf, nan).
    """

    num: Node | float
    den: Node
    safe: bool = False


Partial = Node | Quotient | None
Emit = Callable[[list[ast.expr], tuple[Any, ...]], Any]
PartialsRule = Callable[..., tuple[Partial, ...]]
JvpRule = Callable[[Builder, Node, tuple[Node | None, ...]], Node | None]
VjpRule = Callable[[Builder, Node, Node], tuple[Node | None, ...]]


@dataclass(frozen=True)
class Primitive:
    """Everything symdiff knows about one operation."""

    name: str
    arity: int | None
    impl: Callable[..., Any] | None
    emit: Emit
    partials: PartialsRule | None = None
    jvp_rule: JvpRule | None = None
    vjp_rule: VjpRule | None = None
    sympy: Callable[..., Any] | None = None
    differentiable: bool = True
    commutative: bool = False
    # The emitted expression mentions an argument twice, so arguments must be names.
    atomic_args: bool = False
    # Whether evaluating it can raise (ValueError, ZeroDivisionError, OverflowError):
    # such operations of the user's code run in every derivative, needed or not.
    may_raise: bool = True
    # Updates its first argument (a list) in place: `emit` gives a statement, and the
    # result is the same object. The first argument is never used after it.
    inplace: bool = False
    # How it is emitted when an argument is an array, where `emit` would not do
    # (``math.sin`` -> ``np.sin``); None: `emit` works for arrays too, or (with
    # `scalar_only`) the operation has no array form.
    emit_array: Emit | None = None
    scalar_only: bool = False
    # The result's `ir.types` type from the arguments' types and the attributes;
    # None: elementwise (the arguments broadcast).
    type_rule: Callable[[list[Any], tuple[Any, ...]], Any] | None = None

    def jvp(self, b: Builder, node: Node, tangents: tuple[Node | None, ...]) -> Node | None:
        """Tangent of `node` given its arguments' tangents (None = zero)."""
        if not self.differentiable or all(t is None for t in tangents):
            return None
        if self.jvp_rule is not None:
            return self.jvp_rule(b, node, tangents)
        total: Node | None = None
        for partial, t in zip(self._partials(b, node), tangents, strict=True):
            if t is not None and partial is not None:
                total = accumulate(b, total, apply_partial(b, partial, t))
        return total

    def vjp(self, b: Builder, node: Node, cotangent: Node) -> tuple[Node | None, ...]:
        """Cotangent contribution to each argument of `node` (None = zero)."""
        if not self.differentiable:
            return (None,) * len(node.args)
        if self.vjp_rule is not None:
            return self.vjp_rule(b, node, cotangent)
        return tuple(
            None if p is None else apply_partial(b, p, cotangent) for p in self._partials(b, node)
        )

    def _partials(self, b: Builder, node: Node) -> tuple[Partial, ...]:
        if self.partials is None:
            raise NotImplementedError(f"primitive {self.name!r} has no partials rule")
        return self.partials(b, node, *node.args)


def apply_partial(b: Builder, partial: Quotient | Node, t: Node) -> Node:
    """``t * partial``, written as a division when the partial is a quotient."""
    if isinstance(partial, Quotient):
        scaled = b.mul(t, partial.num)
        return b.safe_div(scaled, partial.den) if partial.safe else b.div(scaled, partial.den)
    return b.mul(t, partial)


def accumulate(b: Builder, total: Node | None, term: Node | None) -> Node | None:
    """Sum of two possibly-zero (None) terms."""
    if total is None:
        return term
    if term is None:
        return total
    return b.add(total, term)


PRIMITIVES: dict[str, Primitive] = {}

# Operations that never raise on numbers (overflow gives inf, not an exception).
NEVER_RAISE = frozenset({
    "add", "sub", "mul", "neg", "abs", "fabs", "float", "sign", "copysign", "max", "min",
    "select", "gt", "ge", "lt", "le", "eq", "ne", "safe_div", "and_", "or_", "not_", "atan",
    "atan2", "tanh", "erf", "erfc", "degrees", "radians",
})


def register(prim: Primitive) -> Primitive:
    if prim.name in PRIMITIVES:
        raise ValueError(f"primitive {prim.name!r} registered twice")
    if prim.name in NEVER_RAISE:
        prim = replace(prim, may_raise=False)
    PRIMITIVES[prim.name] = prim
    return prim


# Emitters ---------------------------------------------------------------------------------


def binop(op: ast.operator) -> Emit:
    return lambda args, attrs: ast.BinOp(args[0], op, args[1])


def compare(op: ast.cmpop) -> Emit:
    return lambda args, attrs: ast.Compare(args[0], [op], [args[1]])


def _boolop(op: ast.boolop) -> Emit:
    return lambda args, attrs: ast.BoolOp(op, list(args))


def math_attr(name: str) -> ast.expr:
    return ast.Attribute(ast.Name("math", ast.Load()), name, ast.Load())


def math_call(name: str) -> Emit:
    return lambda args, attrs: ast.Call(math_attr(name), list(args), [])


def np_call(name: str) -> Emit:
    return lambda args, attrs: ast.Call(
        ast.Attribute(ast.Name("np", ast.Load()), name, ast.Load()), list(args), [])


def builtin_call(name: str) -> Emit:
    return lambda args, attrs: ast.Call(ast.Name(name, ast.Load()), list(args), [])


def _emit_neg(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    return ast.UnaryOp(ast.USub(), args[0])


def _emit_select(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    return ast.IfExp(args[0], args[1], args[2])


def _emit_safe_div(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    # x / y if y else x * math.copysign(math.inf, y): IEEE division without ZeroDivisionError.
    x, y = args
    inf = ast.Call(math_attr("copysign"), [math_attr("inf"), y], [])
    return ast.IfExp(y, ast.BinOp(x, ast.Div(), y), ast.BinOp(x, ast.Mult(), inf))


def _emit_sign(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    one = ast.Call(math_attr("copysign"), [ast.Constant(1.0), args[0]], [])
    return ast.IfExp(args[0], one, ast.Constant(0.0))


# Python implementations of the helper primitives the rules introduce ------------------------


def safe_div(x: float, y: float) -> float:
    """x / y, giving IEEE inf or nan where y == 0."""
    return x / y if y else x * math.copysign(math.inf, y)


def sign(x: float) -> float:
    """-1.0, 0.0 or 1.0: the derivative of abs, with abs'(0) = 0."""
    return math.copysign(1.0, x) if x else 0.0


def select(cond: Any, x: Any, y: Any) -> Any:
    return x if cond else y


# Rules ------------------------------------------------------------------------------------


def _sum_jvp(sign_b: int) -> JvpRule:
    def rule(b: Builder, node: Node, tangents: tuple[Node | None, ...]) -> Node | None:
        ta, tb = tangents
        if tb is None:
            return ta
        if ta is None:
            return tb if sign_b > 0 else b.neg(tb)
        return b.add(ta, tb) if sign_b > 0 else b.sub(ta, tb)

    return rule


def _select_jvp(b: Builder, node: Node, tangents: tuple[Node | None, ...]) -> Node | None:
    _, tx, ty = tangents
    return b.select(node.args[0], b.lift(0.0) if tx is None else tx, 0.0 if ty is None else ty)


def _select_vjp(b: Builder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    cond = node.args[0]
    return (None, b.select(cond, ct, 0.0), b.select(cond, 0.0, ct))


def pow_dx(b: Builder, x: Node, y: Node) -> Partial:
    """d/dx x**y = y * x**(y-1), with its one-sided limits at x == 0 (0 for y == 0 or
    y > 1, 1 for y == 1, inf for 0 < y < 1), for numbers and arrays.

    A run-time exponent gives ``scaled_pow(y, x, y - 1)``, which is 0 wherever its
    factor is, even where the power is infinite (``x**0``'s derivative at 0), and whose
    derivative in x is again a `scaled_pow`: so every order is exact at 0 too, as the
    derivatives of the polynomial x**k are."""
    if y.is_const and not isinstance(y.value, bool):
        if y.value == 0:
            return None  # x**0 is 1 everywhere: a symbolic zero
        if y.value < 1:
            # a negative exponent: kept a division, so that x == 0 gives inf
            return Quotient(y, b.pow(x, b.sub(1, y)), safe=True)
        return b.mul(y, b.pow(x, b.sub(y, 1)))
    return b.apply("scaled_pow", y, x, b.sub(y, 1))


def pow_dy(b: Builder, out: Node, x: Node) -> Node:
    """d/dy x**y = x**y * log(x); 0 at x == 0 (0**y is constant for y > 0), and nan for
    x < 0, where x**y is real only at whole y (a derivative-only domain error)."""
    positive = b.apply("gt", x, 0.0)
    base = b.select(positive, x, b.select(b.apply("eq", x, 0.0), 1.0, math.nan))
    return b.mul(out, b.log(base))


def _zero_safe_term(b: Builder, t: Node, partial: Node) -> Node:
    """``t * partial``, and 0 where t is 0 even where the partial is nan or inf (the
    zero tangent of an int exponent in jvp, at x < 0)."""
    if t.is_const and t.value != 0:
        return b.mul(t, partial)
    return b.select(b.apply("eq", t, 0.0), 0.0, b.mul(t, partial))


def _pow_jvp(b: Builder, node: Node, tangents: tuple[Node | None, ...]) -> Node | None:
    x, y = node.args
    tx, ty = tangents
    dx = None if tx is None else pow_dx(b, x, y)
    total = None if dx is None else apply_partial(b, dx, tx)  # type: ignore[arg-type]
    if ty is not None:
        total = accumulate(b, total, _zero_safe_term(b, ty, pow_dy(b, node, x)))
    return total


def _pow_vjp(b: Builder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    x, y = node.args
    dx = pow_dx(b, x, y)
    return (None if dx is None else apply_partial(b, dx, ct),
            None if y.is_const else b.mul(ct, pow_dy(b, node, x)))


def _scaled_pow_partials(b: Builder, node: Node) -> tuple[Node, Node, Node]:
    # d/dc c * x**e = x**e; d/dx = (c * e) * x**(e-1); d/de = c * x**e * log(x)
    c, x, e = node.args
    return (b.apply("safe_pow", x, e), b.apply("scaled_pow", b.mul(c, e), x, b.sub(e, 1)),
            pow_dy(b, node, x))


def _scaled_pow_jvp(b: Builder, node: Node, tangents: tuple[Node | None, ...]
                    ) -> Node | None:
    tc, tx, te = tangents
    dc, dx, de = _scaled_pow_partials(b, node)
    total = None if tx is None else b.mul(tx, dx)
    for t, partial in ((tc, dc), (te, de)):
        if t is not None:
            total = accumulate(b, total, _zero_safe_term(b, t, partial))
    return total


def _scaled_pow_vjp(b: Builder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    return tuple(b.mul(ct, p) for p in _scaled_pow_partials(b, node))


def safe_pow(x: float, y: float) -> float:
    """x ** y, giving inf instead of ZeroDivisionError at 0 ** negative."""
    return x ** y if x or not y < 0 else math.inf


def scaled_pow(c: float, x: float, e: float) -> float:
    """c * x ** e, and 0 wherever c is 0 (even where x ** e is inf)."""
    return c * safe_pow(x, e) if c else 0.0


def _emit_safe_pow(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    # x ** e if x or not e < 0 else math.inf (for a constant e, only what it needs)
    x, e = args
    power = ast.BinOp(x, ast.Pow(), e)
    if isinstance(e, ast.Constant):
        if not e.value < 0:
            return power
        test: ast.expr = x
    else:
        test = ast.BoolOp(ast.Or(), [x, ast.UnaryOp(ast.Not(), ast.Compare(
            e, [ast.Lt()], [ast.Constant(0)]))])
    return ast.IfExp(test, power, math_attr("inf"))


def _emit_scaled_pow(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    # c * safe_pow(x, e) if c else 0.0
    c = args[0]
    scaled = ast.BinOp(c, ast.Mult(), _emit_safe_pow(args[1:], attrs))
    return ast.IfExp(c, scaled, ast.Constant(0.0))


def _emit_scaled_pow_array(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    # np.where(c == 0, 0.0, c * x ** e)
    c, x, e = args
    scaled = ast.BinOp(c, ast.Mult(), ast.BinOp(x, ast.Pow(), e))
    is_zero = ast.Compare(c, [ast.Eq()], [ast.Constant(0)])
    return np_call("where")([is_zero, ast.Constant(0.0), scaled], attrs)


def over_norm(b: Builder, value: Node, norm: Node) -> Node:
    """``value / norm``, and 0 where the norm is 0: a norm's derivative ``x / norm`` is
    then 0 there (the convention of ``abs'(0) = 0``), and so are all its derivatives, as
    ``abs''(0)`` is. Never divides by zero, for numbers or arrays."""
    at_zero = b.apply("eq", norm, 0.0)
    return b.select(at_zero, 0.0, b.div(value, b.select(at_zero, 1.0, norm)))


def _max_partials(b: Builder, out: Node, x: Node, y: Node) -> tuple[Partial, ...]:
    return _tie_split(b, b.apply("gt", x, y), b.apply("eq", x, y))


def _min_partials(b: Builder, out: Node, x: Node, y: Node) -> tuple[Partial, ...]:
    return _tie_split(b, b.apply("lt", x, y), b.apply("eq", x, y))


def _tie_split(b: Builder, wins: Node, tie: Node) -> tuple[Partial, ...]:
    # The first argument's share is 1 when it wins, 0.5 on a tie, 0 otherwise.
    first = b.select(wins, 1.0, b.select(tie, 0.5, 0.0))
    second = b.select(wins, 0.0, b.select(tie, 0.5, 1.0))
    return first, second


def _one_minus_square(b: Builder, x: Node) -> Node:
    return b.sub(1.0, b.square(x))


def _sp_truth(sp: Any, x: Any) -> Any:
    """Python's truth value of `x` as a SymPy condition.

    A ``Piecewise`` (what ``and`` / ``or`` / ``x if c else y`` translate to) is true where
    the piece that applies is: the same choice over its pieces' truth values, as an
    ``ITE`` chain (``Ne(false, 0)`` would be true).
    """
    if isinstance(x, sp.Piecewise):
        result = sp.false
        for value, condition in reversed(x.args):
            result = sp.ITE(condition, _sp_truth(sp, value), result)
        return result
    # (A Symbol is a sympy Boolean too, so test for the boolean kinds themselves.)
    boolean = (sp.logic.boolalg.BooleanAtom, sp.logic.boolalg.BooleanFunction, sp.Rel)
    return x if isinstance(x, boolean) else sp.Ne(x, 0)


def _sp(name: str) -> Callable[..., Any]:
    return lambda sp, *args: getattr(sp, name)(*args)


_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _register_all() -> None:
    linear_add = _sum_jvp(+1)
    register(Primitive(
        "add", 2, operator.add, binop(ast.Add()), jvp_rule=linear_add,
        vjp_rule=lambda b, n, ct: (ct, ct), sympy=lambda sp, x, y: x + y, commutative=True))
    register(Primitive(
        "sub", 2, operator.sub, binop(ast.Sub()), jvp_rule=_sum_jvp(-1),
        vjp_rule=lambda b, n, ct: (ct, b.neg(ct)), sympy=lambda sp, x, y: x - y))
    register(Primitive(
        "mul", 2, operator.mul, binop(ast.Mult()), lambda b, out, x, y: (y, x),
        sympy=lambda sp, x, y: x * y, commutative=True))
    register(Primitive(
        "div", 2, operator.truediv, binop(ast.Div()),
        lambda b, out, x, y: (Quotient(1.0, y), Quotient(b.neg(out), y)),
        sympy=lambda sp, x, y: x / y))
    register(Primitive(
        "safe_div", 2, safe_div, _emit_safe_div,
        lambda b, out, x, y: (Quotient(1.0, y, True), Quotient(b.neg(out), y, True)),
        sympy=lambda sp, x, y: x / y, atomic_args=True, emit_array=binop(ast.Div())))
    register(Primitive(
        "floordiv", 2, operator.floordiv, binop(ast.FloorDiv()), differentiable=False,
        sympy=lambda sp, x, y: sp.floor(x / y)))
    register(Primitive(
        "mod", 2, operator.mod, binop(ast.Mod()),
        lambda b, out, x, y: (b.lift(1.0), b.neg(b.apply("floordiv", x, y))),
        sympy=lambda sp, x, y: sp.Mod(x, y)))
    # Powers share one rule (`pow_dx`, `pow_dy`). The derivatives' own powers are IEEE
    # at 0 ** negative (NumPy's ** already is): `safe_pow`, and `scaled_pow` (c * x**e,
    # 0 wherever c is), the derivative in x of a power with a run-time exponent.
    for name, impl, emit, emit_array in (
        ("pow", operator.pow, binop(ast.Pow()), None),
        ("mpow", math.pow, math_call("pow"), np_call("power")),
        ("safe_pow", safe_pow, _emit_safe_pow, binop(ast.Pow())),
    ):
        register(Primitive(
            name, 2, impl, emit, jvp_rule=_pow_jvp, vjp_rule=_pow_vjp,
            sympy=lambda sp, x, y: x**y, emit_array=emit_array,
            atomic_args=name == "safe_pow"))
    register(Primitive(
        "scaled_pow", 3, scaled_pow, _emit_scaled_pow, jvp_rule=_scaled_pow_jvp,
        vjp_rule=_scaled_pow_vjp, sympy=lambda sp, c, x, e: c * x**e,
        emit_array=_emit_scaled_pow_array, atomic_args=True))
    register(Primitive(
        "neg", 1, operator.neg, _emit_neg, jvp_rule=lambda b, n, ts: b.neg(ts[0]),
        vjp_rule=lambda b, n, ct: (b.neg(ct),), sympy=lambda sp, x: -x))
    register(Primitive(
        # The tangent of a Python float is one too (of a NumPy scalar's float(), say).
        "float", 1, float, builtin_call("float"), jvp_rule=lambda b, n, ts: b.apply(
            "float", ts[0]),
        vjp_rule=lambda b, n, ct: (ct,), sympy=lambda sp, x: x, scalar_only=True))
    register(Primitive(
        "abs", 1, abs, builtin_call("abs"), lambda b, out, x: (b.sign(x),), sympy=_sp("Abs")))
    register(Primitive(
        "fabs", 1, math.fabs, math_call("fabs"), lambda b, out, x: (b.sign(x),),
        sympy=_sp("Abs"), emit_array=np_call("fabs")))
    register(Primitive(
        "sign", 1, sign, _emit_sign, differentiable=False, sympy=_sp("sign"), atomic_args=True,
        emit_array=np_call("sign")))
    register(Primitive(
        "copysign", 2, math.copysign, math_call("copysign"),
        lambda b, out, x, y: (b.mul(b.sign(x), b.copysign(1.0, y)), None),
        sympy=lambda sp, x, y: sp.Abs(x) * sp.sign(y), emit_array=np_call("copysign")))
    register(Primitive(
        "max", 2, max, builtin_call("max"), _max_partials, sympy=_sp("Max"),
        emit_array=np_call("maximum")))
    register(Primitive(
        "min", 2, min, builtin_call("min"), _min_partials, sympy=_sp("Min"),
        emit_array=np_call("minimum")))
    register(Primitive(
        "select", 3, select, _emit_select, jvp_rule=_select_jvp, vjp_rule=_select_vjp,
        sympy=lambda sp, c, x, y: sp.Piecewise((x, _sp_truth(sp, c)), (y, True)),
        emit_array=np_call("where")))
    # Python's and/or: the value of one operand, chosen by the truth of the first.
    register(Primitive(
        "and_", 2, lambda x, y: x and y, _boolop(ast.And()),
        lambda b, out, x, y: (b.select(x, 0.0, 1.0), b.select(x, 1.0, 0.0)),
        sympy=lambda sp, x, y: sp.Piecewise((y, _sp_truth(sp, x)), (x, True)),
        scalar_only=True))
    register(Primitive(
        "or_", 2, lambda x, y: x or y, _boolop(ast.Or()),
        lambda b, out, x, y: (b.select(x, 1.0, 0.0), b.select(x, 0.0, 1.0)),
        sympy=lambda sp, x, y: sp.Piecewise((x, _sp_truth(sp, x)), (y, True)),
        scalar_only=True))
    register(Primitive(
        "not_", 1, operator.not_, lambda args, attrs: ast.UnaryOp(ast.Not(), args[0]),
        differentiable=False, sympy=lambda sp, x: sp.Not(_sp_truth(sp, x)), scalar_only=True))
    for name, op, fn, sp_name in (
        ("gt", ast.Gt(), operator.gt, "Gt"), ("ge", ast.GtE(), operator.ge, "Ge"),
        ("lt", ast.Lt(), operator.lt, "Lt"), ("le", ast.LtE(), operator.le, "Le"),
        ("eq", ast.Eq(), operator.eq, "Eq"), ("ne", ast.NotEq(), operator.ne, "Ne"),
    ):
        register(Primitive(name, 2, fn, compare(op), differentiable=False, sympy=_sp(sp_name)))

    unary: dict[str, PartialsRule] = {
        "sin": lambda b, out, x: (b.cos(x),),
        "cos": lambda b, out, x: (b.neg(b.sin(x)),),
        "tan": lambda b, out, x: (b.add(1.0, b.square(out)),),
        "asin": lambda b, out, x: (Quotient(1.0, b.sqrt(_one_minus_square(b, x)), True),),
        "acos": lambda b, out, x: (Quotient(-1.0, b.sqrt(_one_minus_square(b, x)), True),),
        "atan": lambda b, out, x: (Quotient(1.0, b.add(1.0, b.square(x))),),
        "sinh": lambda b, out, x: (b.cosh(x),),
        "cosh": lambda b, out, x: (b.sinh(x),),
        "tanh": lambda b, out, x: (_one_minus_square(b, out),),
        "asinh": lambda b, out, x: (Quotient(1.0, b.sqrt(b.add(b.square(x), 1.0))),),
        "acosh": lambda b, out, x: (Quotient(1.0, b.sqrt(b.sub(b.square(x), 1.0)), True),),
        "atanh": lambda b, out, x: (Quotient(1.0, _one_minus_square(b, x)),),
        "exp": lambda b, out, x: (out,),
        "expm1": lambda b, out, x: (b.add(out, 1.0),),
        "log": lambda b, out, x: (Quotient(1.0, x),),
        "log1p": lambda b, out, x: (Quotient(1.0, b.add(1.0, x)),),
        "log2": lambda b, out, x: (Quotient(1.0, b.mul(x, _LN2)),),
        "log10": lambda b, out, x: (Quotient(1.0, b.mul(x, _LN10)),),
        "sqrt": lambda b, out, x: (Quotient(0.5, out, True),),
        "erf": lambda b, out, x: (b.mul(_TWO_OVER_SQRT_PI, b.exp(b.neg(b.square(x)))),),
        "erfc": lambda b, out, x: (b.mul(-_TWO_OVER_SQRT_PI, b.exp(b.neg(b.square(x)))),),
        "degrees": lambda b, out, x: (b.lift(180.0 / math.pi),),
        "radians": lambda b, out, x: (b.lift(math.pi / 180.0),),
    }
    sympy_names = {"degrees": None, "radians": None, "expm1": None, "log1p": None,
                   "log2": None, "log10": None}
    for name, partials in unary.items():
        sp_fn = _sp(name) if name not in sympy_names else _SYMPY_SPECIAL[name]
        register(Primitive(
            name, 1, getattr(math, name), math_call(name), partials, sympy=sp_fn,
            emit_array=None if name in NO_NUMPY else np_call(NUMPY_NAMES.get(name, name)),
            scalar_only=name in NO_NUMPY))

    register(Primitive(
        "logb", 2, math.log, math_call("log"),
        lambda b, out, x, base: (
            Quotient(1.0, b.mul(x, b.log(base))),
            Quotient(b.neg(out), b.mul(base, b.log(base))),
        ),
        sympy=lambda sp, x, base: sp.log(x) / sp.log(base),
        emit_array=lambda args, attrs: ast.BinOp(np_call("log")(args[:1], attrs), ast.Div(),
                                                 np_call("log")(args[1:], attrs))))
    register(Primitive(
        "atan2", 2, math.atan2, math_call("atan2"),
        lambda b, out, y, x: (
            Quotient(x, b.add(b.square(x), b.square(y)), True),
            Quotient(b.neg(y), b.add(b.square(x), b.square(y)), True),
        ),
        sympy=_sp("atan2"), emit_array=np_call("arctan2")))
    register(Primitive(
        "hypot", 2, math.hypot, math_call("hypot"),
        lambda b, out, x, y: (over_norm(b, x, out), over_norm(b, y, out)),
        sympy=lambda sp, x, y: sp.sqrt(x**2 + y**2), emit_array=np_call("hypot")))


# NumPy's names for the math functions, where they differ; and those it lacks.
NUMPY_NAMES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arcsinh",
               "acosh": "arccosh", "atanh": "arctanh"}
NO_NUMPY = frozenset({"erf", "erfc"})

_SYMPY_SPECIAL: dict[str, Callable[..., Any]] = {
    "degrees": lambda sp, x: x * 180 / sp.pi,
    "radians": lambda sp, x: x * sp.pi / 180,
    "expm1": lambda sp, x: sp.exp(x) - 1,
    "log1p": lambda sp, x: sp.log(1 + x),
    "log2": lambda sp, x: sp.log(x, 2),
    "log10": lambda sp, x: sp.log(x, 10),
}

_register_all()

# Sequence (list) and array operations register into the same table.
from symdiff.ir import arrays, batching, indexing, linalg, sequences, shapes  # noqa: E402, F401
