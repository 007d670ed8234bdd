"""`export.sympy.to_sympy`: Programs as SymPy expressions.

Contract tested here: parameters become real symbols unless overridden, globals become
symbols named by their dotted path, constants become the matching SymPy numbers and
booleans, the result structure is mirrored, each node is translated once, deep graphs
do not recurse, and importing the module does not import SymPy. (Each primitive's
translation is checked against its `impl` in tests/ir/test_primitives.py.)
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from typing import Any

import pytest

from symdiff.export.sympy import to_sympy
from symdiff.ir.node import Builder, Program
from symdiff.ir.primitives import PRIMITIVES

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


def test_each_node_is_translated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    sin = PRIMITIVES["sin"]

    def counting(module: Any, arg: Any) -> Any:
        calls.append(arg)
        return module.sin(arg)

    monkeypatch.setitem(PRIMITIVES, "sin", dataclasses.replace(sin, sympy=counting))
    b = Builder()
    x = b.param("x")
    s = b.sin(x)
    program = Program("f", (x,), (b.mul(s, s), b.add(s, 1.0), s), b)
    to_sympy(program)
    assert len(calls) == 1


def test_missing_translation_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PRIMITIVES, "erf", dataclasses.replace(PRIMITIVES["erf"], sympy=None))
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
