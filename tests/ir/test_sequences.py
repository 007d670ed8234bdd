"""The list primitives a loop's conditional appends use: emitted code agrees with the
reference interpreter, and select/expand are each other's transpose."""

from __future__ import annotations

import random

import pytest

from symdiff.ir.builder import Builder
from symdiff.ir.evaluate import evaluate
from symdiff.ir.node import SEQ, Program
from symdiff.transforms.ad import jvp, vjp
from tests.ir.support import run_emitted


def _program(op: str, kinds: tuple[str, ...]) -> Program:
    b = Builder()
    params = tuple(b.param(name, kind) for name, kind in zip(("xs", "flags"), kinds,
                                                              strict=False))
    return Program(op, params, b.apply(op, *params), b)


_run_emitted = run_emitted


FLAGS = [True, False, True, True, False]


def test_select_keeps_the_flagged_values_and_expand_puts_them_back() -> None:
    select, expand = _program("seq_select", (SEQ, SEQ)), _program("seq_expand", (SEQ, SEQ))
    xs = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert evaluate(select, [xs, FLAGS]) == [1.0, 3.0, 4.0]
    assert _run_emitted(select, xs, FLAGS) == [1.0, 3.0, 4.0]
    assert evaluate(expand, [[7.0, 8.0, 9.0], FLAGS]) == [7.0, 0.0, 8.0, 9.0, 0.0]
    assert _run_emitted(expand, [7.0, 8.0, 9.0], FLAGS) == [7.0, 0.0, 8.0, 9.0, 0.0]


@pytest.mark.parametrize("op", ["seq_select", "seq_expand"])
def test_select_and_expand_are_adjoint(op: str) -> None:
    rng = random.Random(3)
    b = Builder()
    xs, flags = b.param("xs", SEQ), b.param("flags", SEQ)
    out = b.apply(op, xs, flags)
    u_node, ct_node = b.param("u", SEQ), b.param("ct", SEQ)
    (tangent,) = jvp(b, [out], {xs: u_node})
    (cotangent,) = vjp(b, [out], [ct_node], [xs])
    program = Program("pair", (xs, flags, u_node, ct_node), (tangent, cotangent), b)
    n_in = 5 if op == "seq_select" else sum(FLAGS)
    n_out = sum(FLAGS) if op == "seq_select" else 5
    x = [rng.uniform(-1, 1) for _ in range(n_in)]
    u = [rng.uniform(-1, 1) for _ in range(n_in)]
    ct = [rng.uniform(-1, 1) for _ in range(n_out)]
    for run in (lambda *a: evaluate(program, list(a)), lambda *a: _run_emitted(program, *a)):
        t, c = run(x, FLAGS, u, ct)
        assert sum(p * q for p, q in zip(ct, t, strict=True)) == pytest.approx(
            sum(p * q for p, q in zip(c, u, strict=True)))


def test_checked_item_raises_index_error_when_the_list_is_short() -> None:
    b = Builder()
    value, short = b.param("value"), b.param("short")
    program = Program("checked", (value, short), b.apply("checked_item", value, short), b)
    assert _run_emitted(program, 2.5, False) == 2.5
    with pytest.raises(IndexError):
        _run_emitted(program, 2.5, True)
    with pytest.raises(IndexError):
        evaluate(program, [2.5, True])


SLICES = [("list_head", (2,)), ("list_head", (-1,)), ("list_head", (9,)),
          ("list_tail", (1,)), ("list_tail", (-2,)), ("list_tail", (7,)),
          ("list_slice", (1, -1)), ("list_slice", (-4, 3)), ("list_slice", (3, 1)),
          ("list_slice", (-9, 9))]


@pytest.mark.parametrize(("op", "bounds"), SLICES, ids=lambda v: str(v))
def test_slices_take_what_python_takes_and_their_transposes_put_it_back(
        op: str, bounds: tuple[int, ...]) -> None:
    rng = random.Random(5)
    b = Builder()
    xs = b.param("xs", SEQ)
    ints = [b.param(f"k{i}") for i in range(len(bounds))]
    out = b.apply(op, xs, *ints)
    u_node, ct_node = b.param("u", SEQ), b.param("ct", SEQ)
    (tangent,) = jvp(b, [out], {xs: u_node})
    (cotangent,) = vjp(b, [out], [ct_node], [xs])
    program = Program("pair", (xs, *ints, u_node, ct_node), (out, tangent, cotangent), b)
    x = [rng.uniform(-1, 1) for _ in range(5)]
    u = [rng.uniform(-1, 1) for _ in range(5)]
    want = x[:bounds[0]] if op == "list_head" else x[bounds[0]:] if op == "list_tail" \
        else x[bounds[0]:bounds[1]]
    ct = [rng.uniform(-1, 1) for _ in want]
    for run in (lambda *a: evaluate(program, list(a)), lambda *a: _run_emitted(program, *a)):
        value, t, c = run(x, *bounds, u, ct)
        assert value == want and len(c) == len(x)
        assert sum(p * q for p, q in zip(ct, t, strict=True)) == pytest.approx(
            sum(p * q for p, q in zip(c, u, strict=True)))
