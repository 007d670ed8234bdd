"""Calls of user functions, inlined into the differentiated function (frontend.calls).

Each case runs `check_grads` (forward and reverse mode against finite differences) and,
where the function is scalar code SymPy can read, `check_sympy`. Errors are checked for
their message and location; lines are found by ``# E:<tag>`` markers.
"""

from __future__ import annotations

import math
import operator
from pathlib import Path

import numpy as np
import pytest

import symdiff
from symdiff import UnsupportedSyntaxError, grad, jvp, value_and_grad
from symdiff.testing import check_grads, check_sympy

from . import _calls_helpers as helpers
from . import support
from ._calls_helpers import level2, scaled, softplus

THIS_FILE = Path(__file__).resolve()
LINES = THIS_FILE.read_text(encoding="utf-8").splitlines()
HELPERS_FILE = Path(helpers.__file__).resolve()


pytestmark = pytest.mark.usefixtures("no_disk_cache")


def check(fn, args, sympy=True):
    check_grads(fn, args)
    if sympy:
        check_sympy(fn, args)


def located(err: UnsupportedSyntaxError, path: Path, tag: str, snippet: str, words: list[str]):
    lines = path.read_text(encoding="utf-8").splitlines()
    lineno = support.marker_line(lines, tag)
    assert Path(err.filename).resolve() == path, str(err)
    assert err.lineno == lineno, str(err)
    assert err.col == lines[lineno - 1].index(snippet), str(err)
    for word in words:
        assert word in str(err), f"{word!r} not in {str(err)!r}"


# Helpers in this module and in another ---------------------------------------------------

SCALE = 3.0


def square(t):
    return t * t


def poly(x, y):
    return square(x) * y + SCALE * square(y - x)


def uses_other_module(x, y):
    return scaled(x) * softplus(y) + helpers.scaled(y, factor=0.25)


def three_levels(x, y):
    return level2(x, y) * x


def test_helper_in_the_same_module():
    check(poly, (1.3, -0.7))
    assert grad(poly, argnums=(0, 1))(1.0, 2.0) == (4.0 - 6.0, 1.0 + 6.0)


def test_helper_in_another_module():
    check_grads(uses_other_module, (0.4, 1.1))


def test_nested_calls_three_levels_deep():
    check(three_levels, (0.8, 1.7))


def test_a_global_of_another_module_is_read_when_the_derivative_runs(monkeypatch):
    g = grad(uses_other_module)
    before = g(0.4, 1.1)
    monkeypatch.setattr(helpers, "GAIN", 4.0)
    assert g(0.4, 1.1) == pytest.approx(2 * before)
    assert "_calls_helpers.GAIN" in g.source  # read through the helper's module


def test_the_inlined_code_shares_subexpressions():
    # square(x) is one node however often it is called: computed once.
    def twice(x):
        return square(math.sin(x)) + square(math.sin(x)) * 2.0

    text = symdiff.source(twice)
    assert text.count("math.sin(x)") == 1
    check(twice, (0.3,))


# Arguments: keywords, defaults, *args ---------------------------------------------------


def weighted(x, w=2.0, *, bias=0.5):
    return w * x + bias * x * x


def keywords(x, y):
    return weighted(x) + weighted(y, w=x) + weighted(w=y, x=x, bias=y)


def collect(*xs):
    return sum(xs) * len(xs)


def pairs(first, *rest):
    total = first
    for r in rest:
        total = total * r
    return total


def varargs(x, y):
    return collect(x, y, x * y) + pairs(x, y, y) + collect(*(x, y))


def test_keyword_arguments_and_defaults():
    check(keywords, (0.6, -1.4))


def test_star_args():
    check(varargs, (0.6, 1.4), sympy=False)  # the loop over rest has no SymPy form
    check(lambda x, y: collect(x, y, x * y) + collect(*(x, y)), (0.6, 1.4))


# Closures, nested defs, lambdas -----------------------------------------------------------


def closure_model():
    k = 2.0

    def h(x):
        return k * x * x

    def f(x):
        return h(x) + x

    def set_k(value):
        nonlocal k
        k = value

    return f, set_k


