"""What every public transform does with what it is given: the function (a user's
function, or a `Derivative` of one: `unwrap`, `check_transformable`), its parameters
(`parameters`, `arity`), `argnums` (`normalize_argnums`, `differentiated`) and the
arguments of each call (`argument_checker`, over `symdiff.runtime.arguments`).

Shared by `grad`, `higher`, `jacobian`, `costs`, `export.symbolic`, the standalone
builds and the ``symdiff show`` command, so that each transform reads its arguments the
same way and says the same of a wrong one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection
from typing import Any

from symdiff.api.derivative import Derivative
from symdiff.errors import SymdiffError
from symdiff.frontend.resolve import callable_op
from symdiff.host import pytrees
from symdiff.rules.custom import parameter_names, rule_for
from symdiff.runtime.arguments import Checker, label
from symdiff.runtime.dispatch import parameters as python_parameters
from symdiff.runtime.spec import Spec


def unwrap(fun: Callable[..., Any]) -> tuple[Callable[..., Any], Spec | None]:
    """(the user's function, the transforms already applied to it or None): a transform
    of a `Derivative` is built from the IR of its derivative program, not its text."""
    if isinstance(fun, Derivative):
        return fun._fn, fun.chain()
    return fun, None


def differentiated(spec: Spec) -> frozenset[int]:
    """The argument positions some transform of the chain differentiates (floats)."""
    found: set[int] = set()
    for s in spec.chain():
        if s.argnums is not None:
            found.update((s.argnums,) if isinstance(s.argnums, int) else s.argnums)
    return frozenset(found)


def check_transformable(fn: Any) -> None:
    """Raise for what no transform takes yet: a bound method (but one symdiff knows, such
    as ``scipy.stats.norm.logpdf``)."""
    if inspect.ismethod(fn) and callable_op(fn) is None:
        raise SymdiffError(
            f"cannot differentiate the bound method {fn.__qualname__}: methods (and the "
            "attributes of self they read) are not supported yet; differentiate a plain "
            "function of the numbers instead")


def parameters(fn: Callable[..., Any]) -> tuple[list[str] | None, tuple[Any, ...] | None]:
    """The positional parameter names and defaults of what a transform was given: a
    function with a custom rule, a NumPy or SciPy function, a primitive (``math.sin``)
    or a Python function (None where they are not known)."""
    rule = rule_for(fn)
    if rule is not None:
        names = parameter_names(rule)
        return (None if names is None else list(names)), None
    op = callable_op(fn)
    if op is not None and op.startswith(("np.", "scipy.")):
        from symdiff.frontend.direct import numpy_function

        return python_parameters(numpy_function(fn))
    if op is not None:
        from symdiff.ir.primitives import PRIMITIVES  # the IR loads when first needed

        count = PRIMITIVES[op].arguments()[0]
        return ["x", "y"][:count], None
    return python_parameters(fn)


def call_bound(fun: Callable[..., Any], args: tuple[Any, ...] | list[Any]) -> Any:
    """``fun(*args)`` for arguments bound as `parameters` lists them: the keyword-only
    ones of the user's function (after the positional ones) passed by name. The result
    has the structure the generated code returns: a named tuple in it (``return
    np.linalg.eigh(x)``) is a tuple."""
    code = getattr(unwrap(fun)[0], "__code__", None)
    if code is None or not code.co_kwonlyargcount or len(args) <= code.co_argcount:
        return pytrees.plain(fun(*args))
    n = code.co_argcount
    names = code.co_varnames[n:n + code.co_kwonlyargcount]
    return pytrees.plain(fun(*args[:n], **dict(zip(names, args[n:], strict=False))))


def arity(fn: Callable[..., Any]) -> int | None:
    """How many positional parameters `fn` has (None: not known)."""
    params, _ = parameters(fn)
    return None if params is None else len(params)


def normalize_argnums(fn: Callable[..., Any], argnums: Any) -> int | tuple[int, ...]:
    """`argnums` checked against `fn`'s parameters: an int, or a tuple of distinct ints,
    negative ones counted from the end."""
    items = (argnums,) if isinstance(argnums, int) else argnums
    if isinstance(argnums, bool) or not isinstance(items, (tuple, list)) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in items
    ):
        raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    if not items:
        raise ValueError("argnums must name at least one argument")
    n = arity(fn)
    out = []
    for i in items:
        if n is not None and not -n <= i < n:
            raise ValueError(
                f"argnums {i} is out of range: {getattr(fn, '__name__', fn)!r} takes "
                f"{n} positional argument{'s' if n != 1 else ''}")
        out.append(i % n if n is not None and i < 0 else i)
    if len(set(out)) != len(out):
        raise ValueError(f"argnums {argnums!r} names an argument twice")
    return out[0] if isinstance(argnums, int) else tuple(out)


_JVP = Spec("jvp")


def argument_checker(kind: str, fn: Callable[..., Any], differentiated: Collection[int] = (),
                     statics: bool = True) -> Checker:
    """The check of the arguments of calls of the transform `kind` of the user's function
    `fn`: bound as Python binds them (defaults filled in), each checked and converted
    (`symdiff.runtime.arguments`), the positions `differentiated` promoted to floats;
    without `statics`, every argument given is differentiated (no flag or mode)."""
    params, defaults = parameters(fn)
    return Checker(label(kind, fn), fn, params, defaults, differentiated,
                   lambda: _list_params(fn), statics)


def _list_params(fun: Callable[..., Any]) -> frozenset[int]:
    from symdiff.runtime.builds import list_params

    return list_params(fun, _JVP)
