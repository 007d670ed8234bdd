"""The NumPy array section of ``make bench`` (issue 4).

1. A logistic-regression loss and a two-layer MLP loss: per-call time and peak memory of
   the function, its hand-written gradient, ``symdiff.grad``, and ``jax.jit(jax.grad)``,
   ``autograd.grad``, ``tangent.grad`` and a CasADi MX ``Function`` when installed;
   symdiff's ratios against its targets.
2. The essay's point at scale: the gradient of a scalar function of n = 10**6 inputs by
   one reverse pass, against n forward passes extrapolated from a few.

JAX and autograd run the very same function source, with ``np`` bound to ``jax.numpy``
or ``autograd.numpy``; CasADi too, with ``np`` bound to its MX functions of the same
names; Tangent transforms the source itself. Every gradient is checked against the
hand-written one before it is timed. Where symdiff or another tool cannot differentiate
a function (yet), its row says why and the report goes on.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import os
import statistics
import time
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import symdiff
from benchmarks import arrays
from benchmarks._table import status, table
from benchmarks._timing import ROOT, peak_bytes, per_call_seconds
from benchmarks.baselines import available, unannotated_source

REPEAT = 5
GRAD_OVER_F = 3.0
GRAD_OVER_HAND = 1.3
PEAK_OVER_HAND = 1.5
FORWARD_PASSES = 20  # timed, then extrapolated to n passes
SYMDIFF_FORWARD = "forward: symdiff.jvp, basis tangent e_i"
STAND_IN = "forward: f(x + h e_i), a stand-in: one f per input"
JAX_FORWARD = "forward: jax.jit(jax.jvp), basis tangent e_i"
MiB = 2.0**20


@dataclass(frozen=True)
class ArrayCase:
    """A loss under benchmark, its hand-written gradient and its data."""

    name: str
    fn: Callable[..., Any]
    hand: Callable[..., Any]
    argnums: int | tuple[int, ...]
    data: Callable[[], tuple[np.ndarray, ...]]


CASES = (
    ArrayCase("logistic", arrays.logistic_loss, arrays.logistic_grad, 0, arrays.logistic_data),
    ArrayCase("mlp", arrays.mlp_loss, arrays.mlp_grad, (0, 1, 2, 3), arrays.mlp_data),
)


@dataclass(frozen=True)
class Impl:
    """One way of computing a gradient: a callable and the arguments to time it on, or
    `problem` ("unsupported: ...", "wrong gradient: ...") when there is nothing to time."""

    label: str
    fn: Callable[..., Any] | None
    args: tuple[Any, ...] = ()
    problem: str = ""
    traced: bool = True  # tracemalloc sees its allocations


def over(fn: Callable[..., Any], module: Any) -> Callable[..., Any]:
    """`fn`'s own code with the global name ``np`` bound to `module` (e.g. ``jax.numpy``)."""
    return types.FunctionType(
        fn.__code__, {**fn.__globals__, "np": module}, fn.__name__, fn.__defaults__
    )


def unsupported(err: Exception) -> str:
    """``unsupported: <the error's first line>``, paths shown relative to the repository."""
    first = (str(err).splitlines() or [""])[0].replace(f"{ROOT}{os.sep}", "")
    if not isinstance(err, symdiff.SymdiffError):
        first = f"{type(err).__name__}: {first}"
    return f"unsupported: {first}"


def as_arrays(grad: Any) -> list[np.ndarray]:
    return [np.asarray(g) for g in (grad if isinstance(grad, tuple) else (grad,))]


def mismatch(got: Any, want: Any) -> str:
    """Empty when gradient `got` equals `want` to rounding, else what differs."""
    got_list, want_list = as_arrays(got), as_arrays(want)
    if [g.shape for g in got_list] != [w.shape for w in want_list]:
        return f"wrong gradient: shapes {[g.shape for g in got_list]}"
    for g, w in zip(got_list, want_list, strict=True):
        scale = max(1.0, float(np.max(np.abs(w), initial=0.0)))
        if not np.allclose(g, w, rtol=1e-7, atol=1e-10 * scale):
            return f"wrong gradient: max difference {np.max(np.abs(g - w)):.3g}"
    return ""


def checked(label: str, fn: Callable[..., Any], args: tuple[Any, ...], want: Any,
            traced: bool = True) -> Impl:
    """`fn` as an `Impl` if its first call (compiling it) succeeds and matches `want`."""
    try:
        problem = mismatch(fn(*args), want)
    except Exception as err:  # symdiff's "not yet" as well as any other failure
        problem = unsupported(err)
    return Impl(label, None if problem else fn, args, problem, traced)


