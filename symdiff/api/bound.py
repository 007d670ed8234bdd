"""Transforms of callables with arguments bound to them: ``functools.partial(f, x0,
a=1.0)``, a bound method ``model.loss`` (its ``self`` bound first), and the derivatives
of those (`Bound`).

Contract: `binding(fun)` is None for anything else, else a `Binding`: the function
underneath (a user function or a `Derivative` of one) and the arguments bound to it,
nested partials and methods flattened. A transform of a bound callable is the
transform of the function underneath (`transform_bound`), its `argnums` and
`static_argnums` counted as JAX counts them, over the positional parameters the
bound callable still takes (shifted past the arguments bound by position), called with
the bound arguments in front and the bound keywords merged under the call's own. The
bound arguments are data, as a closure's are: passed on every call, so never
differentiated, and read afresh each time (an array changed in place, ``self.w``
rebound). Naming a parameter bound by keyword in `argnums` is a `ValueError`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from symdiff.api.arguments import int_items, parameters, position, unwrap
from symdiff.api.derivative import Bound
from symdiff.frontend.resolve import callable_op
from symdiff.host.reference import qualified_name
from symdiff.runtime.arguments import bind, label

__all__ = ["Binding", "binding", "bound_primals", "transform_bound"]

_MAX_NESTING = 64


@dataclass(frozen=True, eq=False)
class Binding:
    """`target` (a user function or a derivative of one) with `args` bound first and
    `keywords` bound by name; `what` says how, for messages."""

    target: Callable[..., Any]
    args: tuple[Any, ...]
    keywords: dict[str, Any]
    what: str

    def params(self) -> list[str] | None:
        """The parameter names of the user's function underneath (None: unknown)."""
        return parameters(unwrap(self.target)[0])[0]

    def shift(self, nums: Any, what: str) -> Any:
        """`nums` (`argnums` or `static_argnums`, of the bound callable) as positions of
        the function underneath; a value that is not an int or tuple of ints is left for
        the transform to refuse."""
        items = None if nums is None else int_items(nums)
        if items is None:
            return nums
        params = self.params()
        k = len(self.args)
        n = None if params is None else len(params) - k
        takes = f"the {self.describe()} takes {n} argument{'s' if n != 1 else ''} after " \
            f"the {k} bound to it"
        out = []
        for i in items:
            j = position(i, n, what, takes) + k
            if params is not None and params[j] in self.keywords and what == "argnums":
                raise ValueError(
                    f"argnums {i} names {params[j]!r}, which the {self.describe()} binds by "
                    "keyword: bound arguments are data, not differentiated")
            out.append(j)
        return out[0] if isinstance(nums, int) else tuple(out)

    def describe(self) -> str:
        """``functools.partial of model.loss``, ``bound method model.Model.loss``."""
        name = qualified_name(unwrap(self.target)[0])
        return f"{self.what} {name}" if self.what == "bound method" else \
            f"{self.what} of {name}"


def binding(fun: Any) -> Binding | None:
    """How `fun` binds arguments to a function, or None when it binds none."""
    args: tuple[Any, ...] = ()
    keywords: dict[str, Any] = {}
    what = ""
    for _ in range(_MAX_NESTING):
        if isinstance(fun, functools.partial):
            args, keywords = (*fun.args, *args), {**fun.keywords, **keywords}
            fun, what = fun.func, what or "functools.partial"
        elif isinstance(fun, Bound):
            args, keywords = (*fun.bound_args, *args), {**fun.bound_keywords, **keywords}
            fun, what = fun.derivative, what or fun.what
        elif inspect.ismethod(fun) and callable_op(fun) is None:
            # (a method symdiff knows, scipy.stats.norm.logpdf, is a function of its own)
            args = (fun.__self__, *args)
            fun, what = fun.__func__, what or "bound method"
        else:
            break
    else:
        raise TypeError(f"functools.partial nested more than {_MAX_NESTING} deep")
    return Binding(fun, args, keywords, what) if what else None


def transform_bound(fun: Any, argnums: Any, static_argnums: Any,
                    make: Callable[[Any, Any, Any], Any]) -> Any:
    """``make(fun, argnums, static_argnums)``, through the arguments `fun` binds (see
    the module doc)."""
    found = binding(fun)
    if found is None:
        return make(fun, argnums, static_argnums)
    inner = make(found.target, found.shift(argnums, "argnums"),
                 found.shift(static_argnums, "static_argnums"))
    return Bound(inner, found.args, found.keywords, found.what, found.describe())


def bound_primals(kind: str, found: Binding, primals: Sequence[Any]
                  ) -> tuple[tuple[Any, ...], list[int]]:
    """The arguments of the function underneath for the `primals` of a call of the
    bound callable (`jvp`, `vjp`, `hvp`): all of them, bound as Python binds them, and
    the positions the primals took."""
    user = unwrap(found.target)[0]
    params, defaults = parameters(user)
    full = bind(label(kind, user), user, params, defaults, (*found.args, *primals),
                found.keywords)
    k = len(found.args)
    return full, list(range(k, k + len(primals)))
