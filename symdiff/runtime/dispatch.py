"""Signature dispatch: one generated entry point per transformed function.

Contract: a `Dispatcher` owns the specialisations of one transform of one function,
keyed by argument signature (the type of each argument after conversion; the
differentiated arguments are always floats here; the others are ints or floats; a
flag, a mode, None and an argument at a position declared `static` are keyed by value,
as an `ir.types.StaticArg`, which tells values of different types apart; an object of
a user's class by its `host.data.ObjectLayout` and a pytree by its `host.data` layout,
both tested inline as free data's is). Its
`entry` is generated Python
with the user's parameter names and defaults, so keyword arguments and arity errors
behave as the user's function does; it checks the argument types of each known
signature inline and calls that specialisation directly, and sends anything else to
`slow`, which validates and converts the arguments (ints become floats, non-numbers
raise `TypeError`), compiles the missing specialisation and regenerates the entry; its
result goes through ``finish(args, result)`` when given (for what only the arguments as
given tell: a tuple passed on as a list).

The first signature seen, when it holds only numbers, strs and arrays, also gets a
`fast` path: its specialisation compiled with the type check in its own first line,
falling back to `entry`, so the common call is a single frame. `on_update` receives the
callable to expose whenever either changes.

Both the entry and the fast path also check, by identity, every binding their
specialisations were built against (`freshness.Watch`: the function's ``__code__``,
each function it inlines); when one changed, `slow` drops every specialisation and
builds again. Building runs under `building.building()`, and the tables are replaced,
never updated in place, so threads may call and build at once.
"""

from __future__ import annotations

import ast
import inspect
import types
from collections.abc import Callable, Collection
from typing import Any

from symdiff.host.building import building
from symdiff.host.compile import compile_source, filename_for, release_on_collect
from symdiff.host.data import (
    DictLayout,
    ObjectLayout,
    SequenceLayout,
    array_tests,
    fits,
    is_object,
    is_user_class,
    layout,
    shapes,
)
from symdiff.host.freshness import Watch, guarded, stale_test
from symdiff.runtime.arguments import (
    convert,
    is_array,
    is_function,
    is_tree,
    static_argument,
    tree_layout,
)
from symdiff.tracebacks import boundary
from symdiff.unparse import unparse

# Per argument, its type; for an ndarray, its `ir.types.ArrayType` (dtype, rank, and
# which axes have length one: all broadcasting depends on).
Signature = tuple[Any, ...]


def array_signature(value: Any) -> Any:
    """An array argument's `ir.types.ArrayType` (imported here: loading the IR package
    loads the primitive table, which `import symdiff` does not need)."""
    from symdiff.ir.types import of_value

    return of_value(value)


def function_signature(value: Any) -> Any:
    """A function argument's `ir.types.FunctionArg` (imported here, as for arrays)."""
    from symdiff.ir.types import FunctionArg

    return FunctionArg(value)


def shape_key(args: tuple[Any, ...], static: Collection[int] = ()) -> tuple[Any, ...] | None:
    """What a plan for these arguments (a Jacobian's, a Hessian's) depends on: each
    argument's type, an array's shape and dtype, an int's or a bool's value (it may size
    an array, or choose a branch), an object's or a pytree's layout and the shapes of
    its arrays, a user's class, the value of an argument at a `static` position (compiled
    in: its `static_signature`); None when an argument is something else (a list, a
    function): no cached plan."""
    key: list[Any] = []
    for i, a in enumerate(args):
        if i in static and not is_function(a):
            key.append(static_signature(a))
            continue
        if is_array(a):
            key.append((a.shape, a.dtype))
        elif is_object(a):
            key.append((layout(a), shapes(a)))
        elif is_user_class(a):
            key.append(a)
        elif is_tree(a):
            key.append((tree_layout(a), shapes(a)))
        elif type(a) is float:
            key.append(float)
        elif type(a) in (int, bool, str) or a is None:
            key.append((type(a).__name__, a))
        else:
            return None
    return tuple(key)


def static_signature(value: Any) -> Any:
    """A flag's, mode's, None's or static argument's `ir.types.StaticArg` (imported
    here, as for arrays)."""
    from symdiff.ir.types import StaticArg

    return StaticArg(value)


def signature_of(args: tuple[Any, ...], static: frozenset[int] = frozenset()) -> Signature:
    """The signature of converted arguments; those at the `static` positions (declared
    static) are compiled in by value, an object by its `host.data.ObjectLayout`, a
    user's class by identity."""
    return tuple(array_signature(a) if is_array(a) else function_signature(a)
                 if is_function(a) and not is_object(a) or is_user_class(a)
                 else layout(a) if is_object(a) else static_signature(a)
                 if type(a) in (bool, str) or a is None or i in static
                 else tree_layout(a) if is_tree(a)
                 else type(a) for i, a in enumerate(args))


