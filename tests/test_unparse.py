"""`symdiff.unparse`: generated source prints the same on every Python (3.10's
``ast.unparse`` writes ``(p_bar, x_bar) = ...``, ``for (i, x) in``, ``lambda : 0``), and
symdiff prints through it alone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import symdiff
from symdiff.unparse import unparse

PACKAGE = Path(symdiff.__file__).parent

# Source as Python 3.11 to 3.13 print it: each line is its own fixed point.
PRINTED = [
    "p_bar, x_bar = (x * y_bar, p * y_bar)",
    "(a, b), c = d",
    "a, *rest = values",
    "for i, x in enumerate(xs):\n    total = total + (i, x)[1]",
    "pairs = [p * q for p, q in zip(xs, ys)]",
    "return (a_bar, b_bar)",
    "empty = ()",
    "single = (x,)",
    "nested = ((a, b), (c, d))",
    "value = d[1, 2] + d[1:2, ::3]",
    "f(lambda: 0, lambda x: x, lambda *a: a)",
    "g = (lambda: 1)()",
    "print((a, b))",
]


@pytest.mark.parametrize("text", PRINTED)
def test_prints_as_python_311(text: str) -> None:
    tree = ast.parse(f"def f():\n{_indent(text)}")
    assert unparse(tree) == f"def f():\n{_indent(text)}"


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def test_generated_tuple_targets_print_without_parentheses() -> None:
    def horner(x):
        p = 0.0
        for k in range(5):
            p = p * x + (5 - k)
        return p

    text = symdiff.source(horner)  # the reverse loop updates two adjoints at once
    assert "p_bar, x_bar = (" in text, text
    assert not re.search(r"^\s*\(\w+(, \w+)+\) = ", text, re.MULTILINE), text


def test_symdiff_prints_source_through_unparse_only() -> None:
    calls = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "unparse.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr == "unparse"
                    and isinstance(node.value, ast.Name) and node.value.id == "ast"):
                calls.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert calls == [], f"use symdiff.unparse.unparse, not ast.unparse: {calls}"
