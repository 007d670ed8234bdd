"""Public transforms, with JAX's names and conventions.

`grad` and `value_and_grad` return a `Transformed` callable (usable as a bare
decorator or with arguments); `jvp` and `vjp` evaluate directly; `source` returns the
generated module text. Compiled code is cached in memory per function and transform,
and on disk (see `symdiff.runtime.cache`).
"""

from __future__ import annotations

import functools
import inspect
import numbers
import textwrap
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, overload

from symdiff.custom import parameter_names, rule_for
from symdiff.errors import SymdiffError
from symdiff.frontend.resolve import PRIMITIVE_ARITY, callable_op, is_known_callable
from symdiff.runtime.dispatch import (
    Built,
    Dispatcher,
    Signature,
    is_array,
    is_function,
    parameters,
    signature_of,
)
from symdiff.runtime.reference import by_reference, qualified_name
from symdiff.runtime.spec import Spec, with_types


def compiled(fn: Callable[..., Any], spec: Spec) -> Callable[..., Any]:
    # The compiler is imported on first use, so that `import symdiff` stays cheap.
    from symdiff.runtime.pipeline import compiled as build

    return build(fn, spec)


def generate(fn: Callable[..., Any], spec: Spec) -> str:
    from symdiff.runtime.pipeline import generate as build

    return build(fn, spec)  # type: ignore[no-any-return]

F = TypeVar("F", bound=Callable[..., Any])
ArgNums = "int | Sequence[int]"


class Transformed:
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

    @property
    def argnums(self) -> int | tuple[int, ...] | None:
        return self._spec.argnums

    @property
    def signatures(self) -> list[Signature]:
        """The argument signatures compiled for so far, in the order first seen."""
        return list(self._dispatcher.specialisations)

    _built: Spec | None = None

    @property
    def source(self) -> str:
        """The generated Python module for this derivative (for array arguments, for the
        argument types of the latest new call)."""
        return generate(self._fn, self._built or self._spec)

    @property
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
    functools.update_wrapper(obj, fn)
    obj.__doc__ = doc

    def build(sig: Signature) -> Built:
        from symdiff.runtime.pipeline import built

        specialised = with_types(spec, sig)
        obj._built = specialised
        return built(fn, specialised)

    def build_guarded(sig: Signature, fallback: Callable[..., Any]) -> Built | None:
        from symdiff.runtime.pipeline import guarded

        impl, watches = guarded(fn, spec, sig, fallback)
        names = _parameters(fn)[0]
        if names is None or impl.__code__.co_varnames[: len(names)] != tuple(names):
            return None  # a renamed parameter: keyword calls must go through the entry
        return impl, watches

    def update(entry: Callable[..., Any]) -> None:
        cls.__call__ = staticmethod(entry)  # type: ignore[assignment]

    label = f"{spec.kind} of {getattr(fn, '__name__', fn)!r}"
    name = getattr(fn, "__name__", "function")
    def list_params() -> frozenset[int]:
        from symdiff.runtime.pipeline import list_params

        return list_params(fn, spec)

    dispatcher = Dispatcher(name, label, params, defaults, diff, build, update, build_guarded,
                            list_params, lambda: _parameters(fn))
    obj._dispatcher = dispatcher
    update(dispatcher.entry)
    return obj


def unwrap(fun: Callable[..., Any]) -> tuple[Callable[..., Any], Spec | None]:
    """(the user's function, the transform already applied to it or None): a transform
    of a `Transformed` is built from the IR of its derivative program, not its text."""
    if isinstance(fun, Transformed):
        return fun._fn, fun._spec
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
    if is_known_callable(fn):
        arity = PRIMITIVE_ARITY.get(callable_op(fn) or "", (1, 1))[0]
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

    return wrap if fun is None else wrap(fun)


@overload
def grad(fun: F, argnums: int | Sequence[int] = 0) -> Transformed: ...
@overload
def grad(fun: None = None, argnums: int | Sequence[int] = 0) -> Callable[[F], Transformed]: ...


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


def value_and_grad(
    fun: Callable[..., Any] | None = None, argnums: int | Sequence[int] = 0
) -> Any:
    """Like `grad`, returning ``(value, gradient)`` from one pass."""
    return _make("value_and_grad", fun, argnums)


_JVP = Spec("jvp")
_VJP = Spec("vjp")


def jvp(
    fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Any, Any]:
    """Forward mode: ``(fun(*primals), directional derivative along tangents)``.

    `fun` may itself be a derivative (``jvp(grad(f), ...)``)."""
    _check_transformable(fun)
    user, inner = unwrap(fun)
    return jvp_of(user, inner, primals, tangents)


