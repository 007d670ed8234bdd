"""`codegen.native`: emitted code made fit for numba.

Tested here: `while_loops` makes a loop over a range with a constant step a while
loop, which runs the same iterations (numba compiles a descending range to a slower
loop, and a range loop nested with while loops slower than while loops alone), and
leaves alone every loop where the while loop would differ; `drop_aliases` drops a
copy of an array's name that the code updates and copies back, and keeps every copy
whose dropping would change a value;
`drop_checks` drops the check statements numba does not raise in and then the loops
left doing nothing, and keeps every loop with an effect or a value read after it;
`numpy_calls` spells ``np.diagonal``, ``np.pad``, ``np.sum``/``np.max``/``np.min`` with
``keepdims=True`` and ``np.expand_dims`` of a number so that numba compiles them to the
array NumPy gives (values, shape and dtype), and so that what they would give differently
(a vector's diagonal, a matrix padded) does not compile.
"""

from __future__ import annotations

import ast
import textwrap
from typing import Any

import numpy as np
import pytest

from symdiff.codegen.native import drop_aliases, drop_checks, numpy_calls, while_loops
from symdiff.unparse import unparse


def rewritten(source: str, rewrite: Any = while_loops) -> str:
    func = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(func, ast.FunctionDef)
    rewrite(func)
    return unparse(ast.fix_missing_locations(ast.Module([func], type_ignores=[])))


def run(source: str, *args: Any) -> Any:
    namespace: dict[str, Any] = {"np": np}
    exec(source, namespace)
    return next(v for k, v in namespace.items() if k.startswith("f"))(*args)


NESTED = """
def f(n, m):
    seen = []
    for i in range(n - 1, -1, -1):
        for k in range(m - 1, i - 1, -2):
            seen.append((i, k))
    return seen
"""


def test_a_descending_range_becomes_a_while_loop_with_the_same_iterations() -> None:
    text = rewritten(NESTED)
    assert "range(" not in text
    assert "i = n - 1\n    while i > -1:" in text and "k = m - 1\n        while k > i - 1:" in text
    assert "k -= 2" in text and "i -= 1" in text
    for n, m in [(0, 0), (1, 1), (3, 7), (6, 4), (5, 5)]:
        assert run(text, n, m) == run(NESTED, n, m)


UP = """
def f(n, m):
    seen = []
    for i in range(n):
        for k in range(i, m, 3):
            for j in range(2, k - 1, -1):
                seen.append((i, k, j))
    return seen
"""


def test_an_ascending_range_becomes_a_while_loop_with_the_same_iterations() -> None:
    text = rewritten(UP)
    assert "range(" not in text
    assert "i = 0\n    while i < n:" in text and "k = i\n        while k < m:" in text
    assert "k += 3" in text and "i += 1" in text and "j -= 1" in text
    for n, m in [(0, 0), (1, 1), (3, 7), (6, 4), (5, 9)]:
        assert run(text, n, m) == run(UP, n, m)


@pytest.mark.parametrize("source", [
    # the index read after the loop: a for loop leaves it at its last value
    "def f(n):\n    for i in range(n, -1, -1):\n        pass\n    return i\n",
    # the index assigned in the body
    "def f(n):\n    s = 0\n    for i in range(n, -1, -1):\n        i = i * 2\n        s += i\n"
    "    return s\n",
    # the bound changed by the body
    "def f(n):\n    s = 0\n    for i in range(n, s, -1):\n        s = s + 1\n    return s\n",
    # break, continue, else
    "def f(n):\n    for i in range(n, -1, -1):\n        break\n    return 0\n",
    "def f(n):\n    for i in range(n, -1, -1):\n        continue\n    return 0\n",
    "def f(n):\n    for i in range(n, -1, -1):\n        pass\n    else:\n        n = 0\n"
    "    return n\n",
    # a step of unknown sign, a stop the test would call each time, an element the
    # body changes
    "def f(a):\n    s = 0\n    for i in range(len(a)):\n        s += a[i]\n    return s\n",
    "def f(a, m):\n    for i in range(m[0]):\n        m[0] = 2\n        a[i] = 1.0\n"
    "    return a\n",
    "def f(n, d):\n    s = 0\n    for i in range(n, 0, d):\n        s += i\n    return s\n",
    "def f(n, d):\n    s = 0\n    for i in range(n, 9, -d):\n        s += i\n    return s\n",
    "def f(n):\n    s = 0\n    for i in range(0, n, -(-3)):\n        s += i\n    return s\n",
])
def test_a_loop_the_while_loop_would_change_is_left_alone(source: str) -> None:
    assert rewritten(source) == unparse(ast.parse(source))


