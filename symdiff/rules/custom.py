"""Custom derivative rules for opaque functions (SciPy, C extensions, black boxes).

Contract:
- ``@custom_jvp`` / ``@custom_vjp`` wrap a function whose derivative the user gives:
  ``f.defjvp(jvp)`` with ``jvp(primals, tangents) -> (primal_out, tangent_out)``, or
  ``f.defvjp(fwd, bwd)`` with ``fwd(*primals) -> (out, residuals)`` and
  ``bwd(residuals, cotangent) -> (cotangent of each primal,)`` (JAX's signatures).
  ``defrule(fn, jvp=..., vjp=(fwd, bwd))`` does the same for a function you do not own.
- The rules are ordinary supported Python: symdiff lowers their source to IR, so they
  serve both modes (one rule gives the other by transposing its linear part), higher
  derivatives and generated code. Generated code calls the function itself, by the
  name the user's code reaches it by.
- A call of such a function lowers to one ``custom_call`` node that carries the rules,
  lowered (`ir.calls`). `custom_op(value)` is that primitive's name for a callable with
  a rule (None without); `rule_for(value)` its `Rule`; `fingerprint` what the disk
  cache key needs of it. This module imports neither NumPy nor SciPy (the functions of
  SciPy symdiff knows are primitives, `ir.special`; a rule given to one stands over it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, ParamSpec, TypeVar

from symdiff.host.reference import wrap_metadata

__all__ = ["Rule", "arity", "custom_jvp", "custom_vjp", "custom_op", "defrule",
           "parameter_names", "rule_for"]

OUTPUTS = ("elementwise", "scalar")

P = ParamSpec("P")
R = TypeVar("R")
J = TypeVar("J", bound=Callable[..., Any])


@dataclass(eq=False)
class Rule:
    """The derivative rules of one opaque function."""

    fun: Callable[..., Any]
    name: str
    output: str = "elementwise"
    jvp: Callable[..., Any] | None = None
    fwd: Callable[..., Any] | None = None
    bwd: Callable[..., Any] | None = None
    # How many positional arguments the rules cover, when the function takes more.
    nargs: int | None = None
    # The rules lowered, per (argument types, call path): the `ir.calls.CustomCall` of
    # those calls (`frontend.rules`), made again once the rules change.
    programs: dict[Any, Any] = field(default_factory=dict)

    @property
    def defined(self) -> bool:
        return self.jvp is not None or (self.fwd is not None and self.bwd is not None)

    def functions(self) -> tuple[Callable[..., Any], ...]:
        """The rule functions, in a fixed order (jvp, fwd, bwd)."""
        return tuple(f for f in (self.jvp, self.fwd, self.bwd) if f is not None)

    def changed(self) -> None:
        self.programs.clear()


def _new_rule(fun: Callable[..., Any], output: str) -> Rule:
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    return Rule(fun, getattr(fun, "__name__", None) or "function", output)


class custom_jvp(Generic[P, R]):  # noqa: N801 (JAX's name)
    """A function with a forward-mode rule: ``@custom_jvp`` then ``@f.defjvp``.

    `output` is ``"elementwise"`` (the result has the broadcast shape of the arguments,
    as a number for numbers) or ``"scalar"`` (always a number).
    """

    def __init__(self, fun: Callable[P, R], *, output: str = "elementwise") -> None:
        wrap_metadata(self, fun)
        self.fun = fun
        self._symdiff_rule = _new_rule(fun, output)

    def defjvp(self, jvp: J) -> J:
        """Set ``jvp(primals, tangents) -> (primal_out, tangent_out)``; returns `jvp`."""
        rule = self._symdiff_rule
        rule.jvp = jvp
        rule.changed()
        return jvp

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.fun(*args, **kwargs)


class custom_vjp(Generic[P, R]):  # noqa: N801 (JAX's name)
    """A function with a reverse-mode rule: ``@custom_vjp`` then ``f.defvjp(fwd, bwd)``."""

    def __init__(self, fun: Callable[P, R], *, output: str = "elementwise") -> None:
        wrap_metadata(self, fun)
        self.fun = fun
        self._symdiff_rule = _new_rule(fun, output)

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any]) -> None:
        """Set ``fwd(*primals) -> (out, residuals)`` and
        ``bwd(residuals, cotangent) -> tuple of one cotangent per primal``."""
        rule = self._symdiff_rule
        rule.fwd, rule.bwd = fwd, bwd
        rule.changed()

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.fun(*args, **kwargs)


# Rules for callables the user does not own (defrule), keyed by the callable.
_FOREIGN: dict[Any, Rule] = {}


def defrule(
    fun: Callable[..., Any], *, jvp: Callable[..., Any] | None = None,
    vjp: tuple[Callable[..., Any], Callable[..., Any]] | None = None,
    output: str = "elementwise", nargs: int | None = None,
) -> Rule:
    """Give `fun` (e.g. ``scipy.special.erf``) a JVP rule, a VJP rule ``(fwd, bwd)``
    or both, with the signatures of `custom_jvp` and `custom_vjp`; the last call wins.
    `nargs` limits the calls the rule covers to that many positional arguments."""
    if jvp is None and vjp is None:
        raise TypeError("defrule needs jvp=..., vjp=(fwd, bwd) or both")
    rule = _FOREIGN.get(fun)
    if rule is None:
        rule = _FOREIGN[fun] = _new_rule(fun, output)
    elif output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    rule.output, rule.nargs = output, nargs
    rule.jvp = jvp
    rule.fwd, rule.bwd = vjp if vjp is not None else (None, None)
    rule.changed()
    return rule


def rule_for(value: Any) -> Rule | None:
    """The rule of a callable, or None (also for a wrapper whose rule is not defined)."""
    if isinstance(value, (custom_jvp, custom_vjp)):
        rule: Rule | None = value._symdiff_rule
    else:
        try:
            rule = _FOREIGN.get(value)
        except TypeError:  # unhashable
            return None
    return rule if rule is not None and rule.defined else None


def custom_op(value: Any) -> str | None:
    """The primitive a call of a callable with a rule is (``custom_call``), else None."""
    return "custom_call" if rule_for(value) is not None else None


def arity(rule: Rule) -> tuple[int, int | None]:
    """Least and most positional arguments of the rule's function (0, None: unknown)."""
    if rule.nargs is not None:
        return rule.nargs, rule.nargs
    fun = rule.fun
    nin = getattr(fun, "nin", None)  # a NumPy ufunc
    if isinstance(nin, int):
        return nin, nin
    code = getattr(fun, "__code__", None)
    if code is None:
        return 0, None
    defaults = len(getattr(fun, "__defaults__", None) or ())
    most = None if code.co_flags & 0x04 else code.co_argcount  # CO_VARARGS
    return code.co_argcount - defaults, most


def parameter_names(rule: Rule) -> tuple[str, ...] | None:
    """Names for the parameters of the rule's function called directly (``grad(f)``),
    or None when its number of arguments is not known."""
    least, most = arity(rule)
    if least != most or least == 0:
        return None
    code = getattr(rule.fun, "__code__", None)
    names = code.co_varnames[:least] if code is not None else ()
    return tuple(names) if len(names) == least else tuple(f"x{i}" for i in range(least))


def fingerprint(rule: Rule, describe: Callable[[Callable[..., Any]], str]) -> str:
    """A hash of the rule: its kind, output, and each rule function as `describe` gives
    it (its source and what its free names refer to)."""
    digest = hashlib.sha256(f"{rule.output};{rule.jvp is not None}".encode())
    for fn in rule.functions():
        digest.update(describe(fn).encode())
    return digest.hexdigest()[:32]
