"""``make bench`` section: the native table, gradients of Python loops compiled by numba.

Per workload of `benchmarks.native_workloads`, in one run, medians of interleaved
repeats: the function in plain Python and compiled by ``numba.njit``, its gradient from
the Python backend and from the numba backend (``backend="numba"``) and, where there is
one, a hand-written gradient compiled by ``numba.njit``; the numba backend's build in
this process (cold: the disk cache empty) and its load in a fresh process from the warm
disk cache. Then the issue's targets, PASS or MISS; the time of the generated code
called directly against the whole call; the first call of the Rosenbrock
gradient, n = 1000, in fresh processes; and the memory of a reverse-mode tape of 10**6
iterations that saves two numbers each.

Run on its own: ``python -m benchmarks.report_native [--small]``.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import symdiff
from benchmarks._table import status, table
from benchmarks._timing import fresh_process_seconds, per_call_seconds, run_python
from benchmarks.native_workloads import Workload, rosenbrock, workloads

GRAD_OVER_NJIT = 2.0  # on every loop workload of n >= 100
GRAD_OVER_HAND = 1.3  # Rosenbrock
GRAD_OVER_PYTHON_F = 0.03  # Rosenbrock n = 1000, ÷ plain Python f of a list
COLD_BUILD = 2.0  # s, Rosenbrock n = 1000, fresh process
WARM_LOAD = 0.2  # s, the same from the warm disk cache
TAPE_BYTES = 16e6  # 10**6 iterations saving two numbers


def _build(w: Workload) -> tuple[Callable[..., Any], float]:
    """The numba-backend gradient and the seconds its first call took (symdiff's build
    and numba's compilation)."""
    grad = symdiff.grad(w.fn, w.argnums, backend="numba")
    start = time.perf_counter()
    grad(*w.args)
    return grad, time.perf_counter() - start


WARM = """
import time, numba, numpy as np
numba.njit(lambda v: v + 1.0)(1.0)  # numba's own start-up, timed apart
import symdiff
from benchmarks.native_workloads import workloads
w = [w for w in workloads({small}) if w.name == {name!r}][0]
grad = symdiff.grad(w.fn, w.argnums, backend="numba")
start = time.perf_counter()
grad(*w.args)
print(time.perf_counter() - start)
"""


def _warm_load(w: Workload, env: dict[str, str], small: bool) -> float:
    """Seconds of the first gradient call in a fresh process whose numba has started,
    the disk cache warm (median of 3 processes)."""
    return fresh_process_seconds(WARM.format(small=small, name=w.name), env)[0]


def _row(w: Workload, env: dict[str, str], small: bool, repeat: int, built: bool
         ) -> dict[str, float]:
    """The times of one workload; `built` when a row above built the same gradient (its
    cold build is not measured again)."""
    import numba

    grad, cold = _build(w)
    cold = math.nan if built else cold
    python_grad = symdiff.grad(w.fn, w.argnums)
    jitted = numba.njit(w.fn)
    fns: dict[str, Callable[..., Any]] = {"f": w.fn, "njit(f)": jitted,
                                          "python grad": python_grad, "numba grad": grad}
    if w.hand is not None:
        fns["hand njit grad"] = numba.njit(w.hand)
    fns["generated alone"] = _generated_alone(grad, w)
    if w.fn is rosenbrock:
        fns["zeros only"] = _zeros_only()
    for fn in fns.values():
        fn(*w.args)  # compiled before it is timed
    _check(grad(*w.args), python_grad(*w.args), w.name)
    if w.hand is not None:
        _check(grad(*w.args), fns["hand njit grad"](*w.args), w.name)
    times = per_call_seconds(fns, w.args, repeat=repeat)
    if w.fn is rosenbrock:
        times["f of a list"] = per_call_seconds({"f": w.fn}, (w.args[0].tolist(),),
                                                repeat=repeat)["f"]
    times["cold build"] = cold
    times["warm load"] = _warm_load(w, env, small)
    return times


def _generated_alone(grad: Any, w: Workload) -> Callable[..., Any]:
    """The function of the gradient's generated module (`grad.source`, the code the numba
    backend compiles) compiled by ``numba.njit`` and called directly: without the checks
    each call of the gradient makes first (its argument types, stale code)."""
    import numba

    namespace: dict[str, Any] = {}
    exec(compile(grad.source, f"<{w.name} gradient>", "exec"), namespace)
    return numba.njit(namespace[f"{w.fn.__name__}_grad"])


def _zeros_only() -> Callable[..., Any]:
    """An njit function that only makes and returns ``np.zeros_like(x)``: the floor of a
    gradient that returns a new array."""
    import numba

    return numba.njit(lambda x: np.zeros_like(x))


def _check(got: Any, want: Any, name: str) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                               rtol=1e-9, atol=1e-12, err_msg=name)


