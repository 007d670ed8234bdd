"""`transforms.ad`: forward and reverse mode on the DAG.

Contract tested here: zeros are symbolic (an input without a tangent, or an argument
that does not depend on a `wrt` node, gets no derivative nodes at all and comes back
as ``None``); fan-out accumulates (a node used twice receives the sum of both
contributions, visiting each edge once); both modes agree with each other and with
finite differences on random compositions; results can be differentiated again; and
name hints travel as ``x_dot`` / ``x_bar``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symdiff.ir.builder import Builder
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import Node, Program, topological
from symdiff.transforms.ad import jvp, vjp


def program(b: Builder, params: Sequence[Node], result: Sequence[Node | None]) -> Program:
    outs = tuple(b.const(0.0) if r is None else r for r in result)
    return Program("f", tuple(params), outs, b)


def reachable(nodes: Sequence[Node | None]) -> list[Node]:
    return topological([n for n in nodes if n is not None])


# Symbolic zeros ---------------------------------------------------------------------------


def test_jvp_of_output_independent_of_seeded_input_is_none_and_builds_nothing() -> None:
    b = Builder()
    x, y = b.param("x"), b.param("y")
    only_y = b.mul(b.cos(y), b.exp(y))
    both = b.mul(b.sin(x), b.cos(y))
    tx = b.param("tx")
    before = len(b)
    [ty_out] = jvp(b, [only_y], {x: tx})
    assert ty_out is None
    assert len(b) == before  # not a single tangent node for the y-only branch
    [t_both] = jvp(b, [both], {x: tx})
    assert t_both is not None
    assert evaluate(program(b, [x, y, tx], [t_both]), [0.3, 0.7, 2.0]) == (
        2.0 * math.cos(0.3) * math.cos(0.7),)
    # cos(y) has no tangent, so its rule never ran: -sin(y) was never built.
    size = len(b)
    b.sin(y)
    assert len(b) == size + 1


def test_vjp_of_output_independent_of_an_input_gives_none_for_it() -> None:
    b = Builder()
    x, y, v = b.param("x"), b.param("y"), b.param("v")
    out = b.add(b.sin(x), b.mul(x, 3.0))
    gx, gy = vjp(b, [out], [v], [x, y])
    assert gy is None
    assert gx is not None
    assert evaluate(program(b, [x, y, v], [gx]), [0.5, 9.0, 1.0]) == (math.cos(0.5) + 3.0,)


def test_vjp_builds_no_cotangents_through_inactive_branches() -> None:
    b = Builder()
    x, y, v = b.param("x"), b.param("y"), b.param("v")
    out = b.mul(b.sin(x), b.sin(y))
    [gx] = vjp(b, [out], [v], [x])
    # sin(y) is inactive, so its rule never runs: cos(y) is never built.
    nodes = reachable([gx])
    assert not any(n.op == "cos" and n.args[0] is y for n in nodes)
    assert any(n.op == "cos" and n.args[0] is x for n in nodes)
    size = len(b)
    b.cos(y)
    assert len(b) == size + 1  # cos(y) did not exist yet: it was never built


def test_vjp_of_constant_output_is_none() -> None:
    b = Builder()
    x, v = b.param("x"), b.param("v")
    assert vjp(b, [b.const(2.0)], [v], [x]) == [None]
    assert vjp(b, [b.apply("gt", x, 1.0)], [v], [x]) == [None]  # not differentiable


def test_jvp_without_tangents_is_all_none() -> None:
    b = Builder()
    x = b.param("x")
    assert jvp(b, [b.sin(x), x], {}) == [None, None]


def test_identity_and_input_outputs() -> None:
    b = Builder()
    x, y, v, w, tx = (b.param(n) for n in ("x", "y", "v", "w", "tx"))
    assert jvp(b, [x, y], {x: tx}) == [tx, None]
    gx, gy = vjp(b, [x, x], [v, w], [x, y])
    assert gy is None
    assert evaluate(program(b, [x, v, w], [gx]), [1.0, 2.0, 5.0]) == (7.0,)


# Fan-out accumulation -----------------------------------------------------------------------


def fan_out() -> tuple[Builder, Node, Node, Node]:
    """e = (a + b) * (b + 1): b is used twice."""
    bld = Builder()
    a, b_ = bld.param("a"), bld.param("b")
    e = bld.mul(bld.add(a, b_), bld.add(b_, 1.0))
    return bld, a, b_, e


def test_fan_out_reverse_mode_sums_both_paths() -> None:
    bld, a, b_, e = fan_out()
    v = bld.param("v")
    ga, gb = vjp(bld, [e], [v], [a, b_])
    assert evaluate(program(bld, [a, b_, v], [ga, gb]), [2.0, 1.0, 1.0]) == (2.0, 5.0)


def test_fan_out_forward_mode_gives_each_partial() -> None:
    bld, a, b_, e = fan_out()
    ta, tb = bld.param("ta"), bld.param("tb")
    [te] = jvp(bld, [e], {a: ta, b_: tb})
    p = program(bld, [a, b_, ta, tb], [te])
    assert evaluate(p, [2.0, 1.0, 1.0, 0.0]) == (2.0,)
    assert evaluate(p, [2.0, 1.0, 0.0, 1.0]) == (5.0,)


def test_fan_out_visits_each_edge_once() -> None:
    # sin(x) used by 50 users: its cotangent is the sum of 50 terms, and the rule of
    # sin runs once (one cos(x) node), not once per user.
    b = Builder()
    x, v = b.param("x"), b.param("v")
    s = b.sin(x)
    total = s
    for k in range(1, 50):
        total = b.add(total, b.mul(s, float(k + 1)))
    [g] = vjp(b, [total], [v], [x])
    nodes = reachable([g])
    assert sum(1 for n in nodes if n.op == "cos") == 1
    [value] = evaluate(program(b, [x, v], [g]), [0.4, 1.0])
    assert value == pytest.approx(math.cos(0.4) * sum(range(1, 51)), rel=1e-12)


def test_repeated_output_accumulates_its_seeds() -> None:
    b = Builder()
    x, v, w = b.param("x"), b.param("v"), b.param("w")
    out = b.mul(x, x)
    [g] = vjp(b, [out, out], [v, w], [x])
    assert evaluate(program(b, [x, v, w], [g]), [3.0, 1.0, 10.0]) == (66.0,)


# Agreement on random compositions ------------------------------------------------------------

UNARY = ["sin", "cos", "tanh", "atan", "exp_small", "sq", "neg", "softabs"]
BINARY = ["add", "sub", "mul", "div_safe", "hypot", "max"]


def build_random(b: Builder, xs: list[Node], ops: list[tuple[str, int, int]]) -> Node:
    """A random expression DAG over xs; every op keeps values finite and smooth."""
    pool = list(xs)
    for name, i, j in ops:
        p, q = pool[i % len(pool)], pool[j % len(pool)]
        if name == "exp_small":
            node = b.exp(b.mul(b.tanh(p), 0.5))
        elif name == "sq":
            node = b.square(p)
        elif name == "softabs":
            node = b.sqrt(b.add(b.square(p), 1.0))
        elif name == "div_safe":
            node = b.div(p, b.add(b.square(q), 1.0))
        elif name == "hypot":
            node = b.apply("hypot", b.add(p, 3.0), q)
        elif name in UNARY:
            node = b.apply(name, p)
        else:
            node = b.apply(name, p, q)
        pool.append(node)
    return pool[-1]


ops_strategy = st.lists(
    st.tuples(st.sampled_from(UNARY + BINARY), st.integers(0, 50), st.integers(0, 50)),
    min_size=1, max_size=25,
)


def directional_fd(f: Callable[[list[float]], float], x: list[float], u: list[float]) -> float:
    def at(s: float) -> float:
        return f([xi + s * ui for xi, ui in zip(x, u, strict=True)])

    h = 1e-3
    d1 = (at(h) - at(-h)) / (2 * h)
    d2 = (at(h / 2) - at(-h / 2)) / h
    return (4 * d2 - d1) / 3


@settings(max_examples=100, deadline=None, derandomize=True)
@given(ops=ops_strategy, seed=st.integers(0, 2**16))
def test_random_compositions_forward_reverse_and_fd_agree(
    ops: list[tuple[str, int, int]], seed: int
) -> None:
    rng = random.Random(seed)
    b = Builder()
    xs = [b.param(f"x{i}") for i in range(3)]
    out = build_random(b, xs, ops)
    ts = [b.param(f"t{i}") for i in range(3)]
    v = b.param("v")
    [tangent] = jvp(b, [out], dict(zip(xs, ts, strict=True)))
    cts = vjp(b, [out], [v], xs)
    primal = program(b, xs, [out])
    forward = program(b, [*xs, *ts], [tangent])
    reverse = program(b, [*xs, v], cts)
    x = [rng.uniform(-1.5, 1.5) for _ in xs]
    u = [rng.uniform(-1.0, 1.0) for _ in xs]
    vv = rng.uniform(-2.0, 2.0)
    try:
        [jv] = evaluate(forward, [*x, *u])
        vj = evaluate(reverse, [*x, vv])
        [value] = evaluate(primal, x)
    except OverflowError:
        value = jv = math.inf
        vj = ()
    # Repeated squaring can overflow; such compositions say nothing about the rules.
    assume(all(abs(c) < 1e6 for c in (value, jv, *vj)))
    lhs = sum(ui * ci for ui, ci in zip(u, vj, strict=True))
    assert lhs == pytest.approx(vv * jv, rel=1e-9, abs=1e-12)
    fd = directional_fd(lambda p: evaluate(primal, p)[0], x, u)
    # max() is only piecewise smooth; skip the finite-difference check near a kink.
    near_kink = any(name == "max" for name, _, _ in ops)
    if not near_kink:
        assert jv == pytest.approx(fd, rel=1e-5, abs=1e-7)


# Higher order -------------------------------------------------------------------------------


def test_second_derivative_by_reverse_over_reverse() -> None:
    b = Builder()
    x = b.param("x")
    out = b.mul(b.sin(x), b.exp(x))  # f'' = 2 cos(x) exp(x)
    [g] = vjp(b, [out], [b.const(1.0)], [x])
    assert g is not None
    [h] = vjp(b, [g], [b.const(1.0)], [x])
    [h2] = jvp(b, [g], {x: b.const(1.0)})
    p = program(b, [x], [h, h2])
    for value in (-1.0, 0.2, 1.3):
        want = 2 * math.cos(value) * math.exp(value)
        got_h, got_h2 = evaluate(p, [value])
        assert got_h == pytest.approx(want, rel=1e-12)
        assert got_h2 == pytest.approx(want, rel=1e-12)


def test_third_derivative_of_polynomial_is_exact() -> None:
    b = Builder()
    x = b.param("x")
    d = b.pow(x, 4)
    for _ in range(3):
        [d] = jvp(b, [d], {x: b.const(1.0)})
        assert d is not None
    assert evaluate(program(b, [x], [d]), [2.0]) == (48.0,)


def test_derivative_of_select_does_not_differentiate_the_condition() -> None:
    b = Builder()
    x, v = b.param("x"), b.param("v")
    out = b.select(b.apply("gt", x, 0.0), b.square(x), b.neg(x))
    [g] = vjp(b, [out], [v], [x])
    p = program(b, [x, v], [g])
    assert evaluate(p, [3.0, 1.0]) == (6.0,)
    assert evaluate(p, [-3.0, 1.0]) == (-1.0,)


# Names -------------------------------------------------------------------------------------


def test_tangent_and_cotangent_names_follow_hints() -> None:
    b = Builder()
    x, tx, v = b.param("x"), b.param("tx"), b.param("v")
    y = b.sin(x)
    b.name(y, "y")
    z = b.mul(y, y)
    b.name(z, "z")
    [tz] = jvp(b, [z], {x: tx})
    [gx] = vjp(b, [z], [v], [x])
    ty = next(n for n in reachable([tz]) if b.names.get(n) == "y_dot")
    assert ty.op == "mul"
    assert "y_bar" in {b.names.get(n) for n in reachable([gx])}
    assert b.names[y] == "y"  # hints on primal nodes are never changed
