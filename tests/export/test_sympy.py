"""`export.sympy.to_sympy`: Programs as SymPy expressions.

Contract tested here: parameters become real symbols unless overridden, globals become
symbols named by their dotted path, constants become the matching SymPy numbers and
booleans, the result structure is mirrored, each node is translated once, deep graphs
do not recurse, importing the module does not import SymPy, and ``cond`` regions become
``Piecewise`` expressions (one per output, picked by ``proj``) whose branches are
translated with their parameters bound to the operands. (Each primitive's
translation is checked against its `impl` in tests/ir/test_primitives.py.)
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from symdiff.export.sympy import to_sympy
from symdiff.ir.builder import Builder
from symdiff.ir.node import Node, Program
from symdiff.ir.primitives import PRIMITIVES
from symdiff.ir.regions import cond

sp = pytest.importorskip("sympy")


def test_importing_the_module_does_not_import_sympy() -> None:
    code = "import sys, symdiff.export.sympy\nassert 'sympy' not in sys.modules\n"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_params_become_real_symbols() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    expr = to_sympy(Program("f", (x, y), b.add(b.mul(x, y), b.sin(x)), b))
    X, Y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    assert expr == X * Y + sp.sin(X)
    assert all(s.is_real for s in expr.free_symbols)
    # real=True makes Abs differentiable to sign(x)
    abs_expr = to_sympy(Program("g", (x,), b.abs(x), b))
    assert sp.diff(abs_expr, X) == sp.sign(X)


def test_symbols_override_params_and_globals() -> None:
    b = Builder()
    x = b.param("x")
    g = b.global_(("config", "scale"))
    program = Program("f", (x,), b.mul(b.sqrt(x), g), b)
    t = sp.Symbol("t", positive=True)
    assert to_sympy(program, {"x": t**2}) == t * sp.Symbol("config.scale", real=True)
    assert to_sympy(program, {"x": 4, "config.scale": 3}) == 6


def test_globals_are_symbols_named_by_dotted_path() -> None:
    b = Builder()
    x = b.param("x")
    program = Program("f", (x,), b.add(x, b.global_(("np", "pi"))), b)
    expr = to_sympy(program)
    assert sp.Symbol("np.pi", real=True) in expr.free_symbols


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, sp.true),
        (False, sp.false),
        (3, sp.Integer(3)),
        (-7, sp.Integer(-7)),
        (2**80, sp.Integer(2**80)),
        (math.inf, sp.oo),
        (-math.inf, -sp.oo),
        (math.nan, sp.nan),
    ],
)
def test_special_constants(value: Any, expected: Any) -> None:
    b = Builder()
    assert to_sympy(Program("f", (), b.const(value), b)) == expected


@pytest.mark.parametrize(
    "value", [0.1, -2.5, 1 / 3, 1e-300, math.pi, 5e-324, 1.7976931348623157e308])
def test_float_constants_are_exact(value: float) -> None:
    b = Builder()
    expr = to_sympy(Program("f", (), b.const(value), b))
    assert isinstance(expr, sp.Float)
    assert float(expr) == value


def test_result_structure_is_mirrored() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    program = Program("f", (x, y), (b.exp(x), (y, (b.const(1), b.neg(y))), ()), b)
    expr = to_sympy(program)
    X, Y = sp.symbols("x y", real=True)
    assert expr == (sp.exp(X), (Y, (sp.Integer(1), -Y)), ())


def _count_sin_translations(replace_primitive: Callable[[Any], None]) -> list[Any]:
    """Make sin's SymPy translation record each call; the list of its arguments."""
    calls: list[Any] = []
    sin = PRIMITIVES["sin"]

    def counting(module: Any, arg: Any) -> Any:
        calls.append(arg)
        return module.sin(arg)

    replace_primitive(dataclasses.replace(sin, sympy=counting))
    return calls


def test_each_node_is_translated_once(replace_primitive: Callable[[Any], None]) -> None:
    calls = _count_sin_translations(replace_primitive)
    b = Builder()
    x = b.param("x")
    s = b.sin(x)
    program = Program("f", (x,), (b.mul(s, s), b.add(s, 1.0), s), b)
    to_sympy(program)
    assert len(calls) == 1


def test_missing_translation_is_reported(replace_primitive: Callable[[Any], None]) -> None:
    replace_primitive(dataclasses.replace(PRIMITIVES["erf"], sympy=None))
    b = Builder()
    x = b.param("x")
    with pytest.raises(NotImplementedError, match="erf"):
        to_sympy(Program("f", (x,), b.erf(x), b))


