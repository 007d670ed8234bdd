"""Errors: every unsupported construct is reported at its real location.

Each fixture function below marks the offending line with a ``# E:<tag>`` comment; the
test finds that line in this file, so the expected line numbers never go stale.
"""

from __future__ import annotations

import functools
import importlib.util
import linecache
import math
import operator
from pathlib import Path

import numpy as np
import pytest
from numpy import nanmedian

import symdiff
from symdiff import (
    SymdiffError,
    UnsupportedSyntaxError,
    grad,
    jvp,
    value_and_grad,
    vjp,
)

from . import support

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()


def marker_line(tag: str) -> int:
    return support.marker_line(LINES, tag)


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


def check_located(err: UnsupportedSyntaxError, tag: str, snippet: str, words: list[str]):
    """`err` points at `snippet` on the line marked `tag` and names the construct."""
    lineno = marker_line(tag)
    line = LINES[lineno - 1]
    message = str(err)
    assert isinstance(err, SymdiffError)
    assert err.lineno == lineno, message
    assert Path(err.filename).resolve() == THIS_FILE
    assert err.source_line is not None and err.source_line.rstrip() == line.rstrip()
    col = line.index(snippet)
    assert err.col == col, message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert f"line {lineno}" in message
    assert str(THIS_FILE.name) in message
    # The source line, then a caret under the construct.
    rows = message.splitlines()
    stripped = line.strip()
    indent = len(line) - len(line.lstrip())
    assert f"    {stripped}" in rows, message
    caret_row = rows[rows.index(f"    {stripped}") + 1]
    assert caret_row == "    " + " " * (col - indent) + "^", message


# Fixture functions (each has exactly one unsupported construct, marked) -----------------


def f_while(x):
    while x > 1:  # E:while
        x = x / 2
    else:
        x = x + 1
    return x


def _numbers(n):
    yield n


def f_for(x):
    for i in _numbers(x):  # E:for
        x = x + i
    return x


def f_listcomp(x):
    return x + len([t * u for t in (x, x) for u in (x, x)])  # E:listcomp


def f_genexp(x):
    return sum(t for t in _numbers(x))  # E:genexp


def f_try(x):
    try:  # E:try
        y = x * 2
    except ValueError:
        y = x
    return y


def f_with(x, ctx):
    with ctx:  # E:with
        y = x * 2
    return y


def f_nested_def(x):
    @staticmethod  # E:nested-def
    def helper(t):
        return t * 2

    return helper(x)


def f_lambda_inside(x):
    double = lambda t: {t} and t * 2  # noqa: E731  # E:lambda
    return double(x)


def f_subscript(x):
    pair = (x, x * 2)
    return pair[0:2:2][0]  # E:subscript


def f_attr_on_number(x):
    return x.real  # E:attr-number


def f_fstring(x):
    label = f"{x}"  # E:fstring
    return x + len(label)


def f_keyword_in_call(x):
    return math.log(x, base=2.0)  # E:kwcall


def f_varargs(*args):
    return args[0]


def f_kwargs(x, **kwargs):  # E:kwargs
    return x


def f_unknown_call(x):
    y = x * 2.0
    return len(y) * x  # E:unknown-call


def f_unknown_math(x):
    return math.factorial(x) * x  # E:unknown-math


def f_c_function_call(x):
    return operator.mul(x, x)  # E:c-call


def f_np_lexsort(x):
    return np.sum(np.lexsort(x))  # E:np-lexsort


def f_np_nanmedian(x):
    return 2.0 * nanmedian(x)  # E:np-median


def f_np_linalg(x):
    return np.linalg.tensorinv(x)  # E:np-linalg


def f_bytes_constant(x):
    label = b"units"  # noqa: F841  # E:bytes
    return x


def f_none_constant(x):
    return x * None  # E:none


def f_undefined(x):
    return x * undefined_global_name  # noqa: F821  # E:undefined


def f_use_before_assign(x):
    y = z * x  # noqa: F821  # E:before-assign
    z = 2.0
    return y + z


def f_aug_before_assign(x):
    total += x  # noqa: F821  # E:aug-before-assign
    return total


def f_expression_statement(x):
    math.sin(x)  # E:expr-stmt
    return x


def f_no_return(x):  # E:no-return
    y = x * 2  # noqa: F841


def f_return_none(x):
    return None  # E:return-none


def f_bare_return(x):
    return  # E:bare-return


