"""Gradients of the benchmark functions by other tools: SymPy, and JAX / autograd if present.

Each ``*_grad(name)`` returns a callable computing the same gradient as the hand-written
one in `functions`, or ``None`` when the tool is not installed. The Black–Scholes price
is written once, over a namespace of elementary functions, for every tool.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from benchmarks.functions import essay

Gradient = Callable[..., Any]
ARGNUMS = {"essay": (0, 1), "call_price": (0, 1, 2, 3, 4)}


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


OPTIONAL: dict[str, Callable[[str], Gradient | None]] = {
    "jax": jax_grad,
    "autograd": autograd_grad,
}
