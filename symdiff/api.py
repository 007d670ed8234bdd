"""Public transforms, with JAX's names and conventions.

`grad` and `value_and_grad` return a `Transformed` callable (usable as a bare
decorator or with arguments); `jvp` and `vjp` evaluate directly; `source` returns the
generated module text. Compiled code is cached in memory per function and transform,
and on disk (see `symdiff.runtime.cache`).
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar, overload

from symdiff.custom import parameter_names, rule_for
from symdiff.errors import SymdiffError
from symdiff.frontend.resolve import callable_op
from symdiff.runtime.arguments import (
    Checker,
    Cotangents,
    argument,
    convert,
    is_array,
    is_function,
    label,
    zero_like,
)
from symdiff.runtime.dispatch import (
    Built,
    Dispatcher,
    Signature,
    parameters,
    signature_of,
)
from symdiff.runtime.reference import by_reference, qualified_name, wrap_metadata
from symdiff.runtime.spec import Spec, with_types
from symdiff.tracebacks import boundary


def compiled(fn: Callable[..., Any], spec: Spec) -> Callable[..., Any]:
    # The compiler is imported on first use, so that `import symdiff` stays cheap.
    from symdiff.runtime.builds import compiled as build

    return build(fn, spec)


def generate(fn: Callable[..., Any], spec: Spec, dump: bool = False) -> str:
    """The module text of `spec` applied to `fn`; with `dump`, the IR after every pass
    of the pipeline before it."""
    from symdiff.runtime import pipeline

    return pipeline.dump_text(fn, spec) if dump else pipeline.generate(fn, spec).text

F = TypeVar("F", bound=Callable[..., Any])
ArgNums = "int | Sequence[int]"


class Derivative:
    """Base of the callables the transforms return: a transform (`chain`) of a user
    function (`_fn`). A transform of one is built from the IR of its derivative
    program (see `unwrap`), never from its text nor by differentiating symdiff itself."""

    _fn: Callable[..., Any]

    def chain(self) -> Spec:
        """The transforms applied to the user's function, outermost first."""
        raise NotImplementedError


class Transformed(Derivative):
    """A derivative of a user function: call it like the function itself.

    Attributes: ``source`` (the generated module text for float arguments),
    ``__wrapped__`` (the user's function), ``transform``, ``argnums`` and
    ``signatures`` (the argument types compiled for so far). It pickles by reference to
    the user's function (see `symdiff.runtime.reference`) and is rebuilt on first call
    in the process that unpickles it, from the disk cache or from source.
    """

    _fn: Callable[..., Any]
    _spec: Spec
    _dispatcher: Dispatcher

    def __repr__(self) -> str:
        return (f"<symdiff {self._spec.label()} of {qualified_name(self._fn)}, "
                f"argnums={self._spec.argnums!r}, "
                f"signatures: {format_signatures(self.signatures)}>")

    def __reduce__(self) -> tuple[Any, ...]:
        return rebuild, (by_reference(self._fn), self._spec)

    @property
    def transform(self) -> str:
        return self._spec.kind

    def chain(self) -> Spec:
        return self._spec

    @property
    def argnums(self) -> int | tuple[int, ...] | None:
        return self._spec.argnums

    @property
    def signatures(self) -> list[Signature]:
        """The argument signatures compiled for so far, in the order first seen."""
        return list(self._dispatcher.specialisations)

    _built: Spec | None = None

    @property
    @boundary
    def source(self) -> str:
        """The generated Python module for this derivative (for array arguments, for the
        argument types of the latest new call)."""
        return generate(self._fn, self._built or self._spec)

    @property
    @boundary
    def compiled(self) -> Callable[..., Any]:
        """The generated function itself, without argument checks (floats only)."""
        return compiled(self._fn, self._spec)


def rebuild(fn: Callable[..., Any], spec: Spec) -> Transformed:
    """A `Transformed` from its pickled parts (compiled again on its first call)."""
    return _transformed(fn, spec, differentiated(spec))


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


def _transformed(fn: Callable[..., Any], spec: Spec, diff: frozenset[int]) -> Transformed:
    # A class per object, so that __call__ is the generated entry itself: calling the
    # object costs one type check per argument on top of the generated code.
    params, defaults = _parameters(fn)
    doc = derivative_doc(fn, spec, params)
    # The class keeps no docstring of its own: pydoc shows an instance's docstring only
    # when it differs from its class's.
    cls = type("Transformed", (Transformed,), {})
    obj = object.__new__(cls)
    obj._fn = fn
    obj._spec = spec
    wrap_metadata(obj, fn)
    obj.__doc__ = doc

    def build(sig: Signature) -> Built:
        from symdiff.runtime.builds import built

        specialised = with_types(spec, sig)
        obj._built = specialised
        return built(fn, specialised)

    def build_guarded(sig: Signature, fallback: Callable[..., Any]) -> Built | None:
        from symdiff.runtime.builds import guarded

        impl, watches = guarded(fn, spec, sig, fallback)
        names = _parameters(fn)[0]
        if names is None or impl.__code__.co_varnames[: len(names)] != tuple(names):
            return None  # a renamed parameter: keyword calls must go through the entry
        impl.__qualname__ = dispatcher.name  # arity errors read as the entry's: the user's
        return impl, watches

    def update(entry: Callable[..., Any]) -> None:
        cls.__call__ = staticmethod(entry)  # type: ignore[assignment]

    name = getattr(fn, "__name__", "function")

    def list_params() -> frozenset[int]:
        from symdiff.runtime.builds import list_params

        return list_params(fn, spec)

    dispatcher = Dispatcher(name, label(spec.kind, fn), params, defaults, diff, build, update,
                            build_guarded, list_params, lambda: _parameters(fn))
    obj._dispatcher = dispatcher
    update(dispatcher.entry)
    return obj


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


