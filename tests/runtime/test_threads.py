"""Building and calling derivatives from many threads at once: every result right, no
exception, and the process-wide recursion limit left as it was."""

from __future__ import annotations

import fractions
import itertools
import linecache
import math
import sys
import threading
import time

import numpy as np
import pytest

import symdiff

THREADS = 8
SECONDS = 3.0


def loss(x, y):
    return math.sin(x) * y + x * x


def dloss(x, y):
    return math.cos(x) * y + 2.0 * x


def helper(t):
    return t * t * t


def calls_helper(x):
    return helper(x) + math.exp(x)


# Argument types of y that are not converted (y is not differentiated): each is a
# signature of its own, so threads calling one derivative add signatures at once.
Y_VALUES = [2.0, 2, np.float64(2.0), np.float32(2.0), np.int64(2), np.int32(2), np.int16(2),
            np.uint8(2), fractions.Fraction(2)]

_serial = itertools.count()
_serial_lock = threading.Lock()


def fresh_lambda(scale: float):
    """A new lambda with source of its own (as a notebook cell has)."""
    with _serial_lock:
        n = next(_serial)
    name = f"<thread-test-lambda-{n}>"
    text = f"f = lambda x: math.sin(x) * {scale!r} + x * x\n"
    linecache.cache[name] = (len(text), None, [text], name)
    namespace = {"math": math}
    exec(compile(text, name, "exec"), namespace)
    return namespace["f"], name


def work(k: int, shared: symdiff.Transformed, start: threading.Barrier,
         errors: list[BaseException], counts: list[int]) -> None:
    start.wait()
    deadline = time.monotonic() + SECONDS
    i = 0
    try:
        while time.monotonic() < deadline:
            x = 0.25 + 0.01 * (i % 50)
            # One derivative object called by every thread, with new signatures.
            y = Y_VALUES[(i + k) % len(Y_VALUES)]
            assert shared(x, y) == pytest.approx(dloss(x, float(y)))
            # A new derivative of the same function, and of one calling a helper.
            assert symdiff.grad(loss)(x, 2.0) == pytest.approx(dloss(x, 2.0))
            assert symdiff.grad(calls_helper)(x) == pytest.approx(3 * x * x + math.exp(x))
            # Different functions: a lambda of this thread's own, by grad and jvp.
            scale = float(k * 1000 + i)
            f, name = fresh_lambda(scale)
            assert symdiff.grad(f)(x) == pytest.approx(scale * math.cos(x) + 2 * x)
            assert symdiff.jvp(f, (x,), (1.0,))[1] == pytest.approx(scale * math.cos(x) + 2 * x)
            linecache.cache.pop(name, None)
            i += 1
    except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
        errors.append(exc)
    counts[k] = i


@pytest.fixture
def often() -> None:
    """Switch threads every 10 microseconds (the default is 5 ms), so that races show."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


def run_all(threads: list[threading.Thread], errors: list[BaseException]) -> None:
    """Start the threads, wait for them all, and raise the first error one reported."""
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_threads_build_and_call_at_once(no_disk_cache, often):
    limit = sys.getrecursionlimit()
    shared = symdiff.grad(loss)
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    counts = [0] * THREADS
    run_all([threading.Thread(target=work, args=(k, shared, start, errors, counts))
             for k in range(THREADS)], errors)
    assert all(counts), counts
    assert sys.getrecursionlimit() == limit
    assert len(shared.signatures) == len({type(y) for y in Y_VALUES})


def test_threads_add_signatures_to_one_derivative_at_once(no_disk_cache, often):
    errors: list[BaseException] = []
    deadline = time.monotonic() + SECONDS
    rounds = 0
    while time.monotonic() < deadline or rounds < 5:
        g = symdiff.grad(loss)
        start = threading.Barrier(THREADS)

        def call_all(k: int, g=g, start=start) -> None:
            start.wait()
            try:
                for j in range(len(Y_VALUES)):
                    y = Y_VALUES[(j + k) % len(Y_VALUES)]
                    assert g(0.5, y) == pytest.approx(dloss(0.5, float(y)))
            except BaseException as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)

        run_all([threading.Thread(target=call_all, args=(k,)) for k in range(THREADS)], errors)
        assert len(g.signatures) == len({type(y) for y in Y_VALUES})
        rounds += 1
