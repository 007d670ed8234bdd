"""The user functions a differentiated function may call, found from their source.

Contract: `Callees(fn, types)` lists, in a fixed order, every Python function that `fn`
can reach by name (its globals, closure cells and module attributes, then theirs,
transitively) plus the functions passed to it as arguments (`FunctionArg` entries of
`types`). The list serves three users that must agree without lowering anything:

- the disk-cache key (`key_parts`): each callee's source text and which names lead
  to which callee, so an edited helper is a new key;
- the lowering, which asks how generated code reaches a callee's free numbers and
  functions with custom rules (`cell_name`, `alias`): a closure cell of a callee is a
  closure variable of the generated function, a global of another module is read
  through that module (where the callee's code reads it, not the caller's);
- the linker (`bindings`), which binds those names to the live cells and modules, so
  the generated code reads their values when it runs;
- the staleness checks (`watches`): every binding the derivative was built against.

Names depend only on the listed sources and their order, never on object identity,
so a text from the disk cache links the same way in a later process.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import os
import sys
import sysconfig
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeGuard

from symdiff.errors import SymdiffError
from symdiff.frontend.resolve import Resolved, Scope, free_chains, is_known_callable, is_number
from symdiff.frontend.signature import parameter_names, sequence_params
from symdiff.frontend.source import FunctionSource, get_source
from symdiff.host.data import (
    DictLayout,
    ObjectLayout,
    SequenceLayout,
    class_lookup,
    is_user_class,
    layout,
)
from symdiff.host.freshness import MISSING, Stamp, Watch, code_watch
from symdiff.host.memo import LIST_PARAMETERS
from symdiff.ir.types import FunctionArg
from symdiff.rules.custom import custom_op, rule_for
from symdiff.syntax import nodes

# Packages whose Python functions are library code, not the user's: a call of one
# keeps the "cannot differentiate through it" error instead of inlining its source.
LIBRARIES = frozenset({"numpy", "scipy", "sympy", "symdiff", "jax", "torch", "pandas"})


def is_user_function(value: Any) -> TypeGuard[types.FunctionType]:
    """Whether a call of `value` is inlined: a Python function that is not library code."""
    if not inspect.isfunction(value) or is_known_callable(value):
        return False
    module = (getattr(value, "__module__", None) or "").partition(".")[0]
    if module in LIBRARIES:
        return False
    file = value.__code__.co_filename
    return not (file.startswith(_stdlib()) and "-packages" not in file)


@functools.cache
def _stdlib() -> str:
    return sysconfig.get_paths()["stdlib"] + os.sep


class Callees:
    """The functions `fn` may call, in discovery order, and how code reaches their free
    numbers."""

    def __init__(self, fn: Callable[..., Any], types_: tuple[Any, ...] | None = None):
        self.top = fn
        self.top_globals: dict[str, Any] = getattr(fn, "__globals__", {})
        self.functions: list[Callable[..., Any]] = []
        self.sources: dict[int, FunctionSource | None] = {}
        self.edges: list[str] = []
        self._index: dict[int, int] = {}
        self.classes: list[type] = []  # the user's classes whose methods may be called
        self._visit(fn)
        for i, typ in enumerate(types_ or ()):
            if isinstance(typ, FunctionArg):
                known = is_user_function(typ.fn)
                if is_user_class(typ.fn):
                    self._visit_classes(typ.fn)
                self.edges.append(f"arg{i}->{self._visit(typ.fn) if known else typ}")
            elif isinstance(typ, ObjectLayout):
                self._visit_classes(typ)
                self.edges.append(f"arg{i}->{typ}")
        self._names()

    # Discovery ------------------------------------------------------------------------

    def _visit(self, fn: Callable[..., Any]) -> int:
        key = id(fn)
        if key in self._index:
            return self._index[key]
        index = self._index[key] = len(self.functions)
        self.functions.append(fn)
        source = self.sources[key] = _source(fn)
        if source is None:
            return index
        for chain, target in _references(fn, source.node):
            if is_user_function(target):
                self.edges.append(f"{index}:{'.'.join(chain)}->{self._visit(target)}")
            elif is_user_class(target):
                self._visit_classes(target)
            elif not isinstance(target, types.ModuleType) and not callable(target):
                self._visit_classes(layout(target))  # objects, also in lists and dicts
        return index

    def _visit_classes(self, found: Any) -> None:
        """Visit the functions of a user's class (`found`), or of the classes of the
        objects in a layout (`found`), and of their base classes: the code may call any
        of them through an object or class (``self.predict(x)``)."""
        pending = [found]
        while pending:
            item = pending.pop()
            if isinstance(item, SequenceLayout):
                pending.extend(item.items)
                continue
            if isinstance(item, DictLayout):
                pending.extend(v for _, v in item.items)
                continue
            if isinstance(item, ObjectLayout):
                pending.extend(v for _, v in item.items)
                item = item.cls
            if not is_user_class(item) or item in self.classes:
                continue
            self.classes.append(item)
            for klass in item.__mro__:
                if not is_user_class(klass):
                    continue
                for name, raw in vars(klass).items():
                    fn = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
                    if is_user_function(fn):
                        where = f"{klass.__module__}.{klass.__qualname__}.{name}"
                        self.edges.append(f"class {where}->{self._visit(fn)}")

    def source(self, fn: Callable[..., Any]) -> FunctionSource | None:
        return self.sources.get(id(fn))

    def key_parts(self, fingerprint: Callable[[Any, ast.AST], str]) -> Iterator[str]:
        """What the derivative's text depends on besides the top function: each callee's
        name, source text and `fingerprint`, and which names lead to which callee."""
        for i, fn in enumerate(self.functions[1:], 1):
            source = self.sources[id(fn)]
            name = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', '')}"
            text = f"{source.text}\n{fingerprint(fn, source.node)}" if source else "?"
            yield f"callee {i} {name}\n{text}"
        yield "edges " + ";".join(self.edges)

    # Names ----------------------------------------------------------------------------

    def _names(self) -> None:
        top_cells = _cells(self.top)
        reserved = {"math", "np", *top_cells}
        for fn in self.functions:
            source = self.sources[id(fn)]
            if source is not None and getattr(fn, "__globals__", None) is self.top_globals:
                # The globals these functions read are read by their own names.
                reserved.update(chain[0] for chain, _ in _references(fn, source.node)
                                if chain[0] not in _cells(fn))
        self._bindings: dict[str, Any] = {}
        self._cell_names: dict[tuple[int, str], str] = {(id(self.top), c): c for c in top_cells}
        self._aliases: dict[int, str] = {}
        by_globals: dict[int, str] = {}
        for fn in self.functions[1:]:
            fn_globals = fn.__globals__  # type: ignore[attr-defined]
            if fn_globals is not self.top_globals:
                alias = by_globals.get(id(fn_globals))
                if alias is None:
                    module = str(fn_globals.get("__name__", "module"))
                    alias = self._fresh("_" + module.replace(".", "_"), reserved)
                    by_globals[id(fn_globals)] = alias
                    self._bindings[alias] = _module_of(fn_globals)
                self._aliases[id(fn)] = alias
            for cell_name, cell in _cells(fn).items():
                owner = fn.__name__ if fn.__name__.isidentifier() else "lambda"
                name = cell_name if cell_name not in reserved else f"{cell_name}_{owner}"
                name = self._fresh(name, reserved)
                self._cell_names[(id(fn), cell_name)] = name
                self._bindings[name] = cell

    def _fresh(self, name: str, reserved: set[str]) -> str:
        candidate, k = name, 1
        while candidate in reserved or candidate in self._bindings:
            candidate = f"{name}_{k}"
            k += 1
        reserved.add(candidate)
        return candidate

    def cell_name(self, fn: Callable[..., Any], cell: str) -> str:
        """The name generated code reads closure cell `cell` of `fn` by."""
        return self._cell_names[(id(fn), cell)]

    def alias(self, fn: Callable[..., Any]) -> str | None:
        """The name generated code reads `fn`'s module by, or None when it is the
        differentiated function's own module (its globals are read by name)."""
        return self._aliases.get(id(fn))

    def bindings(self) -> dict[str, Any]:
        """Free name of the generated code -> the live cell or module it reads."""
        return dict(self._bindings)


