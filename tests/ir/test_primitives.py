"""Every primitive, checked against its own `impl`.

Contract tested here: for each entry of `PRIMITIVES` there is a spec (input domain and
the arguments it is differentiable in), and on random in-domain points (fixed seeds)

- the JVP and the VJP built by `transforms.ad` and run by the reference interpreter
  agree with central finite differences of `impl` (Richardson-extrapolated);
- the two modes are adjoint: ``<u, vjp(v)> == <v, jvp(u)>``;
- the rules compose: the JVP of the VJP program agrees with finite differences of the
  VJP program (second derivatives);
- the SymPy translation agrees with `impl`, and ``sympy.diff`` of it with the VJP;
- emitted code (`codegen.emit.emit_module`) agrees with `impl` and the interpreter;
- the documented conventions at non-differentiable points hold, and the builder's
  constant folding and interning behave as documented.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from symdiff.codegen.emit import emit_module
from symdiff.export.sympy import to_sympy
from symdiff.ir import (
    arrays,
    batching,
    calls,
    checks,
    convolution,
    indexing,
    linalg,
    matrices,
    order,
    predicates,
    rearrange,
    sequences,
    shapes,
    sorting,
    special,
    spectral,
    structure,
    sylvester,
)
from symdiff.ir.builder import Builder
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import Node, Program
from symdiff.ir.primitives import PRIMITIVES
from symdiff.transforms.ad import jvp, vjp

Sample = tuple[Any, ...]
Sampler = Callable[[random.Random], Sample]
Draw = Callable[[random.Random], Any]

# The array primitives, tested apart from the scalar ones (tests/ir/test_arrays.py and
# its neighbours).
# (convolutions and Sylvester solves are tested against NumPy and SciPy in
# tests/frontend/test_convolution.py and test_scipy_sylvester.py)
ARRAY_AREAS = (arrays.RECORDS, batching.RECORDS, convolution.RECORDS, indexing.RECORDS,
               linalg.RECORDS, matrices.RECORDS, order.RECORDS, predicates.RECORDS,
               rearrange.RECORDS, shapes.RECORDS, sorting.RECORDS, spectral.RECORDS,
               structure.RECORDS, sylvester.RECORDS)

POINTS = 5  # random points per primitive and check
RTOL = 1e-6
ATOL = 1e-9


# The spec table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """How to test one primitive."""

    sample: Sampler  # draws one in-domain argument tuple
    diff: tuple[int, ...]  # arguments the primitive is differentiable in (empty: none)
    sympy_diff: bool = True  # whether sympy.diff can differentiate the translation


def uniform(lo: float, hi: float) -> Draw:
    return lambda r: r.uniform(lo, hi)


def away(gap: float, hi: float) -> Draw:
    """A value with gap <= |v| <= hi and a random sign (avoids a kink or pole at 0)."""
    return lambda r: r.choice((-1.0, 1.0)) * r.uniform(gap, hi)


def flag(r: random.Random) -> bool:
    return r.random() < 0.5


def args(*draws: Draw) -> Sampler:
    return lambda r: tuple(d(r) for d in draws)


def distinct_pair(r: random.Random) -> Sample:
    """Two values at least 0.1 apart, in random order (max/min away from ties)."""
    x = r.uniform(-3.0, 3.0)
    return x, x + r.choice((-1.0, 1.0)) * r.uniform(0.1, 2.0)


def maybe_tied_pair(r: random.Random) -> Sample:
    x = r.uniform(-3.0, 3.0)
    return (x, x) if r.random() < 0.3 else (x, r.uniform(-3.0, 3.0))


def quotient_pair(r: random.Random) -> Sample:
    """(x, y) with x / y at least 0.2 away from an integer (floordiv/mod are continuous)."""
    y = away(0.5, 2.0)(r)
    q = r.randint(-3, 3) + r.uniform(0.2, 0.8)
    return q * y, y


def polar(r: random.Random) -> Sample:
    """A point at radius >= 0.5, away from the negative x axis (atan2's branch cut)."""
    radius, angle = r.uniform(0.5, 2.0), r.uniform(-math.pi + 0.3, math.pi - 0.3)
    return radius * math.sin(angle), radius * math.cos(angle)


def log_base(r: random.Random) -> Sample:
    base = r.uniform(0.2, 0.7) if r.random() < 0.5 else r.uniform(1.5, 4.0)
    return r.uniform(0.1, 5.0), base


ANY = uniform(-3.0, 3.0)
BINARY = (0, 1)

SPECS: dict[str, Spec] = {
    "add": Spec(args(ANY, ANY), BINARY),
    "sub": Spec(args(ANY, ANY), BINARY),
    "mul": Spec(args(ANY, ANY), BINARY),
    "div": Spec(args(ANY, away(0.3, 3.0)), BINARY),
    "safe_div": Spec(args(ANY, away(0.3, 3.0)), BINARY),
    "floordiv": Spec(quotient_pair, ()),
    "mod": Spec(quotient_pair, BINARY, sympy_diff=False),  # sympy cannot diff Mod/floor
    "pow": Spec(args(uniform(0.2, 3.0), uniform(-2.5, 2.5)), BINARY),
    "mpow": Spec(args(uniform(0.2, 3.0), uniform(-2.5, 2.5)), BINARY),
    "safe_pow": Spec(args(uniform(0.2, 3.0), uniform(-2.5, 2.5)), BINARY),
    "scaled_pow": Spec(args(ANY, uniform(0.2, 3.0), uniform(-2.5, 2.5)), (0, 1, 2)),
    "neg": Spec(args(ANY), (0,)),
    "float": Spec(args(ANY), (0,)),
    "abs": Spec(args(away(0.1, 3.0)), (0,)),
    "fabs": Spec(args(away(0.1, 3.0)), (0,)),
    "sign": Spec(args(away(0.1, 3.0)), ()),
    "copysign": Spec(args(away(0.1, 3.0), away(0.1, 3.0)), BINARY),
    "max": Spec(distinct_pair, BINARY),
    "min": Spec(distinct_pair, BINARY),
    "select": Spec(args(flag, ANY, ANY), (1, 2)),
    # Python's and/or on numbers: the first operand away from 0, where they are smooth.
    "and_": Spec(args(away(0.1, 3.0), ANY), BINARY, sympy_diff=False),
    "or_": Spec(args(away(0.1, 3.0), ANY), BINARY, sympy_diff=False),
    "not_": Spec(args(flag), ()),
    "gt": Spec(maybe_tied_pair, ()),
    "ge": Spec(maybe_tied_pair, ()),
    "lt": Spec(maybe_tied_pair, ()),
    "le": Spec(maybe_tied_pair, ()),
    "eq": Spec(maybe_tied_pair, ()),
    "ne": Spec(maybe_tied_pair, ()),
    "sin": Spec(args(ANY), (0,)),
    "cos": Spec(args(ANY), (0,)),
    "tan": Spec(args(uniform(-1.2, 1.2)), (0,)),
    "asin": Spec(args(uniform(-0.9, 0.9)), (0,)),
    "acos": Spec(args(uniform(-0.9, 0.9)), (0,)),
    "atan": Spec(args(ANY), (0,)),
    "sinh": Spec(args(uniform(-2.0, 2.0)), (0,)),
    "cosh": Spec(args(uniform(-2.0, 2.0)), (0,)),
    "tanh": Spec(args(uniform(-2.0, 2.0)), (0,)),
    "asinh": Spec(args(ANY), (0,)),
    "acosh": Spec(args(uniform(1.1, 4.0)), (0,)),
    "atanh": Spec(args(uniform(-0.9, 0.9)), (0,)),
    "exp": Spec(args(uniform(-2.0, 2.0)), (0,)),
    "expm1": Spec(args(uniform(-2.0, 2.0)), (0,)),
    "log": Spec(args(uniform(0.1, 5.0)), (0,)),
    "log1p": Spec(args(uniform(-0.9, 3.0)), (0,)),
    "log2": Spec(args(uniform(0.1, 5.0)), (0,)),
    "log10": Spec(args(uniform(0.1, 5.0)), (0,)),
    "sqrt": Spec(args(uniform(0.1, 5.0)), (0,)),
    "erf": Spec(args(uniform(-2.0, 2.0)), (0,)),
    "erfc": Spec(args(uniform(-2.0, 2.0)), (0,)),
    "lgamma": Spec(args(uniform(0.2, 5.0)), (0,)),
    "math_gamma": Spec(args(uniform(0.2, 4.0)), (0,)),
    "degrees": Spec(args(ANY), (0,)),
    "radians": Spec(args(ANY), (0,)),
    "logb": Spec(log_base, BINARY),
    "atan2": Spec(polar, BINARY),
    "hypot": Spec(polar, BINARY),
    "logaddexp": Spec(args(ANY, ANY), BINARY),
    "exp2": Spec(args(uniform(-2.0, 2.0)), (0,)),
    "logaddexp2": Spec(args(ANY, ANY), BINARY),
    "sinc": Spec(args(ANY), (0,)),
    "cbrt": Spec(args(away(0.2, 3.0)), (0,)),
    # heaviside(x, h0) is h0 at x == 0 only: away from it, no derivative in either.
    "heaviside": Spec(args(away(0.1, 3.0), ANY), (1,)),
    "fmax": Spec(distinct_pair, BINARY),
    "fmin": Spec(distinct_pair, BINARY),
    "isnan": Spec(args(ANY), ()),
    "isfinite": Spec(args(ANY), ()),
    "isinf": Spec(args(ANY), ()),
    "fmod": Spec(quotient_pair, BINARY, sympy_diff=False),  # sympy cannot diff floor
    "trunc": Spec(args(away(0.2, 3.0)), ()),
    "floor": Spec(args(away(0.2, 3.0)), ()),
    "ceil": Spec(args(away(0.2, 3.0)), ()),
    "round": Spec(args(away(0.2, 3.0)), ()),
    "int": Spec(args(away(0.2, 3.0)), ()),
    "reciprocal": Spec(args(away(0.3, 3.0)), (0,)),
    "pos": Spec(args(ANY), (0,)),
    "float_power": Spec(args(uniform(0.2, 3.0), uniform(-2.5, 2.5)), BINARY),
}

NAMES = sorted(SPECS)
DIFFERENTIABLE = [n for n in NAMES if SPECS[n].diff]
NON_DIFFERENTIABLE = [n for n in NAMES if not SPECS[n].diff]


# Helpers ----------------------------------------------------------------------------------


def points(name: str, purpose: str) -> list[tuple[random.Random, Sample]]:
    """POINTS (rng, sample) pairs, seeded by primitive and purpose (stable across runs)."""
    out = []
    for k in range(POINTS):
        rng = random.Random(f"{name}/{purpose}/{k}")
        out.append((rng, SPECS[name].sample(rng)))
    return out


def close(a: float, b: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def same(a: Any, b: Any) -> bool:
    """Bitwise-equal results: NaN matches NaN and the sign of zero counts."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return type(a) is type(b) and a == b


def richardson(g: Callable[[float], Sequence[float]], h: float) -> list[float]:
    """d/ds g(s) at s = 0 by central differences with one Richardson step (error O(h^4))."""

    def central(step: float) -> list[float]:
        plus, minus = g(step), g(-step)
        return [(p - m) / (2 * step) for p, m in zip(plus, minus, strict=True)]

    coarse, fine = central(h), central(h / 2)
    return [(4 * f - c) / 3 for c, f in zip(coarse, fine, strict=True)]


def shifted(x: Sample, direction: dict[int, float], s: float) -> list[Any]:
    return [v + s * direction[i] if i in direction else v for i, v in enumerate(x)]


def step_for(x: Sample, direction: dict[int, float]) -> float:
    scale = max([1.0] + [abs(x[i]) for i in direction])
    return 1e-3 * scale / max(abs(d) for d in direction.values())


def fd_directional(
    f: Callable[..., Any], x: Sample, direction: dict[int, float]
) -> list[float]:
    """Derivative of f (scalar or tuple valued) at x along `direction` (arg index -> step)."""

    def g(s: float) -> list[float]:
        value = f(*shifted(x, direction, s))
        return list(value) if isinstance(value, tuple) else [value]

    return richardson(g, step_for(x, direction))


def random_direction(rng: random.Random, diff: tuple[int, ...]) -> dict[int, float]:
    return {i: rng.choice((-1.0, 1.0)) * rng.uniform(0.2, 1.0) for i in diff}


@dataclass
class Built:
    """One primitive applied to parameters ``x0, x1, ...``."""

    b: Builder
    xs: list[Node]
    out: Node


def build(name: str) -> Built:
    b = Builder()
    prim = PRIMITIVES[name]
    arity = prim.arity if prim.arity is not None else len(SPECS[name].sample(random.Random(0)))
    xs = [b.param(f"x{i}") for i in range(arity)]
    return Built(b, xs, b.apply(name, *xs))


def zero_if_none(b: Builder, node: Node | None) -> Node:
    return b.const(0.0) if node is None else node


def jvp_program(t: Built, diff: tuple[int, ...]) -> Program:
    """f(x..., t_i for i in diff) -> tangent of the output."""
    ts = [t.b.param(f"t{i}") for i in diff]
    [tangent] = jvp(t.b, [t.out], {t.xs[i]: ti for i, ti in zip(diff, ts, strict=True)})
    return Program("jvp", (*t.xs, *ts), zero_if_none(t.b, tangent), t.b)


def vjp_program(t: Built) -> Program:
    """f(x..., v) -> cotangent of every argument."""
    v = t.b.param("v")
    cts = vjp(t.b, [t.out], [v], t.xs)
    return Program("vjp", (*t.xs, v), tuple(zero_if_none(t.b, c) for c in cts), t.b)


def impl(name: str) -> Callable[..., Any]:
    return PRIMITIVES[name].impl  # type: ignore[return-value]


def run_emitted(program: Program, values: Sequence[Any]) -> Any:
    namespace: dict[str, Any] = {"math": math}
    exec(compile(emit_module(program), f"<{program.name}>", "exec"), namespace)
    return namespace[program.name](*values)


# (a) coverage -----------------------------------------------------------------------------


def test_spec_table_covers_every_primitive() -> None:
    # A custom call is tested with the rules it carries (tests/rules/test_custom.py),
    # the user's checks in tests/ir/test_checks.py, SciPy's functions against SciPy in
    # tests/rules/test_scipy_special.py.
    areas = {p.name for records in (*ARRAY_AREAS, calls.RECORDS, checks.RECORDS,
                                    special.RECORDS) for p in records}
    missing = sorted(set(PRIMITIVES) - set(SPECS) - sequences.OPS - areas)
    stale = sorted(set(SPECS) - set(PRIMITIVES))
    assert not missing, f"primitives without a test spec in SPECS: {missing}"
    assert not stale, f"specs for primitives that no longer exist: {stale}"


@pytest.mark.parametrize("name", NAMES)
def test_spec_agrees_with_differentiable_flag(name: str) -> None:
    prim = PRIMITIVES[name]
    assert bool(SPECS[name].diff) == prim.differentiable
    assert prim.impl is not None and prim.sympy is not None


@pytest.mark.parametrize("name", NAMES)
def test_samplers_stay_in_domain(name: str) -> None:
    for _, x in points(name, "domain"):
        result = impl(name)(*x)
        assert isinstance(result, (int, float))
        assert not (isinstance(result, float) and not math.isfinite(result)), (name, x)


# (b) first derivatives against finite differences -------------------------------------------


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_jvp_matches_finite_differences(name: str) -> None:
    spec = SPECS[name]
    t = build(name)
    program = jvp_program(t, spec.diff)
    for rng, x in points(name, "jvp"):
        u = random_direction(rng, spec.diff)
        got = evaluate(program, [*x, *(u[i] for i in spec.diff)])
        [want] = fd_directional(impl(name), x, u)
        assert close(got, want), f"{name} jvp at {x} along {u}: {got} != fd {want}"


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_vjp_matches_finite_differences(name: str) -> None:
    spec = SPECS[name]
    t = build(name)
    program = vjp_program(t)
    for rng, x in points(name, "vjp"):
        v = rng.uniform(-2.0, 2.0)
        got = evaluate(program, [*x, v])
        for i in range(len(x)):
            if i in spec.diff:
                [partial] = fd_directional(impl(name), x, {i: 1.0})
                assert close(got[i], v * partial), f"{name} vjp[{i}] at {x}: {got[i]}"
            else:
                assert got[i] == 0.0, f"{name}: cotangent of argument {i} should be zero"


@pytest.mark.parametrize("name", NON_DIFFERENTIABLE)
def test_non_differentiable_primitives_have_symbolic_zero_derivatives(name: str) -> None:
    t = build(name)
    before = len(t.b)
    tangents = {x: t.b.param(f"t{i}") for i, x in enumerate(t.xs)}
    assert jvp(t.b, [t.out], tangents) == [None]
    assert vjp(t.b, [t.out], [t.b.param("v")], t.xs) == [None] * len(t.xs)
    assert len(t.b) == before + len(t.xs) + 1  # only the tangent/cotangent parameters


# (c) the two modes are adjoint ----------------------------------------------------------------


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_inner_product_identity(name: str) -> None:
    spec = SPECS[name]
    t = build(name)
    forward, reverse = jvp_program(t, spec.diff), vjp_program(t)
    for rng, x in points(name, "adjoint"):
        u = random_direction(rng, spec.diff)
        v = rng.uniform(-2.0, 2.0)
        lhs = sum(u[i] * c for i, c in enumerate(evaluate(reverse, [*x, v])) if i in u)
        rhs = v * evaluate(forward, [*x, *(u[i] for i in spec.diff)])
        assert close(lhs, rhs, rtol=1e-12, atol=1e-14), f"{name} at {x}: {lhs} != {rhs}"


# (d) second derivatives: the rules compose --------------------------------------------------


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_jvp_of_vjp_matches_finite_differences_of_vjp(name: str) -> None:
    spec = SPECS[name]
    t = build(name)
    first = vjp_program(t)
    ts = [t.b.param(f"t{i}") for i in spec.diff]
    seeds = {t.xs[i]: ti for i, ti in zip(spec.diff, ts, strict=True)}
    second = jvp(t.b, list(first.result), seeds)  # type: ignore[arg-type]
    hessian_u = Program(
        "hvp", (*first.params, *ts), tuple(zero_if_none(t.b, s) for s in second), t.b)
    for rng, x in points(name, "second"):
        u = random_direction(rng, spec.diff)
        v = rng.uniform(-2.0, 2.0)
        got = evaluate(hessian_u, [*x, v, *(u[i] for i in spec.diff)])
        want = fd_directional(lambda *xs, v=v: evaluate(first, [*xs, v]), x, u)
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert close(g, w, rtol=1e-6, atol=1e-8), f"{name} d2[{i}] at {x}: {g} != fd {w}"


# (e) SymPy translation -------------------------------------------------------------------------


def sympy_setup(name: str, x: Sample) -> tuple[Any, list[Any], dict[Any, Any]]:
    """The translated expression, the parameter symbols and the substitution for `x`."""
    sp = pytest.importorskip("sympy")
    t = build(name)
    program = Program(name, tuple(t.xs), t.out, t.b)
    # Boolean arguments (select's condition) are given as SymPy booleans directly.
    fixed = {f"x{i}": (sp.true if v else sp.false) for i, v in enumerate(x) if isinstance(v, bool)}
    expr = to_sympy(program, fixed)
    symbols = [sp.Symbol(f"x{i}", real=True) for i in range(len(x))]
    subs = {s: sp.Float(v, precision=53) for s, v in zip(symbols, x, strict=True)
            if not isinstance(v, bool)}
    return expr, symbols, subs


@pytest.mark.parametrize("name", NAMES)
def test_sympy_translation_matches_impl(name: str) -> None:
    for _, x in points(name, "sympy"):
        expr, _, subs = sympy_setup(name, x)
        value = expr.subs(subs)
        want = impl(name)(*x)
        if isinstance(want, bool):
            assert bool(value) is want, f"{name} at {x}: sympy {value} != {want}"
        else:
            got = float(value.evalf(30))
            assert close(got, want, rtol=1e-12, atol=1e-14), f"{name} at {x}: {got} != {want}"


@pytest.mark.parametrize("name", [n for n in DIFFERENTIABLE if SPECS[n].sympy_diff])
def test_sympy_derivative_matches_vjp(name: str) -> None:
    sp = pytest.importorskip("sympy")
    reverse = vjp_program(build(name))
    for _, x in points(name, "sympy-diff"):
        expr, symbols, subs = sympy_setup(name, x)
        grads = evaluate(reverse, [*x, 1.0])
        for i in SPECS[name].diff:
            derivative = sp.diff(expr, symbols[i]).subs(subs).evalf(30)
            got = float(derivative)
            assert close(got, grads[i], rtol=1e-10, atol=1e-12), (
                f"{name} d/dx{i} at {x}: sympy {got} != vjp {grads[i]}")


# (f) emitted code -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_emitted_primal_matches_impl(name: str) -> None:
    t = build(name)
    program = Program(f"prim_{name}", tuple(t.xs), t.out, t.b)
    for _, x in points(name, "emit"):
        got, want = run_emitted(program, x), impl(name)(*x)
        assert same(got, want), f"{name} at {x}: emitted {got!r} != impl {want!r}"


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_emitted_derivatives_match_interpreter(name: str) -> None:
    spec = SPECS[name]
    t = build(name)
    forward, reverse = jvp_program(t, spec.diff), vjp_program(t)
    for rng, x in points(name, "emit-ad"):
        u = [rng.uniform(-1.0, 1.0) for _ in spec.diff]
        v = rng.uniform(-2.0, 2.0)
        for program, values in ((forward, [*x, *u]), (reverse, [*x, v])):
            got, want = run_emitted(program, values), evaluate(program, values)
            got_t = got if isinstance(got, tuple) else (got,)
            want_t = want if isinstance(want, tuple) else (want,)
            for g, w in zip(got_t, want_t, strict=True):
                assert same(g, w), f"{name} {program.name} at {values}: {g!r} != {w!r}"


# (g) conventions at non-differentiable points -------------------------------------------------


def derivative_programs(build_out: Callable[[Builder, Node], Node]) -> tuple[Program, Program]:
    """(x, t) -> jvp and (x, v) -> vjp of a one-argument expression."""
    b = Builder()
    x, t, v = b.param("x"), b.param("t"), b.param("v")
    out = build_out(b, x)
    [tangent] = jvp(b, [out], {x: t})
    [cotangent] = vjp(b, [out], [v], [x])
    return (Program("f_jvp", (x, t), zero_if_none(b, tangent), b),
            Program("f_vjp", (x, v), zero_if_none(b, cotangent), b))


def both_ways(program: Program, values: Sequence[Any]) -> list[Any]:
    """The interpreter's and the emitted code's result."""
    return [evaluate(program, values), run_emitted(program, values)]


@pytest.mark.parametrize("name", ["abs", "fabs"])
def test_abs_derivative_at_zero_is_zero(name: str) -> None:
    forward, reverse = derivative_programs(lambda b, x: b.apply(name, x))
    for zero in (0.0, -0.0):
        assert both_ways(forward, [zero, 1.0]) == [0.0, 0.0]
        assert both_ways(reverse, [zero, 1.0]) == [0.0, 0.0]


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_ties_split_evenly(name: str) -> None:
    b = Builder()
    x, y, v = b.param("x"), b.param("y"), b.param("v")
    out = b.apply(name, x, y)
    reverse = Program("g", (x, y, v), tuple(vjp(b, [out], [v], [x, y])), b)  # type: ignore[arg-type]
    for a in (1.5, 0.0, -2.0):
        assert both_ways(reverse, [a, a, 1.0]) == [(0.5, 0.5), (0.5, 0.5)]
    tx, ty = b.param("tx"), b.param("ty")
    [tangent] = jvp(b, [out], {x: tx, y: ty})
    forward = Program("f", (x, y, tx, ty), tangent, b)  # type: ignore[arg-type]
    assert both_ways(forward, [1.5, 1.5, 1.0, 3.0]) == [2.0, 2.0]


def test_sqrt_derivative_at_zero_is_inf() -> None:
    forward, reverse = derivative_programs(lambda b, x: b.sqrt(x))
    assert both_ways(forward, [0.0, 1.0]) == [math.inf, math.inf]
    assert both_ways(reverse, [0.0, 1.0]) == [math.inf, math.inf]
    assert both_ways(reverse, [0.0, -1.0]) == [-math.inf, -math.inf]


@pytest.mark.parametrize("name", ["pow", "mpow"])
def test_half_power_derivative_at_zero_is_inf(name: str) -> None:
    forward, reverse = derivative_programs(lambda b, x: b.apply(name, x, 0.5))
    assert both_ways(forward, [0.0, 1.0]) == [math.inf, math.inf]
    assert both_ways(reverse, [0.0, 1.0]) == [math.inf, math.inf]
    assert both_ways(forward, [4.0, 1.0]) == [0.25, 0.25]


@pytest.mark.parametrize("exponent", [0, 0.0])
def test_zeroth_power_derivative_is_zero_everywhere(exponent: float) -> None:
    forward, reverse = derivative_programs(lambda b, x: b.pow(x, exponent))
    for x in (0.0, -0.0, 2.0, -3.0):
        assert both_ways(forward, [x, 1.0]) == [0.0, 0.0]
        assert both_ways(reverse, [x, 1.0]) == [0.0, 0.0]


def test_domain_errors_still_raise_in_emitted_primal_code() -> None:
    b = Builder()
    x = b.param("x")
    program = Program("f", (x,), b.sqrt(x), b)
    with pytest.raises(ValueError):
        run_emitted(program, [-1.0])
    forward, _ = derivative_programs(lambda b, x: b.sqrt(x))
    with pytest.raises(ValueError):
        run_emitted(forward, [-1.0, 1.0])  # the primal sqrt is part of the derivative code
    folded = Program("g", (x,), b.add(x, b.sqrt(-1.0)), b)
    with pytest.raises(ValueError):
        run_emitted(folded, [0.0])


@pytest.mark.parametrize(
    ("name", "x", "t", "expected"),
    [
        ("exp", math.nan, 1.0, math.nan),
        ("exp", math.inf, 1.0, math.inf),
        ("exp", -math.inf, 1.0, 0.0),
        ("exp", 0.0, math.inf, math.inf),
        ("exp", 0.0, math.nan, math.nan),
        ("sin", math.nan, 1.0, math.nan),
        ("sin", 0.0, math.inf, math.inf),
        ("sin", 0.0, -math.inf, -math.inf),
        ("sin", 1.0, math.nan, math.nan),
        ("tanh", math.inf, 1.0, 0.0),
        ("log", math.inf, 1.0, 0.0),
        ("log", math.nan, 1.0, math.nan),
    ],
)
def test_nan_and_inf_propagate_through_derivatives(
    name: str, x: float, t: float, expected: float
) -> None:
    forward, reverse = derivative_programs(lambda b, node: b.apply(name, node))
    for got in both_ways(forward, [x, t]) + both_ways(reverse, [x, t]):
        assert same(got, expected), f"{name}'({x}) * {t} = {got!r}, expected {expected!r}"


def test_inf_derivative_does_not_mask_nan_tangent() -> None:
    forward, _ = derivative_programs(lambda b, x: b.sqrt(x))
    for got in both_ways(forward, [0.0, math.nan]):
        assert math.isnan(got)


# (h) constant folding and interning ------------------------------------------------------------


def test_all_constant_arguments_fold() -> None:
    b = Builder()
    assert b.add(1.0, 2.0) is b.const(3.0)
    assert b.sin(0.5).value == math.sin(0.5)
    assert b.pow(2, 10) is b.const(1024)
    assert b.apply("lt", 1.0, 2.0) is b.const(True)
    assert b.select(b.const(False), 1.0, 2.0) is b.const(2.0)
    assert b.mul(b.add(1.0, 1.0), 0.25) is b.const(0.5)


@pytest.mark.parametrize(
    ("op", "values", "error"),
    [
        ("sqrt", (-1.0,), ValueError),
        ("div", (1.0, 0.0), ZeroDivisionError),
        ("log", (0.0,), ValueError),
        ("mod", (1.0, 0.0), ZeroDivisionError),
        ("exp", (1000.0,), OverflowError),
        ("acos", (2.0,), ValueError),
    ],
)
def test_folding_that_would_raise_keeps_the_node(
    op: str, values: tuple[float, ...], error: type[Exception]
) -> None:
    b = Builder()
    node = b.apply(op, *values)
    assert node.op == op
    assert all(a.is_const for a in node.args)
    with pytest.raises(error):
        evaluate(Program("f", (), node, b), [])
    with pytest.raises(error):
        run_emitted(Program("f", (), node, b), [])


def test_folding_never_produces_complex_constants() -> None:
    b = Builder()
    node = b.pow(-8.0, 1.0 / 3.0)  # Python gives a complex number here
    assert node.op == "pow"


def test_structurally_equal_nodes_are_identical() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    assert b.param("x") is x
    assert b.sin(b.add(x, y)) is b.sin(b.add(x, y))
    assert b.global_(("np", "pi")) is b.global_(("np", "pi"))
    assert b.global_(("np", "pi")) is not b.global_(("math", "pi"))
    assert b.apply("atan2", x, y) is not b.apply("atan2", y, x)
    assert len({b.sin(x), b.sin(x), b.cos(x)}) == 2


def test_commutative_lookup() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    assert b.add(x, y) is b.add(y, x)
    assert b.mul(2.0, x) is b.mul(x, 2.0)
    assert b.sub(x, y) is not b.sub(y, x)
    assert b.div(x, y) is not b.div(y, x)
    assert b.pow(x, y) is not b.pow(y, x)


def test_distinct_constants_are_distinct_nodes() -> None:
    b = Builder()
    zeros = [b.const(0.0), b.const(-0.0), b.const(0), b.const(False)]
    assert len({id(z) for z in zeros}) == 4
    ones = [b.const(1.0), b.const(1), b.const(True)]
    assert len({id(o) for o in ones}) == 3
    assert b.const(-0.0).value == 0.0 and math.copysign(1.0, b.const(-0.0).value) == -1.0
    x = b.param("x")
    assert b.add(x, 0.0) is not b.add(x, -0.0)


def test_nan_constants_are_interned_as_one() -> None:
    b = Builder()
    nans = [float("nan"), math.nan, -math.nan, math.inf - math.inf, float("-nan")]
    nodes = {id(b.const(v)) for v in nans}
    assert len(nodes) == 1
    assert b.const(math.inf) is not b.const(-math.inf)


def test_constants_must_be_numbers() -> None:
    b = Builder()
    with pytest.raises(TypeError):
        b.const("1.0")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        b.apply("add", b.param("x"))
