"""Long statements split into assignments (codegen.wrap): the same values, the same
order of evaluation (so the same error), and lines that fit."""

from __future__ import annotations

import ast
import math

import pytest

import symdiff
from benchmarks import functions
from symdiff.codegen.wrap import WIDTH, shorten, shorten_module
from symdiff.unparse import unparse


def shortened(src: str, width: int = 40) -> str:
    func = ast.parse(src).body[0]
    assert isinstance(func, ast.FunctionDef)
    shorten(func, width)
    return unparse(func)


def run(src: str, *args: float) -> object:
    namespace: dict[str, object] = {"math": math}
    exec(src, namespace)
    fn = namespace["f"]
    try:
        return fn(*args)  # type: ignore[operator]
    except Exception as error:  # noqa: BLE001 - the error is the result compared
        return type(error)


LONG = '''
def f(alpha, beta, gamma):
    value = alpha * beta + math.sin(alpha) * gamma / beta - math.exp(gamma) * alpha
    return value
'''


def test_a_long_statement_is_split_and_computes_the_same() -> None:
    text = shortened(LONG)
    assert all(len(line) <= 40 for line in text.splitlines()), text
    assert text.count("=") > LONG.count("=")
    for args in ((0.5, 1.5, -0.3), (2.0, -1.0, 0.7)):
        assert run(text, *args) == run(LONG, *args)


ORDER = '''
def f(x, y):
    z = 1.0 / x + math.log(y) * x + y * x * x * x * x * x * x
    return z
'''


@pytest.mark.parametrize("args", [(0.0, -1.0), (0.0, 2.0), (1.0, -1.0), (2.0, 3.0)])
def test_what_runs_first_is_hoisted_so_the_same_error_is_raised(args: tuple[float, ...]
                                                                ) -> None:
    # 1 / 0 raises ZeroDivisionError before log(-1) raises ValueError: still so.
    text = shortened(ORDER, 30)
    assert len(text.splitlines()) > 3
    assert run(text, *args) == run(ORDER, *args)


BRANCHES = '''
def f(x):
    r = (1.0 / x if x else math.copysign(math.inf, x)) + (x * x if x > 0 else -x * x * x)
    return r
'''


def test_branches_of_a_conditional_expression_stay_where_they_are() -> None:
    text = shortened(BRANCHES, 30)
    for stmt in ast.parse(text).body[0].body:  # type: ignore[attr-defined]
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.IfExp):
            assert isinstance(stmt.value.body, (ast.BinOp, ast.Call))  # kept inside
    for x in (0.0, 2.0, -3.0):
        assert run(text, x) == run(BRANCHES, x)


def test_a_statement_of_names_only_stays_long() -> None:
    src = "def f(a_long_name, another_long_name):\n    return (a_long_name, another_long_name)\n"
    assert shortened(src, 20) == unparse(ast.parse(src))


def test_shared_expression_objects_are_split_once_each() -> None:
    shared = ast.parse("a * b * c * d + e", mode="eval").body
    func = ast.parse("def f(a, b, c, d, e):\n    x = 0\n    y = 0\n    return x + y\n").body[0]
    assert isinstance(func, ast.FunctionDef)
    func.body[0].value = shared  # type: ignore[attr-defined]
    func.body[1].value = shared  # type: ignore[attr-defined]  # the same object twice
    shorten(func, 20)
    text = unparse(func)
    namespace: dict[str, object] = {}
    exec(text, namespace)
    assert namespace["f"](1.0, 2.0, 3.0, 4.0, 5.0) == 2 * (24.0 + 5.0)  # type: ignore


def test_temporaries_are_numbered_in_order() -> None:
    src = ("def f(a, b):\n    _t0 = a * b\n"
           "    r = _t0 * a + math.sin(_t0) * b + math.cos(a * a * a) + math.tan(b * b)\n"
           "    return r\n")
    text = shortened(src, 40)
    stores = [n.id for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Store) and n.id.startswith("_t")]
    assert stores == [f"_t{k}" for k in range(len(stores))]


def test_generated_derivatives_fit_in_the_width() -> None:
    for mode in ("reverse", "forward"):
        text = symdiff.source(functions.call_price, mode=mode, argnums=(0, 1, 2, 3, 4))
        assert all(len(line) <= WIDTH for line in text.splitlines()), text
    assert symdiff.hessian(functions.call_price, argnums=(0, 4))(*functions.CALL_ARGS)


def test_the_arguments_of_a_comprehensions_iterable_are_named() -> None:
    src = ("def f(a, b, n):\n"
           "    r = [p + q for p, q in zip([0.0] * (n - 1) + a, b + [0.0] * (n - 2))]\n"
           "    return r\n")
    text = shortened(src, 50)
    assert "zip(_t0, " in text and "for p, q in" in text
    assert run(text, [1.0], [2.0, 3.0], 2) == run(src, [1.0], [2.0, 3.0], 2)


def test_a_later_operand_is_named_when_nothing_before_it_can_raise() -> None:
    src = ("def f(a, b, c, d):\n"
           "    r = a * b + (c / d if d else c * math.copysign(math.inf, d)) + a * c\n"
           "    return r\n")
    text = shortened(src, 60)
    lines = text.splitlines()
    assert lines[1].strip().startswith("_t0 = c / d if d else") and len(lines) == 4, text
    for args in ((1.0, 2.0, 3.0, 0.0), (1.0, 2.0, 3.0, 4.0)):
        assert run(text, *args) == run(src, *args)


def test_an_emitted_module_is_shortened_as_its_text_would_be() -> None:
    # The emitter's tree, its expressions shared between statements, is split before it
    # is unparsed: the same text as parsing the unparsed text back and splitting that.
    src = ("def f(a, b):\n"
           "    _t0 = a * b\n"
           "    r = _t0 * a + (math.sin(_t0) * b if b else a) + math.cos(a * a * a) * b\n"
           "    s = _t0 + 1.0\n"
           "    return (r, s, r * s, s * s * s * s * s * s * s * s * s * s * s * s * s)\n")
    emitted = ast.parse(src)
    shared = emitted.body[0].body[0].value  # type: ignore[attr-defined]
    body = emitted.body[0].body  # type: ignore[attr-defined]
    body[1].value.left.left.left = shared  # inside the long statement, and
    body[2].value.left = shared  # in one that fits
    text = unparse(emitted)
    short = shorten_module(emitted, text, 40)
    parsed = ast.parse(text)  # each statement with nodes of its own
    shorten(parsed.body[0], 40)  # type: ignore[arg-type]
    assert short == unparse(parsed)
    lines = short.splitlines()
    assert all(len(line) <= 40 for line in lines[:-1]) and len(lines) > 6
    assert "    _t0 = a * b" in lines and "    s = a * b + 1.0" in lines
    for args in ((1.5, 2.0), (0.5, 0.0)):
        assert run(short, *args) == run(text, *args)


def test_a_module_whose_lines_fit_is_its_own_text() -> None:
    module = ast.parse("def f(a):\n    return a * a\n")
    text = unparse(module)
    assert shorten_module(module, text) is text
