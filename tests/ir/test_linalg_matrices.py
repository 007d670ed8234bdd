"""np.tril/np.triu, the Cholesky factor, slogdet, pinv and lstsq as IR primitives,
checked through emitted code: forward and reverse mode against central finite
differences and each other in float64 and float32, the JVP of the VJP, the convention
that a function reading one triangle has no derivative in the other, and the types."""

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
from tests.ir.support import Build, check_jvp_of_vjp, check_primitive, program_of, run_emitted

RNG = np.random.default_rng(23)


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _spd(n: int) -> np.ndarray:
    x = _normal(n, n)
    return x @ x.T + n * np.eye(n)


def _apply(op: str, *attrs: Any) -> Build:
    return lambda b, p: b.apply(op, *p, attrs=attrs)


CASES: list[tuple[str, Build, list[Any]]] = [
    ("tril", _apply("triangle", True, 0), [_normal(3, 4)]),
    ("tril-strict", _apply("triangle", True, -1), [_normal(4, 4)]),
    ("triu-above", _apply("triangle", False, 1), [_normal(4, 3)]),
    ("cholesky", _apply("cholesky"), [_spd(4)]),
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
]


@pytest.mark.parametrize(("name", "build", "values"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_derivatives_match_finite_differences(name: str, build: Build, values: list[Any],
                                              dtype: type) -> None:
    check_primitive(build, [v.astype(dtype) for v in values], dtype)


@pytest.mark.parametrize(("name", "build", "values"), CASES, ids=[c[0] for c in CASES])
def test_the_vjp_is_differentiable(name: str, build: Build, values: list[Any]) -> None:
    check_jvp_of_vjp(build, values)


def _jvp(build: Build, x: np.ndarray, t: np.ndarray) -> Any:
    return run_emitted(finish(jvp_program(program_of(build, [x]))), x, t)[1]


def _vjp(build: Build, x: np.ndarray, ct: Any) -> np.ndarray:
    return run_emitted(finish(vjp_program(program_of(build, [x]))), x, ct)[0]


def test_cholesky_has_no_derivative_in_the_upper_triangle() -> None:
    # NumPy reads the lower triangle only: changing the upper one changes nothing.
    a = _spd(4)
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
    a = _spd(3)

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


def test_emitted_calls_read_like_numpy() -> None:
    def build(b: Builder, p: list[Node]) -> Node:
        low = b.apply("cholesky", p[0])
        return b.add(b.apply("triangle", low, attrs=(False, 1)),
                     b.apply("pinv", b.apply("triangle", p[0], attrs=(True, -1))))

    text = emit_module(program_of(build, [_spd(3)]))
    assert "np.linalg.cholesky(x0)" in text
    assert "np.triu(" in text and ", 1)" in text
    assert "np.tril(x0, -1)" in text
    assert "np.linalg.pinv(" in text
    logdet = emit_module(program_of(_apply("slogdet", 1), [_normal(2, 2)]))
    assert "np.linalg.slogdet(x0)[1]" in logdet
    lstsq = emit_module(program_of(_apply("lstsq", 0), [_normal(3, 2), _normal(3)]))
    assert "np.linalg.lstsq(x0, x1, rcond=None)[0]" in lstsq


def test_a_transpose_of_a_transpose_is_the_matrix() -> None:
    b = Builder()
    x = b.param("x", ArrayType("float64", (MANY, MANY)))
    assert mT(b, mT(b, x)) is x


def test_types() -> None:
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
