"""Property: on random straight-line programs, reverse mode == forward mode == SymPy.

Hypothesis builds small programs over the parameters x, y, z (assignments, some of them
rebinding a name, over + - * and a division by a never-zero denominator, and functions
kept inside their domains). Each program is registered in `linecache` under a unique
file name and exec'd, so symdiff reads it like any other source. The gradient from
`grad` (reverse mode) must match `jvp` with unit tangents (forward mode), SymPy's
derivative of an expression built independently alongside the program text, and SymPy's
derivative of the lowered IR (`symdiff.export.sympy.to_sympy`, when present), at random
points of [-2, 2]^3.
"""

from __future__ import annotations

import itertools
import linecache
import math
from collections.abc import Callable

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symdiff import grad, jvp, value_and_grad
from symdiff.frontend.lower import lower

try:
    from symdiff.export.sympy import to_sympy
except ImportError:  # pragma: no cover - the exporter is optional
    to_sympy = None

PARAMS = ("x", "y", "z")
SYMBOLS = {name: sympy.Symbol(name, real=True) for name in PARAMS}
RTOL = 1e-7
ATOL = 1e-9

# (Python template, SymPy builder): each keeps its operands inside the domain.
UNARY: list[tuple[str, Callable]] = [
    ("math.sin({a})", lambda a: sympy.sin(a)),
    ("math.cos({a})", lambda a: sympy.cos(a)),
    ("math.tanh({a})", lambda a: sympy.tanh(a)),
    ("math.exp(math.sin({a}))", lambda a: sympy.exp(sympy.sin(a))),
    ("math.log(1 + {a} * {a})", lambda a: sympy.log(1 + a * a)),
    ("math.sqrt(1 + {a} * {a})", lambda a: sympy.sqrt(1 + a * a)),
    ("math.atan({a})", lambda a: sympy.atan(a)),
    ("{a} ** 2", lambda a: a**2),
    ("{a} ** 3", lambda a: a**3),
    ("-{a}", lambda a: -a),
]
BINARY: list[tuple[str, Callable]] = [
    ("{a} + {b}", lambda a, b: a + b),
    ("{a} - {b}", lambda a, b: a - b),
    ("{a} * {b}", lambda a, b: a * b),
    ("{a} / (1 + {b} * {b})", lambda a, b: a / (1 + b * b)),
    ("{a} * 0.5 + {b} * 2", lambda a, b: a * sympy.Rational(1, 2) + b * 2),
]

_file_ids = itertools.count()


@st.composite
def programs(draw):
    """(source text, SymPy expression of the result)."""
    env = {name: SYMBOLS[name] for name in PARAMS}
    names = list(PARAMS)
    lines = []
    temps: list[str] = []
    for i in range(draw(st.integers(1, 5))):
        # Prefer recent names so that expressions nest.
        def operand():
            pool = names[-3:] if draw(st.booleans()) else names
            return draw(st.sampled_from(pool))

        if draw(st.integers(0, 2)) == 0:
            template, build = draw(st.sampled_from(UNARY))
            a = operand()
            text, expr = template.format(a=a), build(env[a])
        else:
            template, build = draw(st.sampled_from(BINARY))
            a, b = operand(), operand()
            text, expr = template.format(a=a, b=b), build(env[a], env[b])
        rebind = temps and draw(st.integers(0, 3)) == 0
        target = draw(st.sampled_from(temps)) if rebind else f"t{i}"
        if target not in temps:
            temps.append(target)
        lines.append(f"    {target} = {text}")
        env[target] = expr
        if target in names:
            names.remove(target)
        names.append(target)
    if draw(st.booleans()):
        result, expr = names[-1], env[names[-1]]  # earlier assignments may be dead
    else:
        result, expr = " + ".join(temps), sum((env[t] for t in temps), sympy.Integer(0))
    source = "import math\n\n\ndef prog(x, y, z):\n" + "\n".join(lines)
    source += f"\n    return {result}\n"
    return source, expr


def load(source: str):
    """Exec `source` from a unique linecache file name and return its `prog`."""
    filename = f"<symdiff-property-{next(_file_ids)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {"__name__": "symdiff_property"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["prog"], filename


def sympy_gradient(expr, point):
    syms = [SYMBOLS[name] for name in PARAMS]
    derivatives = [sympy.diff(expr, s) for s in syms]
    fn = sympy.lambdify(syms, derivatives, modules="math")
    return tuple(float(v) for v in fn(*point))


def close(a, b) -> bool:
    return all(math.isclose(u, v, rel_tol=RTOL, abs_tol=ATOL) for u, v in zip(a, b, strict=True))


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMDIFF_CACHE", "0")


def test_reverse_forward_and_sympy_agree(record_property):
    count = [0]
    coordinate = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)

    @settings(
        max_examples=200,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(program=programs(), point=st.tuples(coordinate, coordinate, coordinate))
    def check(program, point):
        count[0] += 1
        source, expr = program
        f, filename = load(source)
        try:
            value = f(*point)
            reverse = grad(f, argnums=(0, 1, 2))(*point)
            v2, reverse2 = value_and_grad(f, argnums=(0, 1, 2))(*point)
            forward = []
            for i in range(3):
                tangent = tuple(1.0 if j == i else 0.0 for j in range(3))
                primal_out, tangent_out = jvp(f, point, tangent)
                assert math.isclose(primal_out, value, rel_tol=1e-15, abs_tol=1e-300), source
                forward.append(tangent_out)
            assert math.isclose(v2, value, rel_tol=1e-15, abs_tol=1e-300), source
            assert reverse2 == reverse, source
            assert close(reverse, forward), (source, point, reverse, forward)
            symbolic = sympy_gradient(expr, point)
            assert close(reverse, symbolic), (source, point, reverse, symbolic)
            if to_sympy is not None:
                exported = to_sympy(lower(f), SYMBOLS)
                lowered = sympy_gradient(exported, point)
                assert close(reverse, lowered), (source, point, reverse, lowered)
        finally:
            linecache.cache.pop(filename, None)

    check()
    print(f"\nproperty examples run: {count[0]}")
    record_property("hypothesis_examples", count[0])
    assert count[0] >= 200
