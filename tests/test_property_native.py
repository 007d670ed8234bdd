"""Property: on the random programs of the other property tests, the numba backend
computes what the Python backend computes, to 1e-12.

The programs are those of `tests.test_property` (straight-line code),
`tests.test_property_control` (branches) and `tests.test_property_loops` (a loop over
``range(n)``, with and without a branch in its body), all of which numba compiles. At a
random point, `value_and_grad` and `jvp` of each agree across the backends; where the
Python function raises (an overflow, ``math.log`` of a negative number), the point is
skipped: numba gives inf or raises another error there (see the README's notes on the
numba backend). Fewer examples than the other property tests: each program is
compiled by numba, about half a second each.
"""

from __future__ import annotations

import linecache
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

pytest.importorskip("numba")
pytest.importorskip("sympy")

from symdiff import jvp, value_and_grad
from tests import test_property, test_property_control, test_property_loops

EXAMPLES = 12
TOL = 1e-12

pytestmark = pytest.mark.usefixtures("no_disk_cache")


def close(a: float, b: float) -> bool:
    return a == b or math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


def agree(f: Callable[..., float], args: tuple[Any, ...], argnums: tuple[int, ...]) -> None:
    """value_and_grad and jvp of `f` at `args` agree across the backends."""
    try:
        f(*args)
    except (ArithmeticError, ValueError):
        assume(False)
    v, g = value_and_grad(f, argnums, backend="numba")(*args)
    v_py, g_py = value_and_grad(f, argnums)(*args)
    assert close(v, v_py) and all(close(a, b) for a, b in zip(g, g_py, strict=True)), (
        v, g, v_py, g_py)
    tangents = tuple(0.5 + i if i in argnums else 0 for i in range(len(args)))
    out, t = jvp(f, args, tangents, backend="numba")
    out_py, t_py = jvp(f, args, tangents)
    assert close(out, out_py) and close(t, t_py), (out, t, out_py, t_py)


def run(strategy: Any, point: Any, check: Callable[..., None]) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(program=strategy, point=point)
    def property_(program: Any, point: Any) -> None:
        check(program, point)

    property_()


coordinate = st.floats(-1.5, 1.5, allow_nan=False, allow_infinity=False)


def test_straight_line_programs() -> None:
    def check(program: tuple[str, Any], point: tuple[float, ...]) -> None:
        f, filename = test_property.load(program[0])
        try:
            agree(f, point, (0, 1, 2))
        finally:
            linecache.cache.pop(filename, None)

    run(test_property.programs(), st.tuples(coordinate, coordinate, coordinate), check)


def test_branching_programs() -> None:
    def check(program: tuple[str, str], point: tuple[float, float]) -> None:
        f, filename = test_property_control.load(program[0])
        try:
            agree(f, point, (0, 1))
        finally:
            linecache.cache.pop(filename, None)

    run(test_property_control.programs(), st.tuples(coordinate, coordinate), check)


@pytest.mark.parametrize("branches", [False, True], ids=["plain", "with a branch"])
def test_loop_programs(branches: bool) -> None:
    def check(program: tuple[str, str], point: tuple[float, float, int]) -> None:
        f, filename = test_property_loops.load(program[0])
        try:
            agree(f, point, (0, 1))
        finally:
            linecache.cache.pop(filename, None)

    run(test_property_loops.loop_programs(branches),
        st.tuples(coordinate, coordinate, st.integers(0, 6)), check)