def jvp_of(fun: Callable[..., Any], inner: Spec | None, primals: Sequence[Any],
           tangents: Sequence[Any]) -> tuple[Any, Any]:
    """`jvp` of the transform `inner` of the user's function `fun` (of `fun` itself for
    None)."""
    lists = _list_params(fun, _JVP)
    primals = _numbers("jvp", "primals", primals, keep_ints=True, lists=lists, functions=True)
    functions = [i for i, p in enumerate(primals) if is_function(p)]
    tangents = list(tangents) if isinstance(tangents, (tuple, list)) else tangents
    for i in functions:
        # A function argument is not differentiated: its tangent is None.
        if i < len(tangents):
            if tangents[i] is not None:
                raise TypeError(
                    f"jvp: primals[{i}] is a function, so tangents[{i}] must be None")
            tangents[i] = 0.0
    tangents = _numbers("jvp", "tangents", tangents, lists=lists)
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: got {len(primals)} primals but {len(tangents)} tangents; "
            "give one tangent per primal")
    for i in lists & set(range(len(primals))):
        if len(primals[i]) != len(tangents[i]):
            raise ValueError(
                f"jvp: primals[{i}] is a list of {len(primals[i])} but tangents[{i}] has "
                f"{len(tangents[i])} items")
    # An int primal with a zero tangent is a fixed int (range(n)); otherwise promoted.
    primals = tuple(float(p) if type(p) is int and t else p
                    for p, t in zip(primals, tangents, strict=True))
    _check_arity("jvp", fun, len(primals))
    for i, (p, t) in enumerate(zip(primals, tangents, strict=True)):
        if is_array(p) and (not is_array(t) or t.shape != p.shape):
            raise ValueError(f"jvp: tangents[{i}] must be an array of shape {p.shape}, the "
                             f"shape of primals[{i}]")
    spec = with_types(Spec("jvp", inner=inner), signature_of(primals))
    return compiled(fun, spec)(*primals, *tangents)  # type: ignore[no-any-return]


def vjp(fun: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """Reverse mode: ``(fun(*primals), vjp_fn)``; ``vjp_fn(cotangent)`` returns one
    cotangent per primal. For a function returning a tuple, the cotangent is a tuple."""
    _check_transformable(fun)
    user, inner = unwrap(fun)
    args = _numbers("vjp", "primals", primals, keep_ints=True, lists=_list_params(user, _VJP),
                    functions=True)
    _check_arity("vjp", user, len(args))
    impl = compiled(user, with_types(Spec("vjp", inner=inner), signature_of(args)))
    out = fun(*args)
    functions = [i for i, a in enumerate(args) if is_function(a)]

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        flat: list[Any] = []
        _flatten_like(out, cotangent, flat)
        result = impl(*args, *_numbers("vjp_fn", "cotangent", flat))
        if functions:  # a function argument is not differentiated: its cotangent is None
            result = tuple(None if i in functions else r for i, r in enumerate(result))
        return result  # type: ignore[no-any-return]

    return out, vjp_fn


def _flatten_like(out: Any, cotangent: Any, flat: list[Any]) -> None:
    """Append the leaves of `cotangent`, which must have the nested-tuple shape of `out`."""
    if isinstance(out, tuple):
        if not isinstance(cotangent, (tuple, list)) or len(cotangent) != len(out):
            raise ValueError(
                f"vjp_fn: the cotangent must have the shape of the output {_shape(out)}, "
                f"got {cotangent!r}")
        for o, c in zip(out, cotangent, strict=True):
            _flatten_like(o, c, flat)
    elif isinstance(cotangent, (tuple, list)):
        raise ValueError(
            f"vjp_fn: the output is a single number, so the cotangent must be a number, "
            f"got {cotangent!r}")
    else:
        flat.append(cotangent)


def _shape(out: Any) -> str:
    if isinstance(out, tuple):
        return "(" + ", ".join(_shape(o) for o in out) + ("," if len(out) == 1 else "") + ")"
    return "number"


def source(
    fun: Callable[..., Any], mode: str = "reverse", argnums: int | Sequence[int] = 0,
    args: Sequence[Any] | None = None,
) -> str:
    """The generated derivative module: ``mode="reverse"`` (gradient) or ``"forward"`` (JVP).

    Code for array arguments is specialised on their dtype, rank and length-one axes:
    pass example `args` to see the code for those (numbers by default)."""
    _check_transformable(fun)
    fun, inner = unwrap(fun)
    nums = _normalize_argnums(fun, argnums)
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', got {mode!r}")
    spec = Spec("grad" if mode == "reverse" else "jvp", nums, inner=inner)
    if args is not None:
        spec = with_types(spec, signature_of(tuple(args)))
    return generate(fun, spec)  # type: ignore[no-any-return]


def _numbers(
    where: str, what: str, values: Any, keep_ints: bool = False,
    lists: frozenset[int] = frozenset(), functions: bool = False,
) -> tuple[Any, ...]:
    """`values` checked to be real numbers (lists of them at `lists`; `functions`: or
    functions, kept as they are); floats, and ints too unless `keep_ints` (a primal int
    stays an int, as the function itself would see it: range(n))."""
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{where}: {what} must be a tuple of numbers, got {type(values).__name__}")
    out: list[Any] = []
    for i, v in enumerate(values):
        if is_array(v):
            out.append(v if keep_ints or v.dtype.kind == "f" else v.astype(float))
            continue
        if functions and is_function(v):
            out.append(v)
            continue
        if i in lists:
            if not isinstance(v, (tuple, list)):
                raise TypeError(
                    f"{where}: {what}[{i}] must be a list of numbers (the function uses it "
                    f"as a list), got {type(v).__name__}")
            out.append(list(_numbers(where, f"{what}[{i}]", v, keep_ints)))
            continue
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(
                f"{where}: {what}[{i}] must be a real number (float or int), "
                f"got {type(v).__name__}")
        out.append(v if keep_ints and type(v) is int else float(v))
    return tuple(out)


def _list_params(fun: Callable[..., Any], spec: Spec) -> frozenset[int]:
    from symdiff.runtime.pipeline import list_params

    return list_params(fun, spec)


def _check_arity(where: str, fun: Callable[..., Any], n: int) -> None:
    arity = _arity(fun)
    if arity is not None and n != arity:
        raise TypeError(
            f"{where}: {getattr(fun, '__name__', fun)!r} takes {arity} positional "
            f"argument{'s' if arity != 1 else ''}, got {n} primals")
