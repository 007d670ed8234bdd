"""Jacobians: `jacfwd` (forward mode, a column per input entry), `jacrev` (reverse mode,
a row per output entry) and `jacobian`, which picks the cheaper mode by the sizes (the
essay's point: forward mode when there are fewer inputs than outputs, reverse mode
otherwise).

Contract: for an argument `x` (a number or an array) and an output `y` (a number, an
array, or a pytree of them: tuples, dicts, lists), the Jacobian has the structure of
`y`, each leaf an array of shape ``leaf.shape + x.shape`` (a float when both are
numbers); for a pytree `x`, each leaf of `y` holds one such array per leaf of `x`, in
`x`'s structure (the output's structure outside, as JAX nests them). With a tuple
`argnums`, each leaf of `y` is a tuple of those, one per argument (output-major, as
JAX nests them: ``((do0/dx, do0/dy), (do1/dx, do1/dy))``). With `has_aux`, the
function returns ``(y, aux)`` and the call ``(jacobian, aux)``, `aux` from the same
generated code as the Jacobian (not differentiated). Each pass runs the
generated JVP or VJP code. Forward mode over an array argument is one pass of batched
JVP code (`symdiff.transforms.batch`) seeded with the identity, and reverse mode of
numbers and arrays one pass of batched VJP code seeded with the identity's rows split
over the output leaves, when every operation the seeds meet has a batching rule;
otherwise (and for pytree arguments) a Python loop runs a pass per seed direction.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from typing import Any, Generic, ParamSpec

from symdiff.api.arguments import (
    argument_checker,
    call_bound,
    check_transformable,
    normalize_argnums,
    normalize_static,
    parameters,
    specialised,
    static_positions,
    unwrap,
)
from symdiff.api.bound import transform_bound
from symdiff.api.derivative import (
    Derivative,
    compiled,
    derivative_doc,
    format_signatures,
    mark,
)
from symdiff.api.grad import Names, Statics, check_has_aux, forward, leaves_of, vjp_of
from symdiff.api.variadic import Variadic, is_variadic
from symdiff.host import pytrees
from symdiff.host.pytrees import TreeDef, is_container
from symdiff.host.reference import by_reference, qualified_name, wrap_metadata
from symdiff.runtime.arguments import no_tangent, zero_like
from symdiff.runtime.dispatch import signature_of
from symdiff.runtime.native import check_backend
from symdiff.runtime.spec import Spec
from symdiff.runtime.watched import Plans
from symdiff.tracebacks import boundary

Argnums = int | Sequence[int]
P = ParamSpec("P")


class Jacobian(Derivative, Generic[P]):
    """The Jacobian of a function; call it like the function itself.

    `mode` is ``"forward"``, ``"reverse"`` or ``"auto"`` (chosen per call by the
    sizes). It pickles by reference to the function, as `Transformed` does. A transform
    of a Jacobian differentiates its forward-mode program (`transforms.jacobian`),
    whatever its mode.
    """

    def __init__(self, fun: Callable[P, Any], argnums: Argnums = 0, mode: str = "auto",
                 batched: bool = True, has_aux: bool = False, static_argnums: Any = None,
                 static_argnames: Any = None, backend: str = "python") -> None:
        if mode not in ("auto", "forward", "reverse"):
            raise ValueError(f"mode must be 'auto', 'forward' or 'reverse', got {mode!r}")
        self._fun = fun
        self._argnums = argnums if isinstance(argnums, int) else tuple(argnums)
        self._mode = mode
        self._batched = batched
        self._has_aux = check_has_aux(has_aux)
        self._backend = check_backend(backend)
        self._seen: dict[tuple[Any, ...], None] = {}  # signatures called with, in order
        user, inner = unwrap(fun)
        self._fn = user
        nums = normalize_argnums(user, argnums)
        self._static = normalize_static(user, static_argnums, static_argnames, nums, inner)
        self._spec = Spec("jacobian", nums, inner=inner, has_aux=has_aux, static=self._static,
                          backend=self._backend)
        self._check = argument_checker("jacobian", user, (nums,) if isinstance(nums, int)
                                       else nums, static=static_positions(self._spec))
        # Per argument shapes and types: how to compute the Jacobian (`_plan`).
        self._plans = Plans(user, self._static)
        wrap_metadata(self, user)
        what = "" if mode == "auto" else f" ({mode} mode)"
        doc = derivative_doc(user, self._spec, parameters(user)[0])
        self.__doc__ = doc.replace("Jacobian of", f"Jacobian{what} of", 1)

    def chain(self) -> Spec:
        return self._spec

    @boundary
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Any:
        primals = self._check(args, kwargs)
        plan = self._plans.get(primals, self._new_plan)
        return plan(primals)

    def _new_plan(self, args: tuple[Any, ...]) -> Callable[[tuple[Any, ...]], Any]:
        self._seen.setdefault(signature_of(args, static_positions(self._spec)))
        return _plan(self._fun, args, self._argnums, self._mode, self._batched, self._has_aux,
                     self._static, self._backend)

    def __repr__(self) -> str:
        label = self._spec.label()
        aux = ", has_aux=True" if self._has_aux else ""
        static = f", static_argnums={self._static!r}" if self._static else ""
        return (f"<symdiff {label} of {qualified_name(self._fn)}, argnums={self._argnums!r}, "
                f"mode={self._mode!r}{static}{aux}, "
                f"signatures: {format_signatures(list(self._seen))}>")

    def __reduce__(self) -> tuple[Any, ...]:
        return Jacobian, (by_reference(self._fun), self._argnums, self._mode, self._batched,
                          self._has_aux, self._static or None, None, self._backend)


def _made(fun: Callable[P, Any], argnums: Any, mode: str, has_aux: bool, static_argnums: Any,
          static_argnames: Any, backend: str = "python") -> Jacobian[P]:
    """A `Jacobian` of `fun`, through the arguments it binds (`bound`); of a function
    with ``*args``, one per number of positional arguments (`variadic`)."""
    def make(f: Any, nums: Any, static: Any) -> Any:
        if is_variadic(f):
            return Variadic(jacobian, f, nums, mode, has_aux, static_argnums=static,
                            static_argnames=static_argnames, backend=backend)
        return Jacobian(f, nums, mode, has_aux=has_aux, static_argnums=static,
                        static_argnames=static_argnames, backend=backend)

    # Of a bound callable a `Bound`, of one with *args a `Variadic`: called the same way.
    made: Jacobian[P] = transform_bound(fun, argnums, static_argnums, make)
    return made


@boundary
def jacfwd(fun: Callable[P, Any], argnums: Argnums = 0, has_aux: bool = False, *,
           static_argnums: Statics = None, static_argnames: Names = None,
           backend: str = "python") -> Jacobian[P]:
    """The Jacobian of `fun` by forward mode: the JVPs along every entry of each input
    (one batched call for an array). The arguments at `static_argnums` (or named in
    `static_argnames`) are compiled in as constants, per value."""
    return _made(fun, argnums, "forward", has_aux, static_argnums, static_argnames, backend)


def jacfwd_looped(fun: Callable[P, Any], argnums: Argnums = 0, has_aux: bool = False
                  ) -> Jacobian[P]:
    """`jacfwd` by a pass of unbatched JVP code per input entry (for comparison)."""
    return Jacobian(fun, argnums, "forward", batched=False, has_aux=has_aux)


@boundary
def jacrev(fun: Callable[P, Any], argnums: Argnums = 0, has_aux: bool = False, *,
           static_argnums: Statics = None, static_argnames: Names = None,
           backend: str = "python") -> Jacobian[P]:
    """The Jacobian of `fun` by reverse mode: the VJPs of every entry of the output (one
    batched call for numbers and arrays); static arguments as for `jacfwd`."""
    return _made(fun, argnums, "reverse", has_aux, static_argnums, static_argnames, backend)


def jacrev_looped(fun: Callable[P, Any], argnums: Argnums = 0, has_aux: bool = False
                  ) -> Jacobian[P]:
    """`jacrev` by a pass of unbatched VJP code per output entry (for comparison)."""
    return Jacobian(fun, argnums, "reverse", batched=False, has_aux=has_aux)


@boundary
def jacobian(fun: Callable[P, Any], argnums: Argnums = 0, mode: str = "auto",
             has_aux: bool = False, *, static_argnums: Statics = None,
             static_argnames: Names = None, backend: str = "python") -> Jacobian[P]:
    """The Jacobian of `fun`; ``mode="auto"`` uses forward mode when the differentiated
    inputs have fewer entries than the output, else reverse mode; static arguments as
    for `jacfwd`."""
    return _made(fun, argnums, mode, has_aux, static_argnums, static_argnames, backend)


def choose_mode(fun: Callable[..., Any], args: Sequence[Any], argnums: Argnums = 0,
                has_aux: bool = False) -> str:
    """The mode `jacobian(..., mode="auto")` picks for these arguments."""
    nums = _nums(argnums, len(args))
    out = _output(fun, args, has_aux)
    return _choose(sum(_size(args[i]) for i in nums), _size_of_output(out))


def _output(fun: Callable[..., Any], args: Sequence[Any], has_aux: bool) -> Any:
    """`fun`'s output at `args` (without its aux), for its structure and sizes."""
    out = call_bound(fun, args)
    if not has_aux:
        return out
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError(f"has_aux=True requires {getattr(fun, '__name__', 'the function')} "
                        "to return a pair (output, aux)")
    return out[0]


