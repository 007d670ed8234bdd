"""What a derivative was built against, and whether that still holds.

Contract (this module reads no user code: the frontend finds the watches):

- A `Watch` is one binding generated code depends on: a function's ``__code__``, a
  global or closure cell the user's code reads a function or module by, a module
  attribute along a dotted name, a custom rule's functions (`code_watch`;
  `symdiff.frontend.callees.watches` finds them all for a derivative).
- `Watch.changed()` tells whether a binding now holds another object than the one the
  code was compiled against (an identity test). A watch of data (an array, a dict of
  them: `host.data`) has a `layout` instead: the code reads the data when it runs, so
  it changed only when the value bound now has another layout (its identity, values
  and lengths may change).
- `Stamp(watches)` keeps the same facts for the caches, weakly wherever Python allows,
  so a cached entry never keeps a function, its globals or its defaults alive;
  `fresh()` is false once a binding changed or its object died; `watches()` gives
  strong watches back.
- `stale_test(watches, namespace)` is the check for generated code (to run inside
  `guarded`, which also takes a binding that vanished as changed): an ``ast``
  expression, true when a binding changed (data: when it no longer fits its layout),
  reading the objects it compares from ``_symdiff_*`` names it binds in `namespace`.
"""

from __future__ import annotations

import ast
import inspect
import types
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from symdiff.host import data
from symdiff.host.data import Layout

__all__ = ["MISSING", "VANISHED", "Stamp", "Watch", "code_watch", "guarded", "stale_test"]

MISSING = object()  # what an emptied closure cell or a vanished name reads as


@dataclass(frozen=True, eq=False)
class Watch:
    """One binding the generated code depends on and the object it held.

    `kind` says where it is read: ``"code"`` is ``holder.__code__``, ``"global"`` is
    ``holder.__globals__.get(name)``, ``"cell"`` the closure cell `name` of the function
    `holder`, ``"attr"`` ``vars(holder).get(name)`` of a module or a custom rule,
    ``"class"`` what ``holder.name`` finds in the dicts of the class `holder` and its
    bases (`data.class_lookup`: a method, a static method as itself).
    """

    kind: str
    holder: Any
    name: str
    expected: Any
    layout: Layout | None = None  # for data: what it must fit (`expected` is then None)

    @classmethod
    def now(cls, kind: str, holder: Any, name: str) -> Watch:
        """The watch of a binding with the object it holds now."""
        return cls(kind, holder, name, _read(kind, holder, name))

    def current(self) -> Any:
        return _read(self.kind, self.holder, self.name)

    def changed(self) -> bool:
        if self.layout is not None:
            return data.layout(self.current()) != self.layout
        return self.current() is not self.expected

    def key(self) -> tuple[str, int, str]:
        """Watches with equal keys read the same binding."""
        return self.kind, id(self._source()), self.name

    def _source(self) -> Any:
        if self.kind == "global":
            return self.holder.__globals__
        if self.kind == "cell":
            return _cells(self.holder).get(self.name)
        return self.holder


def _read(kind: str, holder: Any, name: str) -> Any:
    if kind == "code":
        return holder.__code__
    if kind == "global":
        return holder.__globals__.get(name)
    if kind == "attr":
        return vars(holder).get(name, MISSING)
    if kind == "class":
        found = data.class_lookup(holder, name)
        return MISSING if found is data.MISSING else found
    cell = _cells(holder).get(name)
    try:
        return cell.cell_contents if cell is not None else MISSING
    except ValueError:  # an empty cell
        return MISSING


def _cells(fn: Any) -> dict[str, types.CellType]:
    return dict(zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=False))


def code_watch(fn: Any) -> Watch | None:
    """The watch of `fn.__code__`, or None for a callable without Python code."""
    return Watch("code", fn, "__code__", fn.__code__) if inspect.isfunction(fn) else None