def test_a_closure_of_a_callee_reads_its_captured_value_when_called():
    f, set_k = closure_model()
    g = grad(f)
    assert g(1.5) == 2.0 * 2.0 * 1.5 + 1.0
    set_k(3.0)
    assert g(1.5) == 3.0 * 2.0 * 1.5 + 1.0
    assert jvp(f, (1.5,), (1.0,))[1] == 3.0 * 2.0 * 1.5 + 1.0
    check_grads(f, (0.7,))


def test_closures_from_one_factory_keep_their_own_values():
    a, b = helpers.make_scaler(2.0), helpers.make_scaler(5.0)

    def f(x):
        return a(x) + b(x)

    assert grad(f)(1.0) == 2 * 2.0 + 2 * 5.0
    check_grads(f, (0.3,))


def nested_defs(x, y):
    c = x * y

    def inner(t, k=2.0):
        return t * c + k * t

    def outer(t):
        return inner(t) * inner(t, k=y)

    c = c + 1.0  # read when inner is called, as Python does
    return outer(x)


def with_lambdas(x, y):
    sq = lambda t: t * t * y  # noqa: E731
    add = lambda a, b=1.0: a + b  # noqa: E731
    return add(sq(x), b=x) + add(sq(y))


CUBE = lambda t: t * t * t  # noqa: E731


def module_lambda(x):
    return CUBE(x) + CUBE(2.0 * x)


def test_nested_defs_read_the_enclosing_function_when_called():
    check(nested_defs, (0.6, 1.3))
    c = 0.6 * 1.3 + 1.0
    want = 2 * 0.6 * (c + 2.0) * (c + 1.3)  # d/dx of x^2 (c+2)(c+y) with c fixed
    assert grad(nested_defs)(0.6, 1.3) != want  # c depends on x too
    assert math.isclose(nested_defs(0.6, 1.3), 0.6 * 0.6 * (c + 2.0) * (c + 1.3))


def test_lambdas():
    check(with_lambdas, (0.6, 1.3))
    check(module_lambda, (0.6,))


def loop_helper(s, x):
    if s > 1.0:
        return s * 0.5 + x
    return s + x * x


def in_loops_and_branches(x, n):
    s = 0.0
    for _ in range(n):
        s = loop_helper(s, x)
    if x > 0.5:
        s = s + square(x)
    else:
        s = s - weighted(x, w=s)
    return s


def nested_def_in_loop(x):
    def step(t):
        return t * x + 1.0

    s = x
    for _ in range(3):
        s = step(s)
    return s


def test_calls_inside_loops_and_branches():
    for x in (0.3, 0.9):
        check_grads(lambda x: in_loops_and_branches(x, 4), (x,))
    check(nested_def_in_loop, (0.7,), sympy=False)  # a loop: no SymPy form


# Functions passed as arguments --------------------------------------------------------------


def integrate(f, a, b, n):
    h = (b - a) / n
    return sum(f(a + (i + 0.5) * h) * h for i in range(n))


def cube(t):
    return t * t * t


def area(a, b):
    return integrate(lambda t: t * t * a, 0.0, b, 8) + integrate(square, a, b, 4)


def test_a_function_passed_down_is_inlined():
    check_grads(area, (1.5, 2.0))


def test_a_function_argument_is_specialised_per_function():
    g = grad(integrate, argnums=(1, 2))
    n = 200
    a, b = g(square, 0.5, 2.0, n)
    assert (a, b) == pytest.approx((-0.25, 4.0), rel=1e-4)
    a, b = g(cube, 0.5, 2.0, n)
    assert (a, b) == pytest.approx((-0.125, 8.0), rel=1e-3)
    assert g(square, 0.5, 2.0, n) == pytest.approx((-0.25, 4.0), rel=1e-4)
    a, b = g(math.sin, 0.0, 1.0, n)
    assert (a, b) == pytest.approx((0.0, math.sin(1.0)), abs=1e-4)
    value, slope = value_and_grad(integrate, argnums=2)(cube, 0.0, 1.0, n)
    assert (value, slope) == pytest.approx((0.25, 1.0), rel=1e-4)