COLUMNS = ["f", "njit(f)", "python grad", "numba grad", "hand njit grad"]


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.3g}" if seconds < 1e-3 else f"{seconds * 1e6:,.0f}"


def _seconds(value: float) -> str:
    return "(above)" if math.isnan(value) else f"{value:.2f}"


def report(results: dict[str, dict[str, float]], rows: list[Workload]) -> list[list[str]]:
    """Print the table and the targets; return the target rows (for the tests)."""
    print("\nNative table: gradients of Python loops, µs per call (medians), and the numba "
          "backend's build, s")
    cells = [[w.name, *(_us(results[w.name][c]) if c in results[w.name] else "-"
                        for c in COLUMNS),
              _seconds(results[w.name]["cold build"]), f"{results[w.name]['warm load']:.3f}"]
             for w in rows]
    print(table(["workload", "plain f", "njit(f)", "symdiff python", "symdiff numba",
                 "hand njit", "build cold s", "load warm s"], cells))
    print("cold: first call in this process, disk cache empty (symdiff's build and numba's "
          "compile); warm: first call in a fresh process whose numba has started, disk cache "
          "warm")
    targets: list[list[str]] = []
    for w in rows:
        t = results[w.name]
        ratio = t["numba grad"] / t["njit(f)"]
        target = w.loop
        targets.append([w.name, "numba grad ÷ njit(f)", f"{ratio:.2f}",
                        f"<= {GRAD_OVER_NJIT:g}" if target else "-",
                        status(ratio <= GRAD_OVER_NJIT) if target else ""])
        targets.append([w.name, "python grad ÷ numba grad",
                        f"{t['python grad'] / t['numba grad']:.0f}x", "-", ""])
        if "hand njit grad" in t:
            ratio = t["numba grad"] / t["hand njit grad"]
            targets.append([w.name, "numba grad ÷ hand njit grad", f"{ratio:.2f}",
                            f"<= {GRAD_OVER_HAND:g}", status(ratio <= GRAD_OVER_HAND)])
        if "f of a list" in t:
            ratio = t["numba grad"] / t["f of a list"]
            big = w.name.endswith("=1000")
            targets.append([w.name, "numba grad ÷ plain f of a list", f"{ratio:.4f}",
                            f"<= {GRAD_OVER_PYTHON_F:g}" if big else "-",
                            status(ratio <= GRAD_OVER_PYTHON_F) if big else ""])
    print("\nNative targets")
    print(table(["workload", "ratio", "measured", "target", "status"], targets, left=2))
    report_entry(results, rows)
    return targets


def report_entry(results: dict[str, dict[str, float]], rows: list[Workload]) -> None:
    """Where a numba-backend gradient call's time goes: the generated code compiled and
    called directly, and the rest (the checks of its argument types and of stale code,
    the call of the Python object)."""
    cells = []
    for w in rows:
        t = results[w.name]
        if "generated alone" not in t:
            continue
        zeros = _us(t["zeros only"]) if "zeros only" in t else "-"
        cells.append([w.name, _us(t["numba grad"]), _us(t["generated alone"]),
                      f"{(t['numba grad'] - t['generated alone']) * 1e6:.2f}",
                      f"{t['generated alone'] / t['njit(f)']:.2f}", zeros])
    print("\nA numba-backend gradient call: its generated code compiled by numba.njit and "
          "called directly, and the checks before it, µs (same run)")
    print(table(["workload", "numba grad", "generated alone", "checks and call",
                 "alone ÷ njit(f)", "zeros_like only"], cells))
    print("checks: the argument types of the signature and that the code it was built from "
          "is unchanged; zeros_like only: an njit function returning np.zeros_like(x)")


FIRST = """
import time
start = time.perf_counter()
import numpy as np
import symdiff
from benchmarks.native_workloads import rosenbrock
imported = time.perf_counter()
import numba
numba.njit(lambda v: v + 1.0)(1.0)
started = time.perf_counter()
x = np.linspace(-1.0, 1.0, 1000)
symdiff.grad(rosenbrock, backend="numba")(x)
done = time.perf_counter()
print(imported - start, started - imported, done - started)
"""