def f_matmul(x):
    return x @ x  # E:matmul


def f_unpack_too_many(x):
    a, b = x, x * 2, x * 3  # E:unpack-count
    return a + b


def f_unpack_number(x):
    y = x * 2.0
    a, b = y  # E:unpack-number
    return a + b


def f_import_inside(x):
    import cmath  # E:import

    return x + cmath.pi


def f_global_decl(x):
    global GLOBAL_SCALE  # E:global
    return x * GLOBAL_SCALE


GLOBAL_SCALE = 2.0


def f_raise(x):
    raise ValueError(x)  # E:raise


def f_assert(x):
    assert x > 0, ("bad", x)  # E:assert
    return x


def f_walrus(x):
    return (y := x * 2) + y  # E:walrus


def f_bitwise(x):
    return x ^ x  # E:xor


def f_string_global(x):
    return x * UNITS  # E:str-global


UNITS = "metres"


def f_call_a_number(x):
    return GLOBAL_SCALE(x)  # E:call-number


def f_missing_math_attr(x):
    return math.no_such_function(x)  # E:missing-attr


def f_too_many_args(x):
    return math.sin(x, x)  # E:arity


def f_starred_call(x):
    args = (x, x)
    return max(*args)  # E:starred


# One test per construct ---------------------------------------------------------------

CASES = [
    # (function, tag, snippet the caret points at, words the message contains)
    (f_while, "while", "while", ["while ... else"]),
    (f_for, "for", "_numbers(x)", ["loop over", "range(...)"]),
    (f_listcomp, "listcomp", "[t * u", ["list comprehension", "more than one 'for'"]),
    (f_genexp, "genexp", "_numbers(x)", ["loop over", "range(...)"]),
    (f_try, "try", "try", ["try statement"]),
    (f_with, "with", "with", ["with statement"]),
    (f_nested_def, "nested-def", "staticmethod", ["decorator", "nested function"]),
    (f_lambda_inside, "lambda", "{t}", ["set"]),
    (f_subscript, "subscript", "0:2:2", ["slice", "step"]),
    (f_attr_on_number, "attr-number", "x.real", [".real", "number"]),
    (f_fstring, "fstring", 'f"{x}"', ["f-string"]),
    (f_keyword_in_call, "kwcall", "base=2.0", ["keyword argument"]),
    (f_kwargs, "kwargs", "kwargs)", ["**kwargs"]),
    (f_unknown_call, "unknown-call", "y)", ["list"]),
    (f_unknown_math, "unknown-math", "math.factorial", ["math.factorial"]),
    (f_c_function_call, "c-call", "operator.mul(x, x)",
     ["operator.mul", "cannot differentiate through it", "symdiff.supported()"]),
    (f_np_lexsort, "np-lexsort", "np.lexsort(x)",
     ["np.lexsort has no derivative rule in symdiff yet", "symdiff.supported()",
      "custom_jvp"]),
    (f_np_nanmedian, "np-median", "nanmedian(x)", ["np.nanmedian has no derivative rule"]),
    (f_np_linalg, "np-linalg", "np.linalg.tensorinv(x)",
     ["np.linalg.tensorinv has no derivative"]),
    (f_bytes_constant, "bytes", 'b"units"', ["constant", "b'units'"]),
    (f_none_constant, "none", "None", ["None"]),
    (f_undefined, "undefined", "undefined_global_name", ["undefined_global_name", "not defined"]),
    (f_use_before_assign, "before-assign", "z * x", ["'z'", "before it is assigned"]),
    (f_aug_before_assign, "aug-before-assign", "total", ["'total'", "before it is assigned"]),
    (f_expression_statement, "expr-stmt", "math.sin(x)", ["expression statement"]),
    (f_no_return, "no-return", "def f_no_return", ["no return statement"]),
    (f_return_none, "return-none", "None", ["None"]),
    (f_bare_return, "bare-return", "return", ["returns None"]),
    (f_matmul, "matmul", "x @ x", ["@ operator"]),
    (f_unpack_too_many, "unpack-count", "a, b", ["unpack", "3 values", "2 names"]),
    (f_unpack_number, "unpack-number", "a, b", ["unpack"]),
    (f_import_inside, "import", "import cmath", ["import"]),
    (f_global_decl, "global", "global", ["global declaration"]),
    (f_raise, "raise", "raise", ["raise"]),
    (f_assert, "assert", '("bad", x)', ["only a string literal"]),
    (f_walrus, "walrus", "y := x * 2", [":="]),
    (f_bitwise, "xor", "x ^ x", ["^ operator"]),
    (f_string_global, "str-global", "x * UNITS", ["'metres' (UNITS)", "used where a number"]),
    (f_call_a_number, "call-number", "GLOBAL_SCALE(x)", ["GLOBAL_SCALE"]),
    (f_missing_math_attr, "missing-attr", "math.no_such_function", ["no_such_function"]),
    (f_too_many_args, "arity", "math.sin(x, x)", ["math.sin", "2"]),
    (f_starred_call, "starred", "*args", ["starred"]),
]