def test_function_arguments_through_jvp_and_vjp():
    n = 200
    value, tangent = jvp(integrate, (square, 0.5, 2.0, n), (None, 1.0, 2.0, 0))
    assert value == pytest.approx((8.0 - 0.125) / 3, rel=1e-4)
    assert tangent == pytest.approx(-0.25 + 2 * 4.0, rel=1e-4)
    value, vjp_fn = symdiff.vjp(integrate, cube, 0.5, 2.0, n)
    cotangents = vjp_fn(2.0)
    assert cotangents[0] is None  # the function is not differentiated
    assert cotangents[1:3] == pytest.approx((-0.25, 16.0), rel=1e-3)
    assert jvp(integrate, (math.sin, 0.0, 1.0, n), (None, 0.0, 1.0, 0))[1] == \
        pytest.approx(math.sin(1.0), rel=1e-4)
    with pytest.raises(TypeError, match=r"tangents\[0\] must be None"):
        jvp(integrate, (square, 0.0, 1.0, n), (1.0, 1.0, 0.0, 0))


def test_a_function_argument_cannot_be_differentiated():
    with pytest.raises(TypeError, match="real number"):
        grad(integrate)(square, 0.0, 1.0, 4)


# NumPy arrays ------------------------------------------------------------------------------


def mlp_loss(W, x):
    return np.sum(helpers.layer(W, x) ** 2)


def test_calls_with_arrays():
    rng = np.random.default_rng(0)
    check_grads(mlp_loss, (rng.normal(size=(3, 4)), rng.normal(size=4)))


# Recursion -----------------------------------------------------------------------------------


def power(x, n):
    return 1.0 if n == 0 else x * power(x, n - 1)


def fib(x, n):
    if n < 2:
        return x
    return fib(x, n - 1) + x * fib(x, n - 2)


def is_even(x, n):
    return x if n == 0 else is_odd(x * 1.5, n - 1)


def is_odd(x, n):
    return -x if n == 0 else is_even(x + 1.0, n - 1)


def recursive(x):
    return power(x, 5) + fib(x, 8) + is_even(x, 7)


def local_recursion(x):
    def fact(t, n):
        return t if n <= 1 else n * t * fact(t, n - 1)

    return fact(x, 4)


def test_recursion_with_a_depth_known_while_compiling_is_unrolled():
    check(recursive, (0.9,))
    check(local_recursion, (0.9,))
    assert grad(lambda x: power(x, 5))(2.0) == 5 * 2.0 ** 4


def test_repeated_calls_with_equal_arguments_are_lowered_once():
    # fib(x, 25) makes 250 000 calls; equal calls are one node, so it compiles at once.
    g = grad(lambda x: fib(x, 25))
    want = support.finite_diff(lambda x: fib(x, 25), (0.7,), h=1e-7)[0]
    assert g(0.7) == pytest.approx(want, rel=1e-5)


def runtime_depth(x, n):
    if n <= 0:
        return x
    return x * runtime_depth(x, n - 1)  # E:runtime-recursion


def test_recursion_with_a_runtime_base_case_is_a_located_error():
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(runtime_depth)(1.0, 3)
    located(info.value, THIS_FILE, "runtime-recursion", "runtime_depth(x, n - 1)",
            ["recursion", "run-time base case", "tail call", "not supported"])


# Errors -------------------------------------------------------------------------------------


def calls_c_function(x):
    return operator.mul(x, x)  # E:c-function


def calls_with_unknown_keyword(x):
    return weighted(x, scale=2.0)  # E:unknown-keyword


def calls_with_missing_argument(x):
    return loop_helper(x)  # E:missing-argument


def calls_with_too_many(x):
    return square(x, x)  # E:too-many


def calls_unsupported_callee(x):
    return helpers.unsupported(x) * 2.0


def returns_nothing(t):
    t = t * 2


def calls_returns_nothing(x):
    return returns_nothing(x)


def calls_with_kwargs(x):
    return weighted(x, **OPTIONS)  # E:kwargs


# Not data symdiff reads (a dict of numbers and arrays is: test_closure_data.py).
OPTIONS = {"w": 2.0, "tag": None}


namespace: dict = {}
exec("def no_source(t):\n    return t * 2\n", namespace)
NO_SOURCE = namespace["no_source"]


