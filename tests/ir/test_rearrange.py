"""Rearrangements as IR primitives (`ir.rearrange`), checked through emitted code
against central finite differences: forward mode, reverse mode, their adjointness, the
JVP of the VJP; and the emitted text."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from symdiff.ir.builder import Builder
from symdiff.ir.node import Node
from symdiff.ir.types import MANY
from tests.ir.support import (
    Build,
    check_emitted,
    check_jvp_of_vjp,
    check_primitive,
    sample_values,
)


def _roll(shift: int, axis: int) -> Build:
    def build(b: Builder, p: list[Node]) -> Node:
        x = b.apply("sin", p[0])
        return b.mul(b.apply("roll", x, shift, attrs=(axis, x.type.ndim)), p[0])
    return build


def _roll_by_length(b: Builder, p: list[Node]) -> Node:
    # A shift known at run time: the first axis's length less one.
    shift = b.sub(b.apply("size", p[0], attrs=((0,),)), 1)
    return b.apply("roll", b.mul(p[0], p[0]), shift, attrs=(1, 2))


def _repeat(count: int, axis: int, dims: tuple[Any, ...]) -> Build:
    return lambda b, p: b.apply("repeat", b.apply("sin", p[0]), count, attrs=(axis, dims))


def _repeat_run_time(b: Builder, p: list[Node]) -> Node:
    # As many copies of each column as p[1] has entries.
    count = b.apply("size", p[1], attrs=((0,),))
    repeated = b.apply("repeat", p[0], count, attrs=(1, (MANY, None)))
    return b.mul(repeated, repeated)


def _tile(*reps: int, dims: tuple[Any, ...]) -> Build:
    return lambda b, p: b.apply("tile", b.mul(p[0], p[0]), *reps, attrs=(dims,))


def _tile_run_time(b: Builder, p: list[Node]) -> Node:
    rows = b.apply("size", p[1], attrs=((0,),))
    return b.mul(b.apply("tile", p[0], rows, 1, attrs=((MANY, MANY),)), p[1])


def _pad(widths: tuple[tuple[int, int], ...], mode: str, dims: tuple[Any, ...]) -> Build:
    def build(b: Builder, p: list[Node]) -> Node:
        x = b.apply("sin", p[0])
        value = () if mode == "edge" else (b.mul(p[1], p[1]) if len(p) > 1 else 0.0,)
        return b.mul(b.apply("pad", x, *value, attrs=(widths, mode, dims)), 1.5)
    return build


CASES: list[tuple[str, Build, list[Any]]] = [
    ("roll", _roll(1, 0), [np.ones(5)]),
    ("roll-back", _roll(-2, 0), [np.ones(5)]),
    ("roll-columns", _roll(3, 1), [np.ones((2, 4))]),
    ("roll-run-time", _roll_by_length, [np.ones((3, 4))]),
    ("repeat", _repeat(3, 0, (MANY,)), [np.ones(4)]),
    ("repeat-rows", _repeat(2, 0, (MANY, MANY)), [np.ones((3, 2))]),
    ("repeat-columns", _repeat(2, 1, (MANY, MANY)), [np.ones((3, 2))]),
    ("repeat-run-time", _repeat_run_time, [np.ones((2, 3)), np.ones(2)]),
    ("tile", _tile(3, dims=(MANY,)), [np.ones(2)]),
    ("tile-both-axes", _tile(2, 3, dims=(MANY, MANY)), [np.ones((2, 2))]),
    ("tile-more-axes", _tile(2, 1, 3, dims=(2, MANY, MANY)), [np.ones((2, 2))]),
    ("tile-fewer-reps", _tile(2, dims=(MANY, MANY, MANY)), [np.ones((2, 3, 2))]),
    ("tile-run-time", _tile_run_time, [np.ones(3), np.ones((4, 3))]),
    ("pad", _pad(((1, 2),), "constant", (MANY,)), [np.ones(3)]),
    ("pad-value", _pad(((1, 0), (0, 2)), "constant", (None, MANY)), [np.ones((2, 3)), 1.0]),
    ("pad-edge", _pad(((2, 1),), "edge", (MANY,)), [np.ones(3)]),
    ("pad-edge-matrix", _pad(((1, 1), (0, 2)), "edge", (MANY, MANY)), [np.ones((3, 2))]),
    ("unpad", lambda b, p: b.apply("unpad", b.mul(p[0], p[0]), attrs=(
        ((1, 1), (0, 2)), (None, None))), [np.ones((4, 5))]),
]


@pytest.mark.parametrize(("name", "build", "shapes"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rearrangement_derivatives(name: str, build: Build, shapes: list[Any],
                                   dtype: type) -> None:
    check_primitive(build, sample_values(shapes, dtype, np.random.default_rng(11)), dtype)


@pytest.mark.parametrize(("name", "build", "shapes"), CASES, ids=[c[0] for c in CASES])
def test_the_rules_are_differentiable(name: str, build: Build, shapes: list[Any]) -> None:
    check_jvp_of_vjp(build, sample_values(shapes, np.float64, np.random.default_rng(5)))


EMITTED = [
    ("roll", ["np.roll(np.sin(x0), 1)", "np.roll(", ", -1)"]),
    ("roll-columns", ["np.roll(np.sin(x0), 3, axis=1)", ", -3, axis=1)"]),
    ("roll-run-time", ["np.roll(x0 * x0, x0.shape[0] - 1, axis=1)", "np.roll(out_bar, -("]),
    ("repeat", ["np.repeat(np.sin(x0), 3)", "np.sum(out_bar.reshape(x0.shape[0], 3), axis=1)"]),
    ("repeat-columns", ["np.repeat(np.sin(x0), 2, axis=1)",
                        "np.sum(out_bar.reshape(x0.shape[0], x0.shape[1], 2), axis=2)"]),
    ("tile-both-axes", ["np.tile(x0 * x0, (2, 3))",
                        "np.sum(out_bar.reshape(2, x0.shape[0], 3, x0.shape[1]), axis=(0, 2))"]),
    ("tile-run-time", ["np.tile(x0, (x1.shape[0], 1))"]),
    ("pad", ["np.pad(np.sin(x0), (1, 2))", "(out_bar * 1.5)[1:-2]"]),
    ("pad-value", ["np.pad(np.sin(x0), ((1, 0), (0, 2)), constant_values=x1 * x1)",
                   "constant_values=1.0"]),
    ("pad-edge-matrix", ["np.pad(np.sin(x0), ((1, 1), (0, 2)), mode='edge')"]),
    ("unpad", ["(x0 * x0)[1:-1, :-2]", "np.pad(out_bar, ((1, 1), (0, 2)))"]),
]


@pytest.mark.parametrize(("name", "snippets"), EMITTED, ids=[e[0] for e in EMITTED])
def test_emitted_code_reads_as_numpy(name: str, snippets: list[str]) -> None:
    _, build, shapes = next(c for c in CASES if c[0] == name)
    check_emitted(build, sample_values(shapes, np.float64, np.random.default_rng(0)), snippets)