def _check_transformable(fn: Any) -> None:
    if inspect.ismethod(fn):
        raise SymdiffError(
            f"cannot differentiate the bound method {fn.__qualname__}: methods (and the "
            "attributes of self they read) are not supported yet; differentiate a plain "
            "function of the numbers instead")


def _parameters(fn: Callable[..., Any]) -> tuple[list[str] | None, tuple[Any, ...] | None]:
    rule = rule_for(fn)
    if rule is not None:
        names = parameter_names(rule)
        return (None if names is None else list(names)), None
    op = callable_op(fn)
    if op is not None and op.startswith("np."):
        from symdiff.frontend.direct import numpy_function

        return parameters(numpy_function(fn))
    if op is not None:
        from symdiff.ir.primitives import PRIMITIVES  # the IR loads when first needed

        arity = PRIMITIVES[op].arguments()[0]
        return ["x", "y"][:arity], None
    return parameters(fn)


def _arity(fn: Callable[..., Any]) -> int | None:
    params, _ = _parameters(fn)
    return None if params is None else len(params)


def _normalize_argnums(fn: Callable[..., Any], argnums: Any) -> int | tuple[int, ...]:
    items = (argnums,) if isinstance(argnums, int) else argnums
    if isinstance(argnums, bool) or not isinstance(items, (tuple, list)) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in items
    ):
        raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}")
    if not items:
        raise ValueError("argnums must name at least one argument")
    n = _arity(fn)
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


def _make(kind: str, fun: Callable[..., Any] | None, argnums: Any) -> Any:
    def wrap(f: Callable[..., Any]) -> Transformed:
        if not callable(f):
            raise TypeError(f"{kind} expects a function, got {type(f).__name__}")
        _check_transformable(f)
        user, inner = unwrap(f)
        nums = _normalize_argnums(user, argnums)
        spec = Spec(kind, nums, inner=inner)
        return _transformed(user, spec, differentiated(spec))

    return boundary(wrap) if fun is None else wrap(fun)


@overload
def grad(fun: F, argnums: int | Sequence[int] = 0) -> Transformed: ...
@overload
def grad(fun: None = None, argnums: int | Sequence[int] = 0) -> Callable[[F], Transformed]: ...


@boundary
def grad(fun: Callable[..., Any] | None = None, argnums: int | Sequence[int] = 0) -> Any:
    """Gradient of a scalar function by reverse mode.

    An int `argnums` gives one gradient, a tuple gives a tuple. Works as ``grad(f)``,
    ``@grad`` and ``@grad(argnums=(0, 1))``.
    """
    return _make("grad", fun, argnums)


@overload
def value_and_grad(fun: F, argnums: int | Sequence[int] = 0) -> Transformed: ...
@overload
def value_and_grad(
    fun: None = None, argnums: int | Sequence[int] = 0
) -> Callable[[F], Transformed]: ...


@boundary
def value_and_grad(
    fun: Callable[..., Any] | None = None, argnums: int | Sequence[int] = 0
) -> Any:
    """Like `grad`, returning ``(value, gradient)`` from one pass."""
    return _make("value_and_grad", fun, argnums)


_JVP = Spec("jvp")


@boundary
def jvp(
    fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Any, Any]:
    """Forward mode: ``(fun(*primals), directional derivative along tangents)``.

    `fun` may itself be a derivative (``jvp(grad(f), ...)``). Parameters left out of
    `primals` take their defaults and are not differentiated."""
    return forward("jvp", fun, primals, tangents)


def forward(
    kind: str, fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Any, Any]:
    """`jvp`, its messages naming the transform `kind` the user called."""
    _check_transformable(fun)
    user, inner = unwrap(fun)
    return jvp_of(kind, user, inner, primals, tangents)