def symdiff_grad(fn: Callable[..., Any], argnums: Any, args: tuple[Any, ...], want: Any) -> Impl:
    try:
        grad = symdiff.grad(fn, argnums=argnums)
    except Exception as err:
        return Impl("symdiff.grad", None, args, unsupported(err))
    return checked("symdiff.grad", grad, args, want)


def jax_grad(fn: Callable[..., Any], argnums: Any, args: tuple[Any, ...], want: Any) -> Impl:
    """``jax.jit(jax.grad(f))`` in float64, inputs placed on the device once, waiting for
    the result."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    compiled = jax.jit(jax.grad(over(fn, jnp), argnums=argnums))

    def grad(*xs: Any) -> Any:
        return jax.block_until_ready(compiled(*xs))

    on_device = tuple(jax.device_put(a) for a in args)
    return checked("jax.jit(jax.grad)", grad, on_device, want, traced=False)


def autograd_grad(
    fn: Callable[..., Any], argnums: Any, args: tuple[Any, ...], want: Any
) -> Impl:
    import autograd
    import autograd.numpy as anp

    return checked("autograd.grad", autograd.grad(over(fn, anp), argnum=argnums), args, want)


def tangent_grad(fn: Callable[..., Any], argnums: Any, args: tuple[Any, ...], want: Any
                 ) -> Impl:
    """``tangent.grad(f, wrt=argnums)`` of `fn`'s source (its annotations removed)."""
    import tangent

    wrt = argnums if isinstance(argnums, tuple) else (argnums,)
    try:
        grad = tangent.grad(fn, wrt=wrt, source=unannotated_source(fn))
    except Exception as err:
        return Impl("tangent.grad", None, args, unsupported(err))
    return checked("tangent.grad", grad, args, want)


def casadi_numpy() -> types.SimpleNamespace:
    """CasADi's MX functions under the NumPy names the array functions use."""
    import casadi

    def total(v: Any) -> Any:
        return casadi.sum1(casadi.sum2(v))

    return types.SimpleNamespace(
        maximum=casadi.fmax, log1p=casadi.log1p, exp=casadi.exp, abs=casadi.fabs,
        tanh=casadi.tanh, sum=total, mean=lambda v: total(v) / v.numel())


def casadi_grad(fn: Callable[..., Any], argnums: Any, args: tuple[Any, ...], want: Any
                ) -> Impl:
    """A ``casadi.Function`` of ``casadi.gradient`` of `fn` over MX symbols of the
    arguments' shapes. Its inputs are converted to ``DM`` beforehand (as JAX's are put on
    the device: converting X alone takes about a second); each call turns the results
    into ndarrays of the arguments' shapes."""
    import casadi

    wrt = argnums if isinstance(argnums, tuple) else (argnums,)
    try:
        symbols = [casadi.MX.sym(f"x{i}", *(a.shape if a.ndim == 2 else (a.size, 1)))
                   for i, a in enumerate(args)]
        loss = over(fn, casadi_numpy())(*symbols)
        function = casadi.Function("grad", symbols, [casadi.gradient(loss, symbols[i])
                                                     for i in wrt])
    except Exception as err:  # e.g. NumPy broadcasting, which MX does not do
        return Impl("casadi", None, args, unsupported(err))

    def grad(*xs: Any) -> Any:
        out = function(*xs)
        grads = tuple(np.reshape(o.full(), args[i].shape)
                      for i, o in zip(wrt, out if len(wrt) > 1 else (out,), strict=True))
        return grads if isinstance(argnums, tuple) else grads[0]

    return checked("casadi", grad, tuple(casadi.DM(a) for a in args), want, traced=False)


OPTIONAL: Mapping[str, Callable[..., Impl]] = {
    "jax": jax_grad, "autograd": autograd_grad, "tangent": tangent_grad, "casadi": casadi_grad}


def installed(tools: Sequence[str]) -> list[str]:
    return [tool for tool in tools if available(tool)]


def gradients(
    fn: Callable[..., Any], hand: Callable[..., Any], argnums: Any, args: tuple[Any, ...],
    tools: Sequence[str],
) -> list[Impl]:
    """The hand-written gradient, symdiff's, and each installed tool's."""
    want = hand(*args)
    impls = [Impl("hand-written", hand, args), symdiff_grad(fn, argnums, args, want)]
    impls += [OPTIONAL[tool](fn, argnums, args, want) for tool in installed(tools)]
    return impls


def seconds(impls: Sequence[Impl], repeat: int) -> dict[str, float]:
    """Median per-call seconds of every timeable `Impl`, interleaved per set of arguments."""
    times: dict[str, float] = {}
    groups: dict[int, list[Impl]] = {}
    for impl in impls:
        if impl.fn is not None:
            groups.setdefault(id(impl.args), []).append(impl)
    for group in groups.values():
        fns = {impl.label: impl.fn for impl in group}
        times.update(per_call_seconds(fns, group[0].args, repeat=repeat))  # type: ignore[arg-type]
    return times


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None else f"{a / b:.2f}"