XFAIL: dict[str, pytest.MarkDecorator] = {}  # tag -> xfail mark for known bugs


@pytest.mark.parametrize(
    ("fn", "tag", "snippet", "words"),
    [pytest.param(*case, id=case[1], marks=XFAIL.get(case[1], ())) for case in CASES],
)
def test_unsupported_construct(fn, tag, snippet, words):
    args = (1.5, 2.5)[: max(1, fn.__code__.co_argcount)]
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(fn)(*args)
    check_located(info.value, tag, snippet, words)


@pytest.mark.parametrize(
    "transform",
    [
        lambda f: symdiff.source(f),
        lambda f: symdiff.source(f, mode="forward"),
        lambda f: jvp(f, (1.5,), (1.0,)),
        lambda f: vjp(f, 1.5),
        lambda f: value_and_grad(f)(1.5),
    ],
    ids=["source-reverse", "source-forward", "jvp", "vjp", "value_and_grad"],
)
def test_every_transform_reports_the_same_location(transform):
    with pytest.raises(UnsupportedSyntaxError) as info:
        transform(f_try)
    check_located(info.value, "try", "try", ["try statement"])


def test_error_in_lambda():
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(lambda x: x @ x)(1.0)  # E:lambda-matmul
    check_located(info.value, "lambda-matmul", "x @ x", ["@ operator"])


def test_error_in_nested_function_keeps_file_columns():
    def inner(x):
        pair = (x, x)
        return pair[1::2][0] * 2.0  # E:nested-subscript

    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(inner)(1.0)
    check_located(info.value, "nested-subscript", "1:", ["slice"])


def test_error_in_decorated_function():
    @grad
    def decorated(x):
        return x @ x  # E:decorated

    with pytest.raises(UnsupportedSyntaxError) as info:
        decorated(2.0)
    check_located(info.value, "decorated", "x @ x", ["@ operator"])


async def f_async(x):
    return x


def test_async_function():
    with pytest.raises(UnsupportedSyntaxError, match="async"):
        grad(f_async)(1.0)


def test_generator_function():
    def gen(x):
        yield x  # E:yield

    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(gen)(1.0)
    check_located(info.value, "yield", "yield x", ["yield"])


def test_unsupported_error_is_a_symdiff_error():
    assert issubclass(UnsupportedSyntaxError, SymdiffError)
    assert issubclass(SymdiffError, Exception)
    assert not issubclass(SymdiffError, (KeyError, AttributeError, IndexError))


# Functions symdiff cannot read --------------------------------------------------------------


def test_function_without_source():
    namespace: dict = {}
    filename = "<exec'd without linecache>"
    exec(compile("def h(x):\n    return x * x\n", filename, "exec"), namespace)
    assert not linecache.getlines(filename)
    with pytest.raises(SymdiffError, match="source") as info:
        grad(namespace["h"])(1.0)
    assert "'h'" in str(info.value)
    with pytest.raises(SymdiffError):
        jvp(namespace["h"], (1.0,), (1.0,))


def test_builtin_without_source():
    with pytest.raises(SymdiffError, match="len"):
        grad(len)(1.0)
    with pytest.raises(SymdiffError, match="factorial"):  # (math.gamma is a primitive now)
        grad(math.factorial)(1.0)
    with pytest.raises(SymdiffError, match="len"):
        jvp(len, (1.0,), (1.0,))


def test_non_function_callables():
    # A partial is the function underneath with its arguments bound (test_partial.py).
    assert grad(functools.partial(math.pow, 2.0))(1.0) == pytest.approx(2.0 * math.log(2.0))
    with pytest.raises(SymdiffError):
        grad(complex)(1.0)  # (int is a primitive now)
    with pytest.raises(TypeError, match="function"):
        grad(3.0)


