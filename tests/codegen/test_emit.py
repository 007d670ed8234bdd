"""`codegen.emit`: the generated module text.

Contract tested here: constants read back exactly (negative numbers keep their
parentheses, inf/nan/pi/e/tau by name, the sign of zero); output is byte-identical for
the same program, also in another process with a different hash seed; very deep
expressions emit and compile without recursion; name hints never capture a parameter,
``math`` or a builtin; a shared subexpression is computed once.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from symdiff.codegen.emit import emit_module
from symdiff.ir.builder import Builder
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import Node, Program
from symdiff.transforms.ad import jvp, vjp


def run(program: Program, *args: Any, namespace: dict[str, Any] | None = None) -> Any:
    ns: dict[str, Any] = {"math": math} if namespace is None else namespace
    exec(compile(emit_module(program), "<generated>", "exec"), ns)
    return ns[program.name](*args)


def same(a: Any, b: Any) -> bool:
    """Bitwise-equal results: NaN matches NaN, the sign of zero and the type count."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return bool(a == b)


# Constants --------------------------------------------------------------------------------


@pytest.mark.parametrize(("base", "text"), [(-2.0, "(-2.0) ** x"), (-2, "(-2) ** x")])
def test_negative_base_keeps_parentheses(base: float, text: str) -> None:
    b = Builder()
    x = b.param("x")
    program = Program("f", (x,), b.pow(base, x), b)
    assert text in emit_module(program)
    assert run(program, 3.0) == -8.0
    assert run(program, 2.0) == 4.0
    assert run(program, 2) == 4


def test_unary_minus_and_power_precedence() -> None:
    b = Builder()
    x = b.param("x")
    program = Program(
        "f", (x,),
        (b.neg(b.pow(x, 2)), b.pow(b.neg(x), 2), b.pow(x, -1.0), b.sub(x, -2.0),
         b.mul(-3.0, x), b.pow(b.pow(x, 2.0), 3.0), b.pow(x, b.pow(2.0, x)),
         b.sub(x, b.sub(x, 1.0)), b.div(x, b.mul(x, 2.0))),
        b)
    for value in (3.0, -1.5):
        assert run(program, value) == evaluate(program, [value])
    assert run(program, 3.0)[:2] == (-9.0, 9.0)


def test_chained_comparisons_are_parenthesized() -> None:
    b = Builder()
    x = b.param("x")
    inner = b.apply("lt", x, 1.0)
    program = Program("f", (x,), (b.apply("lt", inner, 2.0), b.apply("eq", inner, False)), b)
    for value in (0.0, 5.0):
        assert run(program, value) == evaluate(program, [value])


SPECIAL_CONSTANTS: list[Any] = [
    math.inf, -math.inf, math.nan, math.pi, -math.pi, math.e, math.tau, -0.0, 0.0, 0.1,
    -0.1, 1e-300, 5e-324, -5e-324, 1.7976931348623157e308, 2.0**70, 2**70, -(2**70), -3, 0,
    True, False, 1 / 3,
]


def test_special_constants_round_trip() -> None:
    b = Builder()
    program = Program("f", (), tuple(b.const(c) for c in SPECIAL_CONSTANTS), b)
    text = emit_module(program)
    for name in ("math.inf", "math.nan", "math.pi", "math.e", "math.tau"):
        assert name in text
    assert "import math" in text
    got = run(program, namespace={})  # the module imports math itself
    assert same(got, tuple(SPECIAL_CONSTANTS))


def test_constants_inside_expressions_round_trip() -> None:
    b = Builder()
    x = b.param("x")
    exprs = [b.mul(x, c) for c in (math.inf, -math.inf, math.nan, -0.0, math.pi, -math.e)]
    exprs += [b.add(x, c) for c in (-0.0, 0.0)]
    program = Program("f", (x,), tuple(exprs), b)
    for value in (0.0, -0.0, 2.0, -math.inf):
        assert same(run(program, value), evaluate(program, [value]))


