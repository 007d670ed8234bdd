"""``make bench`` section: the gradient of a Python loop against Tangent and CasADi.

The extended Rosenbrock function of n = 1000 numbers written as a Python loop
(`native_workloads.rosenbrock`, the native table's "Rosenbrock n=1000" workload): µs per
call of the plain function, of symdiff's gradient from the Python and the numba backend,
of a CasADi ``Function`` built by running the same loop over the entries of an ``SX``
vector (the loop unrolled into an expression graph), and of ``tangent.grad`` of the same
function; and the seconds each other tool takes to build its gradient in this process.
Every gradient is checked against the hand-written one before it is timed.

Run on its own: ``python -m benchmarks.report_loop_baselines [--small]``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

import symdiff
from benchmarks._table import table
from benchmarks._timing import per_call_seconds
from benchmarks.native_workloads import rosenbrock, rosenbrock_grad_by_hand

N = 1000
RTOL = 1e-12


@dataclass(frozen=True)
class Row:
    """A line of the table: a call to time, or `problem` saying why there is none; the
    seconds its gradient took to build (NaN where not measured here)."""

    label: str
    call: Callable[[], Any] | None
    build: float = float("nan")
    problem: str = ""


def casadi_rows(x: np.ndarray) -> list[Row]:
    """A ``casadi.Function`` of the SX gradient, its result as a ``DM`` and as an ndarray."""
    import casadi

    start = time.perf_counter()
    v = casadi.SX.sym("x", x.size)
    loss = rosenbrock(casadi.vertsplit(v))  # the loop runs once, over SX scalars
    function = casadi.Function("grad", [v], [casadi.densify(casadi.gradient(loss, v))])
    function(x)
    build = time.perf_counter() - start
    return [Row("casadi SX Function, DM result", partial(function, x), build),
            Row("casadi SX Function, ndarray result", lambda: np.ravel(function(x).full()))]


def tangent_rows(x: np.ndarray) -> list[Row]:
    """``tangent.grad`` of the loop (its disk cache off for the build), on an ndarray and
    on a list."""
    import tangent

    saved = os.environ.get("TANGENT_DISK_CACHE")
    os.environ["TANGENT_DISK_CACHE"] = "0"
    try:
        start = time.perf_counter()
        grad = tangent.grad(rosenbrock)
        grad(x)
        build = time.perf_counter() - start
    finally:
        if saved is None:
            os.environ.pop("TANGENT_DISK_CACHE")
        else:
            os.environ["TANGENT_DISK_CACHE"] = saved
    return [Row("tangent.grad, ndarray", partial(grad, x), build),
            Row("tangent.grad, list", partial(grad, x.tolist()))]


TOOLS: dict[str, Callable[[np.ndarray], list[Row]]] = {
    "casadi": casadi_rows, "tangent": tangent_rows}


def rows(x: np.ndarray) -> list[Row]:
    """Every implementation, each checked against the hand-written gradient."""
    found = [Row("plain f, list", partial(rosenbrock, x.tolist())),
             Row("plain f, ndarray", partial(rosenbrock, x)),
             Row("symdiff python backend", partial(symdiff.grad(rosenbrock), x))]
    if importlib.util.find_spec("numba") is not None:
        found.append(Row("symdiff numba backend",
                         partial(symdiff.grad(rosenbrock, backend="numba"), x)))
    for tool, make in TOOLS.items():
        if importlib.util.find_spec(tool) is None:
            found.append(Row(tool, None, problem="not installed"))
            continue
        try:
            found += make(x)
        except Exception as err:  # the tool cannot differentiate the loop
            first = (str(err).strip().splitlines() or [""])[0]
            found.append(Row(tool, None, problem=f"unsupported: {type(err).__name__}: {first}"))
    want = rosenbrock_grad_by_hand(x)
    for row in found:
        if row.call is not None and not row.label.startswith("plain f"):
            got = np.asarray(row.call(), dtype=float).ravel()
            np.testing.assert_allclose(got, want, rtol=RTOL,
                                       atol=RTOL * float(np.max(np.abs(want))),
                                       err_msg=row.label)
    return found


def main(n: int = N, repeat: int = 5) -> dict[str, float]:
    """Print the table; return the per-call seconds by row (for the tests)."""
    x = np.random.default_rng(0).uniform(-1.0, 1.0, n)
    table_rows = rows(x)
    times = per_call_seconds({r.label: r.call for r in table_rows if r.call is not None}, (),
                             repeat=repeat)
    base, numba = times["plain f, list"], times.get("symdiff numba backend")
    cells = []
    for r in table_rows:
        if r.call is None:
            cells.append([r.label, r.problem])
            continue
        t = times[r.label]
        cells.append([r.label, f"{t * 1e6:,.1f}", f"{t / base:.3g}",
                      "-" if numba is None else f"{t / numba:.3g}",
                      "-" if np.isnan(r.build) else f"{r.build:.3f}"])
    print(f"\nLoop gradient against Tangent and CasADi: extended Rosenbrock, n = {n}, a Python "
          f"loop; µs per call, medians of {repeat} interleaved runs")
    print(table(["implementation", "µs", "÷ plain f (list)", "÷ symdiff numba", "build s"],
                cells))
    print("build: the tool's gradient built and called once in this process (Tangent's disk "
          "cache off); symdiff's builds are in the native table")
    return times


if __name__ == "__main__":
    small = "--small" in sys.argv[1:]
    main(n=20 if small else N, repeat=3 if small else 5)
