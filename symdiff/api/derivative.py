"""What every derivative object shares: the `Derivative` base class, its docstring
(`derivative_doc`) and the signatures its repr lists (`format_signatures`), the
derivative of a callable with arguments bound to it (`Bound`), and the
compiler, reached on first use so that ``import symdiff`` stays cheap (`compiled`,
`generate`)."""

from __future__ import annotations

import functools
import inspect
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from symdiff.host.reference import qualified_name
from symdiff.runtime.dispatch import Signature
from symdiff.runtime.spec import Spec
from symdiff.tracebacks import boundary


def compiled(fn: Callable[..., Any], spec: Spec) -> Callable[..., Any]:
    """The compiled code of `spec` applied to `fn` (built, or taken from a cache)."""
    # The compiler is imported on first use, so that `import symdiff` stays cheap.
    from symdiff.runtime.builds import compiled as build

    return build(fn, spec)


def generate(fn: Callable[..., Any], spec: Spec, dump: bool = False) -> str:
    """The module text of `spec` applied to `fn`; with `dump`, the IR after every pass
    of the pipeline before it."""
    from symdiff.runtime import pipeline

    return pipeline.dump_text(fn, spec) if dump else pipeline.generate(fn, spec).text


class Derivative:
    """Base of the callables the transforms return: a transform (`chain`) of a user
    function (`_fn`). A transform of one is built from the IR of its derivative
    program (see `unwrap`), never from its text nor by differentiating symdiff itself."""

    _fn: Callable[..., Any]

    def chain(self) -> Spec:
        """The transforms applied to the user's function, outermost first."""
        raise NotImplementedError


_KINDS = {"grad": "gradient", "value_and_grad": "value and gradient",
          "jvp": "JVP", "vjp": "VJP", "hessian": "Hessian", "jacobian": "Jacobian"}


def format_signatures(signatures: Sequence[Signature]) -> str:
    """``(float, float), (float32[n], int)``, or ``none yet``."""
    if not signatures:
        return "none yet"
    return ", ".join(
        "(" + ", ".join(t.__name__ if isinstance(t, type) else str(t) for t in sig) + ")"
        for sig in signatures)


def derivative_doc(fn: Any, spec: Spec, params: list[str] | None) -> str:
    """The docstring of a derivative: what it computes, then the function's own."""
    what = " of the ".join(_KINDS.get(s.kind, s.kind) for s in spec.chain())
    nums = spec.argnums
    wrt = ""
    if nums is not None:
        indices = (nums,) if isinstance(nums, int) else nums
        names = ", ".join(params[i] if params and i < len(params) else f"#{i}" for i in indices)
        wrt = f" with respect to {names} (argnums={nums!r})"
    name = getattr(fn, "__name__", "the function")
    doc = (f"{what[0].upper()}{what[1:]} of {qualified_name(fn)}{wrt}, computed by code "
           f"symdiff generated from its source.\n\nCall it with the arguments of {name}.")
    own = inspect.getdoc(fn)
    if own:
        doc += f"\n\nDocumentation of {name}:\n\n" + textwrap.indent(own, "    ")
    return doc


class Bound:
    """A derivative of a callable with arguments bound to it (a ``functools.partial``, a
    bound method: `symdiff.api.bound`): the `derivative` of the function underneath,
    called with `bound_args` in front and `bound_keywords` under the call's own. It has
    the derivative's ``source`` and ``signatures``, and pickles when the bound arguments
    do."""

    def __init__(self, derivative: Callable[..., Any], bound_args: tuple[Any, ...],
                 bound_keywords: dict[str, Any], what: str, described: str) -> None:
        self.derivative = derivative
        self.bound_args = bound_args
        self.bound_keywords = bound_keywords
        self.what = what  # "functools.partial" or "bound method"
        self.described = described  # "functools.partial of model.loss"
        functools.update_wrapper(self, derivative, updated=())

    @boundary
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.bound_keywords:
            kwargs = {**self.bound_keywords, **kwargs}
        return self.derivative(*self.bound_args, *args, **kwargs)

    def __repr__(self) -> str:
        count = len(self.bound_args) + len(self.bound_keywords)
        return (f"<symdiff {self.described} ({count} argument{'s' if count != 1 else ''} "
                f"bound): {repr(self.derivative)[1:-1]}>")

    def __reduce__(self) -> tuple[Any, ...]:
        return Bound, (self.derivative, self.bound_args, self.bound_keywords, self.what,
                       self.described)

    @property
    def source(self) -> str:
        return self.derivative.source  # type: ignore[attr-defined, no-any-return]

    @property
    def signatures(self) -> Any:
        return self.derivative.signatures  # type: ignore[attr-defined]


def mark(*transforms: Callable[..., Any]) -> None:
    """Let the lowering recognise the public transforms when a differentiated function
    calls them (`frontend.nested` reads the mark, importing nothing of the API)."""
    for transform in transforms:
        transform.__symdiff_transform__ = transform.__name__  # type: ignore[attr-defined]
