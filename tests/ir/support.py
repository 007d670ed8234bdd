"""Helpers of the IR tests: a program over parameters typed like example values, and
running a program's emitted code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from symdiff.codegen.emit import emit_module
from symdiff.ir.builder import Builder
from symdiff.ir.node import Node, Program
from symdiff.ir.types import of_value

Build = Callable[[Builder, list[Node]], Node]


def program_of(build: Build, values: list[Any]) -> Program:
    """``f(x0, x1, ...)`` returning `build`'s node, each parameter typed like its value."""
    b = Builder()
    params = [b.param(f"x{i}", of_value(v)) if of_value(v) is not None else b.param(f"x{i}")
              for i, v in enumerate(values)]
    return Program("f", tuple(params), build(b, params), b)


def run_emitted(program: Program, *args: Any) -> Any:
    """Call the function `program`'s emitted module defines."""
    namespace: dict[str, Any] = {}
    exec(compile(emit_module(program), f"<{program.name}>", "exec"), namespace)  # noqa: S102
    return namespace[program.name](*args)


def random_like(rng: Any, value: Any, dtype: Any) -> Any:
    """A random value of `value`'s shape: an array of `dtype`, or a number."""
    import numpy as np

    if isinstance(value, np.ndarray) or np.ndim(value) > 0:
        return rng.standard_normal(np.shape(value)).astype(dtype)
    return float(rng.standard_normal())


def positive_definite(rng: Any, n: int) -> Any:
    """A random symmetric positive definite n x n matrix, well conditioned."""
    import numpy as np

    x = rng.standard_normal((n, n))
    return x @ x.T + n * np.eye(n)


def check_primitive(build: Build, values: list[Any], dtype: Any, seed: int = 11) -> Any:
    """Check the emitted JVP and VJP of `build` at `values`: the JVP against central
    finite differences, every derivative with its value's shape, each cotangent of an
    array a writable array of its dtype, and the two modes adjoint. Returns the value."""
    import numpy as np
    import pytest

    from symdiff.transforms.programs import finish, jvp_program, vjp_program

    rng = np.random.default_rng(seed)
    primal = program_of(build, values)
    out = run_emitted(primal, *values)
    tangents = [random_like(rng, v, dtype) for v in values]
    value, tangent = run_emitted(finish(jvp_program(primal)), *values, *tangents)
    np.testing.assert_allclose(value, out)
    assert np.shape(tangent) == np.shape(out)
    h = 1e-6
    wide = [np.asarray(v, np.float64) if isinstance(v, np.ndarray) else v for v in values]
    fd = (run_emitted(primal, *[v + h * t for v, t in zip(wide, tangents, strict=True)])
          - run_emitted(primal, *[v - h * t for v, t in zip(wide, tangents, strict=True)])
          ) / (2 * h)
    tol = 1e-5 if dtype == np.float64 else 2e-3
    np.testing.assert_allclose(tangent, fd, rtol=tol, atol=tol)
    ct = random_like(rng, out, dtype)
    cts = run_emitted(finish(vjp_program(primal)), *values, ct)
    for v, c in zip(values, cts, strict=True):
        assert np.shape(c) == np.shape(v)
        if isinstance(v, np.ndarray):
            assert c.dtype == v.dtype and c.flags.writeable

    def dot(a: list[Any], b: list[Any]) -> float:
        return sum(float(np.sum(np.asarray(x, np.float64) * np.asarray(y, np.float64)))
                   for x, y in zip(a, b, strict=True))

    assert dot([ct], [tangent]) == pytest.approx(dot(list(cts), tangents), rel=tol, abs=tol)
    return out


def check_jvp_of_vjp(build: Build, values: list[Any], seed: int = 5) -> None:
    """Check the emitted JVP of the VJP program of `build` at `values` (in float64)
    against central finite differences of the VJP program: the rules' own IR is
    differentiable, so second derivatives need no rules of their own."""
    import numpy as np

    from symdiff.transforms.programs import finish, jvp_program, vjp_program

    rng = np.random.default_rng(seed)
    primal = program_of(build, values)
    ct = random_like(rng, run_emitted(primal, *values), np.float64)
    backward = finish(vjp_program(primal))
    inputs = [*values, ct]
    tangents = [random_like(rng, v, np.float64) for v in inputs]
    _, tangent = run_emitted(finish(jvp_program(backward)), *inputs, *tangents)
    h = 1e-6
    up = run_emitted(backward, *[v + h * t for v, t in zip(inputs, tangents, strict=True)])
    down = run_emitted(backward, *[v - h * t for v, t in zip(inputs, tangents, strict=True)])
    for t, u, d in zip(tangent, up, down, strict=True):
        np.testing.assert_allclose(t, (np.asarray(u) - np.asarray(d)) / (2 * h),
                                   rtol=1e-5, atol=1e-6)


def sample_values(shapes: list[Any], dtype: Any, rng: Any, low: float = 0.5,
                  high: float = 1.5) -> list[Any]:
    """Random values like `shapes`: arrays of `dtype` uniform in [low, high), numbers
    (Python floats) in [0.2, 0.6)."""
    import numpy as np

    return [rng.uniform(low, high, np.shape(v)).astype(dtype) if isinstance(v, np.ndarray)
            else float(rng.uniform(0.2, 0.6)) for v in shapes]


def check_emitted(build: Build, values: list[Any], snippets: list[str]) -> None:
    """The emitted primal and VJP modules of `build` contain each of `snippets`."""
    from symdiff.transforms.programs import finish, vjp_program

    primal = program_of(build, values)
    text = emit_module(primal) + emit_module(finish(vjp_program(primal)))
    for snippet in snippets:
        assert snippet in text, text