Built = tuple[Callable[..., Any], tuple[Watch, ...]]  # a specialisation, what it watches


class Dispatcher:
    """Chooses and builds the specialisation for each call's argument types."""

    def __init__(
        self,
        name: str,
        label: str,
        params: list[str] | None,
        defaults: tuple[Any, ...] | None,
        diff_positions: frozenset[int],
        build: Callable[[Signature], Built],
        on_update: Callable[[Callable[..., Any]], None],
        build_guarded: Callable[[Signature, Callable[..., Any]], Built | None] | None = None,
        list_params: Callable[[], frozenset[int]] = frozenset,
        parameters: Callable[[], tuple[list[str] | None, tuple[Any, ...] | None]] | None = None,
        static: frozenset[int] = frozenset(),
        finish: Callable[[tuple[Any, ...], Any], Any] | None = None,
    ) -> None:
        # The entry carries the user's function name, so arity errors read as theirs.
        self.name = name if name.isidentifier() else "function"
        self.label = label
        self.params = params
        self.defaults = defaults
        self.diff_positions = diff_positions
        self.static = static  # the positions declared static: compiled in by value
        self.build = build
        self.on_update = on_update
        self.build_guarded = build_guarded
        self.list_params = list_params  # asked on the first call: it reads the source
        self.parameters = parameters  # read again when the function's code changed
        self.finish = finish
        self._lists: frozenset[int] | None = None
        # Replaced, never updated in place: other threads may be reading them.
        self.specialisations: dict[Signature, Callable[..., Any]] = {}
        self.watches: dict[Any, Watch] = {}
        self._stale = False
        self.fast: Callable[..., Any] | None = None
        with building():
            self.entry = self._make_entry()

    @boundary  # where argument errors and compile errors are raised
    def slow(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:  # the entry itself, without parameter names: no keyword binds
            raise TypeError(
                f"{self.label}: {self.name}() takes its arguments by position only here "
                f"(symdiff does not know its parameter names), got {', '.join(kwargs)} "
                "by keyword")
        with building():
            impl, converted = self._specialisation(args)
        result = impl(*converted)
        return result if self.finish is None else self.finish(args, result)

    def _specialisation(self, args: tuple[Any, ...]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        if any(w.changed() for w in self.watches.values()):
            self._reset()
        if self._lists is None:
            self._lists = self.list_params()
        converted = tuple(self._convert(i, a) for i, a in enumerate(args))
        sig = signature_of(converted, self.static)
        impl = self.specialisations.get(sig)
        if impl is None:
            built: Built | None = None
            if self.fast is None and self.build_guarded is not None and self.params is not None \
                    and all(isinstance(t, type) or _is_array_type(t) for t in sig):
                # The guarded function passes its own check for this signature, so it
                # serves as this signature's specialisation too: one link, not two.
                built = self.build_guarded(sig, self._via_entry)
                if built is not None:
                    self.fast = built[0]
                    self.fast.__defaults__ = self.defaults  # type: ignore[attr-defined]
            if built is None:
                built = self.build(sig)
            impl = built[0]
            self.watches = {**self.watches, **{w.key(): w for w in built[1]}}
            self.specialisations = {**self.specialisations, sig: impl}
            if self.fast is None:
                self.entry = self._make_entry()
            else:
                self._stale = True  # rebuilt when the fast path first falls back
            self.on_update(self.fast or self.entry)
        return impl, converted

    def _reset(self) -> None:
        """Forget every specialisation: the function or one it inlines changed."""
        self.specialisations = {}
        self.watches = {}
        self.fast = None
        self._lists = None
        self._stale = False
        if self.parameters is not None:
            self.params, self.defaults = self.parameters()
        self.entry = self._make_entry()
        self.on_update(self.entry)

    def _via_entry(self, *args: Any) -> Any:
        # The fast path's fallback: the current entry, which knows every signature.
        if self._stale:
            with building():
                if self._stale:
                    self.entry = self._make_entry()
                    self._stale = False
        return self.entry(*args)

    def _convert(self, i: int, value: Any) -> Any:
        if i in self.static:
            return static_argument(self.label, self.params, i, value)
        return convert(self.label, self.params, i, value,
                       differentiated=i in self.diff_positions,
                       as_list=self._lists is not None and i in self._lists)

    def _make_entry(self) -> Callable[..., Any]:
        """The entry for the specialisations so far: it sends a call to `slow` when one
        of their bindings changed, or when no specialisation fits its argument types."""
        if self.params is None:
            return self.slow
        from symdiff.ir.types import FunctionArg, StaticArg, static_key

        namespace: dict[str, Any] = {"_symdiff_slow": self.slow, "_symdiff_type": type}
        body: list[ast.stmt] = []
        stale = stale_test(self.watches.values(), namespace)
        if stale is not None:
            body.append(guarded(stale, _call("_symdiff_slow", self.params), namespace))
        for k, (sig, impl) in enumerate(self.specialisations.items()):
            impl_name = f"_symdiff_impl{k}"
            namespace[impl_name] = impl
            tests: list[ast.expr] = []
            for j, (name, typ) in enumerate(zip(self.params, sig, strict=True)):
                if isinstance(typ, FunctionArg):
                    fn_name = f"_symdiff_fn{k}_{j}"
                    namespace[fn_name] = typ.fn
                    tests.append(ast.Compare(_load(name), [ast.Is()], [_load(fn_name)]))
                    continue
                if isinstance(typ, StaticArg) and (type(typ.value) is bool
                                                   or typ.value is None):
                    # True, False and None are one object each.
                    tests.append(ast.Compare(_load(name), [ast.Is()],
                                             [ast.Constant(typ.value)]))
                    continue
                if isinstance(typ, StaticArg) and type(typ.value) is not str:
                    # A declared static argument: of equal value and types.
                    namespace["_symdiff_static_key"] = static_key
                    key_name = f"_symdiff_key{k}_{j}"
                    namespace[key_name] = typ.key
                    read = ast.Call(_load("_symdiff_static_key"), [_load(name)], [])
                    tests.append(ast.Compare(read, [ast.Eq()], [_load(key_name)]))
                    continue
                if isinstance(typ, StaticArg):  # a str, of that value
                    tests.append(ast.Compare(ast.Attribute(_load(name), "__class__",
                                                           ast.Load()),
                                             [ast.Is()], [_load("_symdiff_str")]))
                    tests.append(ast.Compare(_load(name), [ast.Eq()],
                                             [ast.Constant(typ.value)]))
                    namespace["_symdiff_str"] = str
                    continue
                if isinstance(typ, ObjectLayout | DictLayout | SequenceLayout):
                    # an object or a pytree: its layout
                    tests.append(fits(typ, _load(name), namespace, f"_symdiff_r{k}_{j}"))
                    continue
                if not isinstance(typ, type):
                    tests += _array_tests(name, typ, namespace)
                    continue
                type_name = f"_symdiff_{typ.__module__}_{typ.__qualname__}".replace(".", "_")
                namespace[type_name] = typ
                call = ast.Call(ast.Name("_symdiff_type", ast.Load()), [_load(name)], [])
                tests.append(ast.Compare(call, [ast.Is()], [_load(type_name)]))
            test = tests[0] if len(tests) == 1 else ast.BoolOp(ast.And(), tests)
            body.append(ast.If(test, [ast.Return(_call(impl_name, self.params))], []))
        body.append(ast.Return(_call("_symdiff_slow", self.params)))
        args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in self.params],
                             vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
        func = ast.FunctionDef(self.name, args, body, decorator_list=[], returns=None)
        module = ast.fix_missing_locations(ast.Module([func], type_ignores=[]))
        text = unparse(module) + "\n"
        compile_source(text, self.name, namespace, tag="dispatch")
        entry = namespace[self.name]
        entry.__defaults__ = self.defaults
        release_on_collect(entry, filename_for(text, "dispatch"))
        return entry


def _is_array_type(typ: Any) -> bool:
    from symdiff.ir.types import ArrayType

    return isinstance(typ, ArrayType)


def _array_tests(name: str, typ: Any, namespace: dict[str, Any]) -> list[ast.expr]:
    """Inline checks that argument `name` is an ndarray of signature `typ`: its class,
    dtype, rank and which axes have length one (a few attribute reads, no call)."""
    import numpy as np

    namespace["_symdiff_ndarray"] = np.ndarray
    cls = ast.Compare(ast.Call(_load("_symdiff_type"), [_load(name)], []), [ast.Is()],
                      [_load("_symdiff_ndarray")])
    return [cls, *array_tests(_load(name), typ.dtype, [d == 1 for d in typ.dims], namespace)]


def parameters(fn: Any) -> tuple[list[str] | None, tuple[Any, ...] | None]:
    """The parameter names and defaults of `fn`: its positional parameters, then its
    keyword-only ones (which take the positions after them), or None when it has
    ``*args`` or ``**kwargs``, or a keyword-only parameter without a default follows
    one with a default."""
    code = getattr(fn, "__code__", None)
    if not isinstance(code, types.CodeType) or code.co_flags & (
            inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return None, None
    names = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    if code.co_kwonlyargcount == 0:
        return names, fn.__defaults__
    keywords = fn.__kwdefaults__ or {}
    defaults = list(fn.__defaults__ or ())
    for name in names[code.co_argcount:]:
        if name in keywords:
            defaults.append(keywords[name])
        elif defaults:
            return None, None  # (a required keyword-only parameter after a default)
    return names, tuple(defaults) or None


def _load(name: str) -> ast.expr:
    return ast.Name(name, ast.Load())


def _call(name: str, params: list[str]) -> ast.expr:
    return ast.Call(_load(name), [_load(p) for p in params], [])
