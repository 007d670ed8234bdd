"""Tests for symdiff.frontend.source."""

from __future__ import annotations

import ast
import itertools
import linecache
import math
from collections.abc import Callable, Iterator

import pytest

from symdiff.errors import SymdiffError, UnsupportedSyntaxError
from symdiff.frontend import source as source_mod
from symdiff.frontend.source import FunctionSource, get_source
from symdiff.unparse import unparse


def square(x):
    return x * x


def _deco(fn):
    return fn


def _deco_args(*_args):
    return _deco


@_deco
@_deco_args(
    1,
    2,
)
def decorated(x):
    return x + 1


class Model:
    def forward(self, x):
        y = x * 2
        return y + 1


def make_closure(scale):
    def inner(x):
        return x * scale

    return inner


# fmt: off
def make_with_docstring():
    def inner(x):
        """Doc at column zero:
like this.
"""
        note = """
col0
"""
        return x + len(note)

    return inner
# fmt: on


def _identity(fn):
    return fn


assigned = lambda x: x**2 + 1  # noqa: E731
double, triple = (lambda x: x * 2, lambda x: x * 3)
twins = (lambda x: x * 2, lambda x: x * 2)  # the same code twice
grads = (_identity(lambda x: x * x), _identity(lambda y: y + 1))
# fmt: off
in_call = _identity(
    _identity(
        lambda x, y: x * y
        + 1,
    )
)
# fmt: on
nested_outer = lambda x: lambda y: x + y  # noqa: E731
nested_inner = nested_outer(1)


def _check_positions(src: FunctionSource, fn: Callable) -> None:
    """The node's absolute position must point at the right text in the file."""
    node = src.node
    line = src.line(node.lineno)
    assert line is not None
    start = line.encode()[node.col_offset :].decode()
    if isinstance(node, ast.FunctionDef):
        assert start.startswith(f"def {node.name}")
    else:
        assert start.startswith("lambda")
    assert src.filename == fn.__code__.co_filename
    assert src.lines == tuple(linecache.getlines(src.filename))


def test_module_level_function() -> None:
    src = get_source(square)
    assert isinstance(src.node, ast.FunctionDef)
    assert src.node.name == "square"
    assert src.node.lineno == square.__code__.co_firstlineno
    assert src.node.col_offset == 0
    assert src.text == "def square(x):\n    return x * x"
    _check_positions(src, square)


def test_nested_closure() -> None:
    fn = make_closure(3.0)
    src = get_source(fn)
    assert isinstance(src.node, ast.FunctionDef)
    assert src.node.name == "inner"
    assert src.node.lineno == fn.__code__.co_firstlineno
    assert src.node.col_offset == 4
    assert src.node.end_lineno == src.node.lineno + 1
    assert unparse(src.node.body[0]) == "return x * scale"
    _check_positions(src, fn)


def test_decorated_function() -> None:
    src = get_source(decorated)
    first = decorated.__code__.co_firstlineno
    assert isinstance(src.node, ast.FunctionDef)
    assert src.node.decorator_list[0].lineno == first
    assert src.node.lineno == first + 5
    assert src.line(first) == "@_deco"
    assert src.text.startswith("@_deco\n@_deco_args(\n")
    assert src.text.endswith("return x + 1")
    _check_positions(src, decorated)


def test_method() -> None:
    for fn in (Model.forward, Model().forward):
        src = get_source(fn)
        assert isinstance(src.node, ast.FunctionDef)
        assert src.node.name == "forward"
        assert src.node.col_offset == 4
        assert src.node.lineno == Model.forward.__code__.co_firstlineno
        assert unparse(src.node.body[-1]) == "return y + 1"
        _check_positions(src, Model.forward)


def test_multiline_string_at_column_zero() -> None:
    fn = make_with_docstring()
    src = get_source(fn)
    assert isinstance(src.node, ast.FunctionDef)
    assert src.node.col_offset == 4
    ret = src.node.body[-1]
    assert unparse(ret) == "return x + len(note)"
    assert src.line(ret.lineno) == "        return x + len(note)"
    assert ret.col_offset == 8
    assert src.text.startswith("def inner(x):\n")
    _check_positions(src, fn)


def test_lambda_assigned_to_name() -> None:
    src = get_source(assigned)
    assert isinstance(src.node, ast.Lambda)
    assert src.node.lineno == assigned.__code__.co_firstlineno
    assert src.text == "lambda x: x**2 + 1"
    assert unparse(src.node.body) == "x ** 2 + 1"
    _check_positions(src, assigned)


def test_two_lambdas_same_line_same_args() -> None:
    d, t = get_source(double), get_source(triple)
    assert unparse(d.node.body) == "x * 2"
    assert unparse(t.node.body) == "x * 3"
    assert d.text == "lambda x: x * 2"
    assert t.text == "lambda x: x * 3"
    assert d.node.col_offset < t.node.col_offset
    _check_positions(d, double)
    _check_positions(t, triple)


def test_two_lambdas_in_calls_on_one_line() -> None:
    first, second = (get_source(fn) for fn in grads)
    assert unparse(first.node.body) == "x * x"
    assert unparse(second.node.body) == "y + 1"


def test_nested_lambdas_on_one_line() -> None:
    outer, inner = get_source(nested_outer), get_source(nested_inner)
    assert unparse(outer.node.body) == "lambda y: x + y"
    assert unparse(inner.node.body) == "x + y"


def test_lambda_inside_multiline_call() -> None:
    src = get_source(in_call)
    assert isinstance(src.node, ast.Lambda)
    assert unparse(src.node.body) == "x * y + 1"
    assert src.node.end_lineno == src.node.lineno + 1
    assert src.text == "lambda x, y: x * y\n        + 1"
    _check_positions(src, in_call)