class CalleeScope(Scope):
    """The free names of a called function, resolved in its own module and closure, with
    the paths generated code reaches its numbers, modules and functions with custom
    rules by (the generated code runs in the differentiated function's namespace)."""

    def __init__(self, fn: Callable[..., Any], callees: Callees) -> None:
        super().__init__(fn)
        self.fn = fn
        self.callees = callees

    def lookup(self, name: str) -> Resolved | None:
        resolved = super().lookup(name)
        if resolved is None or not (resolved.kind in ("number", "data", "module", "class") or (
                resolved.kind == "callable" and custom_op(resolved.value) is not None)):
            return resolved
        if name in self.cells:
            try:
                path: tuple[str, ...] = (self.callees.cell_name(self.fn, name),)
            except KeyError:
                raise SymdiffError(
                    f"internal error: {self.fn.__qualname__} was not found before lowering"
                ) from None
        else:
            alias = self.callees.alias(self.fn)
            if alias is None:
                return resolved
            path = (alias, name)
        return Resolved(resolved.kind, resolved.value, path)


def _source(fn: Callable[..., Any]) -> FunctionSource | None:
    if is_known_callable(fn):
        return None  # lowered as its primitive (NumPy's: by `direct`), not from its source
    try:
        return get_source(fn)
    except SymdiffError:
        return None  # the lowering reports it, at the call