# Per differentiated argument its Jacobian (shaped like the output, each leaf shaped
# like the argument), the aux output (None without has_aux) and the output's structure.
Found = tuple[list[Any], Any, TreeDef]


def _jacobian(fun: Callable[..., Any], args: tuple[Any, ...], argnums: Argnums,
              mode: str, batched: bool = True, has_aux: bool = False,
              static: tuple[int, ...] = (), backend: str = "python") -> Found:
    nums = _nums(argnums, len(args))
    if mode == "auto":
        mode = choose_mode(fun, args, argnums, has_aux)
    if mode == "forward":
        parts = [_forward(fun, args, i, batched, has_aux, static, backend) for i in nums]
        return [jac for jac, _, _ in parts], parts[0][1], parts[0][2]
    return _reverse(fun, args, nums, batched, has_aux, static, backend)


def _plan(fun: Callable[..., Any], args: tuple[Any, ...], argnums: Argnums, mode: str,
          batched: bool, has_aux: bool = False, static: tuple[int, ...] = (),
          backend: str = "python") -> Callable[[tuple[Any, ...]], Any]:
    """How to compute the Jacobian for arguments shaped like `args`: one call of batched
    code (compiled, and its seeds made, once) where it applies, else a pass per seed;
    the arguments at `static` are compiled in by value."""
    nums = _nums(argnums, len(args))
    if mode == "auto":
        mode = choose_mode(fun, args, argnums, has_aux)
    run: Callable[[tuple[Any, ...]], Found] | None = None
    if batched and plain_args(args, static):
        from symdiff.transforms.batch import BatchingError

        try:
            if mode == "reverse":
                run = _reverse_plan(fun, args, nums, has_aux, static, backend)
            elif all(_batchable(fun, args, i, static) or type(args[i]) is float
                     for i in nums):
                plans = [_forward_plan(fun, args, i, has_aux, static, backend) for i in nums]

                def run(a: tuple[Any, ...]) -> Found:
                    parts = [plan(a) for plan in plans]
                    return [jac for jac, _ in parts], parts[0][1], pytrees.structure(
                        parts[0][0])
        except BatchingError:
            batched = False  # an operation without a batching rule: do not try again
    found = run if run is not None else (
        lambda a: _jacobian(fun, a, argnums, mode, batched, has_aux, static, backend))

    def jacobian(a: tuple[Any, ...]) -> Any:
        per_arg, aux, out = found(a)
        jac = per_arg[0] if isinstance(argnums, int) else _output_major(per_arg, out)
        return (jac, aux) if has_aux else jac

    return jacobian


