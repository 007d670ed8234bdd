"""Builds of derivatives: from memory, else from the disk cache, else from the pipeline.

Contract:
- `compiled(fn, spec)` returns the generated function of `spec` applied to `fn`: from
  memory (`memo.LINKED`, per function object, while the function's code and every
  binding the derivative was built against are unchanged, see `freshness`), else linked
  (`link`) from the build's record (`memo.RECORDS`): its module, from the disk cache
  (keyed by `keys.disk_key`), else freshly generated (`pipeline.generate`). Globals the
  generated code reads are read when it runs. `built` returns it with those bindings
  (`freshness.Watch`), `guarded` links a copy that checks its argument types and the
  bindings in its first line.
- A disk entry holds the module's text after one line that gives its function's name
  and imports (``# emitted f_grad math numpy:np``: the name, then each module, with
  ``:alias`` for ``import module as alias``); an entry that is intact (the cache checks
  its hash) but not one this module wrote is ignored and written again.
- Every build holds `building.building()`: one thread builds at a time.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from symdiff.frontend.callees import Callees, list_parameters, watches
from symdiff.frontend.resolve import is_known_callable
from symdiff.frontend.source import FunctionSource, get_source
from symdiff.host.building import building
from symdiff.host.freshness import Stamp, Watch
from symdiff.host.memo import LINKED, RECORDS
from symdiff.runtime.cache import DiskCache
from symdiff.runtime.keys import disk_key
from symdiff.runtime.link import link
from symdiff.runtime.spec import Spec

if TYPE_CHECKING:
    from symdiff.codegen.emit import Emitted

__all__ = ["built", "compiled", "guarded", "list_params"]


class Record:
    """One build of a transform of a function: its module, the cells and modules of
    the functions it inlined by the names the text reads them by, and what it was built
    against. It never holds the function itself."""

    __slots__ = ("emitted", "bindings", "stamp")

    def __init__(self, emitted: Emitted, bindings: dict[str, Any], stamp: Stamp) -> None:
        self.emitted, self.bindings, self.stamp = emitted, bindings, stamp


def compiled(fn: Callable[..., Any], spec: Spec) -> types.FunctionType:
    """The generated function for `spec` applied to `fn`, built again only when `fn`'s
    code or a binding it was built against changed."""
    return _linked_function(fn, spec)[0]


def built(fn: Callable[..., Any], spec: Spec) -> tuple[types.FunctionType, tuple[Watch, ...]]:
    """`compiled`, and the bindings it was built against: it is stale once one of them
    `changed()`."""
    while True:
        function, stamp = _linked_function(fn, spec)
        found = stamp.watches()
        if found is not None:  # else an object it compared died meanwhile: build again
            return function, found


def _linked_function(fn: Callable[..., Any], spec: Spec) -> tuple[types.FunctionType, Stamp]:
    hit: tuple[types.FunctionType, Stamp] | None = LINKED.get(fn, spec)
    if hit is None:
        with building():
            hit = LINKED.get(fn, spec)  # another thread may have built it meanwhile
            if hit is None:
                record = _record(fn, spec)
                hit = link(fn, spec, record.emitted, record.bindings), record.stamp
                LINKED.put(fn, spec, hit, record.stamp)
    return hit


def guarded(
    fn: Callable[..., Any],
    spec: Spec,
    guard: Sequence[type],
    fallback: Callable[..., Any],
) -> tuple[types.FunctionType, tuple[Watch, ...]]:
    """The generated function, with an argument-type check in its first line, and the
    bindings that check compares.

    It runs the derivative when ``arg_i.__class__ is guard[i]`` for every argument and
    no binding the derivative was built against changed (the function's ``__code__``,
    each inlined function and its code: identity tests), and returns
    ``fallback(*args)`` otherwise: argument checking and dispatch at the cost of a few
    comparisons, in the generated function's own frame. It is linked anew on each
    call, for its caller to own.
    """
    with building():
        while True:
            record = _record(fn, spec)
            found = record.stamp.watches()
            if found is not None:
                break
        function = link(fn, spec, record.emitted, record.bindings, guard=guard,
                        fallback=fallback, watches=found)
    return function, found


def list_params(fn: Callable[..., Any], spec: Spec) -> frozenset[int]:
    """Positions of the parameters `fn` uses as lists (its generated code expects lists);
    read from its source once per function and code."""
    if is_known_callable(fn):
        return frozenset()
    names = list_parameters(fn)
    code = fn.__code__  # a function: list_parameters read its source
    count = code.co_argcount + code.co_kwonlyargcount  # keyword-only ones after
    return frozenset(i for i, n in enumerate(code.co_varnames[:count]) if n in names)


def _record(fn: Any, spec: Spec) -> Record:
    """The build of `spec` applied to `fn` as they are now (built under the lock)."""
    record: Record | None = RECORDS.get(fn, spec)
    if record is None:
        source = None if is_known_callable(fn) else get_source(fn)
        callees = Callees(fn, spec.types)
        # Stamped before generating: a binding changed meanwhile reads as stale.
        stamp = Stamp(watches(callees))
        emitted = _emitted(fn, spec, source, callees)
        record = Record(emitted, callees.bindings(), stamp)
        RECORDS.put(fn, spec, record, stamp)
    return record


def _emitted(fn: Callable[..., Any], spec: Spec, source: FunctionSource | None,
             callees: Callees) -> Emitted:
    from symdiff.runtime import pipeline  # (a disk-cache hit needs no compiler)

    disk = DiskCache.from_environment()
    key = disk_key(fn, spec, source, callees) if disk.enabled else None
    body = disk.get(key) if key is not None else None
    # An entry intact but not ours (edited by hand, or planted) is generated again.
    emitted = _from_entry(body) if body is not None else None
    if emitted is None:
        emitted = pipeline.generate(fn, spec, source=source)
        if key is not None:
            disk.put(key, _entry(emitted))
    return emitted


_ENTRY = "# emitted "  # a disk entry's first line: the module's name and imports


def _entry(emitted: Emitted) -> str:
    imports = [module if alias is None else f"{module}:{alias}"
               for module, alias in emitted.imports]
    return f"{_ENTRY}{' '.join([emitted.name, *imports])}\n{emitted.text}"


def _from_entry(body: str) -> Emitted | None:
    """The module a disk entry holds, or None when it is not one `_entry` wrote.

    The hash check already proved the entry intact; this only refuses one that is intact
    but not ours. Linking parses the text fully."""
    from symdiff.codegen.emit import Emitted

    first, _, text = body.partition("\n")
    if not first.startswith(_ENTRY) or not _is_generated(text):
        return None
    name, *words = first[len(_ENTRY):].split(" ")
    imports = []
    for word in words:
        module, _, alias = word.partition(":")
        if not _is_module(module) or (alias and not alias.isidentifier()):
            return None
        imports.append((module, alias or None))
    if not name.isidentifier() or f"\ndef {name}(" not in text:
        return None
    return Emitted(text, name, tuple(imports))


def _is_generated(text: str) -> bool:
    """Whether `text` looks like a module the pipeline wrote: our header and one def."""
    return text.startswith('"""Generated by symdiff ') and text.count("\ndef ") == 1


def _is_module(name: str) -> bool:
    return all(part.isidentifier() for part in name.split("."))
