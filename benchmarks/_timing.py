"""Timing helpers: medians of per-call times, and measurements in fresh processes."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REPEAT = 7
MIN_RUN_SECONDS = 0.05


def _timer(fn: Callable[..., Any], args: Sequence[Any]) -> timeit.Timer:
    # The call is spelled out (``fn(a0, a1)``), so every function pays the same overhead.
    names = [f"a{i}" for i in range(len(args))]
    namespace = {"fn": fn, **dict(zip(names, args, strict=True))}
    return timeit.Timer(f"fn({', '.join(names)})", timer=time.perf_counter, globals=namespace)


def _calls_per_run(timer: timeit.Timer) -> int:
    """Enough calls for one run to last at least `MIN_RUN_SECONDS`."""
    number = 1
    while (elapsed := timer.timeit(number)) < MIN_RUN_SECONDS:
        number = max(number * 2, int(number * MIN_RUN_SECONDS / max(elapsed, 1e-9) * 1.2))
    return number


def per_call_seconds(
    fns: Mapping[str, Callable[..., Any]], args: Sequence[Any], repeat: int = REPEAT
) -> dict[str, float]:
    """Median over `repeat` runs of the time of one ``fn(*args)`` call, for each fn (seconds).

    The runs are interleaved (one run of every function per round), so a slow moment on
    a busy machine affects all functions alike instead of one of them.
    """
    timers = {name: _timer(fn, args) for name, fn in fns.items()}
    numbers = {name: _calls_per_run(timer) for name, timer in timers.items()}
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, timer in timers.items():
            samples[name].append(timer.timeit(numbers[name]) / numbers[name])
    return {name: statistics.median(times) for name, times in samples.items()}


def peak_bytes(fn: Callable[..., Any], args: Sequence[Any]) -> int:
    """Peak memory allocated during one ``fn(*args)`` call, in bytes, above what was
    allocated before it (its result included), as `tracemalloc` sees it.

    NumPy reports its array buffers to tracemalloc; memory allocated outside Python's
    allocators and NumPy's (e.g. by XLA) is not seen. `fn` is called once beforehand, so
    that caches and compilation are not counted.
    """
    fn(*args)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def run_python(
    code: str, env: Mapping[str, str] | None = None, args: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """Run ``python [args] -c code`` in a fresh process from the repository root."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, *args, "-c", code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        check=True,
    )


def fresh_process_seconds(
    code: str, env: Mapping[str, str], runs: int = 3
) -> list[float]:
    """Median over `runs` fresh processes of each number `code` prints on its last line."""
    results = []
    for _ in range(runs):
        last = run_python(code, env).stdout.strip().splitlines()[-1]
        results.append([float(word) for word in last.split()])
    return [statistics.median(column) for column in zip(*results, strict=True)]


def import_time_us(module: str, runs: int = 5) -> dict[str, float]:
    """Median cumulative import time (µs) of every package imported by ``import module``.

    Parsed from ``python -X importtime``; keys are the top-level names of the lines.
    """
    samples: dict[str, list[float]] = {}
    env = {"PYTHONDONTWRITEBYTECODE": ""}  # as installed: bytecode cached after the first run
    run_python(f"import {module}", env)
    for _ in range(runs):
        err = run_python(f"import {module}", env, args=["-X", "importtime"]).stderr
        for line in err.splitlines():
            if not line.startswith("import time:") or "|" not in line:
                continue
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit() and not name.startswith("  "):
                samples.setdefault(name.strip(), []).append(float(cumulative))
    return {name: statistics.median(values) for name, values in samples.items()}