def test_deep_chain_does_not_recurse() -> None:
    b = Builder()
    x = b.param("x")
    node = x
    for _ in range(5000):
        node = b.add(b.mul(node, 0.5), x)
    expr = to_sympy(Program("f", (x,), node, b))
    value = float(expr.subs(sp.Symbol("x", real=True), 1.0))
    assert value == pytest.approx(2.0)


def test_select_and_comparisons_translate_to_piecewise() -> None:
    b = Builder()
    x = b.param("x")
    program = Program("f", (x,), b.select(b.apply("gt", x, 0.0), b.square(x), b.neg(x)), b)
    expr = to_sympy(program)
    X = sp.Symbol("x", real=True)
    assert expr.subs(X, 3) == 9
    assert expr.subs(X, -3) == 3
    assert sp.diff(expr, X).subs(X, 3) == 6


# Conditionals: cond regions become Piecewise ----------------------------------------------

X, Y = sp.symbols("x y", real=True)


def _branch(build: Any, n_params: int, hint: str = "a") -> Program:
    """A closed branch program: `build(builder, *args)` gives its result tuple."""
    bb = Builder()
    params = tuple(bb.arg(f"{hint}{i}") for i in range(n_params))
    return Program("branch", params, tuple(build(bb, *params)), bb)


def test_cond_becomes_piecewise_with_branches_bound_to_operands() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    then = _branch(lambda bb, a, c: (bb.mul(a, c),), 2)
    orelse = _branch(lambda bb, a, c: (bb.sub(c, bb.sin(a)),), 2)
    (out,) = cond(b, b.apply("gt", x, y), (x, y), then, orelse)
    expr = to_sympy(Program("f", (x, y), out, b))
    assert expr == sp.Piecewise((X * Y, X > Y), (Y - sp.sin(X), True))
    assert expr.subs({X: 3, Y: 2}) == 6
    assert expr.subs({X: 0, Y: 2}) == 2


def test_proj_picks_each_output_of_a_region() -> None:
    b = Builder()
    x = b.param("x")
    then = _branch(lambda bb, a: (bb.exp(a), bb.square(a), bb.const(1.0)), 1)
    orelse = _branch(lambda bb, a: (bb.neg(a), a, bb.const(2.0)), 1)
    first, second, third = cond(b, b.apply("lt", x, 0.0), (x,), then, orelse)
    expr = to_sympy(Program("f", (x,), (third, (first, second)), b))
    c = X < 0
    assert expr[0] == sp.Piecewise((sp.Float(1.0), c), (sp.Float(2.0), True))
    assert expr[1] == (sp.Piecewise((sp.exp(X), c), (-X, True)),
                       sp.Piecewise((X**2, c), (X, True)))


def test_numeric_predicate_means_nonzero_like_python() -> None:
    b = Builder()
    x = b.param("x")
    then = _branch(lambda bb, a: (bb.mul(a, 2.0),), 1)
    orelse = _branch(lambda bb, a: (a,), 1)
    (out,) = cond(b, b.sub(x, 1.0), (x,), then, orelse)
    expr = to_sympy(Program("f", (x,), out, b))
    assert expr == sp.Piecewise((2.0 * X, sp.Ne(X - 1.0, 0)), (X, True))
    assert float(expr.subs(X, 1)) == 1.0  # x - 1 == 0 is false in Python: the else branch
    assert float(expr.subs(X, 3)) == 6.0


def test_comparison_predicate_is_used_as_is() -> None:
    b = Builder()
    x = b.param("x")
    then = _branch(lambda bb, a: (bb.square(a),), 1)
    orelse = _branch(lambda bb, a: (bb.const(0.0),), 1)
    (out,) = cond(b, b.apply("le", x, 1.0), (x,), then, orelse)
    expr = to_sympy(Program("f", (x,), out, b))
    assert expr.args[0].cond == (X <= 1.0)


@pytest.mark.parametrize(
    ("op", "truth"),
    [
        ("and_", lambda v: 0.0 < v and v < 1.0),
        ("or_", lambda v: v < 0.0 or v > 1.0),
    ],
)
def test_and_or_predicate_has_python_truth(op: str, truth: Any) -> None:
    # and_/or_ translate to a Piecewise of booleans: its truth is the chosen piece's.
    b = Builder()
    x = b.param("x")
    tests = (b.apply("gt", x, 0.0), b.apply("lt", x, 1.0)) if op == "and_" else (
        b.apply("lt", x, 0.0), b.apply("gt", x, 1.0))
    then = _branch(lambda bb, a: (bb.square(a),), 1)
    orelse = _branch(lambda bb, a: (bb.const(-1.0),), 1)
    (out,) = cond(b, b.apply(op, *tests), (x,), then, orelse)
    expr = to_sympy(Program("f", (x,), out, b))
    for v in (-1.0, 0.0, 0.5, 1.0, 2.0):
        assert float(expr.subs(X, v)) == (v * v if truth(v) else -1.0), v


