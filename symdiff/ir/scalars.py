"""The scalar primitives: arithmetic, comparisons, Python's ``and``/``or``/``not``, the
``math`` functions and the helpers derivative rules introduce (``safe_div``, ``sign``,
``select``, ``safe_pow``, ``scaled_pow``). On arrays, each works elementwise
(`Primitive.emit_array`: ``math.sin`` -> ``np.sin``).

Conventions at non-differentiable points: ``abs'(0) = 0``; every derivative of
``hypot`` at 0 is 0 (`over_norm`); ties of ``min``/``max``
split the derivative 0.5/0.5; ``sqrt'(0) = inf`` (derivative-only divisions by zero
give IEEE inf/nan instead of raising); the derivative of ``x % y`` and ``fmod(x, y)`` in
y is ``-floor(x / y)`` and ``-trunc(x / y)``. Domain errors are the user's code's own:
the primal operations are emitted as written, so ``math.sqrt(-1)`` raises
``ValueError``; a NumPy name of one of these on numbers is emitted as the Python
operation or ``math`` function (``np.divide(x, y)`` as ``x / y``, ``np.float_power`` as
``math.pow``), which raises where NumPy would warn. NumPy's functions that ``math``
lacks are `ir.ufuncs`.
Powers have one rule for numbers and arrays (`pow_dx`, `pow_dy`): exact limits at a
zero base to every order, and nan (not an error) for the exponent's derivative at a
negative base.

`RECORDS` is this module's part of the table (`ir.primitives`), one record per
operation; `unary` writes the record of a one-argument ``math`` function. `PYTHON` and
`NUMPY` are the lowering's inverse lookups, read off these records and `ufuncs`'.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from symdiff.ir import ufuncs
from symdiff.ir.digamma import digamma
from symdiff.ir.node import Node, NodeBuilder
from symdiff.ir.primitive import (
    Choice,
    Emit,
    JvpRule,
    Partial,
    PartialsRule,
    Primitive,
    Quotient,
    accumulate,
    apply_partial,
    binop,
    builtin_call,
    chosen,
    compare,
    math_attr,
    math_call,
    np_call,
    one_tangent,
    tie_split,
)
from symdiff.ir.types import ArrayType, broadcast

# Emitters ---------------------------------------------------------------------------------


def _boolop(op: ast.boolop) -> Emit:
    return lambda args, attrs: ast.BoolOp(op, list(args))


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
    def rule(b: NodeBuilder, node: Node, tangents: tuple[Node | None, ...]) -> Node | None:
        ta, tb = tangents
        if tb is None:
            return ta
        if ta is None:
            return tb if sign_b > 0 else chosen(b, tb, b.neg)
        return b.add(ta, tb) if sign_b > 0 else b.sub(ta, tb)

    return rule


def _select_jvp(b: NodeBuilder, node: Node, tangents: tuple[Node | None, ...]) -> Node | None:
    _, tx, ty = tangents
    return b.select(node.args[0], b.lift(0.0) if tx is None else tx, 0.0 if ty is None else ty)


def _select_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    cond = node.args[0]
    return (None, b.select(cond, ct, 0.0), b.select(cond, 0.0, ct))


def pow_dx(b: NodeBuilder, x: Node, y: Node) -> Partial:
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


def pow_dy(b: NodeBuilder, out: Node, x: Node) -> Node:
    """d/dy x**y = x**y * log(x); 0 at x == 0 (0**y is constant for y > 0), and nan for
    x < 0, where x**y is real only at whole y (a derivative-only domain error)."""
    positive = b.apply("gt", x, 0.0)
    base = b.select(positive, x, b.select(b.apply("eq", x, 0.0), 1.0, math.nan))
    return b.mul(out, b.log(base))


def _zero_safe_term(b: NodeBuilder, t: Node, partial: Node) -> Node:
    """``t * partial``, and 0 where t is 0 even where the partial is nan or inf (the
    zero tangent of an int exponent in jvp, at x < 0)."""
    if t.is_const and t.value != 0:
        return b.mul(t, partial)
    return b.select(b.apply("eq", t, 0.0), 0.0, b.mul(t, partial))


def _pow_jvp(b: NodeBuilder, node: Node, tangents: tuple[Node | None, ...]) -> Node | None:
    x, y = node.args
    tx, ty = tangents
    dx = None if tx is None else pow_dx(b, x, y)
    total = None if dx is None else apply_partial(b, dx, tx)  # type: ignore[arg-type]
    if ty is not None:
        total = accumulate(b, total, _zero_safe_term(b, ty, pow_dy(b, node, x)))
    return total


def _pow_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
    x, y = node.args
    dx = pow_dx(b, x, y)
    return (None if dx is None else apply_partial(b, dx, ct),
            None if y.is_const else b.mul(ct, pow_dy(b, node, x)))


def _scaled_pow_partials(b: NodeBuilder, node: Node) -> tuple[Node, Node, Node]:
    # d/dc c * x**e = x**e; d/dx = (c * e) * x**(e-1); d/de = c * x**e * log(x)
    c, x, e = node.args
    return (b.apply("safe_pow", x, e), b.apply("scaled_pow", b.mul(c, e), x, b.sub(e, 1)),
            pow_dy(b, node, x))


def _scaled_pow_jvp(b: NodeBuilder, node: Node, tangents: tuple[Node | None, ...]
                    ) -> Node | None:
    tc, tx, te = tangents
    dc, dx, de = _scaled_pow_partials(b, node)
    total = None if tx is None else b.mul(tx, dx)
    for t, partial in ((tc, dc), (te, de)):
        if t is not None:
            total = accumulate(b, total, _zero_safe_term(b, t, partial))
    return total


def _scaled_pow_vjp(b: NodeBuilder, node: Node, ct: Node) -> tuple[Node | None, ...]:
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
    if isinstance(e, ast.Constant) and isinstance(e.value, (int, float)):
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


def over_norm(b: NodeBuilder, value: Node, norm: Node) -> Node:
    """``value / norm``, and 0 where the norm is 0: a norm's derivative ``x / norm`` is
    then 0 there (the convention of ``abs'(0) = 0``), and so are all its derivatives, as
    ``abs''(0)`` is. Never divides by zero, for numbers or arrays."""
    at_zero = b.apply("eq", norm, 0.0)
    return b.select(at_zero, 0.0, b.div(value, b.select(at_zero, 1.0, norm)))


def _max_partials(b: NodeBuilder, out: Node, x: Node, y: Node) -> tuple[Partial, ...]:
    return tie_split(b, b.apply("gt", x, y), b.apply("ge", x, y), b.apply("eq", x, y))


def _min_partials(b: NodeBuilder, out: Node, x: Node, y: Node) -> tuple[Partial, ...]:
    return tie_split(b, b.apply("lt", x, y), b.apply("le", x, y), b.apply("eq", x, y))


def _sign_partial(b: NodeBuilder, x: Node) -> Choice:
    """abs'(x): the sign of x, and 0 at 0 (`Choice`). ``math.copysign(1.0, x)`` on a
    number, ``np.sign(x)`` on an array (nan at nan)."""
    sign = b.sign(x) if x.type is not None else b.copysign(1.0, x)
    return Choice(b.apply("ne", x, 0.0), sign)


def _copysign_partials(b: NodeBuilder, out: Node, x: Node, y: Node) -> tuple[Partial, ...]:
    # copysign(x, y) = |x| * sign(y): abs' times y's sign.
    at_x = _sign_partial(b, x)
    assert at_x.factor is not None  # (the sign)
    return Choice(at_x.cond, b.mul(at_x.factor, b.copysign(1.0, y))), None


def _fmod_partials(b: NodeBuilder, out: Node, x: Node, y: Node) -> tuple[Partial, ...]:
    # fmod(x, y) = x - trunc(x / y) * y
    return b.lift(1.0), b.neg(b.apply("trunc", b.div(x, y)))


def _float64(types: list[Any], attrs: tuple[Any, ...]) -> Any:
    """The type of an elementwise result computed in float64 (``np.float_power``)."""
    result = broadcast(*types)
    return None if result is None else ArrayType("float64", result.dims)


def _number_may_raise(node: Node) -> bool:
    """On numbers it is ``math``'s, which raises; NumPy's on arrays only warns."""
    return node.type is None


def _sp_trunc(sp: Any, x: Any) -> Any:
    return sp.sign(x) * sp.floor(sp.Abs(x))


def _emit_reciprocal(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    return ast.BinOp(ast.Constant(1.0), ast.Div(), args[0])


def _emit_pos(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    return ast.UnaryOp(ast.UAdd(), args[0])


def _one_minus_square(b: NodeBuilder, x: Node) -> Node:
    return b.sub(1.0, b.square(x))


def sp_truth(sp: Any, x: Any) -> Any:
    """Python's truth value of `x` as a SymPy condition.

    A ``Piecewise`` (what ``and`` / ``or`` / ``x if c else y`` translate to) is true where
    the piece that applies is: the same choice over its pieces' truth values, as an
    ``ITE`` chain (``Ne(false, 0)`` would be true).
    """
    if isinstance(x, sp.Piecewise):
        result = sp.false
        for value, condition in reversed(x.args):
            result = sp.ITE(condition, sp_truth(sp, value), result)
        return result
    # (A Symbol is a sympy Boolean too, so test for the boolean kinds themselves.)
    boolean = (sp.logic.boolalg.BooleanAtom, sp.logic.boolalg.BooleanFunction, sp.Rel)
    return x if isinstance(x, boolean) else sp.Ne(x, 0)


def _sp(name: str) -> Callable[..., Any]:
    return lambda sp, *args: getattr(sp, name)(*args)


_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)



def _divisor_may_be_zero(node: Node) -> bool:
    """Only a zero divisor raises; a nonzero constant one never does."""
    divisor = node.args[1]
    return not (divisor.is_const and divisor.value != 0)


def unary(
    name: str, partial: PartialsRule, *, numpy: str | None = "",
    sympy: Callable[..., Any] | None = None, cost: str = "transcendental",
    aliases: tuple[str, ...] = (), record: str | None = None, **facts: Any,
) -> Primitive:
    """The record of ``math.<name>``, a function of one number: emitted ``math.<name>(x)``,
    and ``np.<numpy>(x)`` on an array (`numpy` is NumPy's name where it differs, None
    where NumPy has none); a call of either, or of ``np.<alias>``, lowers to it. Its SymPy
    form is SymPy's function of the same name unless `sympy` says otherwise; the record
    is named `record` where `name` is another's (``scipy.special.gamma``); `facts`, the
    rest."""
    numpy = name if numpy == "" else numpy
    fn = getattr(math, name)
    return Primitive(
        record or name, 1, fn, math_call(name), partial,
        sympy=sympy if sympy is not None else _sp(name),
        emit_array=None if numpy is None else np_call(numpy), scalar_only=numpy is None,
        python=(fn,), numpy=() if numpy is None else (numpy, *aliases), cost=cost, **facts)


def _power(name: str, impl: Callable[..., Any], emit: Emit, emit_array: Emit | None,
           **facts: Any) -> Primitive:
    # Powers share one rule (`pow_dx`, `pow_dy`). The derivatives' own powers are IEEE
    # at 0 ** negative (NumPy's ** already is): `safe_pow`, and `scaled_pow` (c * x**e,
    # 0 wherever c is), the derivative in x of a power with a run-time exponent.
    return Primitive(
        name, 2, impl, emit, jvp_rule=_pow_jvp, vjp_rule=_pow_vjp,
        sympy=lambda sp, x, y: x**y, emit_array=emit_array, **facts)


def _comparison(name: str, op: ast.cmpop, fn: Callable[..., Any], sp_name: str) -> Primitive:
    return Primitive(name, 2, fn, compare(op), differentiable=False, sympy=_sp(sp_name),
                     may_raise=False, cost="comparison")


ADD = Primitive(
    "add", 2, operator.add, binop(ast.Add()), jvp_rule=_sum_jvp(+1),
    vjp_rule=lambda b, n, ct: (ct, ct), sympy=lambda sp, x, y: x + y, commutative=True,
    may_raise=False, numpy=("add",), keeps_int=True, cost="arithmetic", numpy_operator=True)

SUB = Primitive(
    "sub", 2, operator.sub, binop(ast.Sub()), jvp_rule=_sum_jvp(-1),
    vjp_rule=lambda b, n, ct: (ct, chosen(b, ct, b.neg)), sympy=lambda sp, x, y: x - y,
    may_raise=False, numpy=("subtract",), keeps_int=True, cost="arithmetic",
    numpy_operator=True)

MUL = Primitive(
    "mul", 2, operator.mul, binop(ast.Mult()), lambda b, out, x, y: (y, x),
    sympy=lambda sp, x, y: x * y, commutative=True, may_raise=False, numpy=("multiply",),
    keeps_int=True, cost="arithmetic", numpy_operator=True)

DIV = Primitive(
    "div", 2, operator.truediv, binop(ast.Div()),
    lambda b, out, x, y: (Quotient(1.0, y), Quotient(b.neg(out), y)),
    sympy=lambda sp, x, y: x / y, may_raise=_divisor_may_be_zero,
    numpy=("divide", "true_divide"), cost="arithmetic", numpy_operator=True)

SAFE_DIV = Primitive(
    "safe_div", 2, safe_div, _emit_safe_div,
    lambda b, out, x, y: (Quotient(1.0, y, True), Quotient(b.neg(out), y, True)),
    sympy=lambda sp, x, y: x / y, atomic_args=True, emit_array=binop(ast.Div()),
    may_raise=False, cost="arithmetic")

FLOORDIV = Primitive(
    "floordiv", 2, operator.floordiv, binop(ast.FloorDiv()), differentiable=False,
    sympy=lambda sp, x, y: sp.floor(x / y), may_raise=_divisor_may_be_zero,
    numpy=("floor_divide",), keeps_int=True, cost="arithmetic", numpy_operator=True)

MOD = Primitive(
    "mod", 2, operator.mod, binop(ast.Mod()),
    lambda b, out, x, y: (b.lift(1.0), b.neg(b.apply("floordiv", x, y))),
    sympy=lambda sp, x, y: sp.Mod(x, y), may_raise=_divisor_may_be_zero,
    numpy=("mod", "remainder"), keeps_int=True, cost="arithmetic", numpy_operator=True)

POW = _power("pow", operator.pow, binop(ast.Pow()), None, python=(pow,), numpy=("power",),
       call_arity=(2, 2), cost="transcendental", numpy_operator=True)

MPOW = _power("mpow", math.pow, math_call("pow"), np_call("power"), python=(math.pow,),
       call_arity=(2, 2), cost="arithmetic")

SAFE_POW = _power("safe_pow", safe_pow, _emit_safe_pow, binop(ast.Pow()), atomic_args=True,
       cost="transcendental")

SCALED_POW = Primitive(
    "scaled_pow", 3, scaled_pow, _emit_scaled_pow, jvp_rule=_scaled_pow_jvp,
    vjp_rule=_scaled_pow_vjp, sympy=lambda sp, c, x, e: c * x**e,
    emit_array=_emit_scaled_pow_array, atomic_args=True, cost="transcendental")

NEG = Primitive(
    "neg", 1, operator.neg, _emit_neg, jvp_rule=lambda b, n, ts: chosen(b, one_tangent(ts), b.neg),
    vjp_rule=lambda b, n, ct: (chosen(b, ct, b.neg),), sympy=lambda sp, x: -x,
    may_raise=False,
    numpy=("negative",), keeps_int=True, cost="arithmetic", numpy_operator=True)

FLOAT = Primitive(
    # The tangent of a Python float is one too (of a NumPy scalar's float(), say).
    "float", 1, float, builtin_call("float"), jvp_rule=lambda b, n, ts: b.apply(
        "float", one_tangent(ts)),
    vjp_rule=lambda b, n, ct: (ct,), sympy=lambda sp, x: x, scalar_only=True,
    may_raise=False, python=(float,), cost="arithmetic")

ABS = Primitive(
    "abs", 1, abs, builtin_call("abs"), lambda b, out, x: (_sign_partial(b, x),),
    sympy=_sp("Abs"),
    may_raise=False, python=(abs,), numpy=("abs", "absolute"), keeps_int=True,
    cost="arithmetic")

FABS = Primitive(
    "fabs", 1, math.fabs, math_call("fabs"), lambda b, out, x: (_sign_partial(b, x),),
    sympy=_sp("Abs"), emit_array=np_call("fabs"), may_raise=False, python=(math.fabs,),
    numpy=("fabs",), cost="arithmetic")

SIGN = Primitive(
    "sign", 1, sign, _emit_sign, differentiable=False, sympy=_sp("sign"), atomic_args=True,
    emit_array=np_call("sign"), may_raise=False, numpy=("sign",), cost="arithmetic")

COPYSIGN = Primitive(
    "copysign", 2, math.copysign, math_call("copysign"), _copysign_partials,
    sympy=lambda sp, x, y: sp.Abs(x) * sp.sign(y), emit_array=np_call("copysign"),
    may_raise=False, python=(math.copysign,), numpy=("copysign",), cost="arithmetic")

MAX = Primitive(
    "max", 2, max, builtin_call("max"), _max_partials, sympy=_sp("Max"),
    emit_array=np_call("maximum"), may_raise=False, python=(max,), numpy=("maximum",),
    call_arity=(2, None), keeps_int=True, cost="arithmetic")

MIN = Primitive(
    "min", 2, min, builtin_call("min"), _min_partials, sympy=_sp("Min"),
    emit_array=np_call("minimum"), may_raise=False, python=(min,), numpy=("minimum",),
    call_arity=(2, None), keeps_int=True, cost="arithmetic")

SELECT = Primitive(
    "select", 3, select, _emit_select, jvp_rule=_select_jvp, vjp_rule=_select_vjp,
    sympy=lambda sp, c, x, y: sp.Piecewise((x, sp_truth(sp, c)), (y, True)),
    emit_array=np_call("where"), may_raise=False, selects=True, cost="comparison")

# Python's and/or: the value of one operand, chosen by the truth of the first.
AND = Primitive(
    "and_", 2, lambda x, y: x and y, _boolop(ast.And()),
    lambda b, out, x, y: (Choice(x, taken=False), Choice(x)),
    sympy=lambda sp, x, y: sp.Piecewise((y, sp_truth(sp, x)), (x, True)),
    scalar_only=True, may_raise=False, cost="comparison")

OR = Primitive(
    "or_", 2, lambda x, y: x or y, _boolop(ast.Or()),
    lambda b, out, x, y: (Choice(x), Choice(x, taken=False)),
    sympy=lambda sp, x, y: sp.Piecewise((x, sp_truth(sp, x)), (y, True)),
    scalar_only=True, may_raise=False, cost="comparison")

NOT = Primitive(
    "not_", 1, operator.not_, lambda args, attrs: ast.UnaryOp(ast.Not(), args[0]),
    differentiable=False, sympy=lambda sp, x: sp.Not(sp_truth(sp, x)), scalar_only=True,
    may_raise=False, cost="comparison")

GT = _comparison("gt", ast.Gt(), operator.gt, "Gt")

GE = _comparison("ge", ast.GtE(), operator.ge, "Ge")

LT = _comparison("lt", ast.Lt(), operator.lt, "Lt")

LE = _comparison("le", ast.LtE(), operator.le, "Le")

EQ = _comparison("eq", ast.Eq(), operator.eq, "Eq")

NE = _comparison("ne", ast.NotEq(), operator.ne, "Ne")

SIN = unary("sin", lambda b, out, x: (b.cos(x),))

COS = unary("cos", lambda b, out, x: (b.neg(b.sin(x)),))

TAN = unary("tan", lambda b, out, x: (b.add(1.0, b.square(out)),))

ASIN = unary("asin", lambda b, out, x: (Quotient(1.0, b.sqrt(_one_minus_square(b, x)), True),),
      numpy="arcsin")

ACOS = unary("acos", lambda b, out, x: (Quotient(-1.0, b.sqrt(_one_minus_square(b, x)), True),),
      numpy="arccos")

ATAN = unary("atan", lambda b, out, x: (Quotient(1.0, b.add(1.0, b.square(x))),),
      numpy="arctan", may_raise=False)

SINH = unary("sinh", lambda b, out, x: (b.cosh(x),))

COSH = unary("cosh", lambda b, out, x: (b.sinh(x),))

TANH = unary("tanh", lambda b, out, x: (_one_minus_square(b, out),), may_raise=False)

ASINH = unary("asinh", lambda b, out, x: (Quotient(1.0, b.sqrt(b.add(b.square(x), 1.0))),),
      numpy="arcsinh")

ACOSH = unary("acosh", lambda b, out, x: (Quotient(1.0, b.sqrt(b.sub(b.square(x), 1.0)), True),),
      numpy="arccosh")

ATANH = unary("atanh", lambda b, out, x: (Quotient(1.0, _one_minus_square(b, x)),),
      numpy="arctanh")

EXP = unary("exp", lambda b, out, x: (out,))

EXPM1 = unary("expm1", lambda b, out, x: (b.add(out, 1.0),), sympy=lambda sp, x: sp.exp(x) - 1)

LOG = unary("log", lambda b, out, x: (Quotient(1.0, x),), call_arity=(1, 2), with_two="logb")

LOG1P = unary("log1p", lambda b, out, x: (Quotient(1.0, b.add(1.0, x)),),
      sympy=lambda sp, x: sp.log(1 + x))

LOG2 = unary("log2", lambda b, out, x: (Quotient(1.0, b.mul(x, _LN2)),),
      sympy=lambda sp, x: sp.log(x, 2))

LOG10 = unary("log10", lambda b, out, x: (Quotient(1.0, b.mul(x, _LN10)),),
      sympy=lambda sp, x: sp.log(x, 10))

SQRT = unary("sqrt", lambda b, out, x: (Quotient(0.5, out, True),))

ERF = unary("erf", lambda b, out, x: (b.mul(_TWO_OVER_SQRT_PI, b.exp(b.neg(b.square(x)))),),
      numpy=None, may_raise=False)

ERFC = unary("erfc", lambda b, out, x: (b.mul(-_TWO_OVER_SQRT_PI, b.exp(b.neg(b.square(x)))),),
      numpy=None, may_raise=False)

# log|Gamma(x)| and Gamma(x) of a number (NumPy has neither); psi = Gamma'/Gamma is
# built from the table's operations (`ir.digamma`), so, unlike scipy.special's gammaln
# and gamma records (`ir.special`), the code needs no SciPy.
LGAMMA = unary("lgamma", lambda b, out, x: (digamma(b, x),), numpy=None,
               sympy=lambda sp, x: sp.loggamma(x))

GAMMA = unary("gamma", lambda b, out, x: (b.mul(out, digamma(b, x)),), numpy=None,
              record="math_gamma")

DEGREES = unary("degrees", lambda b, out, x: (b.lift(180.0 / math.pi),),
      sympy=lambda sp, x: x * 180 / sp.pi, may_raise=False, cost="arithmetic",
      aliases=("rad2deg",))

RADIANS = unary("radians", lambda b, out, x: (b.lift(math.pi / 180.0),),
      sympy=lambda sp, x: x * sp.pi / 180, may_raise=False, cost="arithmetic",
      aliases=("deg2rad",))

LOGB = Primitive(
    "logb", 2, math.log, math_call("log"),
    lambda b, out, x, base: (
        Quotient(1.0, b.mul(x, b.log(base))),
        Quotient(b.neg(out), b.mul(base, b.log(base))),
    ),
    sympy=lambda sp, x, base: sp.log(x) / sp.log(base),
    emit_array=lambda args, attrs: ast.BinOp(np_call("log")(args[:1], attrs), ast.Div(),
                                             np_call("log")(args[1:], attrs)),
    cost="transcendental")

ATAN2 = Primitive(
    "atan2", 2, math.atan2, math_call("atan2"),
    lambda b, out, y, x: (
        Quotient(x, b.add(b.square(x), b.square(y)), True),
        Quotient(b.neg(y), b.add(b.square(x), b.square(y)), True),
    ),
    sympy=_sp("atan2"), emit_array=np_call("arctan2"), may_raise=False,
    python=(math.atan2,), numpy=("arctan2",), call_arity=(2, 2), cost="transcendental")

HYPOT = Primitive(
    "hypot", 2, math.hypot, math_call("hypot"),
    lambda b, out, x, y: (over_norm(b, x, out), over_norm(b, y, out)),
    sympy=lambda sp, x, y: sp.sqrt(x**2 + y**2), emit_array=np_call("hypot"),
    python=(math.hypot,), numpy=("hypot",), call_arity=(2, None), cost="transcendental")

# C's remainder, with the sign of x; math.fmod on numbers (ValueError at y == 0).
FMOD = Primitive(
    "fmod", 2, math.fmod, math_call("fmod"), _fmod_partials,
    sympy=lambda sp, x, y: x - y * _sp_trunc(sp, x / y), emit_array=np_call("fmod"),
    may_raise=True, python=(math.fmod,), numpy=("fmod",), cost="arithmetic")

# Rounding toward 0: the derivatives of fmod use it (math.trunc: an int, on numbers).
TRUNC = Primitive(
    "trunc", 1, math.trunc, math_call("trunc"), differentiable=False, sympy=_sp_trunc,
    emit_array=np_call("trunc"), may_raise=True, keeps_int=True, cost="arithmetic")

# Rounding to an integer (an int on numbers, as Python gives one: usable as a loop
# count; a float array on arrays): zero derivative, raising on inf and nan.
FLOOR = Primitive(
    "floor", 1, math.floor, math_call("floor"), differentiable=False,
    sympy=lambda sp, x: sp.floor(x), emit_array=np_call("floor"), may_raise=True,
    python=(math.floor,), numpy=("floor",), makes_int=True, cost="arithmetic")

CEIL = Primitive(
    "ceil", 1, math.ceil, math_call("ceil"), differentiable=False,
    sympy=lambda sp, x: sp.ceiling(x), emit_array=np_call("ceil"), may_raise=True,
    python=(math.ceil,), numpy=("ceil",), makes_int=True, cost="arithmetic")

def _sp_round(sp: Any, x: Any) -> Any:
    """Round half to even: the nearest integer, or of a tie the even one."""
    r = sp.floor(x + sp.Rational(1, 2))
    return sp.Piecewise((r - 1, sp.And(sp.Eq(x + sp.Rational(1, 2), r), sp.Eq(sp.Mod(r, 2), 1))),
                        (r, True))


# Python's round(x): halves to even, as np.round does.
ROUND = Primitive(
    "round", 1, round, builtin_call("round"), differentiable=False, sympy=_sp_round,
    emit_array=np_call("round"), may_raise=True, python=(round,), numpy=("round",),
    makes_int=True, cost="arithmetic")

# int(x): toward zero, as math.trunc.
INT = Primitive(
    "int", 1, int, builtin_call("int"), differentiable=False, sympy=_sp_trunc,
    scalar_only=True, may_raise=True, python=(int,), makes_int=True, cost="arithmetic")

RECIPROCAL = Primitive(
    "reciprocal", 1, lambda x: 1.0 / x, _emit_reciprocal,
    lambda b, out, x: (b.neg(b.square(out)),), sympy=lambda sp, x: 1 / x,
    emit_array=np_call("reciprocal"), may_raise=True, numpy=("reciprocal",),
    cost="arithmetic", numpy_operator=True)

POS = Primitive(
    "pos", 1, operator.pos, _emit_pos, jvp_rule=lambda b, n, ts: ts[0],
    vjp_rule=lambda b, n, ct: (ct,), sympy=lambda sp, x: x, may_raise=False,
    numpy=("positive",), keeps_int=True, cost="arithmetic", numpy_operator=True)

# x ** y in float64 (math.pow on numbers, which raises where NumPy gives nan or inf).
FLOAT_POWER = _power("float_power", math.pow, math_call("pow"), np_call("float_power"),
       type_rule=_float64, may_raise=_number_may_raise, numpy=("float_power",),
       cost="transcendental")


RECORDS: tuple[Primitive, ...] = (
    ADD, SUB, MUL, DIV, SAFE_DIV, FLOORDIV, MOD, POW, MPOW, SAFE_POW, SCALED_POW, NEG, FLOAT, ABS,
    FABS, SIGN, COPYSIGN, MAX, MIN, SELECT, AND, OR, NOT, GT, GE, LT, LE, EQ, NE, SIN, COS, TAN,
    ASIN, ACOS, ATAN, SINH, COSH, TANH, ASINH, ACOSH, ATANH, EXP, EXPM1, LOG, LOG1P, LOG2, LOG10,
    SQRT, ERF, ERFC, LGAMMA, GAMMA, DEGREES, RADIANS, LOGB, ATAN2, HYPOT, FMOD, TRUNC,
    RECIPROCAL, POS, FLOAT_POWER, FLOOR, CEIL, ROUND, INT,
)

# The inverse lookups of the lowering: a Python callable (``math.sin``, ``abs``) and a
# NumPy function's name (``"arcsin"``) to the primitive a call of it is. Every callable
# that is a primitive is elementwise, so one of these or of `ufuncs` (`ir.primitives`
# checks).
ELEMENTWISE: tuple[Primitive, ...] = RECORDS + ufuncs.RECORDS
PYTHON: Mapping[Callable[..., Any], str] = MappingProxyType({
    fn: prim.name for prim in ELEMENTWISE for fn in prim.python})
NUMPY: Mapping[str, str] = MappingProxyType({
    name: prim.name for prim in ELEMENTWISE for name in prim.numpy})
