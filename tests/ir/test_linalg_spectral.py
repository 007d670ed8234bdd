"""eigh, eigvalsh, qr and svd as IR primitives, checked through emitted code: each factor
in forward and reverse mode against central finite differences and each other, in
float64 and float32, tall, wide and square; the JVP of the VJP; the triangle eigh reads;
what happens at repeated eigenvalues; and the types of the factors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from symdiff.codegen.emit import emit_module
from symdiff.ir.builder import Builder
from symdiff.ir.types import MANY, ArrayType
from symdiff.transforms.programs import finish, jvp_program, vjp_program
from tests.ir.support import Build, check_jvp_of_vjp, check_primitive, program_of, run_emitted

RNG = np.random.default_rng(29)


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _symmetric(n: int) -> np.ndarray:
    x = _normal(n, n)
    return x + x.T


def _apply(op: str, *attrs: Any) -> Build:
    return lambda b, p: b.apply(op, *p, attrs=attrs)


CASES: list[tuple[str, Build, list[Any]]] = [
    ("eigh-values", _apply("eigh", 0, True), [_symmetric(4)]),
    ("eigh-vectors", _apply("eigh", 1, True), [_symmetric(4)]),
    ("eigh-values-upper", _apply("eigh", 0, False), [_symmetric(3)]),
    ("eigh-vectors-upper", _apply("eigh", 1, False), [_symmetric(3)]),
    ("eigvalsh", _apply("eigvalsh", True), [_symmetric(4)]),
    ("eigvalsh-upper", _apply("eigvalsh", False), [_symmetric(4)]),
    ("qr-q-tall", _apply("qr", 0), [_normal(5, 3)]),
    ("qr-r-tall", _apply("qr", 1), [_normal(5, 3)]),
    ("qr-q-square", _apply("qr", 0), [_normal(3, 3)]),
    ("qr-r-square", _apply("qr", 1), [_normal(3, 3)]),
    *((f"svd-{part}-{shape[0]}x{shape[1]}", _apply("svd", i), [_normal(*shape)])
      for shape in ((5, 3), (3, 5), (4, 4)) for i, part in enumerate(("u", "s", "vh"))),
]


@pytest.mark.parametrize(("name", "build", "values"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_derivatives_match_finite_differences(name: str, build: Build, values: list[Any],
                                              dtype: type) -> None:
    check_primitive(build, [v.astype(dtype) for v in values], dtype)


@pytest.mark.parametrize(("name", "build", "values"), CASES, ids=[c[0] for c in CASES])
def test_the_vjp_is_differentiable(name: str, build: Build, values: list[Any]) -> None:
    check_jvp_of_vjp(build, values)


def test_eigh_reads_one_triangle() -> None:
    a = _symmetric(4)
    for lower, other in ((True, np.triu(_normal(4, 4), 1)), (False, np.tril(_normal(4, 4), -1))):
        for which in (0, 1):
            program = program_of(_apply("eigh", which, lower), [a])
            tangent = run_emitted(finish(jvp_program(program)), a, other)[1]
            np.testing.assert_array_equal(tangent, np.zeros_like(tangent))
        g = run_emitted(finish(vjp_program(program_of(_apply("eigvalsh", lower), [a]))),
                        a, _normal(4))[0]
        np.testing.assert_array_equal(g * (other != 0), np.zeros((4, 4)))


def test_eigenvalue_gradient_is_the_outer_product_of_its_eigenvector() -> None:
    a = _symmetric(3)
    _, v = np.linalg.eigh(a)
    ct = np.array([0.0, 0.0, 1.0])  # the largest eigenvalue
    g = run_emitted(finish(vjp_program(program_of(_apply("eigh", 0, True), [a]))), a, ct)[0]
    full = np.outer(v[:, 2], v[:, 2])
    np.testing.assert_allclose(g, np.tril(2 * full, -1) + np.diag(np.diag(full)), atol=1e-12)


def test_repeated_eigenvalues_make_eigenvector_derivatives_not_finite() -> None:
    # Not differentiable there: NumPy warns of the division by a zero gap.
    program = finish(jvp_program(program_of(_apply("eigh", 1, True), [np.eye(3)])))
    with pytest.warns(RuntimeWarning):
        tangent = run_emitted(program, np.eye(3), _symmetric(3))[1]
    assert not np.all(np.isfinite(tangent))
    # The eigenvalues' first derivative needs no gap.
    values = finish(jvp_program(program_of(_apply("eigvalsh", True), [np.eye(3)])))
    assert np.all(np.isfinite(run_emitted(values, np.eye(3), _symmetric(3))[1]))


def test_emitted_calls_read_like_numpy() -> None:
    def build(b: Builder, p: list[Any]) -> Any:
        parts = [b.apply("eigh", p[0], attrs=(1, False)), b.apply("qr", p[0], attrs=(0,)),
                 b.apply("svd", p[0], attrs=(2,))]
        return b.add(b.add(parts[0], parts[1]), parts[2])

    text = emit_module(program_of(build, [_normal(3, 3)]))
    assert "np.linalg.eigh(x0, UPLO='U')[1]" in text
    assert "np.linalg.qr(x0)[0]" in text
    assert "np.linalg.svd(x0, full_matrices=False)[2]" in text
    assert "np.linalg.eigvalsh(x0)" in emit_module(
        program_of(_apply("eigvalsh", True), [_normal(3, 3)]))


@pytest.mark.parametrize(("dims", "short"), [
    ((MANY, MANY), MANY), ((MANY, 1), 1), ((1, MANY), 1), ((5, 3), 3), ((None, MANY), None)])
def test_factor_types(dims: tuple[Any, Any], short: Any) -> None:
    b = Builder()
    a = b.param("a", ArrayType("float32", dims))
    m, n = dims
    assert b.apply("qr", a, attrs=(0,)).type == ArrayType("float32", (m, short))
    assert b.apply("qr", a, attrs=(1,)).type == ArrayType("float32", (short, n))
    assert [b.apply("svd", a, attrs=(i,)).type.dims for i in range(3)] == [
        (m, short), (short,), (short, n)]
    assert b.apply("eigh", a, attrs=(0, True)).type.dims == (m,)
    assert b.apply("eigvalsh", a, attrs=(True,)).type.dims == (m,)
    assert b.apply("eigh", a, attrs=(1, True)).type.dims == dims
