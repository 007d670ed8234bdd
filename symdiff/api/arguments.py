"""What every public transform does with what it is given: the function (a user's
function, or a `Derivative` of one: `unwrap`, `check_transformable`), its parameters
(`parameters`, `arity`), `argnums` (`normalize_argnums`, `differentiated`), the
positions declared static (`normalize_static`, `static_positions`) and the arguments
of each call (`argument_checker`, over `symdiff.runtime.arguments`).

Shared by `grad`, `higher`, `jacobian`, `costs`, `export.symbolic`, the standalone
builds and the ``symdiff show`` command, so that each transform reads its arguments the
same way and says the same of a wrong one.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Collection, Sequence
from typing import Any

from symdiff.api.derivative import Bound, Derivative
from symdiff.errors import SymdiffError
from symdiff.frontend.resolve import callable_op
from symdiff.host import pytrees
from symdiff.rules.custom import parameter_names, rule_for
from symdiff.runtime.arguments import Checker, label
from symdiff.runtime.dispatch import parameters as python_parameters
from symdiff.runtime.dispatch import signature_of
from symdiff.runtime.spec import Spec, with_types


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
    """Raise for what this transform does not take: a callable with arguments bound to
    it (a bound method, a ``functools.partial``: `symdiff.api.bound`), which only the
    transforms that return derivatives and `jvp`, `vjp` and `hvp` take; a bound method
    symdiff knows (``scipy.stats.norm.logpdf``) is a function of its own."""
    method = inspect.ismethod(fn) and callable_op(fn) is None
    if method or isinstance(fn, (functools.partial, Bound)):
        what = "bound method" if method or getattr(fn, "what", "") == \
            "bound method" else "functools.partial"
        raise SymdiffError(
            f"this function does not take a {what} yet (grad, value_and_grad, jvp, vjp, "
            "jacfwd, jacrev, jacobian, hessian and hvp do): pass the function underneath "
            "and the bound arguments as arguments")


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


def call_bound(fun: Callable[..., Any], args: Sequence[Any]) -> Any:
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


def int_items(nums: Any) -> tuple[int, ...] | None:
    """The positions an int or a tuple (or list) of ints names, or None for anything
    else (a bool is no position)."""
    items = (nums,) if isinstance(nums, int) else nums
    if isinstance(nums, bool) or not isinstance(items, (tuple, list)) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in items):
        return None
    return tuple(items)


def position(i: int, n: int | None, what: str, takes: str) -> int:
    """Position `i` of `n` (None: not known), a negative one counted from the end;
    `ValueError` out of range, saying what the function `takes`."""
    if n is not None and not -n <= i < n:
        raise ValueError(f"{what} {i} is out of range: {takes}")
    return i % n if n is not None else i


def normalize_argnums(fn: Callable[..., Any], argnums: Any, what: str = "argnums"
                      ) -> int | tuple[int, ...]:
    """`argnums` checked against `fn`'s parameters: an int, or a tuple of distinct ints,
    negative ones counted from the end; `what` names it in messages."""
    items = int_items(argnums)
    if items is None:
        raise TypeError(f"{what} must be an int or a tuple of ints, got {argnums!r}")
    if not items:
        raise ValueError(f"{what} must name at least one argument")
    n = arity(fn)
    takes = f"{getattr(fn, '__name__', fn)!r} takes {n} positional argument" \
        f"{'s' if n != 1 else ''}"
    out = [position(i, n, what, takes) for i in items]
    if len(set(out)) != len(out):
        raise ValueError(f"{what} {argnums!r} names an argument twice")
    return out[0] if isinstance(argnums, int) else tuple(out)


def normalize_static(fn: Callable[..., Any], static_argnums: Any, static_argnames: Any,
                     argnums: int | tuple[int, ...] | None = None,
                     inner: Spec | None = None) -> tuple[int, ...]:
    """The positions `static_argnums` and `static_argnames` declare static, with those
    the transforms `inner` already declared, checked against `fn`'s parameters (as
    `normalize_argnums` checks argnums) and against `argnums`: a differentiated
    argument cannot be static."""
    nums = () if static_argnums is None else int_items(static_argnums)
    if nums is None:
        raise TypeError(f"static_argnums must be an int or a tuple of ints, got "
                        f"{static_argnums!r}")
    names = () if static_argnames is None else (
        (static_argnames,) if isinstance(static_argnames, str) else static_argnames)
    if not isinstance(names, (tuple, list)) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"static_argnames must be a str or a tuple of str, got "
                        f"{static_argnames!r}")
    found = set(static_positions(inner)) if inner is not None else set()
    if nums:
        found.update(normalize_argnums(fn, tuple(nums), "static_argnums"))  # type: ignore[arg-type]
    params = parameters(fn)[0]
    fname = getattr(fn, "__name__", fn)
    for name in names:
        if params is None:
            raise ValueError(f"static_argnames {name!r}: symdiff does not know the parameter "
                             f"names of {fname!r}; use static_argnums")
        if name not in params:
            raise ValueError(f"static_argnames {name!r} is not a parameter of {fname!r} "
                             f"(it has {', '.join(params)})")
        found.add(params.index(name))
    diff = set() if argnums is None else {argnums} if isinstance(argnums, int) else set(argnums)
    both = sorted(diff & found)
    if both:
        what = ", ".join(f"{params[i]!r} (position {i})" if params and i < len(params)
                         else f"position {i}" for i in both)
        raise ValueError(f"argnums and static_argnums/static_argnames overlap: {what} cannot "
                         "be both differentiated and static")
    return tuple(sorted(found))


def static_positions(spec: Spec) -> frozenset[int]:
    """The argument positions some transform of the chain declared static."""
    return frozenset(i for s in spec.chain() for i in s.static)


def specialised(spec: Spec, args: Sequence[Any]) -> Spec:
    """`spec` specialised for the converted arguments `args` (`with_types`), the
    positions its chain declared static compiled in by value."""
    return with_types(spec, signature_of(tuple(args), static_positions(spec)))


_JVP = Spec("jvp")


def argument_checker(kind: str, fn: Callable[..., Any], differentiated: Collection[int] = (),
                     statics: bool = True, static: Collection[int] = ()) -> Checker:
    """The check of the arguments of calls of the transform `kind` of the user's function
    `fn`: bound as Python binds them (defaults filled in), each checked and converted
    (`symdiff.runtime.arguments`), the positions `differentiated` promoted to floats,
    those declared `static` compiled in by value; without `statics`, every argument given
    is differentiated (no flag or mode)."""
    params, defaults = parameters(fn)
    return Checker(label(kind, fn), fn, params, defaults, differentiated,
                   lambda: _list_params(fn), statics, static)


def _list_params(fun: Callable[..., Any]) -> frozenset[int]:
    from symdiff.runtime.builds import list_params

    return list_params(fun, _JVP)
