"""Property: on random loop programs, symdiff agrees with Python and with itself.

Hypothesis builds functions ``prog(x, y, n)`` made of one ``for i in range(n)`` loop
(``n`` drawn from 0..6, passed as an int and never differentiated) over one to three
carried variables initialised from the parameters. The body assigns carried variables
(sometimes several at once, as in ``a, b = b, a + x``) from ``+``, ``-``, ``*`` and
``sin``/``cos``/``tanh`` of carried variables, parameters and ``i * 0.1``; it may also
hold an ``if``/``else`` on a comparison. Each program is registered in `linecache`
under a unique file name and exec'd, so symdiff reads it like any other source.

Programs with branches currently hit a code generation bug (pinned by a strict xfail);
the programs without one are checked on their own so the property keeps guarding them.

At a random point of [-1.5, 1.5]^2 the values symdiff's generated code computes
(`value_and_grad`, `jvp`) must be exactly the Python function's, and the reverse-mode
gradient must match forward mode (`jvp` with unit tangents) and central finite
differences. An instrumented twin of each program records every comparison Python
evaluates; a point is skipped when a decision differs anywhere on the
finite-difference stencil (it is near a branch boundary there).
"""

from __future__ import annotations

import itertools
import linecache
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from symdiff import grad, jvp, value_and_grad

EXAMPLES = 100
RTOL = 1e-5
STEP = 1e-5  # of the fourth-order central difference
CARRIED = ("a", "b", "c")
INITS = ("x", "y", "x * y", "math.sin(x)", "0.5", "y - x")
UNARY = ("math.sin({})", "math.cos({})", "math.tanh({})")
OPS = ("+", "-", "*")
COMPARISONS = ("<", ">", "<=", ">=")

_file_ids = itertools.count()


class _Recorder:
    """Collects what the instrumented twin of a program saw: decisions and magnitudes."""

    def __init__(self) -> None:
        self.decisions: list[bool] = []
        self.largest = 0.0

    def compare(self, a: float, b: float, op: str) -> bool:
        result = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        self.decisions.append(result)
        return result

    def track(self, *values: float) -> None:
        for v in values:
            self.largest = max(self.largest, abs(v))


@st.composite
def loop_programs(draw: Any, branches: bool, most: int = 3) -> tuple[str, str]:
    """(plain source, instrumented twin) of a random loop program with at most `most`
    carried variables."""
    k = draw(st.integers(1, most))
    carried = list(CARRIED[:k])

    def atom() -> str:
        choice = draw(st.integers(0, 5))
        if choice <= 2:
            return draw(st.sampled_from(carried))
        if choice == 3:
            return draw(st.sampled_from(("x", "y")))
        if choice == 4:
            return "i * 0.1"
        return draw(st.sampled_from(UNARY)).format(draw(st.sampled_from([*carried, "x", "y"])))

    def expression() -> str:
        if draw(st.integers(0, 3)) == 0:
            return atom()
        return f"{atom()} {draw(st.sampled_from(OPS))} {atom()}"

    def assignment(indent: str) -> list[tuple[str, str]]:
        """One assignment as (plain line, twin lines...) pairs sharing one indent."""
        if len(carried) >= 2 and draw(st.integers(0, 4)) == 0:
            targets = draw(st.permutations(carried))[:2]
            values = [expression() for _ in targets]
            text = f"{', '.join(targets)} = {', '.join(values)}"
        else:
            targets = [draw(st.sampled_from(carried))]
            if draw(st.booleans()):
                text = f"{targets[0]} {draw(st.sampled_from(OPS))}= {expression()}"
            else:
                text = f"{targets[0]} = {expression()}"
        return [(indent + text, indent + text),
                ("", f"{indent}_rec.track({', '.join(targets)})")]

    plain: list[str] = ["import math", "", "", "def prog(x, y, n):"]
    twin: list[str] = ["import math", "", "", "def prog(x, y, n, _rec):"]

    def emit(pairs: list[tuple[str, str]]) -> None:
        for p, t in pairs:
            if p:
                plain.append(p)
            twin.append(t)

    for name in carried:
        init = draw(st.sampled_from(INITS))
        emit([(f"    {name} = {init}", f"    {name} = {init}")])
    emit([("    for i in range(n):", "    for i in range(n):")])
    statements = draw(st.integers(1, 3))
    at_branch = draw(st.integers(0, statements)) if branches else -1
    for s in range(statements + (1 if branches else 0)):
        if s == at_branch:
            left, right = atom(), atom()
            op = draw(st.sampled_from(COMPARISONS))
            emit([(f"        if {left} {op} {right}:",
                   f"        if _rec.compare({left}, {right}, {op!r}):")])
            emit(assignment(" " * 12))
            emit([("        else:", "        else:")])
            emit(assignment(" " * 12))
        else:
            emit(assignment(" " * 8))
    result = draw(st.sampled_from([" + ".join(carried), carried[-1], f"{carried[0]} * x"]))
    emit([(f"    return {result}", f"    return {result}")])
    return "\n".join(plain) + "\n", "\n".join(twin) + "\n"


