"""`to_sympy`: a function's outputs, and symdiff's own derivatives of them, as SymPy.

Contract: `to_sympy(fun)` lowers `fun` as every transform does (the pipeline's
passes, `runtime.pipeline`, with its loops unrolled after the first prune) and
translates its IR (`symdiff.export.sympy`) into SymPy expressions shaped like its
result: parameters are real symbols named like them, a global `g.h` a real symbol
``"g.h"``, branches ``Piecewise``. With `derivatives`, the IR translated is the reverse-mode
value-and-gradient program that `value_and_grad` compiles, so the result is
``(value, gradient)`` exactly as symdiff computes them (not ``sympy.diff``). `fun` may
be a derivative itself (``to_sympy(grad(f))``, ``to_sympy(hessian(f))``).

A range loop whose bounds are known while compiling is unrolled
(`symdiff.transforms.unroll`); a loop it cannot unroll (a ``while``, a run-time trip
count, a ``break``, a list built by ``append``) or an operation with no SymPy form
raises `SymdiffError` naming the function and, for a loop of its own, the line.
SymPy is imported on the first call, never by ``import symdiff``; without it (it is the
extra ``symdiff[sympy]``) a call raises `MissingDependencyError` saying how to install it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from symdiff.api.arguments import arity, check_transformable, normalize_argnums, unwrap
from symdiff.errors import SymdiffError, require
from symdiff.host.reference import qualified_name
from symdiff.runtime.spec import Spec
from symdiff.tracebacks import boundary

__all__ = ["to_sympy"]

# More trips than this would make expressions too large to be of use to anyone.
MAX_UNROLLED_TRIPS = 1000


@boundary
def to_sympy(
    fun: Callable[..., Any],
    derivatives: bool | int | Sequence[int] = False,
    *,
    symbols: Mapping[str, Any] | None = None,
) -> Any:
    """SymPy expressions for `fun`'s outputs (an expression, or a tuple like its result).

    ``derivatives=True`` (every parameter) or an ``argnums`` (an int or a tuple) gives
    ``(value, gradient)`` instead, translated from symdiff's reverse-mode gradient
    program; an int gives one derivative, a tuple a tuple. `symbols` maps a parameter
    or global name to the SymPy object to use for it (a symbol with other assumptions,
    a number, an expression).
    """
    require("sympy", "sympy", "to_sympy")
    check_transformable(fun)
    user, spec = unwrap(fun)
    name = qualified_name(user)
    if derivatives is not False:
        spec = Spec("value_and_grad", _argnums(user, derivatives, name), inner=spec)
    return _translate(user, spec, name, symbols)


def _argnums(fun: Callable[..., Any], derivatives: Any, name: str) -> int | tuple[int, ...]:
    if derivatives is True:
        n = arity(fun)
        if not n:
            raise SymdiffError(f"to_sympy: {name} has no parameters to differentiate by")
        return tuple(range(n))
    return normalize_argnums(fun, derivatives)


def _translate(
    fn: Callable[..., Any], spec: Spec | None, name: str, symbols: Mapping[str, Any] | None
) -> Any:
    from symdiff.export.sympy import to_sympy as program_to_sympy
    from symdiff.runtime import pipeline

    def unroll(unit: pipeline.Unit) -> pipeline.Unit:
        from symdiff.ir.node import Op
        from symdiff.ir.regions import all_nodes
        from symdiff.transforms.unroll import unroll_loops

        assert unit.program is not None
        unrolled = unroll_loops(unit.program, MAX_UNROLLED_TRIPS)
        if any(node.op == Op.LOOP for node in all_nodes(unrolled)):
            raise _loop_error(fn, name)
        return unit.replace(program=unrolled)

    # The pipeline's passes up to the derivative program, the loops unrolled first.
    passes = [*pipeline.PRIMAL, pipeline.Pass("unroll", unroll), pipeline.SIMPLIFY,
              pipeline.PRUNE, *([] if spec is None else pipeline.transforms(spec))]
    program = pipeline.run(pipeline.Unit(fn, Spec("primal")), passes).program
    assert program is not None
    try:
        return program_to_sympy(program, symbols)
    except NotImplementedError as exc:
        raise SymdiffError(f"to_sympy: {name} cannot be written in SymPy: {exc}") from None


def _loop_error(fn: Callable[..., Any], name: str) -> SymdiffError:
    why = ("a loop SymPy cannot express: to_sympy unrolls only `for ... in range(...)` "
           f"with bounds known while compiling, at most {MAX_UNROLLED_TRIPS} trips, no "
           "`break` and no list appends")
    from symdiff.frontend.source import get_source

    source = get_source(fn)
    for node in ast.walk(source.node):
        if isinstance(node, (ast.For, ast.While, ast.GeneratorExp, ast.ListComp)):
            return source.error(f"to_sympy({name}): {why}", node)
    return SymdiffError(f"to_sympy: {name} calls a function with {why}")