def test_module_without_math_does_not_import_it() -> None:
    b = Builder()
    x = b.param("x")
    text = emit_module(Program("f", (x,), b.mul(x, 2.0), b))
    assert "import" not in text


def test_numpy_float_constant_emits_a_plain_literal() -> None:
    np = pytest.importorskip("numpy")
    b = Builder()
    x = b.param("x")
    program = Program("f", (x,), b.mul(x, b.const(np.float64(1.5))), b)
    assert run(program, 2.0) == 3.0


# Determinism --------------------------------------------------------------------------------

BUILD_SOURCE = textwrap.dedent(
    """
    from symdiff.ir.builder import Builder
    from symdiff.ir.node import Program
    from symdiff.transforms.ad import jvp, vjp
    from symdiff.transforms.simplify import simplify
    from symdiff.ir.node import rebuild


    def build():
        b = Builder()
        x, y, z = b.param("x"), b.param("y"), b.param("z")
        k = b.global_(("config", "scale"))
        s = b.sin(b.mul(x, y))
        b.name(s, "s")
        t = b.add(b.mul(s, s), b.exp(b.div(z, k)))
        b.name(t, "t")
        u = b.apply("hypot", t, b.apply("max", x, y))
        out = b.add(b.mul(u, s), b.log(b.add(b.square(z), 1.0)))
        b.name(out, "out")
        cts = vjp(b, [out], [b.const(1.0)], [x, y, z])
        tangents = jvp(b, [out], {x: b.param("dx"), z: b.param("dz")})
        result = (out, tuple(cts), tuple(tangents))
        mapping = simplify(b, [n for n in cts + tangents if n is not None] + [out])
        params = (x, y, z, b.param("dx"), b.param("dz"))
        return Program("f_all", params, rebuild(result, mapping), b)
    """
)


def emitted_in_process() -> str:
    namespace: dict[str, Any] = {}
    exec(BUILD_SOURCE, namespace)
    return emit_module(namespace["build"]())


def test_emitting_twice_gives_identical_text() -> None:
    namespace: dict[str, Any] = {}
    exec(BUILD_SOURCE, namespace)
    program = namespace["build"]()
    assert emit_module(program) == emit_module(program)
    assert emitted_in_process() == emit_module(program)


@pytest.mark.parametrize("seed", ["1", "2", "12345"])
def test_emission_is_independent_of_the_hash_seed(seed: str) -> None:
    script = BUILD_SOURCE + "\nimport sys\nsys.stdout.write(__import__('symdiff.codegen.emit', " \
        "fromlist=['emit_module']).emit_module(build()))\n"
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, check=True)
    assert proc.stdout.decode("utf-8") == emitted_in_process()


def test_generated_determinism_program_is_correct() -> None:
    namespace: dict[str, Any] = {}
    exec(BUILD_SOURCE, namespace)
    program = namespace["build"]()

    class Config:
        scale = 2.5

    values = [0.3, -0.7, 1.1, 0.5, -0.25]
    env = {"config.scale": Config.scale}
    assert run(program, *values, namespace={"config": Config}) == evaluate(program, values, env)


# Deep expressions ---------------------------------------------------------------------------


def deep_chain(b: Builder, x: Node, n: int) -> Node:
    node = x
    for k in range(n):
        match k % 4:
            case 0:
                node = b.sin(node)
            case 1:
                node = b.add(node, x)
            case 2:
                node = b.mul(node, 0.5)
            case _:
                node = b.sub(node, b.cos(node))
    return node


def test_deep_expression_emits_and_compiles() -> None:
    b = Builder()
    x = b.param("x")
    out = deep_chain(b, x, 5000)
    program = Program("deep", (x,), out, b)
    text = emit_module(program)
    compile(text, "<deep>", "exec")
    for value in (0.3, -1.2):
        assert run(program, value) == evaluate(program, [value])