def load(source: str, name: str = "prog") -> tuple[Any, str]:
    """Exec `source` from a unique linecache file name; return its `name` and the file."""
    filename = f"<symdiff-property-loops-{next(_file_ids)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": "symdiff_property_loops"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name], filename


def stencil(f: Any, point: tuple[float, float], n: int, i: int) -> tuple[float, ...]:
    """f at the points x_i +- h, +- 2h of the fourth-order central difference."""
    values = []
    for m in (2, 1, -1, -2):
        p = list(point)
        p[i] += m * STEP
        values.append(f(*p, n))
    return tuple(values)


def fourth_order(values: tuple[float, ...]) -> float:
    f2, f1, m1, m2 = values
    return (-f2 + 8 * f1 - 8 * m1 + m2) / (12 * STEP)


def agree(a: float, b: float, rtol: float, scale: float) -> bool:
    """|a - b| within rtol of the larger, with an absolute floor for cancellation."""
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + 1e-9 * (1.0 + scale)


pytestmark = pytest.mark.usefixtures("no_disk_cache")


def check_program(program: tuple[str, str], point: tuple[float, float], n: int) -> None:
    source, twin_source = program
    f, filename = load(source)
    twin, twin_file = load(twin_source)
    try:
        seen = _Recorder()
        value = twin(*point, n, seen)
        assert value == f(*point, n)
        assume(math.isfinite(value) and seen.largest < 1e6)
        decisions = seen.decisions

        def plain_twin(x: float, y: float, n: int) -> float:
            rec = _Recorder()
            out = twin(x, y, n, rec)
            # Skip points where the stencil crosses a branch boundary.
            assume(rec.decisions == decisions)
            return out

        diffs = [fourth_order(stencil(plain_twin, point, n, i)) for i in range(2)]

        v, g = value_and_grad(f, argnums=(0, 1))(*point, n)
        assert v == value, (source, point, n, v, value)
        assert grad(f, argnums=(0, 1))(*point, n) == g
        scale = seen.largest
        for i in range(2):
            tangent = (1.0, 0.0, 0.0) if i == 0 else (0.0, 1.0, 0.0)
            primal, t = jvp(f, (*point, n), tangent)
            assert primal == value, (source, point, n, primal, value)
            assert agree(g[i], t, 1e-9, scale), (source, point, n, i, g, t)
            assert agree(g[i], diffs[i], RTOL, scale), (source, point, n, i, g, diffs)
    finally:
        linecache.cache.pop(filename, None)
        linecache.cache.pop(twin_file, None)


coordinate = st.floats(-1.5, 1.5, allow_nan=False, allow_infinity=False)
counts = st.integers(0, 6)


def run_property(branches: bool, record_property: Any, most: int = 3,
                 shrink: bool = True) -> None:
    count = [0]
    phases = tuple(Phase) if shrink else (Phase.explicit, Phase.reuse, Phase.generate)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=phases,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(program=loop_programs(branches, most), point=st.tuples(coordinate, coordinate), n=counts)
    def check(program: tuple[str, str], point: tuple[float, float], n: int) -> None:
        check_program(program, point, n)
        count[0] += 1

    check()
    record_property("hypothesis_examples", count[0])
    assert count[0] >= EXAMPLES // 2


def test_loop_programs_agree_with_python_and_across_modes(record_property: Any) -> None:
    run_property(False, record_property)


def test_loop_programs_with_branches_agree_with_python_and_across_modes(
    record_property: Any,
) -> None:
    run_property(True, record_property, shrink=False)
