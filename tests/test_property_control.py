"""Property: on random programs with branches, symdiff agrees with Python and with itself.

Hypothesis builds small functions of ``x`` and ``y``: straight-line assignments, then
``if``/``else`` statements (some without ``else``, some nested) on a random comparison
of two random subexpressions (sometimes an ``and``/``or`` of two, or a chained one),
whose branches reassign variables defined before the ``if`` and may end in an early
``return``; expressions may hold ``a if c else b``. Some statements apply ``math.log``,
``math.sqrt`` or ``1.0 /`` under an ``if`` that keeps them inside their domain, so
evaluating a branch that is not taken would raise. Each program is registered in
`linecache` under a unique file name and exec'd, so symdiff reads it like any source.

At a random point of [-2, 2]^2, the values symdiff's generated code computes
(`value_and_grad`, `jvp`, `vjp`) must be exactly the Python function's value, and the
reverse-mode gradient must match forward mode (`jvp` with unit tangents) and central
finite differences. Points within 1e-3 of a branch boundary are skipped: an
instrumented copy of the program records both sides of every comparison Python
evaluates, and every decision must be the same across the finite-difference stencil.
"""

from __future__ import annotations

import itertools
import linecache
import math
import operator
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symdiff import grad, jvp, value_and_grad, vjp

EXAMPLES = 150
RTOL = 1e-5
STEP = 1e-6
MARGIN = 1e-3  # points closer than this to a branch boundary are skipped

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}

# Templates that keep every operation inside its domain for any finite operands.
UNARY = [
    "math.sin({a})", "math.cos({a})", "math.tanh({a})", "math.exp(math.sin({a}))",
    "math.log(1.0 + {a} * {a})", "math.sqrt(1.0 + {a} * {a})", "math.atan({a})", "-{a}",
    "{a} ** 2",
]
BINARY = ["{a} + {b}", "{a} - {b}", "{a} * {b}", "{a} / (1.0 + {b} * {b})", "{a} * 0.5 - {b}"]
CONSTANTS = ["0.5", "2.0", "1.5", "3.0", "0.25"]

_file_ids = itertools.count()