def test_source_edited_after_import_is_not_silently_used(tmp_path: Path):
    path = tmp_path / "edited_module.py"
    path.write_text("def f(x):\n    return x * x\n")
    spec = importlib.util.spec_from_file_location(f"edited_{tmp_path.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path.write_text("def f(x):\n    return x * x * x\n")
    assert module.f(3.0) == 9.0  # the running code is unchanged
    try:
        value = grad(module.f)(3.0)
    except SymdiffError as exc:
        assert "reload" in str(exc) or "changed" in str(exc)
    else:
        assert value == 6.0


# Argument errors at call time -------------------------------------------------------------


def two_args(x, y):
    return x * y


@pytest.mark.parametrize(
    "bad", ["1.0", None, [1.0], True, False, 1j, (1.0,)],
    ids=["str", "None", "list", "True", "False", "complex", "tuple"],
)
def test_wrong_argument_type_names_the_argument(bad):
    with pytest.raises(TypeError, match="'x'") as info:
        grad(two_args)(bad, 2.0)
    assert type(bad).__name__ in str(info.value)
    with pytest.raises(TypeError, match="'y'"):
        grad(two_args, argnums=1)(2.0, bad)
    with pytest.raises(TypeError, match="'y'"):
        value_and_grad(two_args, argnums=(0, 1))(2.0, bad)
    with pytest.raises(TypeError):
        jvp(two_args, (bad, 2.0), (1.0, 0.0))
    with pytest.raises(TypeError):
        jvp(two_args, (1.0, 2.0), (bad, 0.0))
    with pytest.raises(TypeError):
        vjp(two_args, bad, 2.0)


def test_wrong_argument_type_after_the_fast_path_is_installed():
    # The first calls install a specialised entry; later bad calls must still be checked.
    g = grad(two_args, argnums=(0, 1))
    assert g(1.0, 2.0) == (2.0, 1.0)
    assert g(1.0, 2.0) == (2.0, 1.0)
    for bad in ("1.0", None, True, [1.0]):
        with pytest.raises(TypeError, match="'x'"):
            g(bad, 2.0)
        with pytest.raises(TypeError, match="'y'"):
            g(1.0, bad)
        with pytest.raises(TypeError, match="'y'"):
            g(x=1.0, y=bad)
    assert g(1, 2) == (2.0, 1.0)
    assert g(y=2.0, x=1.0) == (2.0, 1.0)


@pytest.mark.parametrize("bad", [[1.0], 1j], ids=["list", "complex"])
def test_wrong_type_of_a_non_differentiated_argument(bad):
    with pytest.raises(TypeError, match="'y'"):
        grad(two_args, argnums=0)(1.0, bad)


def test_none_used_as_a_number_is_a_located_error():
    # None that is not differentiated is an optional argument (`is None` is decided while
    # compiling), so using it as a number is an error located where it is used.
    with pytest.raises(UnsupportedSyntaxError, match="None .argument 'y'. is used where"):
        grad(two_args, argnums=0)(1.0, None)


def test_a_mode_used_as_a_number_is_a_located_error():
    # A str that is not differentiated is a mode (compared while compiling), not a number.
    with pytest.raises(UnsupportedSyntaxError, match="the string 's' is used where a number"):
        grad(two_args, argnums=0)(1.0, "s")


def test_wrong_type_by_keyword_names_the_argument():
    with pytest.raises(TypeError, match="'y'"):
        grad(two_args, argnums=(0, 1))(x=1.0, y="2")


def test_wrong_number_of_arguments():
    g = grad(two_args)
    with pytest.raises(TypeError):
        g(1.0)
    with pytest.raises(TypeError):
        g(1.0, 2.0, 3.0)
    with pytest.raises(TypeError):
        g(1.0, z=2.0)
    with pytest.raises(TypeError):
        jvp(two_args, (1.0,), (1.0,))
    with pytest.raises(TypeError):
        vjp(two_args, 1.0, 2.0, 3.0)
    with pytest.raises(TypeError):
        grad(math.atan2)(1.0)


@pytest.mark.parametrize(
    ("argnums", "error"),
    [
        (2, ValueError),
        (-3, ValueError),
        ((0, 2), ValueError),
        ((0, 0), ValueError),
        ((1, -1), ValueError),
        ((), ValueError),
        (1.0, TypeError),
        ("0", TypeError),
        (None, TypeError),
        (True, TypeError),
        ((0, 1.0), TypeError),
        ((0, True), TypeError),
    ],
    ids=["too-big", "too-negative", "one-too-big", "duplicate", "duplicate-negative",
         "empty", "float", "str", "None", "bool", "float-in-tuple", "bool-in-tuple"],
)
def test_bad_argnums_fail_at_grad_time(argnums, error):
    for transform in (grad, value_and_grad):
        with pytest.raises(error, match="argnums"):
            transform(two_args, argnums=argnums)
        with pytest.raises(error, match="argnums"):
            transform(argnums=argnums)(two_args)
    with pytest.raises(error, match="argnums"):
        symdiff.source(two_args, argnums=argnums)


def test_argnums_of_math_function():
    with pytest.raises(ValueError, match="argnums"):
        grad(math.sin, argnums=1)
    with pytest.raises(ValueError, match="argnums"):
        grad(math.atan2, argnums=2)


def returns_pair(x, y):
    return x * y, x + y


def test_grad_of_tuple_output_needs_one_scalar():
    for transform in (grad, value_and_grad):
        with pytest.raises(TypeError, match="one scalar output"):
            transform(returns_pair)(1.0, 2.0)


def test_jvp_argument_errors():
    with pytest.raises(ValueError, match="tangent"):
        jvp(two_args, (1.0, 2.0), (1.0,))
    with pytest.raises(ValueError, match="tangent"):
        jvp(two_args, (1.0, 2.0), (1.0, 0.0, 0.0))
    with pytest.raises(TypeError, match="primals"):
        jvp(two_args, 1.0, (1.0, 0.0))
    with pytest.raises(TypeError, match="primals"):
        jvp(two_args, "12", (1.0, 0.0))
    with pytest.raises(TypeError, match="tangents"):
        jvp(two_args, (1.0, 2.0), 1.0)


def test_vjp_cotangent_structure_errors():
    _, vjp_fn = vjp(returns_pair, 1.0, 2.0)
    for bad in (1.0, (1.0,), (1.0, 2.0, 3.0), ()):
        with pytest.raises(ValueError, match="cotangent"):
            vjp_fn(bad)
    with pytest.raises(TypeError, match="cotangent"):
        vjp_fn(("1", 2.0))
    _, scalar_fn = vjp(two_args, 1.0, 2.0)
    with pytest.raises(TypeError, match="cotangent"):
        scalar_fn("1")


def test_vjp_tuple_cotangent_for_scalar_output():
    _, scalar_fn = vjp(two_args, 1.0, 2.0)
    with pytest.raises(ValueError, match="cotangent"):
        scalar_fn((1.0,))


def nested_output(x):
    return (x, x * 2.0), x * 3.0


def test_vjp_nested_cotangent_structure_error():
    _, vjp_fn = vjp(nested_output, 1.0)
    with pytest.raises(ValueError, match="cotangent"):
        vjp_fn((1.0, 1.0))


# No bare lookup errors ----------------------------------------------------------------------


def misuse_cases():
    yield lambda: grad(f_missing_math_attr)(1.0)
    yield lambda: grad(f_call_a_number)(1.0)
    yield lambda: grad(f_subscript)(1.0)
    yield lambda: grad(f_starred_call)(1.0)
    yield lambda: grad(f_varargs)()  # argnums 0 of no arguments
    yield lambda: grad(f_kwargs)(1.0)
    yield lambda: grad(two_args, argnums=5)
    yield lambda: grad(math.sin, argnums=(0, 1))
    yield lambda: jvp(math.sin, (), ())
    yield lambda: jvp(two_args, {}, {})
    yield lambda: vjp(returns_pair, 1.0, 2.0)[1]({})
    yield lambda: vjp(nested_output, 1.0)[1]((1.0, 1.0))
    yield lambda: symdiff.source(two_args, mode="sideways")
    yield lambda: symdiff.source(f_while)
    yield lambda: grad(hash)(1.0)
    yield lambda: grad(object())(1.0)


@pytest.mark.parametrize("thunk", list(misuse_cases()))
def test_no_bare_lookup_errors(thunk):
    with pytest.raises(Exception) as info:  # noqa: B017 - any error but a bare lookup error
        thunk()
    assert not isinstance(info.value, (KeyError, AttributeError, IndexError)), repr(info.value)
    assert isinstance(info.value, (SymdiffError, TypeError, ValueError)), repr(info.value)
