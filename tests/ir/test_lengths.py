"""Which lengths known only at run time are equal (`ir.lengths`): slices from a constant
start to a constant distance before the end, through elementwise operations and picked
entries; and the axes along which derivatives must fit a (co)tangent when the code runs,
checked through emitted code."""

from __future__ import annotations

import numpy as np

from symdiff.codegen.emit import emit_module
from symdiff.ir.builder import Builder
from symdiff.ir.indexing import FULL
from symdiff.ir.lengths import length_key, unsure_axes
from symdiff.ir.node import Node
from symdiff.ir.types import MANY, ArrayType
from symdiff.transforms.programs import finish, jvp_program, vjp_program
from tests.ir.support import program_of, run_emitted


def _slice(b: Builder, x: Node, start: int | None, stop: int | None, axis: int = 0) -> Node:
    key = (*(FULL,) * axis, ("slice", start, stop, None))
    return b.apply("index", x, attrs=(key,))


def test_slices_one_shorter_from_either_end_are_as_long() -> None:
    b = Builder()
    x = b.param("x", ArrayType("float64", (MANY,)))
    ahead, behind = _slice(b, x, 1, None), _slice(b, x, None, -1)
    assert ahead.type.dims == behind.type.dims == (None,)  # the types cannot tell
    assert length_key(ahead, 0) == length_key(behind, 0) == (x, 0, 1)
    assert length_key(_slice(b, ahead, 1, None), 0) == length_key(_slice(b, x, 1, -1), 0)
    middle = b.add(_slice(b, x, 2, None), b.mul(2.0, _slice(b, x, 1, -1)))
    assert length_key(middle, 0) == (x, 0, 2)
    assert unsure_axes(b.sub(middle, _slice(b, x, None, -2))) == ()


def test_other_lengths_say_nothing() -> None:
    b = Builder()
    X = b.param("X", ArrayType("float64", (MANY, MANY)))
    column, rest = _slice(b, X, None, 1, axis=1), _slice(b, X, 1, None, axis=1)
    assert length_key(column, 1) != length_key(rest, 1)  # 0 or 1 long, and n - 1
    assert unsure_axes(b.mul(column, rest)) == (1,)
    assert unsure_axes(b.mul(column, b.apply("sin", column))) == ()
    # the rows of a slice keep the length of X's rows, picked or not
    assert length_key(b.apply("pick", rest, attrs=(0, (0,))), 0) == length_key(rest, 1)


def _column_times_rest(b: Builder, p: list[Node]) -> Node:
    return b.apply("sum", b.mul(_slice(b, p[0], None, 1, axis=1),
                                _slice(b, p[0], 1, None, axis=1)), attrs=(None, False))


def test_the_derivatives_fit_where_lengths_may_differ() -> None:
    M = np.arange(1.0, 13.0).reshape(3, 4)
    primal = program_of(_column_times_rest, [M])
    (g,) = run_emitted(finish(vjp_program(primal)), M, 1.0)
    want = np.zeros((3, 4))
    want[:, 0], want[:, 1:] = M[:, 1:].sum(axis=1), M[:, :1]
    np.testing.assert_array_equal(g, want)
    u = np.ones((3, 4))
    _, t = run_emitted(finish(jvp_program(primal)), M, u)
    assert t == np.sum(want * u)
    assert "np.broadcast_to(" in emit_module(finish(jvp_program(primal)))


def test_a_finite_difference_needs_no_check() -> None:
    def build(b: Builder, p: list[Node]) -> Node:
        step = b.sub(_slice(b, p[0], 1, None), _slice(b, p[0], None, -1))
        return b.apply("sum", b.mul(step, step), attrs=(None, False))

    # x[1:] and x[:-1] are as long: no test of a length one, no tangent broadcast.
    primal = program_of(build, [np.ones(5)])
    backward = emit_module(finish(vjp_program(primal)))
    forward = emit_module(finish(jvp_program(primal)))
    assert ".shape[0] == 1" not in backward + forward and "broadcast_to" not in forward
