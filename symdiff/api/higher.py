"""Second derivatives: `hessian` and `hvp` (Hessian-vector products).

Both are forward mode over reverse mode, built by transforming the gradient's IR again
(never its text). For number arguments `hessian` compiles one program computing every
entry. For array arguments (numbers and arrays only) it calls the gradient's JVP
program batched over the unit directions (`symdiff.transforms.batch`) once per
differentiated argument: each call gives that argument's columns of every block. For
list arguments, or where an operation has no batching rule, it evaluates the compiled
Hessian-vector product program once per entry of the differentiated arguments (the
entries' count is known only at call time) and assembles the blocks. With respect to
pytrees (dicts, tuples, lists of arrays) it is the forward-mode Jacobian of the
gradient, nested as JAX nests it: ``H[k1][k2]`` of shape ``shape_k1 + shape_k2``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, ParamSpec

from symdiff.api.arguments import (
    argument_checker,
    check_transformable,
    normalize_argnums,
    normalize_static,
    parameters,
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
from symdiff.api.grad import Names, Statics, check_has_aux, check_pairs, jvp_of, rebuild
from symdiff.api.variadic import Variadic, for_count, is_variadic
from symdiff.host import pytrees
from symdiff.host.reference import by_reference, qualified_name, wrap_metadata
from symdiff.runtime.arguments import is_tree, label, no_tangent, zero_like
from symdiff.runtime.assemble import assemble_hessian, batched_hessian
from symdiff.runtime.dispatch import signature_of
from symdiff.runtime.native import check_backend
from symdiff.runtime.spec import Spec, with_types
from symdiff.runtime.watched import Plans
from symdiff.tracebacks import boundary

P = ParamSpec("P")


class Hessian(Derivative, Generic[P]):
    """The Hessian of a scalar function; call it like the function itself.

    For an int `argnums` it returns one block: a number for a number argument, an array
    of shape ``x.shape + x.shape`` for an array, a list of lists for a list. For a tuple
    it returns a tuple of rows of blocks, ``H[i][j]`` of shape ``shape_i + shape_j``.
    """

    def __init__(self, fun: Callable[P, Any], argnums: int | Sequence[int],
                 static_argnums: Any = None, static_argnames: Any = None,
                 has_aux: bool = False, backend: str = "python") -> None:
        check_transformable(fun)
        self._has_aux = check_has_aux(has_aux)
        self._backend = check_backend(backend)
        self._with_aux: Callable[..., Any] | None = None
        self._fn, self._inner = unwrap(fun)
        self._argnums = normalize_argnums(self._fn, argnums)
        self._static = normalize_static(self._fn, static_argnums, static_argnames,
                                        self._argnums, self._inner)
        self._indices = ((self._argnums,) if isinstance(self._argnums, int)
                         else tuple(self._argnums))
        self._check = argument_checker("hessian", self._fn, self._indices,
                                       static=self._static)
        self._seen: dict[tuple[Any, ...], None] = {}  # signatures called with, in order
        # How to compute the Hessian, per argument shapes (and static values).
        self._plans = Plans(self._fn, self._static)
        wrap_metadata(self, self._fn)
        self.__doc__ = derivative_doc(self._fn, self._spec(), parameters(self._fn)[0])

    def _spec(self) -> Spec:
        return Spec("hessian", self._argnums, inner=self._inner, static=self._static,
                    backend=self._backend)

    def chain(self) -> Spec:
        return self._spec()

    def __repr__(self) -> str:
        static = f", static_argnums={self._static!r}" if self._static else ""
        static += ", has_aux=True" if self._has_aux else ""
        return (f"<symdiff {self._spec().label()} of {qualified_name(self._fn)}, "
                f"argnums={self._argnums!r}{static}, "
                f"signatures: {format_signatures(list(self._seen))}>")

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild_hessian, (by_reference(self._fn), self._inner, self._argnums,
                                  self._static, self._has_aux, self._backend)

    @property
    @boundary
    def source(self) -> str:
        """The generated module for number arguments (one program for every entry)."""
        return generate(self._fn, self._spec())

    @boundary
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Any:
        primals = self._check(args, kwargs)
        if self._has_aux:
            return self._aux_hessian()(*primals)
        plan = self._plans.get(primals, self._plan)
        return plan(primals)

    def _aux_hessian(self) -> Callable[..., Any]:
        """With `has_aux`: ``(Hessian, aux)`` as JAX defines it, the forward-mode
        Jacobian of the gradient that returns the aux output beside it."""
        if self._with_aux is None:
            from symdiff.api.jacobian import Jacobian

            gradient = rebuild(self._fn, Spec("grad", self._argnums, inner=self._inner,
                                              static=self._static, has_aux=True))
            self._with_aux = Jacobian(gradient, self._argnums, "forward", has_aux=True,
                                      backend=self._backend)
        return self._with_aux

    def _plan(self, primals: tuple[Any, ...]) -> Callable[[tuple[Any, ...]], Any]:
        """How to compute the Hessian for arguments like `primals`: the program for
        numbers, one call of the gradient's batched JVP per argument for arrays, else
        one hvp call per entry."""
        sig = signature_of(primals, frozenset(self._static))
        self._seen.setdefault(sig)
        if all(_numbers(primals[i]) for i in self._indices):
            program = compiled(self._fn, with_types(self._spec(), sig))
            return lambda p: program(*p)
        if any(is_tree(primals[i]) for i in self._indices):
            return self._of_pytrees()
        jvps = self._batched(primals, sig)
        argnums = self._argnums
        if jvps is not None:
            return lambda p: batched_hessian(jvps, p, argnums)
        return lambda p: self._assemble(p, sig)

    def _batched(self, primals: tuple[Any, ...], sig: tuple[Any, ...]
                 ) -> list[Callable[..., Any]] | None:
        """The gradient's batched JVP program per differentiated argument, or None
        where they do not apply."""
        import numpy as np

        from symdiff.api.jacobian import plain_args
        from symdiff.transforms.batch import BatchingError

        if not plain_args(primals, self._static) or any(np.size(primals[i]) == 0
                                                         for i in self._indices):
            return None
        gradient = Spec("grad", self._argnums, inner=self._inner)
        try:
            return [compiled(self._fn, with_types(Spec("jvp_batched", j, inner=gradient,
                                                       backend=self._backend), sig))
                    for j in self._indices]
        except BatchingError:
            return None

    def _of_pytrees(self) -> Callable[[tuple[Any, ...]], Any]:
        """The Hessian with respect to pytrees: the forward-mode Jacobian of the
        gradient, a pass per entry of each leaf, nested as JAX nests it (the gradient's
        structure outside, each argument's inside), its static arguments the Hessian's."""
        from symdiff.api.jacobian import Jacobian

        gradient = rebuild(self._fn, Spec("grad", self._argnums, inner=self._inner,
                                          static=self._static))
        jacobian = Jacobian(gradient, self._argnums, "forward", backend=self._backend)
        return lambda p: jacobian(*p)

    def _assemble(self, primals: tuple[Any, ...], sig: tuple[Any, ...]) -> Any:
        gradient = Spec("grad", self._argnums, inner=self._inner)
        hvp_impl = compiled(self._fn, with_types(Spec("jvp", self._argnums, inner=gradient,
                                                      backend=self._backend), sig))
        return assemble_hessian(hvp_impl, primals, self._argnums)


def _numbers(value: Any) -> bool:
    """Whether `value` is a float or a pytree of floats (one program computes every
    entry of the Hessian with respect to those)."""
    return type(value) is float or (is_tree(value) and all(
        type(v) is float for v in pytrees.leaves(value)))


def _rebuild_hessian(fn: Callable[..., Any], inner: Spec | None,
                     argnums: int | tuple[int, ...], static: tuple[int, ...] = (),
                     has_aux: bool = False, backend: str = "python") -> Hessian[...]:
    """A `Hessian` from its pickled parts."""
    return Hessian(fn if inner is None else rebuild(fn, inner), argnums, static or None,
                   has_aux=has_aux, backend=backend)


@boundary
def hessian(fun: Callable[P, Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
            *, static_argnums: Statics = None, static_argnames: Names = None,
            backend: str = "python") -> Hessian[P]:
    """Hessian of a scalar function by forward mode over reverse mode. The arguments at
    `static_argnums` (or named in `static_argnames`) are compiled in as constants, per
    value. With `has_aux`, `fun` returns ``(output, aux)`` and the result is ``(Hessian
    of output, aux)``, as in JAX."""
    check_has_aux(has_aux)
    check_backend(backend)

    def make(f: Any, nums: Any, static: Any) -> Any:
        if is_variadic(f):
            return Variadic(hessian, f, nums, has_aux, static_argnums=static,
                            static_argnames=static_argnames, backend=backend)
        return Hessian(f, nums, static, static_argnames, has_aux=has_aux, backend=backend)

    # Of a bound callable a `Bound`, of one with *args a `Variadic`: called the same way.
    made: Hessian[P] = transform_bound(fun, argnums, static_argnums, make)
    return made


@boundary
def hvp(
    fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
    argnums: int | Sequence[int] = 0, *, backend: str = "python",
) -> Any:
    """Hessian-vector product ``H @ v`` without forming ``H``: the JVP of the gradient
    (with respect to `argnums`) along `tangents`, one tangent per primal, in one program.
    """
    if not callable(fun):
        raise TypeError(f"hvp expects a function, got {type(fun).__name__}")
    backend = check_backend(backend)
    found = binding(fun)
    statics = found is not None
    if found is not None:  # the bound arguments are data: zero tangents
        check_pairs(label("hvp", unwrap(found.target)[0]), primals, tangents)
        argnums = found.shift(argnums, "argnums")
        primals, given = bound_primals("hvp", found, primals)
        ts: list[Any] = [None if no_tangent(a) else zero_like(a) for a in primals]
        for i, t in zip(given, tangents, strict=True):
            ts[i] = t
        fun, tangents = found.target, ts
    fun = for_count(fun, len(primals))
    check_transformable(fun)
    user, inner = unwrap(fun)
    gradient = Spec("grad", normalize_argnums(user, argnums), inner=inner)
    return jvp_of("hvp", user, gradient, primals, tangents, statics=statics,
                  backend=backend)[1]


mark(hessian, hvp)
