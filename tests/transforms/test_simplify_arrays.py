"""Array rewrites of the simplifier: shapes read from cheaper nodes, and a number
broadcast to an array's shape (a sum's cotangent) used as the number itself; the
emitted code computes the same values before and after."""

from __future__ import annotations

from typing import Any

import numpy as np

from symdiff.ir.builder import Builder
from symdiff.ir.node import Node, Program
from symdiff.ir.types import MANY, ArrayType
from symdiff.transforms.simplify import simplify
from tests.ir.support import run_emitted

VEC = ArrayType("float64", (MANY,))


_run = run_emitted


def _both(build: Any) -> tuple[Node, Node, Program, Program]:
    b = Builder()
    x, y = b.param("x", VEC), b.param("y", VEC)
    before = build(b, x, y)
    after = simplify(b, [before])[before]
    return before, after, Program("f", (x, y), before, b), Program("g", (x, y), after, b)


def test_the_size_of_an_elementwise_result_is_read_from_an_argument() -> None:
    before, after, f, g = _both(lambda b, x, y: b.apply(
        "size", b.add(b.apply("exp", x), b.mul(x, y)), attrs=(None,)))
    assert after.op == "size" and after.args[0].op == "param"
    x, y = np.ones(5), np.ones(5)
    assert _run(f, x, y) == _run(g, x, y) == 5


def test_a_spread_number_times_a_full_array_is_the_number_times_it() -> None:
    def build(b: Builder, x: Node, y: Node) -> Node:
        spread = b.apply("unsum", b.const(0.25), b.apply("sin", x), attrs=(None, False))
        return b.add(b.mul(spread, y), b.div(spread, y))

    before, after, f, g = _both(build)
    assert "unsum" not in {n.op for n in _nodes(after)}
    x, y = np.linspace(0.5, 1.5, 4), np.linspace(1.0, 2.0, 4)
    np.testing.assert_allclose(_run(f, x, y), _run(g, x, y))


def _nodes(root: Node) -> list[Node]:
    from symdiff.ir.node import topological

    return topological([root])


def test_a_derivative_scales_an_array_once_by_a_number_and_a_constant() -> None:
    # (u * 2) * v, u an array and v a number: u * (v * 2), one product of the array
    # (a mean's cotangent, 2 * residual / n); (v * 2) * u stays, already one.
    b = Builder()
    u, v = b.param("u", VEC), b.param("v")
    start = len(b)
    scaled, kept = b.mul(b.mul(u, 2), v), b.mul(b.mul(v, 2), u)
    done = simplify(b, [scaled, kept], derived_from=start)
    assert u in done[scaled].args and done[scaled] is kept, repr(done[scaled])
    assert done[kept] is kept
    f = Program("f", (u, v), scaled, b)
    g = Program("g", (u, v), done[scaled], b)
    x = np.array([0.5, -1.25, 3.0])
    np.testing.assert_allclose(_run(f, x, 0.1), _run(g, x, 0.1), rtol=1e-15)