def describe(fn: Callable[..., Any], args: Sequence[np.ndarray]) -> str:
    """``name(w (100,), X (100000, 100), ...)``: the arguments' shapes by parameter name."""
    names = inspect.signature(fn).parameters
    return f"{fn.__name__}(" + ", ".join(
        f"{p} {a.shape}" for p, a in zip(names, args, strict=True)) + ")"


@dataclass(frozen=True)
class CaseResult:
    """A case's arguments described, its rows of the call table, and the ratios that have
    targets (None where symdiff gave nothing to measure)."""

    description: str
    rows: list[list[str]]
    ratios: dict[str, float | None]


def measure_case(case: ArrayCase, tools: Sequence[str], repeat: int) -> CaseResult:
    args = case.data()
    impls = [Impl("f", case.fn, args), *gradients(case.fn, case.hand, case.argnums, args, tools)]
    times = seconds(impls, repeat)
    peaks = {i.label: peak_bytes(i.fn, i.args) for i in impls if i.fn is not None and i.traced}
    f, hand = times["f"], times["hand-written"]
    rows = []
    for impl in impls:
        if impl.fn is None:
            rows.append([case.name, impl.label, impl.problem])
            continue
        t, peak = times[impl.label], peaks.get(impl.label)
        rows.append([
            case.name, impl.label, f"{t * 1e3:.2f}", ratio(t, f), ratio(t, hand),
            "-" if peak is None else f"{peak / MiB:.1f}", ratio(peak, peaks["hand-written"]),
        ])
    grad, grad_peak = times.get("symdiff.grad"), peaks.get("symdiff.grad")
    ratios = {
        "hand-written ÷ f": hand / f,
        "symdiff.grad ÷ f": None if grad is None else grad / f,
        "symdiff.grad ÷ hand-written": None if grad is None else grad / hand,
        "symdiff.grad peak memory ÷ hand-written":
            None if grad_peak is None else grad_peak / peaks["hand-written"],
    }
    return CaseResult(describe(case.fn, args), rows, ratios)


TARGETS = {
    "hand-written ÷ f": None,  # for reference: what the targets ask of symdiff is possible
    "symdiff.grad ÷ f": GRAD_OVER_F,
    "symdiff.grad ÷ hand-written": GRAD_OVER_HAND,
    "symdiff.grad peak memory ÷ hand-written": PEAK_OVER_HAND,
}


def target_rows(name: str, ratios: Mapping[str, float | None]) -> list[list[str]]:
    rows = []
    for what, target in TARGETS.items():
        measured = ratios[what]
        rows.append([
            name, what, "-" if measured is None else f"{measured:.2f}",
            "-" if target is None else f"<= {target:g}",
            "" if target is None else "unsupported" if measured is None
            else status(measured <= target),
        ])
    return rows


def report_calls(
    cases: Sequence[ArrayCase] = CASES, tools: Sequence[str] = tuple(OPTIONAL),
    repeat: int = REPEAT,
) -> None:
    results = [measure_case(case, tools, repeat) for case in cases]
    rows = [row for result in results for row in result.rows]
    print(f"\nNumPy arrays, float64: ms per call, median of {repeat} repeats; peak MiB "
          "allocated during one call (tracemalloc)")
    for result in results:
        print(f"  {result.description}")
    print(table(["function", "implementation", "ms", "÷ f", "÷ hand", "peak MiB", "peak ÷ hand"],
                rows, left=2))
    if any(row[1].startswith("jax") for row in rows):
        print("jax: inputs on the device beforehand; XLA's allocations are invisible to "
              "tracemalloc (peak '-')")
    if any(row[1] == "casadi" for row in rows):
        print("casadi: an MX Function, inputs converted to DM beforehand, results to "
              "ndarrays in the call; its allocations are invisible to tracemalloc (peak '-')")
    targets = [row for case, r in zip(cases, results, strict=True)
               for row in target_rows(case.name, r.ratios)]
    print()
    print(table(["function", "ratio", "measured", "target", "status"], targets, left=2))