def jvp_of(kind: str, fun: Callable[..., Any], inner: Spec | None, primals: Sequence[Any],
           tangents: Sequence[Any]) -> tuple[Any, Any]:
    """`jvp` of the transform `inner` of the user's function `fun` (of `fun` itself for
    None), its messages naming the transform `kind` the user called."""
    where = label(kind, fun)
    for what, values in (("primals", primals), ("tangents", tangents)):
        if not isinstance(values, (tuple, list)):
            raise TypeError(f"{where}: {what} must be a tuple of arguments, got "
                            f"{type(values).__name__}")
    if len(primals) != len(tangents):
        raise ValueError(
            f"{where}: got {len(primals)} primals but {len(tangents)} tangents; "
            "give one tangent per primal")
    check = argument_checker(kind, fun)
    args = list(check(primals))
    params, lists = check.params, check.lists or frozenset()
    # A parameter left to its default is not differentiated: a zero tangent.
    given = [*tangents, *(zero_like(a) for a in args[len(tangents):])]
    ts = []
    for i, (p, t) in enumerate(zip(args, given, strict=True)):
        if is_function(p):  # a function argument is not differentiated: its tangent is None
            if t is not None:
                raise TypeError(
                    f"{where}: primals[{i}] is a function, so tangents[{i}] must be None")
            ts.append(0.0)
            continue
        t = convert(where, params, i, t, differentiated=True, as_list=i in lists,
                    tangent=True)
        if i in lists and len(p) != len(t):
            raise ValueError(f"{where}: {argument(params, i)} is a list of {len(p)} items "
                             f"but tangents[{i}] has {len(t)}")
        if is_array(p) and (not is_array(t) or t.shape != p.shape):
            raise ValueError(f"{where}: {argument(params, i, tangent=True)} must be an array "
                             f"of shape {p.shape}, the shape of the primal")
        if not is_array(p) and is_array(t) and t.ndim:
            raise ValueError(f"{where}: {argument(params, i, tangent=True)} must be a number "
                             f"(the primal is a number), got an array of shape {t.shape}")
        ts.append(t)
    # An int primal with a zero tangent is a fixed int (range(n)); otherwise promoted.
    args = [float(p) if type(p) is int and t else p for p, t in zip(args, ts, strict=True)]
    spec = with_types(Spec("jvp", inner=inner), signature_of(tuple(args)))
    return compiled(fun, spec)(*args, *ts)  # type: ignore[no-any-return]


@boundary
def vjp(fun: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """Reverse mode: ``(fun(*primals), vjp_fn)``; ``vjp_fn(cotangent)`` returns one
    cotangent per primal given (parameters left out take their defaults). For a
    function returning a tuple, the cotangent is a tuple."""
    _check_transformable(fun)
    user, inner = unwrap(fun)
    args = argument_checker("vjp", user)(primals)
    impl = compiled(user, with_types(Spec("vjp", inner=inner), signature_of(args)))
    out = fun(*args)
    check = Cotangents(out)
    given = len(primals)
    # The cotangent of a float is a float (NumPy code may give a NumPy scalar); a
    # function argument is not differentiated: its cotangent is None.
    floats = [i for i, a in enumerate(args[:given]) if type(a) is float]
    functions = [i for i, a in enumerate(args[:given]) if is_function(a)]

    @boundary
    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        result = impl(*args, *check(cotangent))
        if len(result) == given and not floats and not functions:
            return result  # type: ignore[no-any-return]
        cts = list(result[:given])
        for i in floats:
            cts[i] = float(cts[i])
        for i in functions:
            cts[i] = None
        return tuple(cts)

    return out, vjp_fn


@boundary
def source(
    fun: Callable[..., Any], mode: str = "reverse", argnums: int | Sequence[int] = 0,
    args: Sequence[Any] | None = None, dump: bool = False,
) -> str:
    """The generated derivative module: ``mode="reverse"`` (gradient) or ``"forward"`` (JVP).

    Code for array arguments is specialised on their dtype, rank and length-one axes:
    pass example `args` to see the code for those (numbers by default). With `dump`,
    the text is the IR after every pass of the compiler (``# after lower``, ...), one
    line per operation, and the module last."""
    _check_transformable(fun)
    fun, inner = unwrap(fun)
    nums = _normalize_argnums(fun, argnums)
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', got {mode!r}")
    spec = Spec("grad" if mode == "reverse" else "jvp", nums, inner=inner)
    if args is not None:
        spec = with_types(spec, signature_of(tuple(args)))
    return generate(fun, spec, dump)


def argument_checker(kind: str, fn: Callable[..., Any], differentiated: Collection[int] = ()
                     ) -> Checker:
    """The check of the arguments of calls of the transform `kind` of the user's function
    `fn`: bound as Python binds them (defaults filled in), each checked and converted
    (`symdiff.runtime.arguments`), the positions `differentiated` promoted to floats."""
    params, defaults = _parameters(fn)
    return Checker(label(kind, fn), fn, params, defaults, differentiated,
                   lambda: _list_params(fn))


def _list_params(fun: Callable[..., Any]) -> frozenset[int]:
    from symdiff.runtime.builds import list_params

    return list_params(fun, _JVP)
