"""`benchmarks.compile_scaling`: the generated functions are what they say, and a build
is timed in a fresh process (or reported as failed, never silently skipped)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

import symdiff
from benchmarks.compile_scaling import (
    Case,
    build_seconds,
    elif_chain,
    flat_sum,
    growth_exponent,
    nested_loops,
    straight_line,
)

pytestmark = pytest.mark.usefixtures("no_disk_cache")


@pytest.mark.parametrize(("source", "size", "x", "want"), [
    # s -> s * x + 1 applied n**depth times from s = x.
    (nested_loops, 3, 0.5, lambda x: x ** 9 + sum(x ** k for k in range(8))),
    (straight_line, 3, 0.5, None),
    (elif_chain, 4, 2.5, lambda x: x * 4.0 + math.sin(x)),
    (flat_sum, 5, 0.5, lambda x: 15.0 * x),
])
def test_the_generated_functions_compute_and_differentiate(
    source: Callable[[int], str], size: int, x: float, want: Any,
    import_text: Callable[[str, str], Any],
) -> None:
    f = import_text(f"scaled_{source.__name__}", source(size)).f
    value = f(x, 2)
    if want is not None:
        assert value == pytest.approx(want(x))
    h = 1e-6
    numeric = (f(x + h, 2) - f(x - h, 2)) / (2 * h)
    assert symdiff.grad(f, argnums=0)(x, 2) == pytest.approx(numeric, rel=1e-6)


def test_a_build_is_timed_in_a_fresh_process() -> None:
    seconds, cpython = build_seconds(Case("nested", 2, nested_loops))
    assert isinstance(seconds, float) and 0.0 < seconds < 60.0
    assert cpython is not None and 0.0 < cpython < seconds  # CPython's own share of it


def test_a_case_that_checks_its_gradient_reports_a_wrong_one() -> None:
    assert build_seconds(Case("sum", 3, flat_sum, gradient=6.0))[0] > 0.0  # 1 + 2 + 3
    wrong, _ = build_seconds(Case("sum", 3, flat_sum, gradient=7.0))
    assert isinstance(wrong, str) and wrong.startswith("wrong gradient 6.0")


def test_the_growth_exponent_is_the_slope_on_log_log() -> None:
    assert growth_exponent([1000, 10000, 30000], [0.1, 1.0, 3.0]) == pytest.approx(1.0)
    assert growth_exponent([10, 100], [1.0, 100.0]) == pytest.approx(2.0)
