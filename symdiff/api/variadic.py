"""Functions with ``*args``: a transform of one is, for each number of positional
arguments a call passes, the transform of its fixed-arity form.

Contract: `is_variadic(fn)` tells a Python function with ``*args`` (and no ``**kwargs``),
or a `Variadic` transform of one. `fixed(fn, n)` is the function of `n` positional
parameters that calls `fn` with them (``def f(xs_0, xs_1): return f(xs_0, xs_1)``): its
parameters are `fn`'s own, then ``<args>_0, <args>_1...`` for those ``*args`` collects,
then `fn`'s keyword-only ones, with `fn`'s defaults. It is written as source and
compiled under a `linecache` name, so symdiff reads it as any user function and
inlines `fn`, whose ``*args`` is then a tuple of the arguments. Made once per (`fn`,
`n`) in `host.memo.FIXED_ARITY`. `for_count(fun, n)` is what a transform that
evaluates at once (``jvp``, ``vjp``, ``hvp``, ``cost``, ``source``) takes for `n`
arguments; a transform that returns a callable (``grad``, ``hessian``, ``jacfwd``...)
returns a `Variadic`, which builds the transform of `fixed(fn, n)` for each `n` it is
called with (and transforms of it are `Variadic` too). `argnums` and `static_argnums`
count the positional arguments of the call, as JAX counts them (so a ``functools.partial``
or bound method of such a function counts past the arguments it binds).
"""

from __future__ import annotations

import ast
import inspect
import sys
import types
from collections.abc import Callable
from typing import Any

from symdiff.host.compile import compile_source, filename_for, release_on_collect
from symdiff.host.memo import FIXED_ARITY
from symdiff.host.reference import by_reference, qualified_name
from symdiff.unparse import unparse


class Variadic:
    """`transform(fn, *options)` for a function `fn` with ``*args``: called with n
    positional arguments, the transform of `fn`'s form with n parameters."""

    def __init__(self, transform: Callable[..., Any], fn: Callable[..., Any],
                 *options: Any, **keywords: Any) -> None:
        self._transform, self._fn, self._options = transform, fn, options
        self._keywords = keywords  # (static_argnums, static_argnames)
        self._by_count: dict[int, Callable[..., Any]] = {}
        self.__wrapped__ = fn
        self.__name__ = getattr(fn, "__name__", "function")
        self.__doc__ = getattr(fn, "__doc__", None)

    def at(self, n: int) -> Callable[..., Any]:
        """The transform for calls with `n` positional arguments."""
        made = self._by_count.get(n)
        if made is None:
            made = self._by_count[n] = self._transform(for_count(self._fn, n),
                                                       *self._options, **self._keywords)
        return made

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.at(len(args))(*args, **kwargs)

    def __repr__(self) -> str:
        name = getattr(self._transform, "__name__", "transform")
        return f"<symdiff {name} of {_label(self._fn)} (*args), counts: {sorted(self._by_count)}>"

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (self._transform, by_reference(self._fn), self._options,
                          self._keywords)


def _rebuild(transform: Callable[..., Any], fn: Callable[..., Any], options: tuple[Any, ...],
             keywords: dict[str, Any]) -> Variadic:
    """A `Variadic` from its pickled parts."""
    return Variadic(transform, fn, *options, **keywords)


def is_variadic(fn: Any) -> bool:
    """Whether `fn` takes ``*args`` (a plain Python function, or a `Variadic`)."""
    if isinstance(fn, Variadic):
        return True
    code = getattr(fn, "__code__", None)
    return isinstance(fn, types.FunctionType) and isinstance(code, types.CodeType) and bool(
        code.co_flags & inspect.CO_VARARGS) and not code.co_flags & inspect.CO_VARKEYWORDS


def for_count(fun: Any, n: int) -> Any:
    """What a transform of `fun` takes for a call with `n` positional arguments."""
    if isinstance(fun, Variadic):
        return fun.at(n)
    return fixed(fun, n) if is_variadic(fun) else fun


def fixed(fn: types.FunctionType, n: int) -> types.FunctionType:
    """`fn` (with ``*args``) as a function of `n` positional parameters."""
    made = FIXED_ARITY.get(fn, n)
    if made is None:
        made = _write(fn, n)
        FIXED_ARITY.put(fn, n, made)
    return made


def _write(fn: types.FunctionType, n: int) -> types.FunctionType:
    code = fn.__code__
    names = list(code.co_varnames[: code.co_argcount])
    kwonly = list(code.co_varnames[code.co_argcount: code.co_argcount + code.co_kwonlyargcount])
    star = code.co_varnames[code.co_argcount + code.co_kwonlyargcount]
    taken = set(code.co_varnames)
    extra = []
    for i in range(max(n - len(names), 0)):
        name = f"{star}_{i}"
        while name in taken:
            name += "_"
        taken.add(name)
        extra.append(name)
    own = fn.__name__ if fn.__name__.isidentifier() else "function"
    # The user's function by the global name that reaches it, else a name of its own.
    callee = fn.__name__ if fn.__globals__.get(fn.__name__) is fn else "_variadic"
    call = ast.Call(ast.Name(callee, ast.Load()),
                    [ast.Name(p, ast.Load()) for p in (*names, *extra)],
                    [ast.keyword(k, ast.Name(k, ast.Load())) for k in kwonly])
    args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in (*names, *extra)],
                         vararg=None, kwonlyargs=[ast.arg(k) for k in kwonly],
                         kw_defaults=[None] * len(kwonly), kwarg=None, defaults=[])
    body: list[ast.stmt] = [ast.Return(call)]
    if sys.version_info >= (3, 12):  # (type_params is required in 3.12's stubs)
        func = ast.FunctionDef(own, args, body, [], None, None, [])
    else:
        func = ast.FunctionDef(own, args, body, [], None)
    text = unparse(ast.fix_missing_locations(ast.Module([func], type_ignores=[]))) + "\n"
    scope: dict[str, Any] = {}
    scratch = compile_source(text, qualified_name(fn), scope, tag="variadic")[own]
    namespace = fn.__globals__ if callee != "_variadic" else {
        "_variadic": fn, "__builtins__": fn.__globals__.get("__builtins__", __builtins__),
        "__name__": fn.__module__}
    made = types.FunctionType(scratch.__code__, namespace, own)
    made.__defaults__ = None if extra else fn.__defaults__  # (all given when extras are)
    made.__kwdefaults__ = fn.__kwdefaults__
    made.__doc__, made.__module__ = fn.__doc__, fn.__module__
    made.__qualname__ = fn.__qualname__
    release_on_collect(made, filename_for(text, "variadic"))  # its lines go with it
    return made


def _label(fn: Any) -> str:
    return _label(fn._fn) if isinstance(fn, Variadic) else qualified_name(fn)
