"""Plans built on a function's compiled derivatives, kept while what they were built
against holds.

Contract: `Plans(fn, static)` is for an object that keeps, per argument shapes, a plan
built on compiled code of `fn` (a Hessian, a Jacobian). `get(args, make)` returns the
plan for arguments like `args`, calling ``make(args)`` to build one the first time.
Before the first plan it records the watches of `fn` and of every function its
derivatives inline (`symdiff.frontend.callees.watches`); when one of those bindings
changed since (an identity test), every plan is dropped and the watches are taken
again; a plan for objects of a user's class (or such a class) among the arguments
watches the class's methods too. A plan is keyed by `runtime.dispatch.shape_key` of the
arguments (those at the positions `static`, compiled in, by value) and by the exact
shapes of the arrays among the data the derivatives read (a plan may be sized from
them); arguments without a shape key get a plan built each time, never kept.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from symdiff.host import data
from symdiff.host.data import is_object, is_user_class
from symdiff.host.freshness import Watch
from symdiff.runtime.dispatch import shape_key

Plan = Callable[[tuple[Any, ...]], Any]


class Plans:
    """The plans of one derivative object, per argument shapes."""

    def __init__(self, fn: Any, static: Collection[int] = ()) -> None:
        self.fn = fn
        self.static = frozenset(static)
        self._watches: tuple[Watch, ...] = ()
        self._plans: dict[tuple[Any, ...], Plan] = {}

    def get(self, args: tuple[Any, ...], make: Callable[[tuple[Any, ...]], Plan]) -> Plan:
        """The plan for arguments like `args` (built by `make` when there is none)."""
        if self._plans and any(w.changed() for w in self._watches):
            self._plans = {}  # the function or one it inlines changed: compile again
        if not self._plans:
            self._watches = ()
            self._take(args)
        key = shape_key(args, self.static)
        if key is not None:
            key = (*key, self._shapes())  # global arrays may size the plan too
        plan = self._plans.get(key) if key is not None else None
        if plan is None:
            if self._plans and any(is_object(a) or is_user_class(a) for a in args):
                self._take(args)  # the methods of their classes too
            plan = make(args)
            if key is not None:
                self._plans = {**self._plans, key: plan}
        return plan

    def _take(self, args: tuple[Any, ...]) -> None:
        """Watch the bindings as they are now (before building on them), and the
        classes of the objects and classes among `args`, besides those watched already."""
        # Imported here: `import symdiff` does not load the frontend.
        from symdiff.frontend.callees import Callees, watches
        from symdiff.host.building import building
        from symdiff.ir.types import FunctionArg

        types = tuple(data.layout(a) if is_object(a) else FunctionArg(a)
                      if is_user_class(a) else None for a in args)
        with building():
            found = {w.key(): w for w in watches(Callees(self.fn, types))}
        self._watches = tuple({**found, **{w.key(): w for w in self._watches}}.values())

    def _shapes(self) -> tuple[Any, ...]:
        """The shapes and dtypes of the arrays the watched data holds now."""
        return tuple(data.shapes(w.current()) for w in self._watches
                     if w.layout is not None and not isinstance(w.layout, data.NumberLayout))