def _output_major(per_arg: list[Any], out: TreeDef) -> Any:
    """The Jacobians of each argument (each of the output's structure `out`) as one
    structure like the output, each leaf a tuple over the arguments, as JAX nests them."""
    columns = [pytrees.flatten_like(out, jac, "a Jacobian", "the output", up_to=True)
               for jac in per_arg]
    return pytrees.unflatten(out, [tuple(column[k] for column in columns)
                                   for k in range(out.leaves)])


def _choose(n_inputs: int, n_outputs: int) -> str:
    return "forward" if n_inputs < n_outputs else "reverse"


def _forward(fun: Callable[..., Any], args: tuple[Any, ...], i: int, batched: bool = True,
             has_aux: bool = False, static: tuple[int, ...] = (), backend: str = "python"
             ) -> tuple[Any, Any, TreeDef]:
    """(the Jacobian with respect to `args[i]`, the aux output or None, the output's
    structure)."""

    x = args[i]
    if batched and _batchable(fun, args, i, static):
        from symdiff.transforms.batch import BatchingError

        try:
            jac, aux = _forward_plan(fun, args, i, has_aux, static, backend)(args)
            return jac, aux, pytrees.structure(jac)
        except BatchingError:
            pass
    # A pass per entry of each of x's leaves (x itself unless it is a pytree).
    x_leaves = leaves_of(x)
    columns: list[list[Any]] = [[] for _ in x_leaves]
    aux = None
    for leaf, seed in _seeds(x):
        tangents = tuple(seed if k == i else None if k in static or no_tangent(a)
                         else zero_like(a) for k, a in enumerate(args))
        _, tangent, *rest = forward("jacobian", fun, args, tangents, has_aux=has_aux,
                                    statics=True, static=static, backend=backend)
        aux = rest[0] if rest else None
        columns[leaf].append(tangent)
    out: Any = None
    if not all(columns):  # an empty array: no passes for it
        out = call_bound(fun, args)
        out, aux = out if has_aux else (out, None)
    out_def = pytrees.structure(next((c[0] for c in columns if c), out))
    blocks = [_forward_block(c, xl, out) for xl, c in zip(x_leaves, columns, strict=True)]
    return pytrees.unflatten(out_def, [_as_input(x, [b[k] for b in blocks])
                                       for k in range(out_def.leaves)]), aux, out_def


