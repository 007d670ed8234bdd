"""`codegen.native`: emitted code made fit for numba.

Tested here: `descending_whiles` makes a loop over a descending range a while loop
counting down, which runs the same iterations (numba compiles it to a faster loop
whose index it knows is not negative), and leaves alone every loop where the while
loop would differ.
"""

from __future__ import annotations

import ast
import textwrap
from typing import Any

import pytest

from symdiff.codegen.native import descending_whiles
from symdiff.unparse import unparse


def rewritten(source: str) -> str:
    func = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(func, ast.FunctionDef)
    descending_whiles(func)
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
    # ascending, or a step of unknown sign
    "def f(n):\n    s = 0\n    for i in range(0, n, 1):\n        s += i\n    return s\n",
    "def f(n, d):\n    s = 0\n    for i in range(n, 0, d):\n        s += i\n    return s\n",
    "def f(n, d):\n    s = 0\n    for i in range(n, 9, -d):\n        s += i\n    return s\n",
    "def f(n):\n    s = 0\n    for i in range(0, n, -(-3)):\n        s += i\n    return s\n",
])
def test_a_loop_the_while_loop_would_change_is_left_alone(source: str) -> None:
    assert rewritten(source) == unparse(ast.parse(source))