def test_and_with_a_number_on_the_right_has_python_truth() -> None:
    # `x > 0 and y`: true where x > 0 and y != 0; Python's value would be y or False.
    b = Builder()
    x, y = b.param("x"), b.param("y")
    then = _branch(lambda bb, a: (bb.const(1.0),), 1)
    orelse = _branch(lambda bb, a: (bb.const(0.0),), 1)
    (out,) = cond(b, b.apply("and_", b.apply("gt", x, 0.0), y), (x,), then, orelse)
    expr = to_sympy(Program("f", (x, y), out, b))
    for xv, yv in ((1.0, 2.0), (1.0, 0.0), (-1.0, 2.0), (-1.0, 0.0)):
        want = 1.0 if (xv > 0 and yv) else 0.0
        assert float(expr.subs({X: xv, Y: yv})) == want, (xv, yv)


@pytest.mark.parametrize("op", ["select", "not_"])
def test_select_and_not_of_and_condition(op: str) -> None:
    b = Builder()
    x = b.param("x")
    both = b.apply("and_", b.apply("gt", x, 0.0), b.apply("lt", x, 1.0))
    node = b.select(both, b.square(x), 0.0) if op == "select" else b.apply("not_", both)
    expr = to_sympy(Program("f", (x,), node, b))
    at_two = expr.subs(X, 2)
    # Python: 2 > 0 and 2 < 1 is False, so the select gives 0.0 and not_ gives True.
    assert (float(at_two) == 0.0) if op == "select" else bool(at_two) is True


def test_nested_regions_nest_piecewise() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")

    def outer_then(bb: Builder, a: Node, c: Node) -> tuple[Node, ...]:
        inner_then = _branch(lambda ib, p: (ib.log(p),), 1, "p")
        inner_else = _branch(lambda ib, p: (ib.neg(p),), 1, "p")
        return cond(bb, bb.apply("gt", c, 0.0), (c,), inner_then, inner_else)

    then = _branch(outer_then, 2)
    orelse = _branch(lambda bb, a, c: (bb.add(a, c),), 2)
    (out,) = cond(b, b.apply("gt", x, 0.0), (x, y), then, orelse)
    expr = to_sympy(Program("f", (x, y), out, b))
    inner = sp.Piecewise((sp.log(Y), Y > 0), (-Y, True))
    assert expr == sp.Piecewise((inner, X > 0), (X + Y, True))
    assert expr.subs({X: 1, Y: -5}) == 5
    assert expr.subs({X: -1, Y: -5}) == -6
    assert sp.diff(expr, Y).subs({X: 1, Y: 4}) == sp.Rational(1, 4)


def test_constant_operands_are_folded_into_the_branches() -> None:
    b = Builder()
    x = b.param("x")
    then = _branch(lambda bb, a, k: (bb.mul(a, k),), 2)
    orelse = _branch(lambda bb, a, k: (bb.add(a, k),), 2)
    (out,) = cond(b, b.apply("ge", x, 0.0), (x, b.const(3)), then, orelse)
    expr = to_sympy(Program("f", (x,), out, b))
    assert expr == sp.Piecewise((3 * X, X >= 0.0), (X + 3, True))


def test_globals_inside_branches_are_symbols_and_can_be_overridden() -> None:
    b = Builder()
    x = b.param("x")
    then = _branch(lambda bb, a: (bb.mul(a, bb.global_(("cfg", "k"))),), 1)
    orelse = _branch(lambda bb, a: (a,), 1)
    (out,) = cond(b, b.apply("gt", x, 0.0), (x,), then, orelse)
    program = Program("f", (x,), out, b)
    k = sp.Symbol("cfg.k", real=True)
    assert to_sympy(program) == sp.Piecewise((X * k, X > 0), (X, True))
    assert to_sympy(program, {"cfg.k": 5, "x": 2}) == 10
    assert to_sympy(program, {"x": -2}) == -2


def test_untaken_branch_outside_its_domain_does_not_matter() -> None:
    b = Builder()
    x = b.param("x")
    then = _branch(lambda bb, a: (bb.log(a),), 1)
    orelse = _branch(lambda bb, a: (bb.neg(a),), 1)
    (out,) = cond(b, b.apply("gt", x, 0.0), (x,), then, orelse)
    expr = to_sympy(Program("f", (x,), out, b), {"x": sp.Integer(-1)})
    assert expr == 1


def test_branch_reading_an_undeclared_arg_is_an_error() -> None:
    b = Builder()
    x = b.param("x")
    bb = Builder()
    a, stray = bb.arg("a"), bb.arg("stray")
    then = Program("branch", (a,), (bb.add(a, stray),), bb)
    orelse = _branch(lambda ob, p: (p,), 1)
    (out,) = cond(b, b.apply("gt", x, 0.0), (x,), then, orelse)
    with pytest.raises(ValueError, match="stray"):
        to_sympy(Program("f", (x,), out, b))