def calls_no_source(x):
    return NO_SOURCE(x)  # E:no-source


@pytest.mark.parametrize(
    ("fn", "tag", "snippet", "words"),
    [
        (calls_c_function, "c-function", "operator.mul(x, x)",
         ["operator.mul", "cannot differentiate through it"]),
        (calls_with_unknown_keyword, "unknown-keyword", "weighted(x, scale",
         ["unexpected keyword argument 'scale'"]),
        (calls_with_missing_argument, "missing-argument", "loop_helper(x)",
         ["missing required argument 'x'"]),
        (calls_with_too_many, "too-many", "square(x, x)", ["takes 1 positional"]),
        (calls_with_kwargs, "kwargs", "OPTIONS", ["unsupported use of 'OPTIONS' (a dict)",
                                                  "pass it as an argument"]),
        (calls_no_source, "no-source", "NO_SOURCE(x)", ["no_source", "source"]),
    ],
    ids=lambda v: v if isinstance(v, str) and v.isidentifier() else None,
)
def test_call_errors_point_at_the_call(fn, tag, snippet, words):
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(fn)(1.5)
    located(info.value, THIS_FILE, tag, snippet, words)


def test_an_error_inside_a_callee_points_at_the_callee():
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(calls_unsupported_callee)(1.5)
    located(info.value, HELPERS_FILE, "callee-try", "try", ["try statement"])


def append_to(xs, v):
    xs.append(v)  # E:mutate-list
    return 0.0


def calls_append_to(x):
    xs = []
    for i in range(3):
        xs.append(x * i)
    z = append_to(xs, x)
    return sum(xs) + z


def fill(out, v):
    out[0] = v  # E:mutate-array
    return 0.0


def calls_fill(x):
    out = np.zeros(2)
    z = fill(out, x)
    return np.sum(out) + z


def copies_then_fills(out, v):
    out = out * 1.0
    out[0] = v
    return np.sum(out)


def test_a_callee_that_changes_its_argument_in_place_is_refused():
    # The caller would see the change: inlining cannot give it, so it is an error, not a
    # silently wrong gradient.
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(calls_append_to)(1.5)
    located(info.value, THIS_FILE, "mutate-list", "xs.append", ["'xs'", "in place"])
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(calls_fill)(1.5)
    located(info.value, THIS_FILE, "mutate-array", "out[0]", ["'out'", "in place"])
    # An array the callee made itself may be changed.
    check_grads(lambda x: copies_then_fills(np.ones(2) * x, x * x), (0.7,))


def test_a_callee_without_return_is_located_in_the_callee():
    with pytest.raises(UnsupportedSyntaxError, match="no return statement") as info:
        grad(calls_returns_nothing)(1.5)
    assert info.value.lineno == returns_nothing.__code__.co_firstlineno


# Functions returned from calls --------------------------------------------------------------


def make_wave(a):
    return lambda t: a * math.sin(t)


def make_poly(c0, c1):
    def poly_at(t):
        return c0 + c1 * t * t

    return poly_at


def uses_returned_functions(x, y):
    wave = make_wave(y)
    total = wave(x) + make_wave(x)(y)
    for _ in range(2):
        total = total + make_poly(y, x)(total * 0.1)
    return total


def test_a_function_returned_from_a_call_keeps_the_values_it_captured():
    check(lambda x: make_wave(2.0)(x), (0.4,))
    check_grads(uses_returned_functions, (0.4, 1.3))
    x, y = 0.4, 1.3
    assert grad(lambda x: make_wave(y)(x))(x) == pytest.approx(y * math.cos(x))


# Dicts of keyword arguments and **kwargs --------------------------------------------------------


def affine(x, scale=1.0, shift=0.0, **rest):
    return scale * x + shift + rest.get("curve", 0.0) * x * x


def forwards_keywords(x, **kw):
    return affine(x, **kw) * 2.0


def keyword_dicts(x, y):
    opts = {"scale": y, "shift": 1.0}
    more = dict(opts, curve=x)
    s = forwards_keywords(x, **opts) + affine(y, **more) + len(more)
    for _ in range(3):
        s = s + forwards_keywords(s * 0.1, **{**opts, "shift": x}, curve=0.5)
    return s