def _forward_block(columns: list[Any], x: Any, out: Any) -> list[Any]:
    """Per output leaf, its Jacobian with respect to the number or array `x` from the
    `columns` of the passes seeded in `x` (zeros, shaped from `out`, for an empty `x`)."""
    import numpy as np

    shape = np.shape(x)
    if not columns:
        return [np.zeros(np.shape(leaf) + shape) for leaf in pytrees.leaves(out)]
    return pytrees.leaves(_map_many(columns, lambda leaves: _stack(leaves, shape)))


def _batchable(fun: Callable[..., Any], args: tuple[Any, ...], i: int,
               static: tuple[int, ...] = ()) -> bool:
    """Whether the batched JVP applies: `x` a non-empty array, the other arguments
    numbers or arrays, or static (lists and functions take the per-seed path)."""
    import numpy as np

    x = args[i]
    return isinstance(x, np.ndarray) and x.size > 0 and plain_args(args, static)


def plain_args(values: Sequence[Any], static: Collection[int] = ()) -> bool:
    """Whether every value, but those at the `static` positions (compiled in), is a
    number or an array (batched code takes no lists or functions)."""
    import numbers

    import numpy as np

    return all(k in static or isinstance(a, np.ndarray) or (
        isinstance(a, numbers.Real) and not isinstance(a, bool)) for k, a in enumerate(values))


def _forward_batched(fun: Callable[..., Any], args: tuple[Any, ...], i: int) -> Any:
    """The Jacobian with respect to the array `args[i]` from one call of the batched JVP
    code, its tangents the rows of the identity."""
    return _forward_plan(fun, args, i, False)(args)[0]


def _forward_plan(fun: Callable[..., Any], args: tuple[Any, ...], i: int, has_aux: bool,
                  static: tuple[int, ...] = (), backend: str = "python"
                  ) -> Callable[[tuple[Any, ...]], tuple[Any, Any]]:
    """(the Jacobian with respect to `args[i]`, the aux output or None) from one call of
    JVP code: batched, its tangents the rows of the identity, for an array."""
    check_transformable(fun)
    user, inner = unwrap(fun)
    if type(args[i]) is float:
        return _forward_number_plan(user, inner, args, i, has_aux, static, backend)
    return _forward_batched_plan(user, inner, args, i, has_aux, static, backend)


def _forward_number_plan(user: Callable[..., Any], inner: Any, args: tuple[Any, ...], i: int,
                         has_aux: bool, static: tuple[int, ...] = (), backend: str = "python"
                         ) -> Callable[[tuple[Any, ...]], tuple[Any, Any]]:
    """The derivative along the number `args[i]`: one pass of the JVP code."""
    import numpy as np

    impl = compiled(user, specialised(Spec("jvp", i, inner=inner, has_aux=has_aux,
                                           static=static, backend=backend), args))

    def run(a: tuple[Any, ...]) -> tuple[Any, Any]:
        out, tangent, *aux = impl(*a, 1.0)  # along args[i] alone
        pairs = zip(pytrees.leaves(out), pytrees.leaves(tangent), strict=True)
        return _rebuild(out, [_scalar(np.broadcast_to(np.asarray(t, dtype=float),
                                                      np.shape(leaf)).copy())
                              for leaf, t in pairs]), (aux[0] if aux else None)

    return run


