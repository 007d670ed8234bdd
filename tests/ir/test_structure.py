"""Diagonals, Kronecker and cross products as IR primitives (`ir.structure`),
checked through emitted code against central finite differences: forward mode, reverse
mode, their adjointness, the JVP of the VJP; what the types know of a diagonal's
length; and the emitted text."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from symdiff.ir.builder import Builder
from symdiff.ir.structure import diag_dims, diagonal_dims
from symdiff.ir.types import MANY, ArrayType
from tests.ir.support import (
    Build,
    check_emitted,
    check_jvp_of_vjp,
    check_primitive,
    sample_values,
)


def _diagonal(k: int) -> Build:
    def build(b: Builder, p: list[Any]) -> Any:
        *rest, n, m = p[0].type.dims
        return b.apply("diagonal", b.apply("sin", p[0]),
                       attrs=(k, (*rest, diagonal_dims(n, m, k))))
    return build


def _diag(k: int) -> Build:
    def build(b: Builder, p: list[Any]) -> Any:
        side = diag_dims(p[0].type.dims[0], k)
        return b.mul(b.apply("diag", b.mul(p[0], p[0]), attrs=(k, (side, side))), p[1])
    return build


def _kron(b: Builder, p: list[Any]) -> Any:
    return b.apply("kron", b.apply("sin", p[0]), b.mul(p[1], p[1]))


def _cross(b: Builder, p: list[Any]) -> Any:
    return b.apply("cross", b.apply("sin", p[0]), b.mul(p[1], p[1]))


CASES: list[tuple[str, Build, list[Any]]] = [
    ("diagonal", _diagonal(0), [np.ones((3, 3))]),
    ("diagonal-wide-above", _diagonal(1), [np.ones((3, 5))]),
    ("diagonal-tall-above", _diagonal(2), [np.ones((5, 3))]),
    ("diagonal-wide-below", _diagonal(-1), [np.ones((3, 5))]),
    ("diagonal-tall-below", _diagonal(-2), [np.ones((5, 3))]),
    ("diagonal-of-a-stack", _diagonal(1), [np.ones((2, 3, 4))]),
    ("diag", _diag(0), [np.ones(3), np.ones((3, 3))]),
    ("diag-above", _diag(2), [np.ones(3), np.ones((5, 5))]),
    ("diag-below", _diag(-1), [np.ones(3), np.ones((4, 4))]),
    ("kron", _kron, [np.ones((2, 3)), np.ones((3, 2))]),
    ("kron-vectors", _kron, [np.ones(3), np.ones(2)]),
    ("kron-stacks", _kron, [np.ones((2, 1, 3)), np.ones((2, 2, 2))]),
    ("cross", _cross, [np.ones(3), np.ones(3)]),
    ("cross-batched", _cross, [np.ones((4, 3)), np.ones((4, 3))]),
    ("cross-broadcast", _cross, [np.ones((2, 1, 3)), np.ones((4, 3))]),
]


@pytest.mark.parametrize(("name", "build", "shapes"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matrix_primitive_derivatives(name: str, build: Build, shapes: list[Any],
                                      dtype: type) -> None:
    values = sample_values(shapes, dtype, np.random.default_rng(11))
    check_primitive(build, values, dtype)


@pytest.mark.parametrize(("name", "build", "shapes"), CASES, ids=[c[0] for c in CASES])
def test_the_rules_are_differentiable(name: str, build: Build, shapes: list[Any]) -> None:
    check_jvp_of_vjp(build, sample_values(shapes, np.float64, np.random.default_rng(5)))


@pytest.mark.parametrize(("n", "m", "k"), [(3, 5, 0), (3, 5, 2), (3, 5, 4), (3, 5, 6),
                                           (5, 3, -1), (5, 3, -4), (5, 3, -6), (4, 4, -3)])
def test_a_known_diagonal_length_is_numpys(n: int, m: int, k: int) -> None:
    assert diagonal_dims(n, m, k) == np.diagonal(np.ones((n, m)), k).shape[0]
    assert diag_dims(n, k) == np.diag(np.ones(n), k).shape[0]


def test_a_kronecker_product_has_the_products_of_the_lengths() -> None:
    b = Builder()
    x = b.param("x", ArrayType("float32", (MANY, 1)))
    y = b.param("y", ArrayType("float64", (1, 1)))
    assert b.apply("kron", x, y).type == ArrayType("float64", (MANY, 1))


def test_what_is_known_of_a_diagonal_of_lengths_known_only_at_run_time() -> None:
    assert diagonal_dims(MANY, MANY, 0) == MANY  # the shorter side: 0 or at least 2
    assert diagonal_dims(MANY, MANY, 1) is None  # 3 x 2 above the diagonal: one entry
    assert diagonal_dims(1, MANY, 0) is None
    assert diag_dims(MANY, 0) == MANY
    assert diag_dims(MANY, 1) is None  # a vector of none makes a 1 x 1 matrix
    assert diag_dims(MANY, -2) == MANY
    b = Builder()
    x = b.param("x", ArrayType("float32", (MANY, MANY)))
    assert b.apply("diagonal", x, attrs=(0, (MANY,))).type == ArrayType("float32", (MANY,))


EMITTED = [
    ("diagonal", ["np.diagonal(np.sin(x0))", "np.eye("]),
    ("diagonal-wide-below", ["np.diagonal(np.sin(x0), -1)", "k=-1"]),
    ("diagonal-of-a-stack", ["np.diagonal(np.sin(x0), 1, -2, -1)"]),
    ("diag-below", ["np.diag(x0 * x0, -1)", "np.diagonal(", ", -1)"]),
    ("kron", ["np.kron(np.sin(x0), x1 * x1)", "np.einsum('abcd,bd->ac', ",
              "np.einsum('abcd,ac->bd', "]),
    ("cross", ["np.cross(np.sin(x0), x1 * x1)", "np.cross(x1 * x1, out_bar)",
               "np.cross(out_bar, np.sin(x0))"]),
]


@pytest.mark.parametrize(("name", "snippets"), EMITTED, ids=[e[0] for e in EMITTED])
def test_emitted_code_reads_as_numpy(name: str, snippets: list[str]) -> None:
    _, build, shapes = next(c for c in CASES if c[0] == name)
    check_emitted(build, sample_values(shapes, np.float64, np.random.default_rng(0)), snippets)
