"""Objects of the user's classes, and the classes, in a function being lowered.

Contract: an object symdiff reads is data whose layout is a `host.data.ObjectLayout`:
the value of a parameter (a bound method's ``self``, or any argument that is such an
object) or free data (a global, a closure cell). It is ``Resolved("object", layout,
path)``, `path` how generated code reads it (the parameter's name, a global's path). A
user's class read by a free name, or passed as an argument, is ``Resolved("class", cls,
path)``. `attribute(frame, base, name, where)` is what ``base.name`` reads:

- an attribute of the object itself is data (`names.data_value`: a ``global`` node per
  number and array, read when the code runs, at the path extended by the name), and so
  is a number or data its class holds;
- a method is ``Resolved("method", Method(fn, base), path)``: its call inlines `fn` with
  `base` as its first argument (`bound`); a static method is its function; a class
  method is bound to the class (through an object, read as ``obj.__class__``);
- a property or other descriptor (it runs code symdiff does not read), an attribute
  that is not data, and one the object lacks are located errors.

Objects are read, never changed: assigning to an attribute, or into one, is a located
error (`statements`, `np_indexing`, `sequences`). `unrolled_loop` lowers a loop over a
list of objects once per object.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from typing import Any

from symdiff.frontend.callees import is_user_function
from symdiff.frontend.frame import Frame
from symdiff.frontend.names import data_value
from symdiff.frontend.resolve import Resolved, describe
from symdiff.frontend.values import Instance
from symdiff.host.data import MISSING, ObjectLayout, class_lookup, layout
from symdiff.unparse import unparse


@dataclass(frozen=True)
class Method:
    """A function with the object or class `owner` bound as its first argument."""

    fn: Any
    owner: Resolved


def attribute(frame: Frame, base: Resolved, name: str, where: ast.AST) -> Any:
    """The value of ``base.name`` for an object or a class `base` (see the module doc)."""
    path = (*base.path, name)
    if base.kind == "object":
        found: ObjectLayout = base.value
        own, item = found.get(name)
        if own:
            if item is None:
                raise frame.src.error(
                    f"{_dotted(base)}.{name} is not data symdiff reads: an attribute of an "
                    "object may be a number, an array (float32, float64, integer), a string, "
                    "a list, tuple or dict of them, or such an object", where)
            return data_value(frame, item, path)
        cls = found.cls
    else:
        cls = base.value
    raw = class_lookup(cls, name)
    what = f"{_dotted(base)}.{name}"
    if raw is MISSING:
        raise frame.src.error(f"{what}: {cls.__qualname__} objects have no attribute "
                              f"{name!r}", where)
    if isinstance(raw, staticmethod):
        return function(frame, raw.__func__, path, what, where)
    if isinstance(raw, classmethod):
        owner = base if base.kind == "class" else Resolved(
            "class", cls, (*base.path, "__class__"))
        return Resolved("method", Method(function(frame, raw.__func__, path, what, where
                                                   ).value, owner), path)
    if inspect.isfunction(raw):
        fn = function(frame, raw, path, what, where).value
        return Resolved("method", Method(fn, base), path) if base.kind == "object" \
            else Resolved("other", fn, path)  # a function read through its class
    if hasattr(type(raw), "__get__"):
        kind = "a property" if isinstance(raw, property) else f"a {type(raw).__name__}"
        raise frame.src.error(
            f"{what} is {kind} of {cls.__qualname__}: symdiff does not run the code a "
            "property runs when it is read (not supported yet); read the attributes it "
            "computes from, or call a method", where)
    found_layout = layout(raw)
    if found_layout is None:
        raise frame.src.error(
            f"{what} is {describe(raw)}, not data symdiff reads (a number, an array, a "
            "string, a list, tuple or dict of them)", where)
    return data_value(frame, found_layout, path)


def function(frame: Frame, fn: Any, path: tuple[Any, ...], what: str, where: ast.AST
             ) -> Resolved:
    """`fn` as a function a call inlines; `what` names it in the error when it is not
    the user's."""
    if not is_user_function(fn):
        raise frame.src.error(f"{what} is {getattr(fn, '__qualname__', fn)!r}, which is no "
                              "Python function of yours: symdiff cannot differentiate "
                              "through it", where)
    return Resolved("other", fn, path)


def bound(func: Resolved) -> tuple[Resolved, tuple[Resolved, ...]]:
    """A call's function and the arguments bound in front of the call's own: a method's
    function and its owner, or `func` and none."""
    if func.kind == "method":
        method: Method = func.value
        return Resolved("other", method.fn, func.path), (method.owner,)
    return func, ()


def call_target(frame: Frame, obj: Resolved, where: ast.AST) -> Resolved:
    """What calling the object `obj` calls: its class's ``__call__``, bound to it."""
    if class_lookup(obj.value.cls, "__call__") is MISSING:
        raise frame.src.error(f"{_dotted(obj)} is a {obj.value.cls.__qualname__} object, "
                              "which cannot be called", where)
    method = attribute(frame, obj, "__call__", where)
    assert isinstance(method, Resolved)
    return method


def unrolled_loop(frame: Frame, stmt: ast.For) -> bool:
    """Lower ``for layer in self.layers:`` over a list or tuple that holds objects (or
    classes, or methods) by lowering its body once per item, and say whether it did:
    such items are no numbers a loop can carry. Its body may not leave it early yet."""
    if isinstance(stmt.iter, ast.Call):
        return False
    items = frame.expr(stmt.iter)
    if not isinstance(items, tuple) or not any(
            isinstance(v, Instance) or (isinstance(v, Resolved) and v.kind in (
                "object", "class", "method")) for v in items):
        return False
    leaves = next((n for n in ast.walk(ast.Module(stmt.body, type_ignores=[]))
                   if isinstance(n, (ast.Break, ast.Continue, ast.Return))), None)
    if leaves is not None or stmt.orelse or not isinstance(stmt.target, ast.Name):
        raise frame.src.error(
            f"a loop over {unparse(stmt.iter)}, which holds objects, runs once per "
            "object as symdiff lowers it: its target must be a plain name and it may not "
            "break, continue or return (not supported yet)", leaves or stmt)
    for item in items:
        frame.bind(stmt.target.id, item, stmt)
        frame.block(stmt.body)
    return True


def _dotted(base: Resolved) -> str:
    from symdiff.ir.node import global_name

    return global_name(base.path)