def _forward_batched_plan(user: Callable[..., Any], inner: Any, args: tuple[Any, ...], i: int,
                          has_aux: bool, static: tuple[int, ...] = (), backend: str = "python"
                          ) -> Callable[[tuple[Any, ...]], tuple[Any, Any]]:
    import numpy as np

    x = args[i]
    shape = np.shape(x)
    n = _size(x)
    dtype = x.dtype if isinstance(x, np.ndarray) and x.dtype.kind == "f" else float
    seeds = np.eye(n, dtype=dtype).reshape(n, *shape)
    impl = compiled(user, specialised(
        Spec("jvp_batched", i, inner=inner, has_aux=has_aux, static=static, backend=backend),
        args))

    def jac(leaf: Any, t: Any) -> Any:
        lead = np.shape(leaf)
        t = np.asarray(t, dtype=float)
        if t.shape != (n, *lead):  # a zero, or a value the seeds do not reach: unbatched
            t = np.broadcast_to(t, (n, *lead))
        return _scalar(np.moveaxis(t, 0, -1).reshape(lead + shape).copy())

    def run(a: tuple[Any, ...]) -> tuple[Any, Any]:
        out, tangents, *aux = impl(*a, seeds)
        return _rebuild(out, [jac(leaf, t) for leaf, t in zip(
            pytrees.leaves(out), pytrees.leaves(tangents), strict=True)]), (aux[0] if aux else None)

    return run


def _scalar(result: Any) -> Any:
    return float(result) if result.ndim == 0 else result


def _reverse(fun: Callable[..., Any], args: tuple[Any, ...], nums: list[int],
             batched: bool = True, has_aux: bool = False, static: tuple[int, ...] = (),
             backend: str = "python") -> Found:
    import numpy as np

    if batched and plain_args(args, static):
        from symdiff.transforms.batch import BatchingError

        try:
            return _reverse_plan(fun, args, nums, has_aux, static, backend)(args)
        except BatchingError:
            pass

    out, vjp_fn, *aux = vjp_of(fun, args, statics=True, has_aux=has_aux, static=static,
                               backend=backend)
    leaves, out_def = pytrees.flatten(out)
    rows: list[list[Any]] = [[] for _ in nums]
    for k, leaf in enumerate(leaves):
        for seed in _basis(leaf):
            cotangent = pytrees.unflatten(out_def, [seed if j == k else zero_like(v)
                                                    for j, v in enumerate(leaves)])
            cts = vjp_fn(cotangent)
            for r, i in enumerate(nums):
                rows[r].append(cts[i])
    results = []
    for r, i in enumerate(nums):
        # Per leaf of the argument (the argument itself unless it is a pytree), its
        # rows: one per output entry.
        per_leaf = zip(*(leaves_of(ct) for ct in rows[r]), strict=True) if rows[r] \
            else ([] for _ in leaves_of(args[i]))
        blocks = []
        for xl, xl_rows in zip(leaves_of(args[i]), per_leaf, strict=True):
            it = iter(xl_rows)
            blocks.append([_stack([next(it) for _ in range(_size(leaf))], np.shape(leaf),
                                  rows_first=True, tail=np.shape(xl)) for leaf in leaves])
        results.append(pytrees.unflatten(out_def, [
            _as_input(args[i], [b[k] for b in blocks]) for k in range(len(leaves))]))
    return results, (aux[0] if aux else None), out_def


def _reverse_plan(fun: Callable[..., Any], args: tuple[Any, ...], nums: list[int],
                  has_aux: bool, static: tuple[int, ...] = (), backend: str = "python"
                  ) -> Callable[[tuple[Any, ...]], Found]:
    """The Jacobian rows of each argument of `nums`, from one call of VJP code:
    the k-th cotangent seed is one at output entry k (entries of all leaves in order, C
    order within each), batched, or for a single output entry the plain VJP code (one
    unbatched pass costs less), with the aux output of that call. `BatchingError` where
    that does not apply."""
    import numpy as np

    from symdiff.transforms.batch import BatchingError

    check_transformable(fun)
    user, inner = unwrap(fun)
    out = _output(fun, args, has_aux)
    leaves = pytrees.leaves(out)
    sizes = [_size(leaf) for leaf in leaves]
    k = sum(sizes)
    if not plain_args(leaves) or k == 0:
        raise BatchingError("outputs other than numbers and non-empty arrays")
    if k == 1:
        seeds = [np.ones_like(leaf) if isinstance(leaf, np.ndarray) else 1.0
                 for leaf in leaves]
        impl = compiled(user, specialised(Spec("vjp", tuple(nums), inner=inner,
                                               has_aux=has_aux, static=static,
                                               backend=backend), args))
    else:
        eye = np.eye(k)
        bounds = np.cumsum([0, *sizes])
        seeds = [eye[:, lo:hi].reshape(k, *np.shape(leaf))
                 for leaf, lo, hi in zip(leaves, bounds[:-1], bounds[1:], strict=True)]
        impl = compiled(user, specialised(Spec("vjp_batched", tuple(nums), inner=inner,
                                               has_aux=has_aux, static=static,
                                               backend=backend), args))
    shapes = [np.shape(leaf) for leaf in leaves]
    bounds = np.cumsum([0, *sizes])
    out_def = pytrees.structure(out)

    def run(a: tuple[Any, ...]) -> Found:
        cts = impl(*a, *seeds)  # one per argument, then the aux output
        results = []
        for i in nums:
            shape = np.shape(a[i])
            rows = np.broadcast_to(np.asarray(cts[i], dtype=float), (k, *shape))  # a zero
            results.append(_rebuild(out, [
                _scalar(rows[lo:hi].reshape(lead + shape).copy())
                for lead, lo, hi in zip(shapes, bounds[:-1], bounds[1:], strict=True)]))
        return results, (cts[-1] if has_aux else None), out_def

    return run