def test_each_branch_node_is_translated_once(replace_primitive: Callable[[Any], None]) -> None:
    calls = _count_sin_translations(replace_primitive)
    b = Builder()
    x = b.param("x")
    then = _branch(lambda bb, a: (bb.sin(a), bb.mul(bb.sin(a), bb.sin(a))), 1)
    orelse = _branch(lambda bb, a: (a, a), 1)
    outs = cond(b, b.apply("gt", x, 0.0), (x,), then, orelse)
    to_sympy(Program("f", (x,), (outs[0], outs[1], b.add(outs[0], outs[1])), b))
    assert len(calls) == 1


def test_non_primitive_operation_is_reported() -> None:
    b = Builder()
    x = b.param("x")
    odd = b.structural("mystery_region", (x,), ())
    with pytest.raises(NotImplementedError, match="mystery_region"):
        to_sympy(Program("f", (x,), odd, b))


# End to end: lowered user functions with conditionals --------------------------------------


def piecewise_user(x, y):
    if x > y:
        z = x * y
        if z > 1:
            return z + math.sin(x)
        return math.exp(z) - y
    elif x < -1:
        return (x if y > 0 else -x) * y
    return y - x


def guard_user(x):
    if x <= 0:
        return -x
    y = math.log(x)
    return y * y


def short_circuit_user(x, y):
    if x > 0 and math.log(x) > y:
        return x * y
    return x + y if x < y or y > 2 else x - y


@pytest.mark.parametrize(
    ("fn", "points"),
    [
        (piecewise_user, [(2.0, 1.0), (0.9, 0.5), (-2.0, 3.0), (-2.0, -1.0), (-0.5, 3.0)]),
        (guard_user, [(-2.0,), (0.0,), (3.0,)]),
        (short_circuit_user, [(5.0, 1.0), (0.5, 1.0), (-1.0, 3.0), (-1.0, -3.0), (2.0, 3.0)]),
    ],
)
def test_lowered_conditionals_match_python_and_symdiff_grad(
    fn: Any, points: list[tuple[float, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from symdiff import grad
    from symdiff.frontend.lower import lower

    monkeypatch.setenv("SYMDIFF_CACHE", "0")
    expr = to_sympy(lower(fn))
    syms = [sp.Symbol(n, real=True) for n in ("x", "y")[: len(points[0])]]
    # lambdify prints Piecewise as `a if c else b`: only the chosen piece is evaluated,
    # where subs would evaluate log(-1) > y in the untaken one (and raise).
    value = sp.lambdify(syms, expr, modules="math")
    derivatives = sp.lambdify(syms, [sp.diff(expr, s) for s in syms], modules="math")
    for point in points:
        assert value(*point) == pytest.approx(fn(*point), rel=1e-12, abs=1e-14)
        want = grad(fn, argnums=tuple(range(len(point))))(*point)
        got = [float(d) for d in derivatives(*point)]
        assert got == pytest.approx(list(want), rel=1e-12, abs=1e-14)


def test_derivative_programs_with_regions_translate() -> None:
    from symdiff.frontend.lower import lower
    from symdiff.transforms.programs import finish, jvp_program, vjp_program

    value, tangent = to_sympy(finish(jvp_program(lower(guard_user))))
    (cotangent,) = to_sympy(finish(vjp_program(lower(guard_user))))
    x_dot, out_bar = sp.Symbol("x_dot", real=True), sp.Symbol("out_bar", real=True)
    for point, slope in ((-2.0, -1.0), (math.e, 2.0 / math.e)):
        subs = {X: point, x_dot: 1.0, out_bar: 1.0}
        assert float(value.subs(subs)) == pytest.approx(guard_user(point))
        assert float(tangent.subs(subs)) == pytest.approx(slope)
        assert float(cotangent.subs(subs)) == pytest.approx(slope)


def test_or_of_and_predicate_has_python_truth() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    both = b.apply("and_", b.apply("gt", x, 0.0), b.apply("gt", y, 0.0))
    pred = b.apply("or_", both, b.apply("lt", x, -2.0))
    then = _branch(lambda bb, a: (bb.const(1.0),), 1)
    orelse = _branch(lambda bb, a: (bb.const(0.0),), 1)
    (out,) = cond(b, pred, (x,), then, orelse)
    expr = to_sympy(Program("f", (x, y), out, b))
    # Python: (-3 > 0 and 1 > 0) or -3 < -2 is True.
    assert float(expr.subs({X: -3.0, Y: 1.0})) == 1.0