class _Strong:
    """A reference to an object that cannot be weakly referenced (a builtin function)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self) -> Any:
        return self.value


def _ref(value: Any) -> Callable[[], Any]:
    if value is None or value is MISSING:
        return _Strong(value)
    try:
        return weakref.ref(value)
    except TypeError:
        return _Strong(value)


class Stamp:
    """The facts of some watches, kept weakly: what a cache entry was built against."""

    __slots__ = ("_facts",)

    def __init__(self, watches: Iterable[Watch]) -> None:
        self._facts = tuple((w.kind, _ref(w.holder), w.name, _ref(w.expected), w.layout)
                            for w in watches)

    def fresh(self) -> bool:
        """Whether every binding still holds the object it held when stamped."""
        for kind, holder_ref, name, expected_ref, lay in self._facts:
            holder, expected = holder_ref(), expected_ref()
            if holder is None or (expected is None and type(expected_ref) is not _Strong):
                return False  # died: whatever is bound now is another object
            if lay is not None:
                if data.layout(_read(kind, holder, name)) != lay:
                    return False
            elif _read(kind, holder, name) is not expected:
                return False
        return True

    def watches(self) -> tuple[Watch, ...] | None:
        """The watches again (None when an object they compare has died)."""
        out = []
        for kind, holder_ref, name, expected_ref, lay in self._facts:
            holder, expected = holder_ref(), expected_ref()
            if holder is None or (expected is None and type(expected_ref) is not _Strong):
                return None
            out.append(Watch(kind, holder, name, expected, lay))
        return tuple(out)


def stale_test(watches: Iterable[Watch], namespace: dict[str, Any]) -> ast.expr | None:
    """``w0.__code__ is not v0 or g1['h'] is not v1 or m2.sin is not v2 ...``: true when
    a binding changed (None for no watches), reading the objects it compares from
    ``_symdiff_w*``, ``_symdiff_v*`` and ``_symdiff_data*`` names it binds in
    `namespace` (and a watched data binding into a local ``_symdiff_r*``). A binding that
    vanished raises one of `VANISHED` instead: run it inside `guarded`. Cheapest reads
    first: the code of the function itself; subscripts and attribute loads, not calls
    (a call of ``dict.get`` costs twice as much)."""
    tests: list[ast.expr] = []
    for i, watch in enumerate(watches):
        reader, value = f"_symdiff_w{i}", f"_symdiff_v{i}"
        namespace[value] = watch.expected
        if watch.kind == "code":
            namespace[reader] = watch.holder
            read: ast.expr = ast.Attribute(_load(reader), "__code__", ast.Load())
        elif watch.kind == "cell":
            # A cell gone with a replaced __code__: a stand-in that always differs.
            namespace[reader] = _cells(watch.holder).get(watch.name) or types.CellType(MISSING)
            read = ast.Attribute(_load(reader), "cell_contents", ast.Load())
        elif watch.kind == "attr":
            namespace[reader] = watch.holder
            read = ast.Attribute(_load(reader), watch.name, ast.Load())
        elif watch.kind == "class":
            # ``cls.name`` finds what the class dicts hold the way Python does; a static
            # or class method reads as its function (a class method bound anew each time).
            namespace[reader] = watch.holder
            read = ast.Attribute(_load(reader), watch.name, ast.Load())
            if isinstance(watch.expected, (staticmethod, classmethod)):
                namespace[value] = watch.expected.__func__
            if isinstance(watch.expected, classmethod):
                read = ast.Attribute(read, "__func__", ast.Load())
        elif watch.expected is None and watch.layout is None:
            # A builtin: stale once the globals shadow it.
            namespace[reader] = watch._source()
            tests.append(ast.Compare(ast.Constant(watch.name), [ast.In()], [_load(reader)]))
            continue
        else:
            namespace[reader] = watch._source()
            read = ast.Subscript(_load(reader), ast.Constant(watch.name), ast.Load())
        if watch.layout is not None:
            fits = data.fits(watch.layout, read, namespace, f"_symdiff_r{i}")
            tests.append(ast.UnaryOp(ast.Not(), fits))
            continue
        tests.append(ast.Compare(read, [ast.IsNot()], [_load(value)]))
    if not tests:
        return None
    return tests[0] if len(tests) == 1 else ast.BoolOp(ast.Or(), tests)


# What reading a binding that no longer exists raises: a deleted global or attribute,
# an emptied closure cell.
VANISHED = (KeyError, AttributeError, ValueError)


def guarded(test: ast.expr, fallback: ast.expr, namespace: dict[str, Any]) -> ast.stmt:
    """``try: if test: return fallback`` with ``except VANISHED: return fallback`` (bound
    as ``_symdiff_vanished`` in `namespace`): a check for the first line of generated
    code, free unless it raises."""
    namespace["_symdiff_vanished"] = VANISHED
    check = ast.If(test, [ast.Return(fallback)], [])
    handler = ast.ExceptHandler(_load("_symdiff_vanished"), None, [ast.Return(fallback)])
    return ast.Try([check], [handler], [], [])


def _load(name: str) -> ast.expr:
    return ast.Name(name, ast.Load())