ALIASED = """
def f(w, x):
    w_bar = [0.0] * len(w)
    for t in range(len(x) - len(w) + 1):
        r = sum(w[k] * x[t + k] for k in range(len(w)))
        w_bar_1 = w_bar
        for k in range(len(w)):
            w_bar_1[k] += r * x[t + k]
        w_bar = w_bar_1
    return w_bar
"""


def test_a_copy_of_a_name_the_code_updates_and_copies_back_is_dropped() -> None:
    text = rewritten(ALIASED, drop_aliases)
    assert "w_bar_1" not in text and "w_bar[k] += r * x[t + k]" in text
    assert run(text, [0.5, -1.0], [1.0, 2.0, 3.0]) == run(ALIASED, [0.5, -1.0], [1.0, 2.0, 3.0])


@pytest.mark.parametrize("source", [
    # the original changed between: the copy holds the old value
    "def f(a):\n    b = a\n    a = a + 1.0\n    b = b * 2.0\n    a = b\n    return a\n",
    # the copy assigned between
    "def f(a):\n    b = a\n    b = b * 2.0\n    a = b\n    return a\n",
    # the copy read after it is copied back
    "def f(a):\n    b = a\n    c = b * 2.0\n    a = b\n    return a + b + c\n",
    # not copied back
    "def f(a):\n    b = a\n    return b * 2.0\n",
])
def test_a_copy_whose_dropping_changes_a_value_is_kept(source: str) -> None:
    assert rewritten(source, drop_aliases) == unparse(ast.parse(source))


CHECKED = """
def f(w, x, y):
    for t in range(y.shape[0]):
        m = w.shape[0]
        for k in range(m):
            x[t + k]
    s = 0.0
    for u in range(y.shape[0]):
        s += y[u]
    return s
"""


def test_a_check_loop_numba_does_not_raise_in_is_dropped_whole() -> None:
    # numba does not test bounds: the reads x[t + k] go, then the loops left empty.
    text = rewritten(CHECKED, drop_checks)
    assert text.count("for ") == 1 and "x[" not in text and "m = " not in text, text


@pytest.mark.parametrize("source", [
    # a value the loop computes read after it, the index read after it
    "def f(n):\n    a = 0.0\n    for i in range(n):\n        a = i * 2.0\n    return a\n",
    "def f(n):\n    for i in range(n):\n        pass\n    return i\n",
    # an effect: a division, which numba raises in; an else; not a range
    "def f(n, x):\n    for i in range(n):\n        x / i\n    return 0.0\n",
    "def f(n):\n    for i in range(n):\n        pass\n    else:\n        n = 1\n    return n\n",
    "def f(xs):\n    for v in xs:\n        pass\n    return 0.0\n",
    # a bound that may raise (a division)
    "def f(n, m):\n    for i in range(n // m):\n        pass\n    return 0.0\n",
])
def test_a_loop_with_an_effect_or_a_value_read_after_it_is_kept(source: str) -> None:
    assert rewritten(source, drop_checks).count("for ") == 1


def in_numba(source: str, *args: Any) -> Any:
    """`source` through `numpy_calls`, compiled by numba.njit and called on `args`."""
    numba = pytest.importorskip("numba")
    namespace: dict[str, Any] = {"np": np}
    exec(rewritten(source, numpy_calls), namespace)
    return numba.njit(namespace["f"])(*args)


def assert_same_array(source: str, *args: Any) -> None:
    """numba's result of the rewritten `source` is NumPy's of `source`: values (nan where
    nan), shape and dtype."""
    want, got = run(source, *args), in_numba(source, *args)
    assert isinstance(got, np.ndarray) and got.dtype == want.dtype, (got, want)
    assert got.shape == want.shape and np.array_equal(got, want, equal_nan=True), (got, want)


def typing_error() -> Any:
    return pytest.raises(pytest.importorskip("numba").core.errors.TypingError)


M34 = np.arange(12.0, dtype=np.float32).reshape(3, 4)
V4 = np.array([3.0, -1.0, 2.0, 0.5])


@pytest.mark.parametrize("call", ["np.diagonal(a)", "np.diagonal(a, 1)", "np.diagonal(a, -2)"])
def test_a_matrix_diagonal_is_np_diag_of_a_matrix(call: str) -> None:
    source = f"def f(a):\n    return {call} * 1\n"
    assert "np.diag(a[:, :]" in rewritten(source, numpy_calls)
    assert_same_array(source, M34)
    assert_same_array(source, M34.T.astype(np.int64))


