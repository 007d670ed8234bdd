"""The intents of other autodiff projects' test suites, each re-checked against symdiff
with our own code (`benchmarks/suite_intents.py` runs them; `docs/suite_intents.md`
is the audit).

A suite module lists one `Intent` per test function of the suite it audits: the test's
name, what it checks in one line of our words, and a check that raises when symdiff
does not meet it (None where the intent is about the other tool itself).
"""

from __future__ import annotations

import ast
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


class NotMet(Exception):
    """The intent is not met for a reason other than a wrong number (code left in a
    derivative that the intent says must go, say)."""


@dataclass(frozen=True)
class Intent:
    test: str
    intent: str
    check: Callable[[], object] | None
    not_applicable: str = ""  # why, when `check` is None


def na(test: str, intent: str, why: str) -> Intent:
    """An intent about the other tool's own machinery, with no counterpart to check."""
    return Intent(test, intent, None, why)


_rng = np.random.default_rng(0)


def seed(text: str) -> None:
    """Draw `rnd`'s numbers from a generator seeded by `text` (a test's name): each check
    sees the same numbers whichever checks ran before it."""
    global _rng
    _rng = np.random.default_rng(zlib.crc32(text.encode()))


def rnd(*shape: int, lo: float = -2.0, hi: float = 2.0) -> Any:
    """Uniform numbers in [lo, hi): a float for no shape, else an array."""
    if not shape:
        return float(_rng.uniform(lo, hi))
    return _rng.uniform(lo, hi, size=shape)


def grads(fun: Callable[..., Any], *args: Any, order: int = 2,
          modes: Sequence[str] = ("fwd", "rev")) -> None:
    """symdiff's forward and reverse derivatives of `fun` at `args`, to `order`, against
    central differences (`symdiff.testing.check_grads`)."""
    from symdiff.testing import check_grads

    check_grads(fun, args, modes=tuple(modes), order=order)


def each(fun: Callable[..., Any], *points: Sequence[Any], order: int = 2,
         modes: Sequence[str] = ("fwd", "rev")) -> None:
    """`grads` of `fun` at every point (each a tuple of arguments)."""
    for args in points:
        grads(fun, *args, order=order, modes=modes)


def close(got: Any, want: Any, rtol: float = 1e-9, atol: float = 1e-12) -> None:
    """Raise AssertionError unless `got` equals `want` to the tolerance (nested tuples
    and lists of numbers and arrays, compared leaf by leaf)."""
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), (got, want)
        for g, w in zip(got, want, strict=True):
            close(g, w, rtol, atol)
        return
    assert np.shape(got) == np.shape(want), f"shape {np.shape(got)} != {np.shape(want)}"
    assert np.allclose(got, want, rtol=rtol, atol=atol), f"{got!r} != {want!r}"


def central(fun: Callable[[Any], Any], x: Any, eps: float = 1e-6) -> Any:
    """d fun / dx by central differences for a number `x` (any output shape)."""
    return (np.asarray(fun(x + eps)) - np.asarray(fun(x - eps))) / (2 * eps)


def complex_jvp(fun: Callable[[Any], Any], z: Any) -> None:
    """`fun` of a complex input: its forward derivative along the real axis against
    central differences (the other tool's suite feeds these functions complex numbers)."""
    import symdiff

    direction = np.ones_like(z) if isinstance(z, np.ndarray) else 1.0 + 0.0j
    _, tangent = symdiff.jvp(fun, (z,), (direction,))
    close(tangent, central(fun, z), rtol=1e-5, atol=1e-8)


def lean(source: str) -> None:
    """Raise NotMet if the generated module `source` computes a value it never uses or
    does arithmetic on two constants."""
    tree = ast.parse(source)
    for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        reads = [{n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, ast.Load)} for stmt in fn.body]
        for k, stmt in enumerate(fn.body):
            targets = [t.id for t in getattr(stmt, "targets", []) if isinstance(t, ast.Name)]
            if any(not any(name in r for r in reads[k + 1:]) for name in targets):
                raise NotMet(f"unused assignment left in {fn.name}: {ast.unparse(stmt)}")
        for node in ast.walk(fn):
            if (isinstance(node, ast.BinOp) and isinstance(node.left, ast.Constant)
                    and isinstance(node.right, ast.Constant)):
                raise NotMet(f"constant arithmetic left in {fn.name}: {ast.unparse(node)}")