class _Writer:
    """Draws one program, writing its plain text and an instrumented twin side by side.

    The twin replaces each comparison ``a OP b`` by ``_rec(a, b, "OP")``, which records
    ``(a, b, result)`` and returns the result, so Python's own decisions can be read.
    """

    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.variables = ["x", "y"]
        self.plain: list[str] = []
        self.twin: list[str] = []
        self.n_temps = 0

    def pick(self, options: list[Any]) -> Any:
        return self.draw(st.sampled_from(options))

    def line(self, indent: int, plain: str, twin: str | None = None) -> None:
        pad = "    " * indent
        self.plain.append(pad + plain)
        self.twin.append(pad + (plain if twin is None else twin))

    # Expressions: (plain text, instrumented text) ------------------------------------------

    def expr(self, depth: int) -> tuple[str, str]:
        kind = self.draw(st.integers(0, 9)) if depth > 0 else 0
        if kind <= 2:
            leaf = (self.pick(self.variables) if self.draw(st.integers(0, 4))
                    else self.pick(CONSTANTS))
            return leaf, leaf
        if kind <= 5:
            template = self.pick(BINARY)
            (a, ai), (b, bi) = self.expr(depth - 1), self.expr(depth - 1)
            return f"({template.format(a=a, b=b)})", f"({template.format(a=ai, b=bi)})"
        if kind <= 8:
            template = self.pick(UNARY)
            a, ai = self.expr(depth - 1)
            return f"({template.format(a=a)})", f"({template.format(a=ai)})"
        (c, ci) = self.condition(depth - 1)
        (a, ai), (b, bi) = self.expr(depth - 1), self.expr(depth - 1)
        return f"({a} if {c} else {b})", f"({ai} if {ci} else {bi})"

    def comparison(self, depth: int) -> tuple[str, str]:
        (a, ai), (b, bi) = self.expr(depth), self.expr(depth)
        if a == b:  # x < x: always on the boundary
            b, bi = f"({b} + 0.5)", f"({bi} + 0.5)"
        op = self.pick(["<", "<=", ">", ">="] * 2 + ["==", "!="])
        return f"{a} {op} {b}", f"_rec({ai}, {bi}, {op!r})"

    def condition(self, depth: int = 2) -> tuple[str, str]:
        kind = self.draw(st.integers(0, 7))
        if kind <= 4:
            return self.comparison(depth)
        if kind <= 6:
            joiner = self.pick(["and", "or"])
            (p, pi), (q, qi) = self.comparison(depth), self.comparison(depth)
            return f"({p} {joiner} {q})", f"({pi} {joiner} {qi})"
        (a, ai), (b, bi), (c, ci) = (self.expr(min(depth, 1)) for _ in range(3))
        op1, op2 = self.pick(["<", "<="]), self.pick(["<", "<="])
        return (f"({a} {op1} {b} {op2} {c})",
                f"(_rec({ai}, {bi}, {op1!r}) and _rec({bi}, {ci}, {op2!r}))")

    # Statements ---------------------------------------------------------------------------

    def assignment(self, indent: int, new: bool) -> None:
        plain, twin = self.expr(2)
        if new:
            target = f"t{self.n_temps}"
            self.n_temps += 1
        else:
            target = self.pick(self.variables)
        self.line(indent, f"{target} = {plain}", f"{target} = {twin}")
        if target not in self.variables:
            self.variables.append(target)

    def if_statement(self, indent: int, depth: int) -> None:
        plain, twin = self.condition()
        self.line(indent, f"if {plain}:", f"if {twin}:")
        self.branch(indent + 1, depth)
        if self.draw(st.booleans()):
            self.line(indent, "else:")
            self.branch(indent + 1, depth)

    def guarded(self, indent: int) -> None:
        """An operation that raises outside its domain, under an if that keeps it inside:
        symdiff must not evaluate it when the test fails."""
        v = self.pick(self.variables)
        template, op = self.pick(
            [("math.log({v})", ">"), ("math.sqrt({v})", ">="), ("1.0 / {v}", "!=")])
        self.line(indent, f"if {v} {op} 0.0:", f"if _rec({v}, 0.0, {op!r}):")
        plain, twin = self.expr(1)
        target = self.pick(self.variables)
        call = template.format(v=v)
        self.line(indent + 1, f"{target} = {call} * {plain}", f"{target} = {call} * {twin}")

    def branch(self, indent: int, depth: int) -> None:
        # Only variables defined before the if are assigned: none is ever unbound.
        for _ in range(self.draw(st.integers(1, 3))):
            kind = self.draw(st.integers(0, 5))
            if depth < 2 and kind == 0:
                self.if_statement(indent, depth + 1)
            elif kind == 1:
                self.guarded(indent)
            else:
                self.assignment(indent, new=False)
        if self.draw(st.integers(0, 3)) == 0:
            plain, twin = self.expr(2)
            self.line(indent, f"return {plain}", f"return {twin}")

    def program(self) -> tuple[str, str]:
        for _ in range(self.draw(st.integers(0, 2))):
            self.assignment(1, new=True)
        for _ in range(self.draw(st.integers(1, 2))):
            if self.draw(st.integers(0, 3)) == 0:
                self.guarded(1)
            self.if_statement(1, 0)
            if self.draw(st.booleans()):
                self.assignment(1, new=self.draw(st.booleans()))
        plain, twin = self.expr(2)
        self.line(1, f"return {plain}", f"return {twin}")
        head = "import math\n\n\ndef prog(x, y):\n"
        return head + "\n".join(self.plain) + "\n", head + "\n".join(self.twin) + "\n"


@st.composite
def programs(draw: Any) -> tuple[str, str]:
    """(source of `prog`, source of its instrumented twin)."""
    return _Writer(draw).program()