@pytest.mark.parametrize("a", [V4, np.zeros((2, 2, 2))])
def test_the_diagonal_of_other_than_a_matrix_does_not_compile(a: np.ndarray) -> None:
    # (np.diag of a vector would make a matrix of it)
    with typing_error():
        in_numba("def f(a):\n    return np.diagonal(a)\n", a)


@pytest.mark.parametrize("widths", ["(1, 1)", "(0, 3)", "2", "((2, 0),)", "(1, n - v.shape[0])"])
@pytest.mark.parametrize("v", [V4, V4.astype(np.float32), np.arange(3), np.zeros(0)])
def test_a_vector_padded_with_zeros_keeps_its_dtype(widths: str, v: np.ndarray) -> None:
    # (`v * 2` and a width computed are read once, through a lambda's parameters)
    source = f"def f(v, n):\n    return np.pad(v * 2, {widths})\n"
    assert "np.pad" not in rewritten(source, numpy_calls)
    assert_same_array(source, v, 6)


def test_a_padded_name_is_read_as_it_is() -> None:
    source = "def f(v):\n    return np.pad(v, (1, 2))\n"
    assert "lambda" not in rewritten(source, numpy_calls)
    assert_same_array(source, V4.astype(np.float32))


def test_a_padded_matrix_does_not_compile_and_a_negative_width_raises() -> None:
    source = "def f(v, n):\n    return np.pad(v, (1, n))\n"
    with typing_error():
        in_numba(source, M34, 1)
    with pytest.raises(ValueError):
        in_numba(source, V4, -1)
    with pytest.raises(ValueError):
        run(source, V4, -1)


@pytest.mark.parametrize(("a", "axis"), [
    (V4, 0), (M34, 0), (M34, 1), (np.arange(24.0).reshape(2, 3, 4), 1), (M34 > 4, 1),
    (np.arange(24.0).reshape(4, 6)[:, ::2], 0)])
def test_a_sum_keeping_its_axis(a: np.ndarray, axis: int) -> None:
    a = a.copy() if a.flags.c_contiguous else a
    a.setflags(write=False)  # (numba types a read-only array apart)
    source = f"def f(a):\n    return np.sum(a, axis={axis}, keepdims=True)\n"
    assert "keepdims" not in rewritten(source, numpy_calls)
    assert_same_array(source, a)


NAN = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, -np.inf], [0.5, 4.0, -1.0]])


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize(("a", "axis"), [
    (V4, 0), (M34, 0), (M34, 1), (NAN, 0), (NAN, 1), (np.arange(24).reshape(2, 3, 4) % 5, 2)])
@pytest.mark.parametrize("of", ["a", "a - 1"])
def test_a_max_or_min_keeping_its_axis(name: str, a: np.ndarray, axis: int, of: str) -> None:
    source = f"def f(a):\n    return np.{name}({of}, axis={axis}, keepdims=True)\n"
    assert "keepdims" not in rewritten(source, numpy_calls)
    assert_same_array(source, a)


def test_a_max_over_an_empty_axis_raises() -> None:
    source = "def f(a):\n    return np.max(a, axis=1, keepdims=True)\n"
    with pytest.raises(ValueError):
        run(source, np.zeros((2, 0)))
    with pytest.raises(ZeroDivisionError):  # (numba's argmax of nothing)
        in_numba(source, np.zeros((2, 0)))


@pytest.mark.parametrize("source", [
    # other axes, no keepdims, other functions' keywords: left as they are
    "def f(a):\n    return np.sum(a, axis=-1, keepdims=True)\n",
    "def f(a):\n    return np.max(a, axis=1)\n",
    "def f(a):\n    return np.max(a, axis=(0, 1), keepdims=True)\n",
    "def f(a):\n    return np.pad(a, (1, 1), mode='edge')\n",
    "def f(a):\n    return np.diagonal(a, 0, -2, -1)\n",
])
def test_calls_the_rewrite_is_not_sure_of_are_left_alone(source: str) -> None:
    assert rewritten(source, numpy_calls) == unparse(ast.parse(source))


@pytest.mark.parametrize(("x", "axis"), [(1.0, 0), (3, 0), (V4, 1), (M34, 0)])
def test_expand_dims_of_a_number_or_an_array(x: Any, axis: int) -> None:
    source = f"def f(x):\n    return np.expand_dims(x, {axis})\n"
    assert_same_array(source, x)
