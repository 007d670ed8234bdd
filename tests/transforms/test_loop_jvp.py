"""Forward mode through nested loops differentiates each loop body once (`ad._loop_jvp`).

Forward over reverse (`hessian`) of ``for`` loops nested d deep used to differentiate
each body once per round of the search for the carried values that get a tangent, at
every level: 2**d times, 2 s to build at d = 12 and about a minute at d = 16. A body
seeded alike is now differentiated once per transform (`ad.jvp_full`'s `bodies`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

import symdiff
from benchmarks.compile_scaling import nested_loops
from symdiff.frontend.lower import lower
from symdiff.transforms import ad
from symdiff.transforms.higher import hessian_program
from symdiff.transforms.prune import prune_program
from symdiff.transforms.simplify import simplify_program


def body_jvps(depth: int, import_text: Any, monkeypatch: pytest.MonkeyPatch) -> Counter[Any]:
    """How often building the Hessian of loops nested `depth` deep differentiates each
    loop body (by body and seeded parameters), and check the Hessian's value."""
    calls: Counter[Any] = Counter()
    original = ad._body_jvp

    def counting(body: Any, seeded: list[int], bodies: Any) -> Any:
        key = (id(body), tuple(seeded))
        if key not in bodies:  # (one it has differentiated already is not again)
            calls[key] += 1
        return original(body, seeded, bodies)

    f = import_text(f"nested_jvp_{depth}", nested_loops(depth)).f
    primal = prune_program(simplify_program(lower(f)))
    monkeypatch.setattr(ad, "_body_jvp", counting)
    hessian_program(primal, 0)  # (not through the caches: every body is differentiated)
    monkeypatch.undo()
    # One trip per loop: s = x*x + 1, whose second derivative is 2.
    assert symdiff.hessian(f)(0.5, 1) == pytest.approx(2.0)
    return calls


def test_each_body_is_differentiated_a_bounded_number_of_times(
        import_text: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    small = body_jvps(6, import_text, monkeypatch)
    large = body_jvps(12, import_text, monkeypatch)
    # Each body is differentiated once per way it is seeded, never once per round of
    # every loop around it (2**depth times); in all, linear in the depth.
    assert max(large.values()) == 1
    assert sum(large.values()) <= 2 * sum(small.values()) + 40


def test_the_hessian_of_nested_loops_with_several_trips_is_right(import_text: Any) -> None:
    f = import_text("nested_jvp_3", nested_loops(3)).f
    x, n, h = 0.7, 2, 1e-4
    # s runs s = s*x + 1 n**3 times from s = x.
    def s(x: float) -> float:
        v = x
        for _ in range(n ** 3):
            v = v * x + 1.0
        return v
    expected = (s(x + h) - 2 * s(x) + s(x - h)) / h ** 2
    assert symdiff.hessian(f)(x, n) == pytest.approx(expected, rel=1e-5)
