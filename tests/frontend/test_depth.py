"""Deep input: what CPython compiles, symdiff builds, without raising the recursion limit.

A flat sum of 2,000 terms is a syntax tree 2,000 levels deep: lowering, the transforms,
simplification, emission and the check that the file still holds the code that runs all
follow it without recursing per level, in a def and in a lambda. Input nested deeper
than Python itself parses from where symdiff runs is a located error, never a
`RecursionError`. (Long elif chains: test_control.py.)
"""

from __future__ import annotations

import linecache
import sys
from collections.abc import Callable
from typing import Any

import pytest

import symdiff
from symdiff import UnsupportedSyntaxError, grad, jvp
from tests.frontend import support

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def _load(source: str, name: str) -> dict[str, Any]:
    return support.namespace_of(source, f"test_depth-{name}")


def flat_sum(n: int) -> Callable[[float], float]:
    """``x * 1.0 + x * 2.0 + ... + x * n.0``."""
    terms = " + ".join(f"x * {k}.0" for k in range(1, n + 1))
    return _load(f"def f(x):\n    return {terms}\n", f"sum-{n}")["f"]


@pytest.fixture
def untouched_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(limit: int) -> None:
        raise AssertionError("the recursion limit must be left alone")

    monkeypatch.setattr(sys, "setrecursionlimit", refuse)


def test_a_flat_sum_of_two_thousand_terms_builds(untouched_limit: None) -> None:
    f = flat_sum(2000)
    assert grad(f)(0.5) == 2001000.0  # 1 + 2 + ... + 2000
    assert jvp(f, (0.5,), (2.0,)) == (f(0.5), 4002000.0)


def test_a_flat_sum_in_a_lambda_builds() -> None:
    terms = " + ".join(f"x * {k}.0" for k in range(1, 1501))
    f = _load(f"f = lambda x: {terms}\n", "lambda-sum")["f"]
    assert grad(f)(0.5) == 1501.0 * 750.0


def test_long_chains_of_operators_build() -> None:
    minus = _load("def f(x):\n    return " + "- " * 1001 + "x\n", "minus")["f"]
    assert grad(minus)(0.5) == -1.0
    powers = _load("def f(x):\n    return " + " ** ".join(["x"] * 200) + "\n", "powers")["f"]
    h = 1e-6
    want = (powers(1.2 + h) - powers(1.2 - h)) / (2 * h)
    assert grad(powers)(1.2) == pytest.approx(want, rel=1e-5)
    mixed = " - ".join(f"(x * {k}.0 + 1.0) / {k}.0" for k in range(1, 1201))
    g = _load(f"def f(x):\n    return {mixed}\n", "mixed")["f"]
    assert grad(g)(0.5) == 1.0 - 1.0 * (1200 - 1)


def test_the_generated_code_of_a_long_sum_has_short_lines() -> None:
    text = symdiff.source(flat_sum(2000), mode="forward")
    assert max(len(line) for line in text.splitlines()) <= 88


def test_source_deeper_than_python_parses_is_a_located_error() -> None:
    # The text symdiff reads (3,500 terms) is deeper than CPython parses: no code object
    # can come from it, so the function's code was compiled from other text.
    filename = "<test_depth-too-deep>"
    text = "def f(x):\n    return " + " + ".join(["x"] * 3500) + "\n"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace: dict[str, Any] = {}
    exec(compile("def f(x):\n    return x\n", filename, "exec"), namespace)
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(namespace["f"])(1.0)
    error = info.value
    assert (error.filename, error.lineno, error.source_line) == (filename, 1, "def f(x):")
    # CPython 3.11 cannot parse the text; 3.13 can, and finds it is not the code that runs.
    assert "deeper than Python can parse" in str(error) or "file changed" in str(error)


def test_a_file_rewritten_deeper_than_python_parses_is_a_located_error(
        import_text: Callable[[str, str], Any], tmp_path: Any) -> None:
    # A generated module, imported, then rewritten with a sum of 3,500 terms: deeper
    # than CPython parses here, so symdiff cannot read it, and says where.
    module = import_text("deep_sum", "import math\n\n\ndef f(x):\n    return x * 2.0\n")
    path = tmp_path / "deep_sum.py"
    path.write_text("import math\n\n\ndef f(x):\n    return " + " + ".join(["x"] * 3500) + "\n")
    linecache.checkcache(str(path))
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(module.f)(1.0)
    error = info.value
    assert (error.filename, error.lineno, error.source_line) == (str(path), 4, "def f(x):")
    # CPython 3.11 cannot parse the text; 3.13 can, and finds it is not the code that runs.
    assert "deeper than Python can parse" in str(error) or "file changed" in str(error)
    assert not isinstance(error.__cause__, RecursionError)
