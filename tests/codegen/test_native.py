"""`codegen.native`: emitted code made fit for numba.

Tested here: `while_loops` makes a loop over a range with a constant step a while
loop, which runs the same iterations (numba compiles a descending range to a slower
loop, and a range loop nested with while loops slower than while loops alone), and
leaves alone every loop where the while loop would differ; `drop_aliases` drops a
copy of an array's name that the code updates and copies back, and keeps every copy
whose dropping would change a value;
`drop_checks` drops the check statements numba does not raise in and then the loops
left doing nothing, and keeps every loop with an effect or a value read after it.
"""

from __future__ import annotations

import ast
import textwrap
from typing import Any

import pytest

from symdiff.codegen.native import drop_aliases, drop_checks, while_loops
from symdiff.unparse import unparse


def rewritten(source: str, rewrite: Any = while_loops) -> str:
    func = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(func, ast.FunctionDef)
    rewrite(func)
    return unparse(ast.fix_missing_locations(ast.Module([func], type_ignores=[])))


def run(source: str, *args: Any) -> Any:
    namespace: dict[str, Any] = {}
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