def test_deep_derivative_emits_and_compiles() -> None:
    b = Builder()
    x, v, t = b.param("x"), b.param("v"), b.param("t")
    out = deep_chain(b, x, 5000)
    [g] = vjp(b, [out], [v], [x])
    [d] = jvp(b, [out], {x: t})
    assert g is not None and d is not None
    program = Program("deep_grad", (x, v, t), (g, d), b)
    got = run(program, 0.3, 1.0, 1.0)
    assert got == evaluate(program, [0.3, 1.0, 1.0])
    assert got[0] == pytest.approx(got[1], rel=1e-9)


# Names --------------------------------------------------------------------------------------


def names_program(hints: list[str]) -> tuple[Program, list[Node]]:
    b = Builder()
    x = b.param("x")
    nodes = []
    node = x
    for i, hint in enumerate(hints):
        node = b.add(b.mul(node, float(i + 2)), x)
        b.name(node, hint)
        nodes.append(node)
    return Program("f", (x,), (node, b.sin(node)), b), nodes


def expected_names_value(hints: list[str], x: float) -> tuple[float, float]:
    node = x
    for i in range(len(hints)):
        node = node * float(i + 2) + x
    return node, math.sin(node)


@pytest.mark.parametrize(
    ("hints", "forbidden"),
    [
        (["x"], "x = "),  # the parameter
        (["math"], "math = "),  # the module the emitters use
        (["abs"], "abs = "),  # a builtin
        (["float"], "float = "),
        (["lambda"], "lambda = "),  # a keyword
        (["y", "y"], None),  # two nodes with the same hint
        (["_t0", "_t1"], None),  # hints that look like temporaries
    ],
)
def test_name_collisions_get_fresh_names(hints: list[str], forbidden: str | None) -> None:
    program, _ = names_program(hints)
    text = emit_module(program)
    if forbidden is not None:
        assert forbidden not in text
    assigned = [line.split(" = ")[0].strip() for line in text.splitlines() if " = " in line]
    assert len(assigned) == len(set(assigned)), f"a name is assigned twice:\n{text}"
    assert run(program, 1.5) == pytest.approx(expected_names_value(hints, 1.5))


def test_hints_are_used_when_free() -> None:
    program, _ = names_program(["alpha", "beta"])
    text = emit_module(program)
    assert "alpha = " in text and "beta = " in text


def test_hint_equal_to_a_directly_returned_global_gets_a_fresh_name() -> None:
    b = Builder()
    x = b.param("x")
    g = b.global_(("g",))
    s = b.sin(x)
    b.name(s, "g")
    program = Program("f", (x,), (g, s), b)
    assert run(program, 1.0, namespace={"g": 10.0}) == (10.0, math.sin(1.0))


def test_parameter_named_math_does_not_shadow_the_module() -> None:
    b = Builder()
    m = b.param("math")
    program = Program("f", (m,), b.sin(m), b)
    assert run(program, 1.0) == math.sin(1.0)


# Sharing ------------------------------------------------------------------------------------


def test_shared_subexpression_is_assigned_once() -> None:
    b = Builder()
    x = b.param("x")
    s = b.sin(b.mul(x, 3.0))
    out = b.add(b.mul(s, s), s)
    program = Program("f", (x,), out, b)
    text = emit_module(program)
    assert text.count("math.sin(") == 1
    assert text.count("x * 3.0") == 1
    assignments = [line for line in text.splitlines() if " = " in line]
    assert len(assignments) == 1
    assert run(program, 0.4) == evaluate(program, [0.4])


def test_atomic_arguments_are_assigned_before_safe_div_and_sign() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    program = Program(
        "f", (x, y),
        (b.safe_div(b.sin(x), b.sub(y, 1.0)), b.sign(b.mul(x, y))), b)
    text = emit_module(program)
    assert text.count("math.sin(") == 1 and text.count("y - 1.0") == 1
    for values in ((0.5, 1.0), (0.5, 3.0), (-0.5, 2.0), (0.0, 2.0)):
        assert same(run(program, *values), evaluate(program, list(values)))


def test_unreachable_nodes_are_not_emitted() -> None:
    b = Builder()
    x = b.param("x")
    b.name(b.exp(x), "dead")
    program = Program("f", (x,), b.cos(x), b)
    text = emit_module(program)
    assert "dead" not in text and "exp" not in text