def test_returned_lambda_node_is_a_private_copy() -> None:
    get_source(assigned).node.body = ast.Constant(0)
    assert unparse(get_source(assigned).node.body) == "x ** 2 + 1"


def test_lambda_fallback_without_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source_mod, "_HAS_POSITIONS", False)
    first, second = (get_source(fn) for fn in grads)
    assert unparse(first.node.body) == "x * x"
    assert unparse(second.node.body) == "y + 1"
    # Same arguments: the one whose text compiles to the function's code.
    assert unparse(get_source(double).node.body) == "x * 2"
    assert unparse(get_source(triple).node.body) == "x * 3"
    with pytest.raises(SymdiffError, match="several lambdas"):
        get_source(twins[1])


_counter = itertools.count()


@pytest.fixture
def register() -> Iterator[Callable[[str], dict]]:
    """Compile source under a fake filename registered in linecache, like Jupyter does."""
    names: list[str] = []

    def run(src: str) -> dict:
        fname = f"<symdiff-test-{next(_counter)}>"
        names.append(fname)
        linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
        ns: dict = {}
        exec(compile(src, fname, "exec"), ns)
        return ns

    yield run
    for fname in names:
        linecache.cache.pop(fname, None)


def test_linecache_registered_source(register: Callable[[str], dict]) -> None:
    ns = register(
        "import math\n"
        "def f(x):\n"
        "    return math.sin(x) * x\n"
        "g = lambda x: x + 1; h = lambda x: x - 1\n"
        "class C:\n"
        "    def m(self, x):\n"
        "        return x\n"
    )
    src = get_source(ns["f"])
    assert src.filename.startswith("<symdiff-test-")
    assert src.node.lineno == 2
    assert unparse(src.node.body[0]) == "return math.sin(x) * x"
    assert unparse(get_source(ns["g"]).node.body) == "x + 1"
    assert unparse(get_source(ns["h"]).node.body) == "x - 1"
    method = get_source(ns["C"].m)
    assert (method.node.lineno, method.node.col_offset) == (6, 4)


@pytest.mark.parametrize("fn", [math.sin, len, max, str.upper, "x".upper])
def test_builtins_have_no_source(fn: Callable) -> None:
    with pytest.raises(SymdiffError, match="no Python source"):
        get_source(fn)


def test_math_sin_message_names_it() -> None:
    with pytest.raises(SymdiffError, match=r"'math\.sin'"):
        get_source(math.sin)


def test_non_function_rejected() -> None:
    with pytest.raises(SymdiffError, match="expected a Python function"):
        get_source(Model())


def test_exec_without_linecache() -> None:
    ns: dict = {}
    code = compile("def made(x):\n    return x\nlam = lambda x: x\n", "<string>", "exec")
    exec(code, ns)
    for name in ("made", "<lambda>"):
        fn = ns["made"] if name == "made" else ns["lam"]
        with pytest.raises(SymdiffError) as info:
            get_source(fn)
        message = str(info.value)
        assert repr(name) in message
        assert "unavailable" in message
        assert "define it in a .py file" in message
        assert not isinstance(info.value.__cause__, OSError)


def test_exec_when_string_holds_other_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    # Python 3.13 keeps a `python -c` program's text as '<string>' (pytest-xdist's workers
    # start that way): exec'd code under that name is still code without source.
    monkeypatch.setitem(linecache.cache, "<string>",
                        (44, None, ["import sys;exec(eval(sys.stdin.readline()))\n"], "<string>"))
    ns: dict = {}
    exec(compile("def made(x):\n    return x\n", "<string>", "exec"), ns)
    with pytest.raises(SymdiffError, match="source code is unavailable.*define it in a .py"):
        get_source(ns["made"])


def test_stale_source_gives_symdiff_error(register: Callable[[str], dict]) -> None:
    ns = register("def f(x):\n    return x\n")
    fname = ns["f"].__code__.co_filename
    linecache.cache[fname] = (3, None, ["x = 1\n"], fname)
    with pytest.raises(SymdiffError, match="could not locate"):
        get_source(ns["f"])


def test_async_function_rejected(register: Callable[[str], dict]) -> None:
    ns = register("async def f(x):\n    return x\n")
    with pytest.raises(UnsupportedSyntaxError, match="async"):
        get_source(ns["f"])


def test_error_message() -> None:
    src = get_source(Model.forward)
    binop = src.node.body[0].value
    assert isinstance(binop, ast.BinOp)
    err = src.error("multiplication is not allowed here", binop)
    assert isinstance(err, UnsupportedSyntaxError)
    message = str(err)
    assert src.filename in message
    assert f"line {binop.lineno}" in message
    assert "y = x * 2" in message
    assert "multiplication is not allowed here" in message
    lines = message.splitlines()
    caret = lines[-1]
    assert caret.strip() == "^"
    assert lines[-2][caret.index("^") :].startswith("x * 2")
    assert (err.lineno, err.col) == (binop.lineno, binop.col_offset)


def test_error_column_counts_characters(register: Callable[[str], dict]) -> None:
    ns = register("def f(x):\n    é = 'π'; return x\n")
    src = get_source(ns["f"])
    ret = src.node.body[1]
    err = src.error("bad", ret)
    assert err.col == src.line(ret.lineno).index("return")


def test_line_out_of_range() -> None:
    src = get_source(square)
    assert src.line(0) is None
    assert src.line(len(src.lines) + 1) is None