def _cells(fn: Any) -> dict[str, types.CellType]:
    code = getattr(fn, "__code__", None)
    cells = getattr(fn, "__closure__", None) or ()
    return dict(zip(code.co_freevars, cells, strict=True)) if code is not None else {}


def _references(fn: Any, node: ast.AST) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(name chain, what it refers to) for each free name chain of `node` (nested defs
    and lambdas included), resolved in `fn`'s scope."""
    for chain, resolved in free_chains(fn, node):
        if resolved is not None:
            yield chain, resolved.value


class _GlobalsView:
    """Attribute access to a globals dict that is no module's (code run by exec)."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.__dict__ = namespace


def _module_of(namespace: dict[str, Any]) -> Any:
    module = sys.modules.get(str(namespace.get("__name__")))
    if module is not None and module.__dict__ is namespace:
        return module
    return _GlobalsView(namespace)


def list_parameters(fn: Callable[..., Any], node: ast.FunctionDef | ast.Lambda | None = None
                    ) -> set[str]:
    """The parameters `fn` uses as lists: those its own code indexes, measures, sums,
    iterates over or appends to (`signature.sequence_params`), and those it passes on to
    a function of the user's that uses them as lists (``residuals(p, ts, ys)`` in a loss
    makes ts and ys lists). `node` is `fn`'s source tree if the caller has it. Read once
    per function while its code and the functions it passes parameters to are the
    same: the dispatcher and each lowering ask."""
    from symdiff.host.building import building

    found = LIST_PARAMETERS.get(fn, None)
    if found is None:
        with building():
            if node is None:
                node = get_source(fn).node
            watched: dict[Any, Watch] = {}
            found = frozenset(_lists_of(fn, node, frozenset(), watched))
            LIST_PARAMETERS.put(fn, None, found, Stamp(watched.values()))
    return set(found)


def _lists_of(fn: Callable[..., Any], node: ast.FunctionDef | ast.Lambda,
              seen: frozenset[int], watched: dict[Any, Watch]) -> set[str]:
    code = code_watch(fn)
    if code is not None:
        watched.setdefault(code.key(), code)
    found = sequence_params(node)
    names = set(parameter_names(node)) - found
    if not names or id(fn) in seen or len(seen) > 20:
        return found
    scope = Scope(fn)
    for call in nodes(node):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and any(isinstance(a, ast.Name) and a.id in names
                        for a in (*call.args, *(k.value for k in call.keywords)))):
            continue
        for watch in name_watches(fn, [(call.func.id,)]):
            watched.setdefault(watch.key(), watch)
        resolved = scope.lookup(call.func.id)
        callee = resolved.value if resolved is not None else None
        if not is_user_function(callee):
            continue
        source = _source(callee)
        if source is None:
            continue
        inner = _lists_of(callee, source.node, seen | {id(fn)}, watched)
        params = parameter_names(source.node)
        for k, arg in enumerate(call.args):
            if isinstance(arg, ast.Name) and arg.id in names and k < len(params) \
                    and params[k] in inner:
                found.add(arg.id)
        for kw in call.keywords:
            if isinstance(kw.value, ast.Name) and kw.value.id in names and kw.arg in inner:
                found.add(kw.value.id)
    return found


def watches(callees: Callees) -> tuple[Watch, ...]:
    """Every binding the derivative of ``callees.top`` was built against: each
    function's ``__code__``, and each free name, or module attribute along a dotted
    chain, that refers to a function, a module or another callable, read where the
    function reads it (its closure cell, its globals; a builtin is watched as absent
    from the globals), and each that refers to a number or data, by its layout
    (`host.data`: generated code reads them when it runs, so another value of the same
    layout needs no new code)."""
    found: dict[tuple[str, int, str], Watch] = {}
    for fn in callees.functions:
        watch = code_watch(fn)
        source = callees.source(fn)
        chains = (chain for chain, _ in free_chains(fn, source.node)) if source else ()
        for w in (watch, *rule_watches(fn), *name_watches(fn, chains)):
            if w is not None:
                found.setdefault(w.key(), w)
    for w in class_watches(callees.classes):
        found.setdefault(w.key(), w)
    return tuple(found.values())


def class_watches(classes: Iterable[type]) -> Iterator[Watch]:
    """What each name any of the user's `classes` (or their bases) defines finds on the
    class: a method replaced, or defined again in a subclass, makes the code stale."""
    for cls in classes:
        names = dict.fromkeys(name for klass in cls.__mro__ if is_user_class(klass)
                              for name in vars(klass) if not name.startswith("__")
                              or name == "__call__")
        for name in names:
            raw = class_lookup(cls, name)
            # A property or another descriptor is never compiled in (reading one is a
            # located error), and may give a new object on each read: not watched.
            if not hasattr(type(raw), "__get__") or isinstance(
                    raw, (types.FunctionType, staticmethod, classmethod)):
                yield Watch("class", cls, name, raw)


def name_watches(fn: Any, chains: Iterable[tuple[str, ...]]) -> Iterator[Watch]:
    """The watches of the free name chains `chains` of `fn`, as `fn` reads them now."""
    scope = Scope(fn)
    for chain in chains:
        name = chain[0]
        if name in scope.cells:
            watch = Watch.now("cell", fn, name)
            value = watch.expected
        elif name in scope.globals:
            value = scope.globals[name]
            watch = Watch("global", fn, name, value)
        elif hasattr(builtins, name):
            value = getattr(builtins, name)
            watch = Watch("global", fn, name, None)  # a builtin: watched as not shadowed
        else:
            continue
        if not _compiled_in(value):
            yield from _data_watch(watch.kind, fn, name, value)
            continue
        yield watch
        for attr in chain[1:]:
            if not isinstance(value, types.ModuleType):
                break
            module, value = value, vars(value).get(attr, MISSING)
            if value is MISSING or not _compiled_in(value):
                yield from _data_watch("attr", module, attr, value)
                break
            yield Watch("attr", module, attr, value)
        yield from rule_watches(value)


def _data_watch(kind: str, holder: Any, name: str, value: Any) -> Iterator[Watch]:
    """The watch of a binding that holds a number or data, by its layout (none for
    other values)."""
    found = layout(value)
    if found is not None:
        yield Watch(kind, holder, name, None, found)


def _compiled_in(value: Any) -> bool:
    """Whether the generated code depends on which object `value` is: a module or a
    callable (inlined, or emitted as a primitive), not a number read when it runs."""
    return isinstance(value, types.ModuleType) or (callable(value) and not is_number(value))


def rule_watches(value: Any) -> Iterator[Watch]:
    """The rule functions of a callable with a custom rule, and their code: the rules
    are compiled in, and ``defjvp`` may replace them."""
    rule = rule_for(value)
    if rule is None:
        return
    for attr in ("jvp", "fwd", "bwd"):
        function = getattr(rule, attr)
        yield Watch("attr", rule, attr, function)
        watch = code_watch(function)
        if watch is not None:
            yield watch
