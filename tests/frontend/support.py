"""Helpers shared by the frontend tests: marker lines, finite differences, comparisons."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any


def marker_line(lines: Sequence[str], tag: str) -> int:
    """1-based number of the one line in `lines` that ends with ``# E:<tag>``."""
    hits = [i for i, line in enumerate(lines, 1) if line.rstrip().endswith(f"# E:{tag}")]
    assert len(hits) == 1, f"marker {tag!r} found {len(hits)} times"
    return hits[0]


def finite_diff(
    f: Callable[..., float], args: Sequence[Any], diff: Sequence[int] | None = None,
    h: float = 1e-6,
) -> list[float]:
    """Central differences of `f` at `args` along each argument in `diff` (default all)."""
    out = []
    for i in range(len(args)) if diff is None else diff:
        up, down = list(args), list(args)
        up[i] += h
        down[i] -= h
        out.append((f(*up) - f(*down)) / (2 * h))
    return out


def same(a: float, b: float) -> bool:
    """Exactly the same float (nan counts as equal to nan)."""
    return a == b or (math.isnan(a) and math.isnan(b))


def close(a: Sequence[float], b: Sequence[float], rel: float = 1e-6, abs_: float = 1e-6) -> bool:
    return len(a) == len(b) and all(
        (math.isnan(u) and math.isnan(v)) or math.isclose(u, v, rel_tol=rel, abs_tol=abs_)
        for u, v in zip(a, b, strict=True))
