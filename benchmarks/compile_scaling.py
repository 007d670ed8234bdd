"""``make bench`` section: compile scaling. Seconds to build ``grad`` (reverse mode) of
generated functions as they grow, each in a fresh process with the disk cache off
(``SYMDIFF_CACHE=0``): ``for`` loops nested d deep (d = 10, 16, 19), straight-line code
of 1k, 10k and 30k statements, ``if``/``elif`` chains of 100, 400 and 800 arms, and a
flat sum of 2,000 terms (``x*1.0 + x*2.0 + ...``, a syntax tree 2,000 deep). A build
that takes longer than `CAP` seconds is stopped and shown as "> 60 s". A row with a
target says PASS or MISS: a time, or that the gradient is right; the growth exponent of
the straight-line builds is fitted over their sizes (least squares on log-log). Beside
each build, the seconds of it that CPython's own steps take, which no build can skip:
parsing the user's file, ``ast.unparse`` of the generated module and compiling its text.

Run on its own: ``python benchmarks/compile_scaling.py [case ...]`` (cases such as
``nested-16``, ``straight-10000``, ``elif-400``, ``sum-2000``).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._table import status, table  # noqa: E402

CAP = 60.0  # seconds a build may take before it is stopped


def nested_loops(depth: int) -> str:
    """``for`` loops nested `depth` deep around one update of a carried value."""
    lines = ["def f(x, n):", "    s = x"]
    for k in range(depth):
        lines.append("    " * (k + 1) + f"for i{k} in range(n):")
    lines.append("    " * (depth + 1) + "s = s * x + 1.0")
    lines.append("    return s")
    return "\n".join(lines) + "\n"


def straight_line(statements: int) -> str:
    """`statements` assignments, each reading the one before."""
    lines = ["import math", "", "", "def f(x, n):", "    v0 = x"]
    lines += [f"    v{k} = v{k - 1} * 1.0001 + math.sin(v{k - 1})"
              for k in range(1, statements)]
    lines.append(f"    return v{statements - 1}")
    return "\n".join(lines) + "\n"


def elif_chain(arms: int) -> str:
    """``if``/``elif`` with `arms` arms (and an ``else``), each its own expression of x."""
    lines = ["import math", "", "", "def f(x, n):", "    if x < 0.0:",
             "        y = math.sin(x)"]
    for k in range(1, arms):
        lines += [f"    elif x < {k}.0:", f"        y = x * {k + 1}.0 + math.sin(x)"]
    lines += ["    else:", "        y = x * x", "    return y"]
    return "\n".join(lines) + "\n"


def flat_sum(terms: int) -> str:
    """``return x * 1.0 + x * 2.0 + ...`` with `terms` terms, on one line."""
    total = " + ".join(f"x * {k}.0" for k in range(1, terms + 1))
    return f"def f(x, n):\n    return {total}\n"


@dataclass(frozen=True)
class Case:
    family: str
    size: int
    source: Callable[[int], str]
    target: float | None = None  # seconds
    gradient: float | None = None  # what the gradient must be at (0.5, 1), when checked

    @property
    def name(self) -> str:
        return f"{self.family}-{self.size}"


CASES = (
    Case("nested", 10, nested_loops),
    Case("nested", 16, nested_loops, 0.5),
    Case("nested", 19, nested_loops, 1.0),
    Case("straight", 1000, straight_line),
    Case("straight", 10000, straight_line, 1.0),
    Case("straight", 30000, straight_line, 3.0),
    Case("elif", 100, elif_chain),
    Case("elif", 400, elif_chain),
    Case("elif", 800, elif_chain, 0.5),
    Case("sum", 2000, flat_sum, gradient=2000 * 2001 / 2),
)

LABELS = {"nested": "nested for loops, depth", "straight": "straight-line statements",
          "elif": "elif arms", "sum": "flat sum, terms (grad right)"}
EXPONENT = 1.1  # the most the straight-line builds' time may grow as a power of size

# Each module also defines a small function whose gradient is built first: the compiler's
# own modules are imported (and compiled: bytecode may be off) before the timed build.
WARM_UP = """

