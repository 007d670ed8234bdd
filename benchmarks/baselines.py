"""Gradients of the benchmark functions by other tools: SymPy, and JAX, autograd, Tangent
(tangent-ad) and CasADi when installed.

Each ``*_grad(name)`` returns a callable computing the same gradient as the hand-written
one in `functions`, or ``None`` when the tool is not installed. The Black–Scholes price
is written once, over a namespace of elementary functions, for every tool.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import textwrap
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from benchmarks import functions
from benchmarks.functions import essay

Gradient = Callable[..., Any]
ARGNUMS = {"essay": (0, 1), "call_price": (0, 1, 2, 3, 4)}
ARGS = {"essay": functions.ESSAY_ARGS, "call_price": functions.CALL_ARGS}


def call_price_over(ops: Any) -> Callable[..., Any]:
    """`functions.call_price` written with ``ops.sqrt/log/exp/erf``."""

    def call_price(S: Any, K: Any, T: Any, r: Any, sigma: Any) -> Any:
        sqrt_t = ops.sqrt(T)
        d1 = (ops.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * sqrt_t)
        d2 = d1 - sigma * sqrt_t
        n1 = 0.5 * (1.0 + ops.erf(d1 / ops.sqrt(2.0)))
        n2 = 0.5 * (1.0 + ops.erf(d2 / ops.sqrt(2.0)))
        return S * n1 - K * ops.exp(-r * T) * n2

    return call_price


def _function(name: str, ops: Any) -> Callable[..., Any]:
    return essay if name == "essay" else call_price_over(ops)


def sympy_grad(name: str) -> Gradient:
    """SymPy: symbolic ``diff`` of every argument, then ``lambdify`` with CSE over `math`."""
    import sympy

    ops = SimpleNamespace(sqrt=sympy.sqrt, log=sympy.log, exp=sympy.exp, erf=sympy.erf)
    symbols = sympy.symbols("a b" if name == "essay" else "S K T r sigma")
    expr = _function(name, ops)(*symbols)
    grads = [sympy.diff(expr, s) for s in symbols]
    return sympy.lambdify(symbols, grads, modules="math", cse=True)


def available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def jax_grad(name: str) -> Gradient | None:
    """``jax.jit(jax.grad(f, argnums))`` in float64, waiting for the result."""
    if not available("jax"):
        return None
    import jax
    import jax.numpy as jnp
    from jax.scipy.special import erf

    jax.config.update("jax_enable_x64", True)
    ops = SimpleNamespace(sqrt=jnp.sqrt, log=jnp.log, exp=jnp.exp, erf=erf)
    compiled = jax.jit(jax.grad(_function(name, ops), argnums=ARGNUMS[name]))

    def grad(*args: float) -> Any:
        return jax.block_until_ready(compiled(*args))

    return grad


def autograd_grad(name: str) -> Gradient | None:
    """``autograd.grad(f, argnum)`` over ``autograd.numpy``."""
    if not available("autograd"):
        return None
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import erf

    ops = SimpleNamespace(sqrt=anp.sqrt, log=anp.log, exp=anp.exp, erf=erf)
    return autograd.grad(_function(name, ops), argnum=ARGNUMS[name])


def unannotated_source(fn: Callable[..., Any]) -> str:
    """`fn`'s ``def`` without its parameter and return annotations.

    tangent-ad 0.4.0 executes the derivative's module before it fills in the function's
    globals, so an annotation naming a module global (``np.ndarray``, ``Any``) raises
    NameError; the body Tangent differentiates is unchanged.
    """
    node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    assert isinstance(node, ast.FunctionDef)
    node.returns = None
    for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
        arg.annotation = None
    return ast.unparse(node)


def tangent_grad(name: str) -> Gradient | None:
    """``tangent.grad(f, wrt=argnums)`` of the function's own source.

    Tangent has no reverse rule for `math.sqrt` (see `tangent_math_problem`), so the price
    is the one over NumPy and ``scipy.special.erf``, as JAX and autograd get theirs.
    """
    if not (available("tangent") and available("scipy")):
        return None
    import numpy as np
    import scipy.special
    import tangent

    ops = SimpleNamespace(sqrt=np.sqrt, log=np.log, exp=np.exp, erf=scipy.special.erf)
    fn = _function(name, ops)
    return tangent.grad(fn, wrt=ARGNUMS[name], source=unannotated_source(fn))


def tangent_math_problem(name: str) -> str:
    """Why Tangent cannot differentiate `functions.<name>` as written (over `math`), in one
    line, or "" when it can."""
    import tangent

    fn = getattr(functions, name)
    try:
        tangent.grad(fn, wrt=ARGNUMS[name])(*ARGS[name])
    except Exception as err:  # Tangent raises its own error types, and NameError, ...
        return (str(err).strip().splitlines() or [type(err).__name__])[0]
    return ""


def casadi_grad(name: str) -> Gradient | None:
    """A ``casadi.Function`` of ``casadi.gradient`` of the function built on ``SX``
    symbols, one scalar input per argument; each call passes floats and turns the ``DM``
    result into a list of floats (timed as part of the call)."""
    if not available("casadi"):
        return None
    import casadi

    ops = SimpleNamespace(sqrt=casadi.sqrt, log=casadi.log, exp=casadi.exp, erf=casadi.erf)
    symbols = [casadi.SX.sym(s) for s in ("a b" if name == "essay" else "S K T r sigma").split()]
    expr = _function(name, ops)(*symbols)
    gradient = casadi.densify(casadi.gradient(expr, casadi.vertcat(*symbols)))
    compiled = casadi.Function(f"grad_{name}", symbols, [gradient])

    def grad(*args: float) -> list[float]:
        return compiled(*args).elements()  # type: ignore[no-any-return]

    return grad


OPTIONAL: dict[str, Callable[[str], Gradient | None]] = {
    "jax": jax_grad,
    "autograd": autograd_grad,
    "tangent": tangent_grad,
    "casadi": casadi_grad,
}
