"""Disk-cache keys: what a derivative's text depends on, as one hash.

Contract: `disk_key(fn, spec, source, callees)` is the key of the text of `spec`
applied to `fn` in the disk cache (`runtime.cache`). It covers the function's source
(or, for a function without one, the builtin or the custom rule it is), what its free
names and attribute chains refer to (`fingerprint`), the source and fingerprint of
every function it may inline, the spec, the symdiff and Python versions and a hash of
symdiff's own modules (`compiler_hash`). A changed float does not change it: numbers
are read when the generated code runs; nor do new values of data (an array, a dict of
them), only its layout (`host.data.layout`), which the code is specialised on (an int's
value is part of it: an axis may be one). Any change that can change the text changes
the key; the text never depends on anything the key leaves out.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
import sys
from typing import Any

from symdiff._version import __version__
from symdiff.frontend.callees import Callees
from symdiff.frontend.resolve import callable_op, free_chains
from symdiff.frontend.source import FunctionSource, get_source
from symdiff.host.data import layout
from symdiff.rules.custom import fingerprint as rule_fingerprint
from symdiff.rules.custom import rule_for
from symdiff.runtime.cache import cache_key
from symdiff.runtime.spec import Spec

__all__ = ["compiler_hash", "disk_key", "fingerprint"]


def disk_key(fn: Any, spec: Spec, source: FunctionSource | None, callees: Callees) -> str:
    """The disk-cache key of the text of `spec` applied to `fn` (`source` is its source,
    None for a function without one; `callees` the functions it may inline)."""
    rule = rule_for(fn) if source is None else None
    if rule is not None:
        text = f"custom {getattr(fn, '__module__', '')}.{getattr(fn, '__name__', '')}"
        found, parts = _describe_custom(rule, set()), ""
    elif source is None:
        text, found, parts = f"builtin {callable_op(fn)}", "", ""
    else:
        text, found = source.text, fingerprint(fn, source.node)
        # Every function the derivative may inline: an edited helper is a new key.
        parts = "\n".join(callees.key_parts(fingerprint))
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return cache_key(__version__, compiler_hash(), version, spec.key(), text, found, parts)


@functools.cache  # one value per process
def compiler_hash() -> str:
    """A hash of symdiff's own modules: a changed rule must not serve old derivatives.

    Each file's size and modification time stand for its content (reading every file
    cost 4.5 ms of a first call): an edit changes them, and a file touched without a
    change only costs a rebuild."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    entries = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                where = os.path.relpath(os.path.join(folder, name), root)
                entries.append(f"{where}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def fingerprint(fn: Any, node: ast.AST, seen: set[int] | None = None) -> str:
    """What each free name and attribute chain of the function refers to.

    A changed import (``from math import sin as act`` -> ``cos as act``), also one behind a
    module attribute (``helpers.act``), changes the key, as does data of another layout
    (another int); a changed float does not, since numbers are read when the generated
    code runs.
    `seen` are the custom rule functions being described already (a rule that calls its
    own function is described once).
    """
    seen = set() if seen is None else seen
    parts = {f"{'.'.join(chain)}={_describe(resolved, seen)}"
             for chain, resolved in free_chains(fn, node)}
    return ";".join(sorted(parts))


def _describe(resolved: Any, seen: set[int]) -> str:
    if resolved is None:
        return "?"
    value = resolved.value
    if resolved.kind == "module":
        return f"module:{value.__name__}"
    if resolved.kind == "namespace":
        return f"namespace:{type(value).__module__}.{type(value).__qualname__}"
    if resolved.kind == "callable":
        rule = rule_for(value)
        if rule is not None:
            return _describe_custom(rule, seen)
        return f"prim:{callable_op(value)}"
    if resolved.kind == "number":  # read when the code runs; an int's value may be built in
        return f"number:{layout(value)}"
    if resolved.kind == "data":  # the code is specialised on its layout
        return f"data:{layout(value)}"
    if resolved.kind == "constant":
        return f"constant:{value!r}"
    qual = getattr(value, "__qualname__", type(value).__qualname__)
    return f"other:{getattr(value, '__module__', '')}.{qual}"


def _describe_custom(rule: Any, seen: set[int]) -> str:
    return f"custom:{rule_fingerprint(rule, lambda fn: _describe_rule(fn, seen))}"


def _describe_rule(fn: Any, seen: set[int]) -> str:
    """A custom rule function's source and what its free names refer to (a rule that
    calls its own function, directly or not, is described once)."""
    if id(fn) in seen:
        return "recursive"
    seen.add(id(fn))
    try:
        source = get_source(fn)
        return f"{source.text}\n{fingerprint(fn, source.node, seen)}"
    finally:
        seen.discard(id(fn))