def seconds_per_pass(run: Callable[[int], Any], indices: Sequence[int], repeat: int) -> float:
    """Median over `repeat` rounds of the time of ``run(i)``, averaged over `indices`."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for i in indices:
            run(i)
        samples.append((time.perf_counter() - start) / len(indices))
    return statistics.median(samples)


def forward_passes(
    fn: Callable[..., Any], x: np.ndarray, want: np.ndarray, tools: Sequence[str]
) -> list[tuple[str, Callable[[int], Any] | str]]:
    """One forward pass per input ``i``: each a callable (checked on a basis tangent against
    the hand-written gradient ``want[i]``) or why there is none."""
    tangent = np.zeros_like(x)

    def symdiff_pass(i: int) -> float:
        tangent[i] = 1.0
        try:
            return symdiff.jvp(fn, (x,), (tangent,))[1]  # type: ignore[no-any-return]
        finally:
            tangent[i] = 0.0

    shifted = x.copy()

    def difference_pass(i: int) -> None:
        old = shifted[i]
        shifted[i] = old + 1e-6 * max(1.0, abs(old))
        try:
            fn(shifted)
        finally:
            shifted[i] = old

    # (label, one pass, whether its value is the derivative along e_i)
    passes: list[tuple[str, Callable[[int], Any], bool]] = [
        (SYMDIFF_FORWARD, symdiff_pass, True),
        (STAND_IN, difference_pass, False),
    ]
    if "jax" in installed(tools):
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        jfn, on_device = over(fn, jnp), jax.device_put(x)
        compiled = jax.jit(
            lambda x, i: jax.jvp(jfn, (x,), (jnp.zeros_like(x).at[i].set(1.0),))[1])
        passes.append((JAX_FORWARD, lambda i: jax.block_until_ready(compiled(on_device, i)),
                       True))
    ready: list[tuple[str, Callable[[int], Any] | str]] = []
    middle = len(x) // 2
    for label, run, derivative in passes:
        try:
            got = run(middle)  # compiles it, if it compiles
            wrong = mismatch(np.array([got]), want[middle:middle + 1]) if derivative else ""
        except Exception as err:
            wrong = unsupported(err)
        ready.append((label, wrong or run))
    return ready


def report_scale(n: int = arrays.SCALE_N, tools: Sequence[str] = tuple(OPTIONAL),
                 repeat: int = REPEAT) -> None:
    """One reverse pass against n forward passes, for `arrays.rosenbrock` of n inputs."""
    fn, hand, x = arrays.rosenbrock, arrays.rosenbrock_grad, arrays.rosenbrock_point(n)
    impls = gradients(fn, hand, 0, (x,), tools)
    times = seconds(impls, repeat)
    reverse = "symdiff.grad" if "symdiff.grad" in times else "hand-written"
    rows: list[list[str]] = []
    for impl in impls:
        label = f"reverse: {impl.label}"
        if impl.fn is None:
            rows.append([label, impl.problem])
        else:
            t = times[impl.label]
            rows.append([label, f"{t * 1e3:.3g}", "1", f"{t:.3g}", ratio(t, times[reverse])])
    indices = [int(i) for i in np.linspace(0, n - 1, min(n, FORWARD_PASSES))]
    forward: dict[str, float] = {}
    for label, run in forward_passes(fn, x, hand(x), tools):
        if isinstance(run, str):
            rows.append([label, run])
            continue
        per_pass = seconds_per_pass(run, indices, repeat)
        forward[label] = per_pass * n
        rows.append([label, f"{per_pass * 1e3:.3g}", str(n), f"{per_pass * n:.3g}",
                     f"{per_pass * n / times[reverse]:.3g}"])
    print(f"\nThe essay at scale: the gradient of the extended Rosenbrock function of n = {n} "
          f"inputs (NumPy vector ops).\nForward mode takes n passes, timed for "
          f"{len(indices)} and extrapolated; reverse mode one (median of {repeat}).")
    print(table(["method", "ms per pass", "passes", "s per gradient", f"÷ {reverse}"], rows))
    ahead = SYMDIFF_FORWARD if SYMDIFF_FORWARD in forward else STAND_IN
    what = ("n symdiff.jvp passes" if ahead == SYMDIFF_FORWARD
            else "n evaluations of f, a stand-in for n forward passes")
    print(f"forward ÷ reverse at n = {n}: {forward[ahead] / times[reverse]:.3g}  "
          f"({what} ÷ one {reverse} gradient)")
    if JAX_FORWARD in forward and "jax.jit(jax.grad)" in times:
        print(f"forward ÷ reverse at n = {n} with JAX: "
              f"{forward[JAX_FORWARD] / times['jax.jit(jax.grad)']:.3g}  "
              "(n jax.jvp passes ÷ one jax.grad)")


DISTRIBUTIONS = {"tangent": "tangent-ad"}  # the package's name where it is not the module's


def versions(tools: Sequence[str]) -> str:
    names = [DISTRIBUTIONS.get(p, p) for p in ("numpy", *installed(tools))]
    return ", ".join(f"{p} {importlib.metadata.version(p)}" for p in names)


def main(tools: Sequence[str] = tuple(OPTIONAL)) -> None:
    """The array section: the call table, its targets, and the essay at scale."""
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    print(f"\nNumPy array benchmarks ({versions(tools)}; OPENBLAS_NUM_THREADS={threads})")
    report_calls(tools=tools)
    report_scale(tools=tools)
