"""The factorisations as IR primitives, checked through emitted code: np.tril/np.triu,
the Cholesky factor, slogdet, pinv, lstsq, expm (SciPy's: skipped without it), and each
factor of eigh, eigvalsh, qr and svd (tall, wide and square), in forward and reverse
mode against central finite differences and each other, in float64 and float32, and
the JVP of the VJP; the convention that a function reading one triangle has no
derivative in the other; what happens at repeated eigenvalues; the emitted calls and
the types."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from symdiff.codegen.emit import emit_module
from symdiff.ir.builder import Builder
from symdiff.ir.matrices import mT
from symdiff.ir.node import Node
from symdiff.ir.types import MANY, ArrayType
from symdiff.transforms.programs import finish, jvp_program, vjp_program
from tests.ir.support import (
    Build,
    check_jvp_of_vjp,
    check_primitive,
    positive_definite,
    program_of,
    run_emitted,
)

RNG = np.random.default_rng(23)


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _symmetric(n: int) -> np.ndarray:
    x = _normal(n, n)
    return x + x.T


def _stack(make: Any, *shape: int) -> np.ndarray:
    """Two matrices made by `make` stacked: a (2, ...) array."""
    return np.stack([make(*shape), make(*shape)])


def _apply(op: str, *attrs: Any) -> Build:
    return lambda b, p: b.apply(op, *p, attrs=attrs)


CASES: list[tuple[str, Build, list[Any]]] = [
    ("tril", _apply("triangle", True, 0), [_normal(3, 4)]),
    ("tril-strict", _apply("triangle", True, -1), [_normal(4, 4)]),
    ("triu-above", _apply("triangle", False, 1), [_normal(4, 3)]),
    ("cholesky", _apply("cholesky"), [positive_definite(RNG, 4)]),
    ("cholesky-1x1", _apply("cholesky"), [np.array([[2.5]])]),
    ("logabsdet", _apply("slogdet", 1), [_normal(4, 4)]),
    ("sign", _apply("slogdet", 0), [_normal(3, 3)]),
    ("pinv-tall", _apply("pinv"), [_normal(5, 3)]),
    ("pinv-wide", _apply("pinv"), [_normal(2, 4)]),
    ("pinv-square", _apply("pinv"), [_normal(3, 3) + 3 * np.eye(3)]),
    ("lstsq-vector", _apply("lstsq", 0), [_normal(6, 3), _normal(6)]),
    ("lstsq-matrix", _apply("lstsq", 0), [_normal(6, 3), _normal(6, 2)]),
    ("lstsq-wide", _apply("lstsq", 0), [_normal(2, 4), _normal(2)]),
    ("residuals-vector", _apply("lstsq", 1), [_normal(6, 3), _normal(6)]),
    ("residuals-matrix", _apply("lstsq", 1), [_normal(6, 3), _normal(6, 2)]),
    ("expm", _apply("expm"), [0.5 * _normal(3, 3)]),
    ("expm-1x1", _apply("expm"), [np.array([[0.3]])]),
    ("expm-stack", _apply("expm"), [0.5 * _normal(2, 3, 3)]),
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
    # Stacks of matrices: each function of the last two axes.
    ("cholesky-stack", _apply("cholesky"), [_stack(lambda n: positive_definite(RNG, n), 3)]),
    ("logabsdet-stack", _apply("slogdet", 1), [_normal(2, 3, 3)]),
    ("pinv-stack", _apply("pinv"), [_normal(2, 4, 3)]),
    ("eigh-values-stack", _apply("eigh", 0, True), [_stack(_symmetric, 3)]),
    ("eigh-vectors-stack", _apply("eigh", 1, False), [_stack(_symmetric, 3)]),
    ("eigvalsh-stack", _apply("eigvalsh", True), [_normal(2, 2, 3, 3)]),
    ("qr-q-stack", _apply("qr", 0), [_normal(2, 4, 3)]),
    ("qr-r-stack", _apply("qr", 1), [_normal(2, 4, 3)]),
    *((f"svd-{part}-stack-{shape[1]}x{shape[2]}", _apply("svd", i), [_normal(*shape)])
      for shape in ((2, 4, 3), (2, 3, 4)) for i, part in enumerate(("u", "s", "vh"))),
]


def _scipy_for(case: str) -> None:
    if case.startswith("expm"):
        pytest.importorskip("scipy.linalg")  # its code calls scipy.linalg.expm


@pytest.mark.parametrize(("name", "build", "values"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_derivatives_match_finite_differences(name: str, build: Build, values: list[Any],
                                              dtype: type) -> None:
    _scipy_for(name)
    check_primitive(build, [v.astype(dtype) for v in values], dtype)


@pytest.mark.parametrize(("name", "build", "values"), CASES, ids=[c[0] for c in CASES])
def test_the_vjp_is_differentiable(name: str, build: Build, values: list[Any]) -> None:
    _scipy_for(name)
    check_jvp_of_vjp(build, values)


def _jvp(build: Build, x: np.ndarray, t: np.ndarray) -> Any:
    return run_emitted(finish(jvp_program(program_of(build, [x]))), x, t)[1]


def _vjp(build: Build, x: np.ndarray, ct: Any) -> np.ndarray:
    return run_emitted(finish(vjp_program(program_of(build, [x]))), x, ct)[0]


def test_cholesky_has_no_derivative_in_the_upper_triangle() -> None:
    # NumPy reads the lower triangle only: changing the upper one changes nothing.
    a = positive_definite(RNG, 4)
    build = _apply("cholesky")
    upper = np.triu(_normal(4, 4), 1)
    np.testing.assert_array_equal(_jvp(build, a, upper), np.zeros((4, 4)))
    g = _vjp(build, a, _normal(4, 4))
    np.testing.assert_array_equal(np.triu(g, 1), np.zeros((4, 4)))
    # A symmetric direction moves the factor as it moves A = L L^T.
    sym = upper + upper.T
    dl = _jvp(build, a, sym)
    low = np.linalg.cholesky(a)
    np.testing.assert_allclose(dl @ low.T + low @ dl.T, sym, atol=1e-12)
    assert np.allclose(np.triu(dl, 1), 0.0)


def test_cholesky_gradient_of_the_log_determinant() -> None:
    # sum(log(diag(L))) is half of log det A: its gradient, read from the lower triangle,
    # is half of inv(A) on the diagonal and inv(A) below it (where each entry stands for
    # two of the symmetric matrix).
    a = positive_definite(RNG, 3)

    def build(b: Builder, p: list[Node]) -> Node:
        diag = b.apply("einsum", b.apply("cholesky", p[0]), attrs=("ii->i",))
        return b.apply("sum", b.apply("log", diag), attrs=(None, False))

    inv = np.linalg.inv(a)
    np.testing.assert_allclose(_vjp(build, a, 1.0), np.tril(inv, -1) + np.diag(np.diag(inv)) / 2)


def test_the_sign_of_the_determinant_has_derivative_zero() -> None:
    program = program_of(_apply("slogdet", 0), [_normal(3, 3)])
    assert "slogdet" not in emit_module(finish(vjp_program(program))).split("return")[-1]
    assert _vjp(_apply("slogdet", 0), _normal(3, 3), 1.0).tolist() == np.zeros((3, 3)).tolist()


def test_logabsdet_gradient_is_the_inverse_transpose() -> None:
    a = _normal(4, 4)
    np.testing.assert_allclose(_vjp(_apply("slogdet", 1), a, 1.0), np.linalg.inv(a).T)


def test_emitted_matrix_functions_read_like_numpy() -> None:
    def build(b: Builder, p: list[Node]) -> Node:
        low = b.apply("cholesky", p[0])
        return b.add(b.apply("triangle", low, attrs=(False, 1)),
                     b.apply("pinv", b.apply("triangle", p[0], attrs=(True, -1))))

    text = emit_module(program_of(build, [positive_definite(RNG, 3)]))
    assert "np.linalg.cholesky(x0)" in text
    assert "np.triu(" in text and ", 1)" in text
    assert "np.tril(x0, -1)" in text
    assert "np.linalg.pinv(" in text
    logdet = emit_module(program_of(_apply("slogdet", 1), [_normal(2, 2)]))
    assert "np.linalg.slogdet(x0)[1]" in logdet
    lstsq = emit_module(program_of(_apply("lstsq", 0), [_normal(3, 2), _normal(3)]))
    assert "np.linalg.lstsq(x0, x1, rcond=None)[0]" in lstsq


def test_expm_is_scipy_s_call_and_its_derivative_a_block_exponential() -> None:
    pytest.importorskip("scipy.linalg")
    a = 0.5 * _normal(3, 3)
    program = finish(vjp_program(program_of(_apply("expm"), [a])))
    text = emit_module(program)
    assert "import scipy.linalg" in text and "scipy.linalg.expm(" in text
    # The gradient of sum(expm(A) * W) against the integral form of the derivative:
    # int_0^1 expm(s A)^T W expm((1 - s) A)^T ds, by the midpoint rule.
    from scipy.linalg import expm

    w = _normal(3, 3)
    steps = (np.arange(400) + 0.5) / 400
    want = sum(expm(s * a).T @ w @ expm((1 - s) * a).T for s in steps) / 400
    np.testing.assert_allclose(run_emitted(program, a, w)[0], want, rtol=1e-5)


def test_a_transpose_of_a_transpose_is_the_matrix() -> None:
    b = Builder()
    x = b.param("x", ArrayType("float64", (MANY, MANY)))
    assert mT(b, mT(b, x)) is x


def test_types_of_the_matrix_functions() -> None:
    b = Builder()
    tall = b.param("a", ArrayType("float32", (MANY, 1)))
    vector = b.param("v", ArrayType("float64", (MANY,)))
    assert b.apply("pinv", tall).type == ArrayType("float32", (1, MANY))
    assert b.apply("triangle", tall, attrs=(True, 0)).type == tall.type
    assert b.apply("slogdet", tall, attrs=(1,)).type is None
    assert b.apply("lstsq", tall, vector, attrs=(0,)).type == ArrayType("float64", (1,))
    assert b.apply("lstsq", tall, vector, attrs=(1,)).type == ArrayType("float64", (None,))
    assert b.apply("lstsq", tall, vector, attrs=(2,)).type is None
    with pytest.raises(TypeError, match="2-D"):
        b.apply("cholesky", vector)
    with pytest.raises(TypeError, match="fewer than two axes"):
        b.apply("triangle", vector, attrs=(True, 0))
    stack = b.param("s", ArrayType("float64", (MANY, MANY, MANY)))
    assert b.apply("expm", stack).type == stack.type
    tall_stack = b.param("t", ArrayType("float32", (4, 5, 3)))
    assert b.apply("slogdet", stack, attrs=(1,)).type == ArrayType("float64", (MANY,))
    assert b.apply("pinv", tall_stack).type == ArrayType("float32", (4, 3, 5))
    assert b.apply("eigh", stack, attrs=(0, True)).type == ArrayType("float64", (MANY, MANY))
    assert [b.apply("svd", tall_stack, attrs=(i,)).type.dims for i in range(3)] == [
        (4, 5, 3), (4, 3), (4, 3, 3)]
    assert [b.apply("qr", tall_stack, attrs=(i,)).type.dims for i in range(2)] == [
        (4, 5, 3), (4, 3, 3)]


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


def test_emitted_factors_read_like_numpy() -> None:
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