def report_first_call() -> list[list[str]]:
    """Rosenbrock n = 1000 in fresh processes: cold (an empty disk cache) and warm."""
    with tempfile.TemporaryDirectory(prefix="symdiff-native-") as tmp:
        env = {"SYMDIFF_CACHE_DIR": str(Path(tmp) / "cold")}
        colds = [fresh_process_seconds(FIRST, {"SYMDIFF_CACHE_DIR": str(Path(tmp) / str(k))},
                                       runs=1) for k in range(3)]
        cold = [statistics.median(c) for c in zip(*colds, strict=True)]
        run_python(FIRST, env)
        warm = fresh_process_seconds(FIRST, env)
    print("\nFirst call of the numba-backend Rosenbrock gradient, n = 1000, in a fresh process"
          " (medians of 3), s")
    rows = [
        ["import symdiff + NumPy", f"{cold[0]:.3f}", f"{warm[0]:.3f}", "-", ""],
        ["numba's start-up (import, first njit call)", f"{cold[1]:.3f}", f"{warm[1]:.3f}",
         "-", ""],
        ["symdiff numba grad, cold: build + compile", f"{cold[2]:.3f}", "-",
         f"<= {COLD_BUILD:g}", status(cold[2] <= COLD_BUILD)],
        ["symdiff numba grad, warm: load", "-", f"{warm[2]:.3f}", f"<= {WARM_LOAD:g}",
         status(warm[2] <= WARM_LOAD)],
        ["all of the above, warm", "-", f"{sum(warm):.3f}", "-", ""],
    ]
    print(table(["what", "cold", "warm", "target", "status"], rows))
    return rows


TAPE_LOOP = """import math


def two_saved(x, y, n):
    a = x
    b = y
    for _ in range(n):
        a, b = a * b + x, 0.999 * b + 0.001 * a * a
    return math.tanh(a + b)
"""

TAPE = """
import symdiff
from tape_loop import two_saved


def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field))


# With respect to two numbers: reverse mode, with a tape (the numba backend takes the
# gradient in one number through a loop by forward mode, which saves nothing).
grad = symdiff.grad(two_saved, (0, 1), backend={backend!r})
grad(0.3, 0.5, 10)  # compiled first
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak resident size starts again from here (Linux)
before = status("VmRSS:")
grad(0.3, 0.5, 10 ** 6)
print(status("VmHWM:") - before, "tape_1 = np.empty(len(range(n)))" in grad.source)
"""


def report_tape() -> list[str]:
    """Peak memory of the gradient of a loop of 10**6 iterations that saves two numbers
    per iteration, in a fresh process (its peak resident size over its size before the
    call, read from /proc: Linux), from the numba backend (two float64 arrays) and, for
    comparison, the Python backend (a list of tuples)."""
    from benchmarks._timing import ROOT

    rows = []
    with tempfile.TemporaryDirectory(prefix="symdiff-tape-") as tmp:
        (Path(tmp) / "tape_loop.py").write_text(TAPE_LOOP)
        env = {"SYMDIFF_CACHE": "0", "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp}"}
        for backend in ("numba", "python"):
            grew, arrays = run_python(TAPE.format(backend=backend), env).stdout.split()
            grew_bytes = float(grew)
            numba = backend == "numba"
            rows.append([f"{backend} backend", f"{grew_bytes / 1e6:.1f} MB",
                         f"{grew_bytes / 2e6:.1f}", f"<= {TAPE_BYTES / 1e6:g} MB" if numba
                         else "-", status(grew_bytes <= TAPE_BYTES and arrays == "True")
                         if numba else ""])
    print("\nReverse-mode tape of 10**6 iterations saving two numbers each: growth of the "
          "peak resident memory in a fresh process")
    print(table(["gradient", "growth", "bytes per saved number", "target", "status"], rows))
    return rows[0]


def main(small: bool = False, repeat: int = 5) -> None:
    try:
        import numba  # noqa: F401
    except ImportError:
        print("\nNative table: skipped, numba is not installed (pip install numba)")
        return
    rows = workloads(small)
    results = {}
    with tempfile.TemporaryDirectory(prefix="symdiff-native-") as tmp:
        env = {"SYMDIFF_CACHE_DIR": tmp, "SYMDIFF_CACHE": "1"}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            seen: set[tuple[Any, Any]] = set()
            for w in rows:
                results[w.name] = _row(w, env, small, repeat, (w.fn, w.argnums) in seen)
                seen.add((w.fn, w.argnums))
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    report(results, rows)
    report_first_call()
    report_tape()


if __name__ == "__main__":
    main(small="--small" in sys.argv[1:], repeat=3 if "--small" in sys.argv[1:] else 5)
