"""The bindings every derivative of one function was built against, taken when asked.

Contract: `Watched(fn)` is for an object that keeps plans built on compiled code (a
Hessian, a Jacobian): `take()` records the watches of `fn` and of every function its
derivatives inline (`symdiff.frontend.callees.watches`) before a plan is built, and
`changed()` tells, by identity tests, whether one of those bindings changed since, so
the plans must be built again. `shapes()` is the exact shapes of the arrays among the
data those derivatives read (a plan sized from them must be keyed by them too).
"""

from __future__ import annotations

from typing import Any

from symdiff.host import data
from symdiff.host.freshness import Watch


class Watched:
    """The watches of every derivative of `fn`, taken when asked."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self._watches: tuple[Watch, ...] = ()

    def take(self) -> None:
        """Watch the bindings as they are now (before building on them)."""
        # Imported here: `import symdiff` does not load the frontend.
        from symdiff.frontend.callees import Callees, watches
        from symdiff.host.building import building

        with building():
            self._watches = watches(Callees(self.fn))

    def changed(self) -> bool:
        return any(w.changed() for w in self._watches)

    def shapes(self) -> tuple[Any, ...]:
        """The shapes and dtypes of the arrays the watched data holds now."""
        return tuple(data.shapes(w.current()) for w in self._watches
                     if w.layout is not None and not isinstance(w.layout, data.NumberLayout))
