"""What a name read in a frame means: a local value, or a free name of the function.

Contract: `lookup(frame, name, where)` is the value a name has where `frame` reads it:
its local value (`Frame.visible`), or, for a name the function never assigns, what it
refers to in the function's scope (`resolve.Scope`: closure cells, globals, builtins)
as `free` gives it. A free number is a ``global`` node, read when the generated code
runs; so is each number and array of free data (`host.data.layout`), an array typed
as its layout says (the code is checked to fit it on every call), in the tuples
(lists and tuples) and dicts of the data; an object of the data is
``Resolved("object", layout, path)``, its attributes read as they are used
(`frontend.objects`); ``math.pi`` and the like are constants; modules, callables,
users' classes and namespaces of callables (``scipy.stats.norm``) stay `Resolved`.
Reading a name that is unbound, or may be, is a located error, as is free data of
another kind.
`callee` reads the function of a call, where an unknown callable is a value too, so
that the call can name it in its error.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.frame import Frame
from symdiff.frontend.resolve import Resolved, describe
from symdiff.frontend.values import Keywords, MaybeUnbound, Nothing, Text, Value, is_function
from symdiff.host.data import (
    MAX_LEAVES,
    ArrayLayout,
    DictLayout,
    Layout,
    NumberLayout,
    ObjectLayout,
    TextLayout,
    layout,
)
from symdiff.ir.node import Item, Node, Op, global_name
from symdiff.ir.types import MANY, ArrayType


def lookup(frame: Frame, name: str, where: ast.AST) -> Value:
    """The value of the name `name` read in `frame`."""
    value = frame.visible(name)
    if isinstance(value, MaybeUnbound):
        raise frame.src.error(f"variable {name!r} may be unbound here: {value.why}", where)
    if value is not None:
        return value
    if name in frame.locals:
        raise frame.src.error(f"local variable {name!r} is used before it is assigned", where)
    resolved = frame.scope.lookup(name)
    if resolved is None:
        raise frame.src.error(f"name {name!r} is not defined", where)
    return free(frame, resolved, where)


def callee(frame: Frame, e: ast.expr) -> Value:
    """Like `Frame.expr`, but an unknown callable is returned so the call can name it."""
    if isinstance(e, ast.Name) and frame.visible(e.id) is None and e.id not in frame.locals:
        resolved = frame.scope.lookup(e.id)
        if resolved is not None and resolved.kind in ("other", "data"):
            return resolved
    if isinstance(e, ast.Attribute):
        base = frame.expr(e.value)
        if isinstance(base, Resolved) and base.kind not in ("object", "class", "super"):
            resolved = frame.scope.attribute(base, e.attr)
            if resolved is not None and resolved.kind == "other":
                return resolved
    return frame.expr(e)


def free(frame: Frame, resolved: Resolved, where: ast.AST) -> Value:
    """The value of what a free name or attribute chain refers to."""
    if resolved.kind == "constant":
        return frame.b.const(resolved.value)
    if resolved.kind == "number":
        return data_value(frame, layout(resolved.value), resolved.path)  # type: ignore
    if resolved.kind == "data":
        found = layout(resolved.value)
        assert found is not None
        return data_value(frame, found, resolved.path)
    if resolved.kind in ("module", "namespace", "callable", "class") or is_function(resolved):
        return resolved
    raise frame.src.error(
        f"unsupported use of {'.'.join(resolved.path)!r} ({describe(resolved.value)}): "
        "symdiff reads numbers, arrays (of floats, integers or bools), and lists, tuples "
        f"and dicts (str keys) of at most {MAX_LEAVES} of them from outside the function; "
        "pass it as an argument", where)


def data_value(frame: Frame, found: Layout, path: tuple[Any, ...]) -> Value:
    """The value of free data of layout `found` read by `path`: a ``global`` node per
    number and array, in tuples (for lists and tuples) and dicts. An int or bool, whose
    value the layout holds, is noted as the value the code is compiled for."""
    b = frame.b
    if isinstance(found, ArrayLayout):
        dims = tuple(1 if one else MANY for one in found.ones)
        return b.global_(path, ArrayType(found.dtype, dims))
    if isinstance(found, NumberLayout):
        if found.value is not None:
            value = found.value
            frame.outermost().pinned[path] = value if isinstance(value, bool) else int(value)
        return b.global_(path)
    if isinstance(found, TextLayout):
        return Text(found.value, global_name(path))
    if isinstance(found, DictLayout):
        return Keywords(tuple((k, data_value(frame, v, (*path, Item(k))))
                              for k, v in found.items), global_name(path))
    if isinstance(found, ObjectLayout):  # its attributes are read as they are used
        return Resolved("object", found, path)
    return tuple(data_value(frame, v, (*path, Item(i))) for i, v in enumerate(found.items))


# What `compile_time` gives for a value known only when the code runs.
UNKNOWN = object()


def compile_time(frame: Frame, value: Value) -> Any:
    """What `value` is while compiling: a constant, None, a string, an int or bool read
    from a global or closure (the code is specialised on its value, `host.data`), or a
    tuple or list of those; `UNKNOWN` for a value known only when the code runs."""
    if isinstance(value, (tuple, list)):
        items = [compile_time(frame, v) for v in value]
        return UNKNOWN if any(i is UNKNOWN for i in items) else type(value)(items)
    if isinstance(value, Nothing):
        return None
    if isinstance(value, Text):
        return value.value
    if isinstance(value, Node):
        if value.is_const:
            return value.value
        if value.op == Op.GLOBAL:
            return frame.outermost().pinned.get(value.attrs, UNKNOWN)
    return UNKNOWN