def dict_in_branches(x):
    o = {"a": x, "f": math.sin}
    if x > 0.5:
        o = {**o, "a": 2.0 * x}
    return o["a"] * o["f"](x)


def test_a_dict_built_item_by_item():
    for x in (0.3, 0.8):  # both sides of the if that changes an item
        check(dict_built_item_by_item, (x, 0.4))


def nested_dict_in_a_branch(x):
    d = {"inner": {"k": x}, "f": math.sin}
    if x > 0.0:
        y = d["inner"]["k"] * d["f"](x)
    else:
        y = x
    return y


def function_in_a_tuple_in_a_branch(x):
    t = (math.sin, x)
    if x > 0.0:
        y = t[0](t[1]) * t[1]
    else:
        y = x
    return y


def test_dicts_and_tuples_holding_functions_are_read_inside_branches():
    for x in (0.5, -0.5):
        check(nested_dict_in_a_branch, (x,))
        check(function_in_a_tuple_in_a_branch, (x,))


def test_keyword_dicts_and_kwargs_parameters():
    check_grads(keyword_dicts, (0.7, 1.2))
    check(lambda x: affine(x, **{"scale": x, "curve": 2.0}), (0.3,))
    for x in (0.3, 0.8):  # the dict assigned in one branch is merged key by key
        check_grads(dict_in_branches, (x,))
        assert value_and_grad(dict_in_branches)(x)[0] == dict_in_branches(x)


def dict_changed_in_place(x):
    d = {"a": x}
    e = d
    d["a"] = 2.0 * x  # E:dict-store
    return e["a"]


def dict_built_item_by_item(x, y):
    p = {}
    p["a"] = x * 2.0
    p["b"] = math.sin(y)
    p["a"] += y
    if x > 0.5:
        p["b"] = p["b"] * x
    return p["a"] * p["b"]


def dict_missing_key(x):
    d = {"a": x}
    return d["b"]  # E:dict-key


def dict_not_string_key(x):
    d = {1: x}  # E:dict-int-key
    return d[1]


def function_differs_by_branch(x):
    f = math.sin
    if x > 0.5:  # E:function-branch
        f = math.cos
    return f(x)


def duplicate_keyword(x):
    return affine(x, scale=2.0, **{"scale": 3.0})  # E:duplicate-keyword


@pytest.mark.parametrize(
    ("fn", "tag", "snippet", "words"),
    [
        (dict_changed_in_place, "dict-store", "d[", ["changing the dict 'd' in place",
                                                     "'e' names it too"]),
        (dict_missing_key, "dict-key", 'd["b"]', ["KeyError", "'b'"]),
        (dict_not_string_key, "dict-int-key", "1", ["strings"]),
        (function_differs_by_branch, "function-branch", "if", ["'f'", "function or dict"]),
        (duplicate_keyword, "duplicate-keyword", "**", ["multiple values", "'scale'"]),
    ],
    ids=lambda v: v if isinstance(v, str) and v.isidentifier() else None,
)
def test_dict_and_function_value_errors_point_at_the_construct(fn, tag, snippet, words):
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(fn)(0.7)
    located(info.value, THIS_FILE, tag, snippet, words)


# Tail recursion with a run-time base case ---------------------------------------------------------


def halve(x, acc=0.0):
    if x < 1.0:
        return x + acc
    return halve(x / 2.0, acc + math.sin(x))


def steps(f, x, n):
    if n <= 0:
        return f(x)
    return steps(f, x * 1.1 + 0.1, n - 1)


def test_tail_recursion_with_a_runtime_base_case_becomes_a_loop():
    for x in (0.4, 5.3, 40.0):
        check_grads(halve, (x, 0.2))
        assert value_and_grad(halve)(x, 0.2)[0] == pytest.approx(halve(x, 0.2))
    g = grad(steps, argnums=1)
    for n in (0, 1, 6):
        assert g(math.exp, 0.5, n) == pytest.approx(
            support.finite_diff(lambda x, n=n: steps(math.exp, x, n), (0.5,))[0], rel=1e-6)
    assert "while True" in symdiff.source(halve)
