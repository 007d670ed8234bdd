"""The build lock: reentrant, the recursion limit raised inside and restored after."""

from __future__ import annotations

import sys
import threading

import pytest

from symdiff.host.building import RECURSION_LIMIT, building


def test_the_limit_is_raised_inside_and_restored_after():
    limit = sys.getrecursionlimit()
    with building():
        assert sys.getrecursionlimit() >= RECURSION_LIMIT
        with building():  # reentrant: building recurses through callees
            assert sys.getrecursionlimit() >= RECURSION_LIMIT
        assert sys.getrecursionlimit() >= RECURSION_LIMIT
    assert sys.getrecursionlimit() == limit


def test_the_limit_is_restored_after_an_error():
    limit = sys.getrecursionlimit()
    with pytest.raises(ValueError), building():
        raise ValueError
    assert sys.getrecursionlimit() == limit


def test_a_higher_limit_is_left_alone():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(RECURSION_LIMIT + 5)
    try:
        with building():
            assert sys.getrecursionlimit() == RECURSION_LIMIT + 5
        assert sys.getrecursionlimit() == RECURSION_LIMIT + 5
    finally:
        sys.setrecursionlimit(limit)


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