def warm_up(x):
    s = x
    for i in range(2):
        s = s * x
    return s
"""

# Run in a fresh process: import the generated module from its file, then time the first
# call of its gradient, which builds it (the call itself runs one trip of each loop).
# Prints the seconds, then the gradient.
BUILD = """\
import importlib.util, sys, time
import symdiff
spec = importlib.util.spec_from_file_location("scaled", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
symdiff.grad(module.warm_up)(0.5)
g = symdiff.grad(module.f, argnums=0)
start = time.perf_counter()
value = g(0.5, 1)
seconds = time.perf_counter() - start
# CPython's own share, garbage collection paused as during the build: parsing the
# user's file, unparsing the generated module's tree and compiling its text.
import ast, gc
text, user = g.source, open(sys.argv[1]).read()
tree = ast.parse(text)
gc.disable()
start = time.perf_counter()
ast.parse(user)
ast.unparse(tree)
compile(text, "generated", "exec")
floor = time.perf_counter() - start
gc.enable()
print(seconds, floor, repr(value))
"""


def build_seconds(case: Case) -> tuple[float | str, float | None]:
    """Seconds the build of `case` took, or text: "> 60 s" past `CAP`, what it raised,
    or "wrong gradient" when the case checks it; and the seconds CPython itself takes to
    parse the source, unparse the generated tree and compile its text (None if no build)."""
    with tempfile.TemporaryDirectory(prefix="symdiff-scaling-") as tmp:
        path = Path(tmp) / f"{case.family}_{case.size}.py"
        path.write_text(case.source(case.size) + WARM_UP)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SYMDIFF_CACHE": "0"}
        try:
            done = subprocess.run([sys.executable, "-c", BUILD, str(path)], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=CAP)
        except subprocess.TimeoutExpired:
            return f"> {CAP:g} s", None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return f"failed: {last[:60]}", None
    seconds, floor, value = done.stdout.strip().splitlines()[-1].split(" ", 2)
    if case.gradient is not None and float(value) != case.gradient:
        return f"wrong gradient {value} (want {case.gradient!r})", float(floor)
    return float(seconds), float(floor)


def growth_exponent(sizes: list[int], seconds: list[float]) -> float:
    """The least-squares slope of log(seconds) over log(size)."""
    xs = [math.log(n) for n in sizes]
    ys = [math.log(t) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return (sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
            / sum((x - mx) ** 2 for x in xs))


def main(names: list[str] | None = None) -> None:
    cases = [c for c in CASES if not names or c.name in names]
    print(f"\nCompile scaling: building grad in a fresh process (SYMDIFF_CACHE=0), "
          f"seconds, stopped after {CAP:g} s")
    rows = []
    straight: dict[int, float] = {}
    for case in cases:
        seconds, floor = build_seconds(case)
        measured = f"{seconds:.2f}" if isinstance(seconds, float) else seconds
        cpython = "-" if floor is None else f"{floor:.2f}"
        if case.gradient is not None:
            target, ok = "builds, right", isinstance(seconds, float)
        else:
            target = "-" if case.target is None else f"<= {case.target:g}"
            ok = isinstance(seconds, float) and seconds <= (case.target or math.inf)
        verdict = "" if target == "-" else status(ok)
        rows.append([LABELS[case.family], str(case.size), measured, cpython, target, verdict])
        if case.family == "straight" and isinstance(seconds, float):
            straight[case.size] = seconds
    if len(straight) >= 2:
        exponent = growth_exponent(sorted(straight), [straight[n] for n in sorted(straight)])
        sizes = "-".join(f"{n // 1000}k" for n in sorted(straight))
        rows.append(["straight-line growth exponent", sizes, f"{exponent:.2f}", "-",
                     f"<= {EXPONENT:g}", status(exponent <= EXPONENT)])
    print(table(["function", "size", "build s", "of it CPython's own s", "target", "status"],
                rows))


if __name__ == "__main__":
    main(sys.argv[1:])