def load(source: str) -> tuple[Callable[..., float], str]:
    """Exec `source` from a unique linecache file name and return its `prog`."""
    filename = f"<symdiff-property-control-{next(_file_ids)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": "symdiff_property_control"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["prog"], filename


def decisions(twin: str, point: tuple[float, float]) -> list[tuple[float, float, bool]]:
    """Both sides and the outcome of every comparison Python evaluates at `point`."""
    record: list[tuple[float, float, bool]] = []

    def _rec(a: float, b: float, op: str) -> bool:
        result = OPS[op](a, b)
        record.append((a, b, result))
        return result

    namespace: dict[str, Any] = {"_rec": _rec}
    exec(compile(twin, "<twin>", "exec"), namespace)
    namespace["prog"](*point)
    return record


def stencil(point: tuple[float, float]) -> list[tuple[float, float]]:
    x, y = point
    return [(x + STEP, y), (x - STEP, y), (x, y + STEP), (x, y - STEP)]


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def close(a: float, b: float, scale: float) -> bool:
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=RTOL * scale)


pytestmark = pytest.mark.usefixtures("no_disk_cache")


def test_branching_programs_agree_with_python_and_across_modes(record_property):
    counts = {"run": 0, "checked": 0}
    coordinate = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(program=programs(), point=st.tuples(coordinate, coordinate))
    def check(program: tuple[str, str], point: tuple[float, float]) -> None:
        counts["run"] += 1
        source, twin = program
        f, filename = load(source)
        try:
            try:
                value = f(*point)
            except (ArithmeticError, ValueError) as error:
                # An overflow, or math.sin(inf): symdiff must raise the same.
                for thunk in (lambda: value_and_grad(f, argnums=(0, 1))(*point),
                              lambda: vjp(f, *point), lambda: jvp(f, point, (1.0, 0.0))):
                    with pytest.raises(type(error)):
                        thunk()
                assume(False)
            # Values: exactly Python's, wherever the point is.
            v, g_rev = value_and_grad(f, argnums=(0, 1))(*point)
            out, vjp_fn = vjp(f, *point)
            forward = [jvp(f, point, t) for t in ((1.0, 0.0), (0.0, 1.0))]
            assert same(v, value), (source, point, v, value)
            assert same(out, value), (source, point, out, value)
            for primal, _ in forward:
                assert same(primal, value), (source, point, primal, value)
            # Derivatives: away from every boundary, where the stencil takes the same path.
            here = decisions(twin, point)
            assume(all(abs(a - b) > MARGIN for a, b, _ in here))
            path = [r for *_, r in here]
            assume(all([r for *_, r in decisions(twin, p)] == path for p in stencil(point)))
            assume(abs(value) < 1e6 and all(math.isfinite(c) for c in g_rev))
            counts["checked"] += 1
            g = grad(f, argnums=(0, 1))(*point)
            g_vjp = vjp_fn(1.0)
            scale = 1.0 + max(abs(value), *(abs(d) for d in g))
            # grad, value_and_grad and vjp are different programs (the seed 1.0 is a
            # constant in two, a parameter in vjp), so their rounding may differ slightly.
            for other in (g_rev, g_vjp):
                assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-14 * scale)
                           for a, b in zip(g, other, strict=True)), (source, point, g, other)
            ups = stencil(point)
            fd = [(f(*ups[2 * i]) - f(*ups[2 * i + 1])) / (2 * STEP) for i in range(2)]
            for i in range(2):
                tangent = forward[i][1]
                assert math.isclose(g[i], tangent, rel_tol=1e-9, abs_tol=1e-12 * scale), (
                    source, point, i, g, tangent)
                assert close(g[i], fd[i], scale), (source, point, i, g, fd)
        finally:
            linecache.cache.pop(filename, None)

    check()
    print(f"\nbranching programs run: {counts['run']}, derivatives checked: {counts['checked']}")
    record_property("hypothesis_examples", counts["run"])
    assert counts["run"] >= EXAMPLES
    assert counts["checked"] >= EXAMPLES // 2
