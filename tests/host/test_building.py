"""The build lock: reentrant, one thread at a time, the recursion limit left alone, the
garbage collector paused while it is held and as it was after."""

from __future__ import annotations

import gc
import sys
import threading
from pathlib import Path

from symdiff.host.building import building

PACKAGE = Path(__file__).resolve().parents[2] / "symdiff"


def test_the_lock_is_reentrant_and_leaves_the_recursion_limit_alone():
    limit = sys.getrecursionlimit()
    with building():
        with building():  # reentrant: building recurses through callees
            assert sys.getrecursionlimit() == limit
    assert sys.getrecursionlimit() == limit


def test_no_module_of_symdiff_sets_the_recursion_limit():
    setters = [str(path.relative_to(PACKAGE)) for path in sorted(PACKAGE.rglob("*.py"))
               if "setrecursionlimit" in path.read_text(encoding="utf-8")]
    assert setters == []


def test_one_thread_builds_at_a_time():
    inside = []
    overlap = []

    def build() -> None:
        for _ in range(200):
            with building():
                inside.append(1)
                if len(inside) > 1:
                    overlap.append(len(inside))
                inside.pop()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=build) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not overlap


def test_the_garbage_collector_is_paused_while_building_and_restored():
    assert gc.isenabled()
    with building():
        assert not gc.isenabled()
        with building():
            assert not gc.isenabled()
        assert not gc.isenabled()  # still inside the outer build
    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused():
    gc.disable()
    try:
        with building():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_runs_again_after_a_build_that_raised():
    try:
        with building():
            raise ValueError("a build that failed")
    except ValueError:
        pass
    assert gc.isenabled()
