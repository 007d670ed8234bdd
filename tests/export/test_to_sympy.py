"""`symdiff.to_sympy`: a user function, and symdiff's derivatives of it, as SymPy.

Contract tested here: the outputs of a straight-line function become the expressions
it computes (tuples for tuple results, `Piecewise` for branches, globals as symbols,
`symbols` overrides); with `derivatives` the result is ``(value, gradient)`` from the
reverse-mode program, equal to ``sympy.diff`` of the value (for True, an int and a
tuple of argnums); a derivative object (`grad`, `hessian`) exports its own program;
range loops with constant bounds are unrolled; other loops are a located
`SymdiffError` naming the function, with the loop's line; a primitive with no SymPy
form is a `SymdiffError` naming the function; `import symdiff` does not import SymPy.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symdiff
from symdiff import SymdiffError, UnsupportedSyntaxError, grad, hessian, to_sympy

sp = pytest.importorskip("sympy")

x, y, z = (sp.Symbol(n, real=True) for n in "xyz")

SCALE = 3.0


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


def same(a: Any, b: Any) -> bool:
    return sp.simplify(a - b) == 0


def test_import_symdiff_does_not_import_sympy() -> None:
    code = "import sys, symdiff\nassert 'sympy' not in sys.modules\n"
    subprocess.run([sys.executable, "-c", code], check=True)


def essay(a, b):
    c = a + b
    d = b + 1
    return c * d


def test_straight_line_function() -> None:
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    assert to_sympy(essay) == (a + b) * (b + 1)


def smooth(x, y):
    u = math.sin(x) * y
    return math.exp(u) / (1.0 + x * x) + math.log(y) * SCALE


def test_globals_are_symbols_and_symbols_override() -> None:
    expr = to_sympy(smooth)
    scale = sp.Symbol("SCALE", real=True)
    assert same(expr, sp.exp(sp.sin(x) * y) / (1 + x**2) + sp.log(y) * scale)
    t = sp.Symbol("t", positive=True)
    assert same(to_sympy(smooth, symbols={"y": t, "SCALE": 2}),
                sp.exp(sp.sin(x) * t) / (1 + x**2) + 2 * sp.log(t))


def test_tuple_outputs() -> None:
    assert to_sympy(lambda x, y: (x * y, x - y)) == (x * y, x - y)


@pytest.mark.parametrize("derivatives", [True, (0, 1), (1, 0)])
def test_gradient_is_symdiffs_and_equals_sympy_diff(derivatives: Any) -> None:
    value, gradient = to_sympy(smooth, derivatives)
    assert same(value, to_sympy(smooth))
    nums = (0, 1) if derivatives is True else derivatives
    assert len(gradient) == len(nums)
    for i, g in zip(nums, gradient, strict=True):
        assert same(g, sp.diff(value, (x, y)[i]))


def test_int_argnums_gives_one_derivative() -> None:
    value, dy = to_sympy(smooth, 1)
    assert same(dy, sp.diff(value, y))


def test_derivative_is_the_reverse_mode_program_not_sympy_diff(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("to_sympy must not call sympy.diff")

    monkeypatch.setattr(sp, "diff", refuse)
    monkeypatch.setattr(sp.Expr, "diff", refuse)
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    _, (da, db) = to_sympy(essay, True)
    assert da == b + 1 and db == (a + b) + (b + 1)
    # symdiff's convention at a tie of max (0.5 each), which sympy.diff does not have.
    _, (dx, dy) = to_sympy(lambda x, y: max(x, y), True)
    assert dx.subs({x: 1.0, y: 1.0}) == dy.subs({x: 1.0, y: 1.0}) == 0.5
    assert dx.subs({x: 2.0, y: 1.0}) == 1.0 and dy.subs({x: 2.0, y: 1.0}) == 0.0


def piecewise(x, y):
    if x > y:
        return math.sin(x) * y
    elif x < -1.0:
        return abs(x) * y
    return x ** 2 + math.exp(y)


def test_branches_become_piecewise_and_differentiate() -> None:
    value, (dx, dy) = to_sympy(piecewise, True)
    assert isinstance(value, sp.Piecewise)
    for g, var in ((dx, x), (dy, y)):
        for point in ({x: 2.0, y: 0.5}, {x: -2.0, y: 0.5}, {x: 0.25, y: 0.5}):
            assert float(g.subs(point)) == pytest.approx(
                float(sp.diff(value, var).subs(point)))
    assert "cases" in sp.latex(value)


def test_an_elif_chain_of_four_hundred_arms_is_one_piecewise(import_text: Any) -> None:
    arms = "".join(f"    elif x < {k}.0:\n        y = x * {k + 1}.0\n" for k in range(1, 400))
    text = f"def f(x):\n    if x < 0.0:\n        y = -x\n{arms}    else:\n        y = x * x\n" \
        "    return y\n"
    f = import_text("elif_400", text).f
    value, gradient = to_sympy(f, 0)
    assert isinstance(value, sp.Piecewise) and len(value.args) == 401
    (symbol,) = value.free_symbols
    for point in (-2.0, 0.5, 199.5, 398.5, 450.0):
        assert float(value.subs(symbol, point)) == f(point)
        assert float(gradient.subs(symbol, point)) == grad(f)(point)


def horner(x):
    p = 0.0
    for k in range(4):
        p = p * x + (4 - k)
    return p


def test_range_loops_with_constant_bounds_are_unrolled() -> None:
    value, dx = to_sympy(horner, 0)
    assert same(value, 4 * x**3 + 3 * x**2 + 2 * x + 1)
    assert same(dx, 12 * x**2 + 6 * x + 2)


def test_a_derivative_object_exports_its_program() -> None:
    assert same(to_sympy(grad(horner)), 12 * x**2 + 6 * x + 2)
    assert same(to_sympy(hessian(horner)), 24 * x + 6)
    dx, dy = to_sympy(grad(smooth, argnums=(0, 1)))
    assert same(dx, sp.diff(to_sympy(smooth), x))


def halving(x):
    n = 0.0
    while x > 1.0:
        x = x / 2.0
        n += 1.0
    return x + n


def counted(x, n):
    s = 0.0
    for _ in range(n):
        s += x
    return s


def calls_halving(x):
    return 2.0 * halving(x)


@pytest.mark.parametrize(("fn", "line"), [(halving, "while x > 1.0:"),
                                          (counted, "for _ in range(n):")])
def test_loops_it_cannot_express_are_located_errors(fn: Callable[..., Any], line: str) -> None:
    with pytest.raises(UnsupportedSyntaxError) as info:
        to_sympy(fn)
    assert fn.__qualname__ in str(info.value) and line in str(info.value)
    assert info.value.filename == __file__
    assert info.value.lineno == fn.__code__.co_firstlineno + 2  # the loop is the 2nd line


def test_a_loop_in_a_called_function_names_the_caller() -> None:
    with pytest.raises(SymdiffError, match="calls_halving calls a function with a loop"):
        to_sympy(calls_halving)


def test_too_many_trips_are_not_unrolled() -> None:
    def long(x):
        s = 0.0
        for i in range(5000):
            s += x * i
        return s

    with pytest.raises(SymdiffError, match="at most 1000 trips"):
        to_sympy(long)


def test_an_operation_without_a_sympy_form_is_an_error() -> None:
    def uses_list(xs):
        return sum(xs) * 2.0

    with pytest.raises(SymdiffError, match="uses_list cannot be written in SymPy: .*seq_"):
        to_sympy(uses_list)


def test_bad_derivatives_argument() -> None:
    with pytest.raises(ValueError, match="out of range"):
        to_sympy(essay, 2)
    with pytest.raises(TypeError, match="argnums"):
        to_sympy(essay, "a")


def test_numpy_calls_of_numbers() -> None:
    assert same(to_sympy(lambda x: np.tanh(x) + np.sqrt(x)), sp.tanh(x) + sp.sqrt(x))


def test_public() -> None:
    assert symdiff.to_sympy is to_sympy and "to_sympy" in symdiff.__all__
