"""Public transforms, with JAX's names and conventions.

`grad` and `value_and_grad` return a `Transformed` callable (usable as a bare
decorator or with arguments); `jvp` and `vjp` evaluate directly; `source` returns the
generated module text. Compiled code is cached in memory per function and transform,
and on disk (see `symdiff.runtime.cache`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Concatenate, Generic, Literal, ParamSpec, TypeVar, overload

from symdiff.api.arguments import (
    argument_checker,
    call_bound,
    check_transformable,
    differentiated,
    normalize_argnums,
    normalize_static,
    parameters,
    specialised,
    static_positions,
    unwrap,
)
from symdiff.api.bound import binding, bound_primals, transform_bound
from symdiff.api.derivative import (
    Derivative,
    compiled,
    derivative_doc,
    format_signatures,
    generate,
    mark,
)
from symdiff.api.variadic import Variadic, for_count, is_variadic
from symdiff.host import pytrees
from symdiff.host.data import is_object, is_user_class
from symdiff.host.pytrees import is_container
from symdiff.host.reference import by_reference, qualified_name, wrap_metadata
from symdiff.runtime.arguments import (
    Cotangents,
    argument,
    convert,
    is_array,
    is_tree,
    label,
    no_tangent,
    static_argument,
    zero_like,
)
from symdiff.runtime.dispatch import Built, Dispatcher, Signature
from symdiff.runtime.native import check_backend
from symdiff.runtime.spec import Spec, with_types
from symdiff.tracebacks import boundary

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
A = TypeVar("A")


class Transformed(Derivative, Generic[P, R]):
    """A derivative of a user function: call it like the function itself.

    Attributes: ``source`` (the generated module text for float arguments),
    ``__wrapped__`` (the user's function), ``transform``, ``argnums`` and
    ``signatures`` (the argument types compiled for so far). It pickles by reference to
    the user's function (see `symdiff.host.reference`) and is rebuilt on first call
    in the process that unpickles it, from the disk cache or from source.
    """

    _fn: Callable[..., Any]
    _spec: Spec
    _dispatcher: Dispatcher

    if TYPE_CHECKING:
        __wrapped__: Callable[P, Any]

        # Each object's own class gets `__call__` (`_transformed`); this declares it.
        def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...

    def __repr__(self) -> str:
        aux = ", has_aux=True" if self._spec.has_aux else ""
        static = static_positions(self._spec)
        shown = f", static_argnums={tuple(sorted(static))!r}" if static else ""
        return (f"<symdiff {self._spec.label()} of {qualified_name(self._fn)}, "
                f"argnums={self._spec.argnums!r}{shown}{aux}, "
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


def rebuild(fn: Callable[..., Any], spec: Spec) -> Transformed[..., Any]:
    """A `Transformed` from its pickled parts (compiled again on its first call)."""
    return _transformed(fn, spec, differentiated(spec))


def _transformed(fn: Callable[..., Any], spec: Spec, diff: frozenset[int]
                 ) -> Transformed[..., Any]:
    # A class per object, so that __call__ is the generated entry itself: calling the
    # object costs one type check per argument on top of the generated code.
    params, defaults = parameters(fn)
    doc = derivative_doc(fn, spec, params)
    # The class keeps no docstring of its own: pydoc shows an instance's docstring only
    # when it differs from its class's.
    cls = type("Transformed", (Transformed,), {})
    obj: Transformed[..., Any] = object.__new__(cls)
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

        specialised = with_types(spec, sig)
        obj._built = specialised
        impl, watches = guarded(fn, specialised, sig, fallback)
        names = parameters(fn)[0]
        if names is None or impl.__code__.co_varnames[: len(names)] != tuple(names):
            return None  # a renamed parameter: keyword calls must go through the entry
        impl.__qualname__ = dispatcher.name  # arity errors read as the entry's: the user's
        return impl, watches

    def update(entry: Callable[..., Any]) -> None:
        cls.__call__ = staticmethod(entry)  # type: ignore[method-assign]

    name = getattr(fn, "__name__", "function")

    def list_params() -> frozenset[int]:
        from symdiff.runtime.builds import list_params

        return list_params(fn, spec)

    dispatcher = Dispatcher(name, label(spec.kind, fn), params, defaults, diff, build, update,
                            build_guarded, list_params, lambda: parameters(fn),
                            static=static_positions(spec), finish=_tuples_kept(spec))
    obj._dispatcher = dispatcher
    update(dispatcher.entry)
    return obj


def _tuples_kept(spec: Spec) -> Callable[[tuple[Any, ...], Any], Any] | None:
    """For a gradient: the result with the gradient with respect to a tuple of numbers
    (passed to the generated code as a list, which it indexes) a tuple, as given."""
    if spec.kind not in ("grad", "value_and_grad") or spec.inner is not None:
        return None
    nums = spec.argnums
    indices = (nums,) if isinstance(nums, int) else tuple(nums or ())

    def finish(args: tuple[Any, ...], result: Any) -> Any:
        kept = [k for k, i in enumerate(indices) if i < len(args) and type(args[i]) is tuple
                and not is_tree(args[i])]
        if not kept:
            return result
        at = 1 if spec.kind == "value_and_grad" else 0 if spec.has_aux else None
        grads = result if at is None else result[at]
        grads = tuple(grads) if isinstance(nums, int) else tuple(
            tuple(g) if k in kept else g for k, g in enumerate(grads))
        return grads if at is None else (grads, result[1]) if at == 0 else (result[0], grads)

    return finish


def _make(kind: str, fun: Callable[..., Any] | None, argnums: Any, has_aux: bool,
          static_argnums: Any = None, static_argnames: Any = None,
          backend: str = "python") -> Any:
    backend = check_backend(backend)

    def make(f: Callable[..., Any], argnums: Any, static_argnums: Any) -> Any:
        if is_variadic(f):  # argnums and static_argnums count the call's arguments
            public = grad if kind == "grad" else value_and_grad
            return Variadic(public, f, argnums, has_aux,
                            static_argnums=static_argnums, static_argnames=static_argnames,
                            backend=backend)
        check_transformable(f)
        user, inner = unwrap(f)
        nums = normalize_argnums(user, argnums)
        static = normalize_static(user, static_argnums, static_argnames, nums, inner)
        spec = Spec(kind, nums, inner=inner, has_aux=check_has_aux(has_aux), static=static,
                    backend=backend)
        return _transformed(user, spec, differentiated(spec))

    def wrap(f: Callable[..., Any]) -> Any:
        if not callable(f):
            raise TypeError(f"{kind} expects a function, got {type(f).__name__}")
        return transform_bound(f, argnums, static_argnums, make)

    return boundary(wrap) if fun is None else wrap(fun)


Statics = int | Sequence[int] | None
Names = str | Sequence[str] | None


# With `argnums` 0 and no aux, the gradient has the type of the first argument (a float
# for a float, an array for an array, a pytree of the same structure for a pytree).
@overload
def grad(fun: Callable[Concatenate[T, P], Any], argnums: Literal[0] = 0,
         has_aux: Literal[False] = False, *, static_argnums: Statics = None,
         static_argnames: Names = None,
         backend: str = "python") -> Transformed[Concatenate[T, P], T]: ...
@overload
def grad(fun: Callable[Concatenate[T, P], tuple[Any, A]], argnums: Literal[0] = 0, *,
         has_aux: Literal[True], static_argnums: Statics = None,
         static_argnames: Names = None,
         backend: str = "python") -> Transformed[Concatenate[T, P], tuple[T, A]]: ...
@overload
def grad(fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False, *,
         static_argnums: Statics = None, static_argnames: Names = None, backend: str = "python"
         ) -> Transformed[P, Any]: ...
@overload
def grad(fun: None = None, argnums: int | Sequence[int] = 0, has_aux: bool = False, *,
         static_argnums: Statics = None, static_argnames: Names = None, backend: str = "python"
         ) -> Callable[[Callable[P, Any]], Transformed[P, Any]]: ...


@boundary
def grad(fun: Callable[..., Any] | None = None, argnums: int | Sequence[int] = 0,
         has_aux: bool = False, *, static_argnums: Statics = None,
         static_argnames: Names = None, backend: str = "python") -> Any:
    """Gradient of a scalar function by reverse mode.

    An int `argnums` gives one gradient, a tuple gives a tuple. Works as ``grad(f)``,
    ``@grad`` and ``@grad(argnums=(0, 1))``. With `has_aux`, `fun` returns ``(output,
    aux)`` and the call returns ``(gradient, aux)``; `aux` is not differentiated. The
    arguments at `static_argnums` (or named in `static_argnames`) are compiled in as
    constants, as `jax.jit` takes them: the code is built and cached per value.
    ``backend="numba"`` compiles the derivative with ``numba.njit`` (see
    `symdiff.runtime.native`); the default ``"python"`` runs it as Python.
    """
    return _make("grad", fun, argnums, has_aux, static_argnums, static_argnames, backend)


@overload
def value_and_grad(fun: Callable[Concatenate[T, P], R], argnums: Literal[0] = 0,
                   has_aux: Literal[False] = False, *, static_argnums: Statics = None,
                   static_argnames: Names = None, backend: str = "python"
                   ) -> Transformed[Concatenate[T, P], tuple[R, T]]: ...
@overload
def value_and_grad(fun: Callable[Concatenate[T, P], tuple[R, A]], argnums: Literal[0] = 0, *,
                   has_aux: Literal[True], static_argnums: Statics = None,
                   static_argnames: Names = None, backend: str = "python"
                   ) -> Transformed[Concatenate[T, P], tuple[tuple[R, A], T]]: ...
@overload
def value_and_grad(fun: Callable[P, R], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False, *, static_argnums: Statics = None,
                   static_argnames: Names = None, backend: str = "python"
                   ) -> Transformed[P, tuple[Any, Any]]: ...
@overload
def value_and_grad(
    fun: None = None, argnums: int | Sequence[int] = 0, has_aux: bool = False, *,
    static_argnums: Statics = None, static_argnames: Names = None, backend: str = "python",
) -> Callable[[Callable[P, Any]], Transformed[P, tuple[Any, Any]]]: ...


@boundary
def value_and_grad(
    fun: Callable[..., Any] | None = None, argnums: int | Sequence[int] = 0,
    has_aux: bool = False, *, static_argnums: Statics = None, static_argnames: Names = None,
    backend: str = "python",
) -> Any:
    """Like `grad`, returning ``(value, gradient)`` from one pass; with `has_aux`,
    ``((value, aux), gradient)``."""
    return _make("value_and_grad", fun, argnums, has_aux, static_argnums, static_argnames,
                 backend)


# The tangent of an output has the output's type (a float for a float, an array for an
# array, a pytree of the same structure for a pytree).
@overload
def jvp(fun: Callable[..., R], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: Literal[False] = False) -> tuple[R, R]: ...
@overload
def jvp(fun: Callable[..., tuple[R, A]], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: Literal[True]) -> tuple[R, R, A]: ...
@overload
def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool = False) -> tuple[Any, ...]: ...


@boundary
def jvp(
    fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
    has_aux: bool = False, *, backend: str = "python",
) -> tuple[Any, ...]:
    """Forward mode: ``(fun(*primals), directional derivative along tangents)``; with
    `has_aux`, `fun` returns ``(output, aux)`` and the result is ``(output, tangent,
    aux)``.

    `fun` may itself be a derivative (``jvp(grad(f), ...)``). Parameters left out of
    `primals` take their defaults and are not differentiated."""
    backend = check_backend(backend)
    found = binding(fun)
    if found is None:
        return forward("jvp", fun, primals, tangents, check_has_aux(has_aux), backend=backend)
    # The bound arguments are data: zero tangents (None for what has no tangent).
    check_pairs(label("jvp", unwrap(found.target)[0]), primals, tangents)
    full, given = bound_primals("jvp", found, primals)
    ts: list[Any] = [None if no_tangent(a) else zero_like(a) for a in full]
    for i, t in zip(given, tangents, strict=True):
        ts[i] = t
    return forward("jvp", found.target, full, ts, check_has_aux(has_aux), statics=True,
                   backend=backend)


def check_pairs(where: str, primals: Any, tangents: Any) -> None:
    """Raise unless `primals` and `tangents` are sequences of the same length."""
    for what, values in (("primals", primals), ("tangents", tangents)):
        if not isinstance(values, (tuple, list)):
            raise TypeError(f"{where}: {what} must be a tuple of arguments, got "
                            f"{type(values).__name__}")
    if len(primals) != len(tangents):
        raise ValueError(
            f"{where}: got {len(primals)} primals but {len(tangents)} tangents; "
            "give one tangent per primal")


def forward(
    kind: str, fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
    has_aux: bool = False, statics: bool = False, static: tuple[int, ...] = (),
    backend: str = "python",
) -> tuple[Any, ...]:
    """`jvp`, its messages naming the transform `kind` the user called."""
    fun = for_count(fun, len(primals)) if isinstance(primals, (tuple, list)) else fun
    check_transformable(fun)
    user, inner = unwrap(fun)
    return jvp_of(kind, user, inner, primals, tangents, has_aux, statics, static, backend)


def jvp_of(kind: str, fun: Callable[..., Any], inner: Spec | None, primals: Sequence[Any],
           tangents: Sequence[Any], has_aux: bool = False, statics: bool = False,
           static: tuple[int, ...] = (), backend: str = "python") -> tuple[Any, ...]:
    """`jvp` of the transform `inner` of the user's function `fun` (of `fun` itself for
    None), its messages naming the transform `kind` the user called. Every primal given
    is differentiated, so none may be a flag or mode, unless `statics` (for callers that
    pass the defaults bound, with zero tangents), but those at the positions `inner` or
    `static` declare static: compiled in, their tangents None."""
    where = label(kind, fun)
    check_pairs(where, primals, tangents)
    spec = Spec("jvp", inner=inner, has_aux=has_aux, static=static, backend=backend)
    fixed = static_positions(spec)
    check = argument_checker(kind, fun, statics=statics, static=fixed)
    args = list(check(primals))
    params, lists = check.params, check.lists or frozenset()
    # A parameter left to its default is not differentiated: a zero tangent.
    given = [*tangents, *(None if i in fixed else zero_like(a)
                          for i, a in enumerate(args) if i >= len(tangents))]
    ts = []
    for i, (p, t) in enumerate(zip(args, given, strict=True)):
        if no_tangent(p) or i in fixed:
            if t is not None:  # not differentiated: its tangent is None
                what = "static" if i in fixed else "an object" if is_object(p) \
                    else "a class" if is_user_class(p) else "a function"
                raise TypeError(
                    f"{where}: primals[{i}] is {what}, so tangents[{i}] must be None")
            ts.append(0.0)
            continue
        what = f"{where}: {argument(params, i, tangent=True)}"
        if is_tree(p) or is_tree(t):  # a tangent of the primal's structure, in its order
            treedef = pytrees.structure(p)
            t = pytrees.unflatten(treedef, pytrees.flatten_like(treedef, t, what,
                                                                "the primal"))
        t = convert(where, params, i, t, differentiated=True, as_list=i in lists,
                    tangent=True)
        if i in lists and len(p) != len(t):
            raise ValueError(f"{where}: {argument(params, i)} is a list of {len(p)} items "
                             f"but tangents[{i}] has {len(t)}")
        paths = pytrees.paths(pytrees.structure(p)) if is_container(p) else [()]
        for path, pl, tl in zip(paths, leaves_of(p), leaves_of(t), strict=True):
            check_tangent(f"{what}{pytrees.path_text(path)}", pl, tl)
        ts.append(t)
    # An int primal with a zero tangent is a fixed int (range(n)); otherwise promoted.
    args = [p if i in fixed else _promoted(p, t)
            for i, (p, t) in enumerate(zip(args, ts, strict=True))]
    return compiled(fun, specialised(spec, args))(*args, *ts)  # type: ignore[no-any-return]


def leaves_of(value: Any) -> list[Any]:
    """The leaves of a pytree or list argument; any other argument is one leaf."""
    return pytrees.leaves(value) if is_container(value) else [value]


def check_tangent(what: str, primal: Any, tangent: Any) -> None:
    """Raise where the tangent `what` of a number or array does not fit the primal."""
    if is_array(primal) and (not is_array(tangent) or tangent.shape != primal.shape):
        raise ValueError(f"{what} must be an array of shape {primal.shape}, the shape of "
                         "the primal")
    if not is_array(primal) and is_array(tangent) and tangent.ndim:
        raise ValueError(f"{what} must be a number (the primal is a number), got an array "
                         f"of shape {tangent.shape}")


def _promoted(primal: Any, tangent: Any) -> Any:
    """An int primal (or int leaf of a pytree) along a tangent that is not zero, as a
    float; an int with a zero tangent stays a fixed int (it may count: range(n))."""
    if is_tree(primal):
        found, treedef = pytrees.flatten(primal)
        return pytrees.unflatten(treedef, [
            _promoted(p, t) for p, t in zip(found, pytrees.leaves(tangent), strict=True)])
    return float(primal) if type(primal) is int and tangent else primal


# ``vjp_fn(cotangent)``: one cotangent per primal.
Pullback = Callable[[Any], tuple[Any, ...]]


@overload
def vjp(fun: Callable[..., R], *primals: Any, has_aux: Literal[False] = False
        ) -> tuple[R, Pullback]: ...
@overload
def vjp(fun: Callable[..., tuple[R, A]], *primals: Any, has_aux: Literal[True]
        ) -> tuple[R, Pullback, A]: ...
@overload
def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]: ...


@boundary
def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False,
        backend: str = "python") -> tuple[Any, ...]:
    """Reverse mode: ``(fun(*primals), vjp_fn)``; ``vjp_fn(cotangent)`` returns one
    cotangent per primal given (parameters left out take their defaults), a pytree's of
    its structure. For a function returning a tuple or dict, the cotangent is one of
    that structure. With `has_aux`, `fun` returns ``(output, aux)`` and the result is
    ``(output, vjp_fn, aux)``."""
    backend = check_backend(backend)
    found = binding(fun)
    if found is None:
        return vjp_of(fun, primals, has_aux=check_has_aux(has_aux), backend=backend)
    full, given = bound_primals("vjp", found, primals)
    out, vjp_fn, *aux = vjp_of(found.target, full, statics=True,
                               has_aux=check_has_aux(has_aux), backend=backend)

    @boundary
    def bound_vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        cts = vjp_fn(cotangent)  # one per argument of the function underneath
        return tuple(cts[i] for i in given)

    return (out, bound_vjp_fn, *aux)


def vjp_of(fun: Callable[..., Any], primals: Sequence[Any], statics: bool = False,
           has_aux: bool = False, static: tuple[int, ...] = (), backend: str = "python"
           ) -> tuple[Any, ...]:
    """`vjp`; with `statics`, primals may be flags or modes (their cotangents None), for
    callers that pass the defaults bound; the positions `static` and those the transforms
    of `fun` declare static are compiled in (their cotangents None)."""
    fun = for_count(fun, len(primals))
    check_transformable(fun)
    user, inner = unwrap(fun)
    spec = Spec("vjp", inner=inner, has_aux=has_aux, static=static, backend=backend)
    fixed = static_positions(spec)
    args = argument_checker("vjp", user, statics=statics, static=fixed)(primals)
    # Compiled first: a function that does not return a pair fails here, located.
    impl = compiled(user, specialised(spec, args))
    # The output (and aux) from one call of the function; vjp_fn runs the VJP code.
    out = call_bound(fun, args)
    if has_aux:
        out, aux = out
    check = Cotangents(out)
    given = len(primals)
    # The cotangent of a float is a float (NumPy code may give a NumPy scalar); a
    # function argument, a flag or a mode is not differentiated: its cotangent is None.
    floats = [i for i, a in enumerate(args[:given]) if i not in fixed and (
        type(a) is float or is_tree(a) and any(type(v) is float for v in pytrees.leaves(a)))]
    functions = [i for i, a in enumerate(args[:given])
                 if no_tangent(a) or type(a) in (bool, str) or a is None or i in fixed]
    tuples = [i for i, a in enumerate(primals)
              if type(a) is tuple and not is_tree(a) and i not in fixed]

    @boundary
    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        result = impl(*args, *check(cotangent))
        if len(result) == given and not floats and not functions and not tuples:
            return result  # type: ignore[no-any-return]
        cts = list(result[:given])
        for i in floats:
            cts[i] = as_floats(args[i], cts[i])
        for i in tuples:  # a tuple of numbers, passed on as a list
            cts[i] = tuple(cts[i])
        for i in functions:
            cts[i] = None
        return tuple(cts)

    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def as_floats(primal: Any, derivative: Any) -> Any:
    """`derivative` with respect to `primal` (a number or a pytree), each leaf where the
    primal has a float a float (NumPy code may give a NumPy scalar)."""
    if not is_tree(primal):
        return float(derivative)
    found, treedef = pytrees.flatten(primal)
    return pytrees.unflatten(treedef, [
        float(d) if type(p) is float else d
        for p, d in zip(found, pytrees.leaves(derivative), strict=True)])


def check_has_aux(has_aux: Any) -> bool:
    """`has_aux`, which must be a bool."""
    if not isinstance(has_aux, bool):
        raise TypeError(f"has_aux must be True or False, got {has_aux!r}")
    return has_aux


@boundary
def source(
    fun: Callable[..., Any], mode: str = "reverse", argnums: int | Sequence[int] = 0,
    args: Sequence[Any] | None = None, dump: bool = False, has_aux: bool = False, *,
    static_argnums: Statics = None, static_argnames: Names = None,
) -> str:
    """The generated derivative module: ``mode="reverse"`` (gradient) or ``"forward"`` (JVP);
    with `has_aux`, of a function returning ``(output, aux)``, as `grad` and `jvp` take it.

    Code for array arguments is specialised on their dtype, rank and length-one axes:
    pass example `args` to see the code for those (numbers by default); the values of
    the arguments at `static_argnums` (or named in `static_argnames`) are compiled in.
    With `dump`, the text is the IR after every pass of the compiler (``# after lower``,
    ...), one line per operation, and the module last."""
    found = binding(fun)
    if found is not None:  # the bound arguments, as the code is compiled for them
        if args is None:
            raise ValueError(f"source of a {found.what}: pass example args")
        argnums = found.shift(argnums, "argnums")
        static_argnums = found.shift(static_argnums, "static_argnums")
        args, fun = bound_primals("source", found, args)[0], found.target
    if is_variadic(fun):
        if args is None:
            raise TypeError("source of a function with *args needs example args (how many "
                            "it is called with)")
        fun = for_count(fun, len(args))
    check_transformable(fun)
    fun, inner = unwrap(fun)
    nums = normalize_argnums(fun, argnums)
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', got {mode!r}")
    static = normalize_static(fun, static_argnums, static_argnames, nums, inner)
    spec = Spec("grad" if mode == "reverse" else "jvp", nums, inner=inner,
                has_aux=check_has_aux(has_aux), static=static)
    fixed = static_positions(spec)
    if args is not None:
        where, params = label("source", fun), parameters(fun)[0]
        spec = specialised(spec, [static_argument(where, params, i, a) if i in fixed else a
                                  for i, a in enumerate(args)])
    elif fixed:
        raise ValueError("source: static arguments are compiled in by value: pass example "
                         "args")
    return generate(fun, spec, dump)


mark(grad, value_and_grad, jvp, vjp)