def _as_input(x: Any, blocks: list[Any]) -> Any:
    """One block per leaf of the argument `x`, in its structure (a block alone when `x`
    is no pytree or list): what one output leaf holds for it."""
    return pytrees.unflatten(pytrees.structure(x), blocks) if is_container(x) else blocks[0]


def _seeds(x: Any) -> list[tuple[int, Any]]:
    """The unit directions of `x`'s entries, leaf by leaf, in C order within each, with
    the index of the leaf each is in (a pytree's or list's direction has zeros
    elsewhere)."""
    if not is_container(x):
        return [(0, seed) for seed in _basis(x)]
    found, treedef = pytrees.flatten(x)
    zeros = [zero_like(v) for v in found]
    return [(k, pytrees.unflatten(treedef, [*zeros[:k], seed, *zeros[k + 1:]]))
            for k, leaf in enumerate(found) for seed in _basis(leaf)]


def _stack(parts: list[Any], lead: tuple[int, ...], rows_first: bool = False,
           tail: tuple[int, ...] = ()) -> Any:
    """Derivatives along each seed direction as one array. Forward: `parts` are the
    columns (the output's shape each) for the input entries of shape `lead`; reverse:
    the rows (the input's shape `tail` each) for the output entries of shape `lead`."""
    import numpy as np

    if not parts:
        return np.zeros(lead + tail)
    stacked = np.stack([np.asarray(p, dtype=float) for p in parts])
    if rows_first:
        result = stacked.reshape(lead + tail)
    else:
        out_shape = stacked.shape[1:]
        result = np.moveaxis(stacked.reshape(lead + out_shape), tuple(range(len(lead))),
                             tuple(range(len(out_shape), len(out_shape) + len(lead))))
    return float(result) if result.ndim == 0 else result


def _basis(x: Any) -> list[Any]:
    """The unit directions of `x`'s entries, in C order."""
    import numpy as np

    if not isinstance(x, np.ndarray):
        return [1.0]
    out = []
    for k in range(x.size):
        e = np.zeros(x.size, dtype=x.dtype if x.dtype.kind == "f" else float)
        e[k] = 1.0
        out.append(e.reshape(x.shape))
    return out


def _size(x: Any) -> int:
    if is_container(x):
        return sum(_size(leaf) for leaf in pytrees.leaves(x))
    return int(math.prod(x.shape)) if hasattr(x, "shape") else 1


def _size_of_output(out: Any) -> int:
    return sum(_size(leaf) for leaf in pytrees.leaves(out))


def _nums(argnums: Argnums, n: int) -> list[int]:
    nums = [argnums] if isinstance(argnums, int) else list(argnums)
    for i in nums:
        if not -n <= i < n:
            raise ValueError(f"argnums {i} is out of range for {n} arguments")
    return [i % n for i in nums]


def _rebuild(like: Any, leaves: list[Any]) -> Any:
    return pytrees.unflatten(pytrees.structure(like), leaves)


def _map_many(columns: list[Any], f: Callable[[list[Any]], Any]) -> Any:
    per_leaf = zip(*(pytrees.leaves(c) for c in columns), strict=True)
    return _rebuild(columns[0], [f(list(parts)) for parts in per_leaf])


mark(jacfwd, jacrev, jacobian)
