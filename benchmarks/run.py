"""symdiff benchmarks (``make bench``): one run, medians, targets and PASS/MISS.

1. Per-call time of the essay example and a Black–Scholes price: the function itself,
   its gradient through ``symdiff.grad``, the bare generated function, a hand-written
   gradient, SymPy (diff + CSE + lambdify) and JAX, autograd, Tangent and CasADi when
   installed.
2. First call in a fresh process: building the gradient with the disk cache off, and
   loading it from a warm disk cache.
3. ``import symdiff``: its cumulative import time, and whether it pulls in SymPy.
4. NumPy arrays (`benchmarks.report_arrays`): a logistic-regression and an MLP loss
   against hand-written NumPy gradients, JAX and autograd, and the gradient of a function
   of 10**6 inputs by one reverse pass against n forward passes.
5. `jacobian`'s mode choice (`benchmarks.report_jacobian`): forward and reverse mode timed
   on a wide (n -> 1) and a tall (1 -> n) function.
6. Second derivatives (`benchmarks.report_higher`): the Hessian and a Hessian-vector
   product of the extended Rosenbrock function, n = 10 and 100, ÷ the function's time.
7. Compile scaling (`benchmarks.compile_scaling`): seconds to build ``grad`` of nested
   ``for`` loops, long straight-line code, long ``elif`` chains and a flat sum of 2,000
   terms, in fresh processes, with the straight-line code's growth exponent.
8. Breadth (`benchmarks.report_realistic`): a corpus of realistic functions through every
   transform that applies, each result checked against central differences: ok / error /
   WRONG, and how many functions work through every transform.
9. Native speed (`benchmarks.report_native`): gradients of Python loops (Rosenbrock,
   Horner, Newton, RK4, GARCH, a convolution) from the numba backend against njit(f), the
   Python backend and a hand-written njit gradient; build and load times; tape memory.
10. The same loop against Tangent and CasADi (`benchmarks.report_loop_baselines`): the
   Rosenbrock loop of n = 1000 through ``tangent.grad`` and a CasADi SX ``Function``,
   when installed, beside symdiff's two backends; their build times.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# One BLAS thread unless told otherwise (before NumPy is imported): on two cores shared
# with other work, threaded BLAS is erratic (one matrix product took 10x its usual time).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import symdiff
from benchmarks import (
    baselines,
    compile_scaling,
    functions,
    report_arrays,
    report_higher,
    report_jacobian,
    report_loop_baselines,
    report_native,
    report_realistic,
)
from benchmarks._table import status, table
from benchmarks._timing import (
    REPEAT,
    fresh_process_seconds,
    import_time_us,
    per_call_seconds,
    run_python,
)

GRAD_OVER_F = 3.0


@dataclass(frozen=True)
class Case:
    """One function under benchmark (looked up by name in `benchmarks.functions`)."""

    name: str
    args: tuple[float, ...]
    hand: Callable[..., Any]
    grad_over_hand: float  # target

    @property
    def fn(self) -> Callable[..., float]:
        return getattr(functions, self.name)

    @property
    def argnums(self) -> tuple[int, ...]:
        return tuple(range(len(self.args)))


CASES = (
    Case("essay", functions.ESSAY_ARGS, functions.essay_grad, 1.2),
    Case("call_price", functions.CALL_ARGS, functions.call_price_grad, 1.5),
)

FIRST_CALL = """\
import time
import symdiff
from benchmarks import functions
f, args = functions.{name}, {args!r}
start = time.perf_counter()
# The compiler, which symdiff imports on the first derivative call, timed on its own.
import symdiff.runtime.builds, symdiff.runtime.pipeline
import symdiff.frontend.lower, symdiff.codegen.emit
loaded = time.perf_counter()
symdiff.grad(f, argnums={argnums!r})(*args)
print(loaded - start, time.perf_counter() - loaded)
"""
# The build of one more derivative in a process that has built one already: the
# target's "in process" figure (no import, no first use of the compiler's code).
NEXT_BUILD = """\
import time
import symdiff
from benchmarks import functions
symdiff.grad(functions.warm_up, argnums=(0, 1))(0.3, 0.4)
f, args = functions.{name}, {args!r}
start = time.perf_counter()
symdiff.grad(f, argnums={argnums!r})(*args)
print(time.perf_counter() - start)
"""
# Fresh processes run as an installed package would: with bytecode caching on.
BYTECODE = {"PYTHONDONTWRITEBYTECODE": ""}


def check_gradient(case: Case, name: str, grad: Callable[..., Any]) -> None:
    """Refuse to time a gradient that disagrees with the hand-written one."""
    got, want = list(grad(*case.args)), case.hand(*case.args)
    if not all(abs(g - w) <= 1e-9 * max(1.0, abs(w)) for g, w in zip(got, want, strict=True)):
        raise SystemExit(f"{case.name}: {name} gradient {got} != hand-written {want}")


def call_times(case: Case) -> dict[str, float]:
    """Per-call seconds of every implementation of `case` (missing tools left out)."""
    grad = symdiff.grad(case.fn, argnums=case.argnums)
    impls: dict[str, Callable[..., Any]] = {"grad": grad}
    compiled = getattr(grad, "compiled", None)
    if callable(compiled):
        impls["compiled"] = compiled
    impls["hand"] = case.hand
    impls["sympy"] = baselines.sympy_grad(case.name)
    for tool, make in baselines.OPTIONAL.items():
        other = make(case.name)
        if other is not None:
            impls[tool] = other
    for name, impl in impls.items():
        check_gradient(case, name, impl)
    return per_call_seconds({"f": case.fn, **impls}, case.args)


def first_call_times(case: Case) -> tuple[float, float, float, float]:
    """Seconds in a fresh process: importing the compiler, then the first ``grad`` call with
    the disk cache off (a build) and with a warm disk cache (a load); and the build in a
    process that has built another derivative (median of 5 processes)."""
    code = FIRST_CALL.format(name=case.name, args=case.args, argnums=case.argnums)
    next_build = NEXT_BUILD.format(name=case.name, args=case.args, argnums=case.argnums)
    with tempfile.TemporaryDirectory(prefix="symdiff-bench-") as tmp:
        env = {**BYTECODE, "SYMDIFF_CACHE_DIR": str(Path(tmp) / "cache")}
        run_python(code, {**env, "SYMDIFF_CACHE": "1"})  # write bytecode, fill the cache
        compiler, cold = fresh_process_seconds(code, {**env, "SYMDIFF_CACHE": "0"})
        _, warm = fresh_process_seconds(code, {**env, "SYMDIFF_CACHE": "1"})
        (in_process,) = fresh_process_seconds(next_build, {**env, "SYMDIFF_CACHE": "0"}, runs=5)
    return compiler, cold, warm, in_process


def print_baseline_notes(results: dict[str, dict[str, float]]) -> None:
    """What the Tangent and CasADi columns time, where they are present."""
    if any("casadi" in times for times in results.values()):
        print("casadi: a casadi.Function of SX symbols called with floats, its DM result "
              "turned into a list of floats")
    if any("tangent" in times for times in results.values()):
        for name in results:
            problem = baselines.tangent_math_problem(name)
            if problem:
                print(f"tangent: {name} as written (over math) is unsupported: {problem} "
                      "Timed over NumPy and scipy.special.erf, as JAX and autograd are.")


def report_calls(results: dict[str, dict[str, float]]) -> None:
    columns = ["f", "grad", "compiled", "hand", "sympy", *baselines.OPTIONAL]
    columns = [c for c in columns if any(c in r for r in results.values())]
    rows = [
        [name, *(f"{times[c] * 1e6:.3f}" if c in times else "-" for c in columns)]
        for name, times in results.items()
    ]
    print(f"Per-call time, µs (median of {REPEAT} repeats)")
    labels = {"grad": "symdiff.grad", "compiled": "grad.compiled", "hand": "hand-written"}
    print(table(["function", *(labels.get(c, c) for c in columns)], rows))
    print_baseline_notes(results)
    print("\nRatios")
    rows = []
    for case in CASES:
        t = results[case.name]
        # The generated gradient itself (grad.compiled), and the same call through the
        # grad object, which adds argument checks and signature dispatch.
        checks = [
            ("grad.compiled / f", t["compiled"] / t["f"], GRAD_OVER_F),
            ("grad.compiled / hand-written", t["compiled"] / t["hand"], case.grad_over_hand),
            ("symdiff.grad / f", t["grad"] / t["f"], GRAD_OVER_F),
            ("symdiff.grad / hand-written", t["grad"] / t["hand"], case.grad_over_hand),
        ]
        checks.append(("sympy / f", t["sympy"] / t["f"], None))
        checks.append(("symdiff.grad / sympy", t["grad"] / t["sympy"], None))
        checks += [
            (f"symdiff.grad / {tool}", t["grad"] / t[tool], None)
            for tool in baselines.OPTIONAL
            if tool in t
        ]
        for label, ratio, target in checks:
            rows.append(
                [
                    case.name,
                    label,
                    f"{ratio:.3g}",
                    "-" if target is None else f"<= {target:g}",
                    "" if target is None else status(ratio <= target),
                ]
            )
    print(table(["function", "ratio", "measured", "target", "status"], rows, left=2))


def report_first_calls() -> None:
    print("\nFirst call, ms: in a fresh process (median of 3 processes), and in a process"
          " that has built another derivative (median of 5)")
    rows = []
    for case in CASES:
        compiler, cold, warm, in_process = first_call_times(case)
        target = "<= 5" if case.name == "call_price" else "-"
        rows.append([case.name, f"{compiler * 1e3:.1f}", f"{cold * 1e3:.1f}",
                     f"{warm * 1e3:.1f}", f"{in_process * 1e3:.1f}", target,
                     status(in_process <= 5e-3) if target != "-" else ""])
    print(table(["function", "import compiler", "fresh: build (SYMDIFF_CACHE=0)",
                 "fresh: load from disk cache", "in process: build", "target", "status"],
                rows))


def report_import() -> None:
    symdiff_us = import_time_us("symdiff")["symdiff"]
    numpy_us = import_time_us("numpy")["numpy"]
    code = "import sys, symdiff; print('sympy' in sys.modules, 'numpy' in sys.modules)"
    loaded = run_python(code)
    sympy_loaded, numpy_loaded = (word == "True" for word in loaded.stdout.split())
    print("\nImport (python -X importtime, median of 5 processes)")
    rows = [
        ["import symdiff (cumulative)", f"{symdiff_us / 1e3:.1f} ms", "-", ""],
        ["import numpy (for reference)", f"{numpy_us / 1e3:.1f} ms", "-", ""],
        ["symdiff imports numpy", str(numpy_loaded), "-", ""],
        ["symdiff imports sympy", str(sympy_loaded), "False", status(not sympy_loaded)],
    ]
    print(table(["what", "measured", "target", "status"], rows))


def report_loops() -> None:
    """The cheap-gradient principle through a loop: grad / f must stay flat in n."""
    fn = functions.rosenbrock
    grad = symdiff.grad(fn)
    print("\nLoop gradient (extended Rosenbrock of a list of n numbers, a loop over it), "
          "per-call medians")
    rows = []
    for n in functions.LOOP_SIZES:
        args = (functions.rosenbrock_point(n),)
        grad(*args)  # compiled before it is timed
        times = per_call_seconds({"f": fn, "grad": grad}, args, repeat=5)
        ratio = times["grad"] / times["f"]
        rows.append([str(n), f"{times['f'] * 1e6:.1f}", f"{times['grad'] * 1e6:.1f}",
                     f"{ratio:.2f}", f"<= {GRAD_OVER_F:g}", status(ratio <= GRAD_OVER_F)])
    print(table(["n", "f µs", "grad µs", "grad / f", "target", "status"], rows))


# Pure-Python backend, extended Rosenbrock of n = 1000 numbers, against plain f on a list.
NDARRAY_GRAD_OVER_LIST_F = 3.0
LOOP_GRAD_OVER_F = 2.0


def report_loops_python(n: int = 1000) -> None:
    """The pure-Python backend's loop gradient of an ndarray and of a list, per call,
    against the plain function looping over a list."""
    import numpy as np

    fn, grad = functions.rosenbrock, symdiff.grad(functions.rosenbrock)
    as_list = functions.rosenbrock_point(n)
    as_array = np.array(as_list)
    calls = {"f(list)": partial(fn, as_list), "f(ndarray)": partial(fn, as_array),
             "grad(list)": partial(grad, as_list), "grad(ndarray)": partial(grad, as_array)}
    for call in calls.values():
        call()  # compiled before it is timed
    times = per_call_seconds(calls, (), repeat=7)
    base = times["f(list)"]
    targets = {"grad(ndarray)": NDARRAY_GRAD_OVER_LIST_F, "grad(list)": LOOP_GRAD_OVER_F}
    print(f"\nLoop gradient, pure-Python backend (extended Rosenbrock, n = {n}), "
          "per-call medians of 7 interleaved runs, against plain f on a list")
    rows = []
    for name, seconds in times.items():
        ratio = seconds / base
        target = targets.get(name)
        rows.append([name, f"{seconds * 1e6:.1f}", f"{ratio:.2f}",
                     "-" if target is None else f"<= {target:g}",
                     "" if target is None else status(ratio <= target)])
    print(table(["call", "µs", "÷ f(list)", "target", "status"], rows))


def main() -> None:
    version = getattr(symdiff, "__version__", "")
    print(f"symdiff {version} benchmarks, Python {sys.version.split()[0]}\n")
    report_calls({case.name: call_times(case) for case in CASES})
    report_loops()
    report_loops_python()
    report_first_calls()
    report_import()
    report_arrays.main()
    report_jacobian.main()
    report_higher.main()
    compile_scaling.main()
    report_realistic.main()
    report_native.main()
    report_loop_baselines.main()


if __name__ == "__main__":
    main()
