"""Lowering of lists and tuples of numbers.

Contract (functions over a `frame.Frame`):
- A list the function builds itself (``[a, b]``, ``[]`` then ``append`` outside loops) is
  a Python list of nodes while it is lowered: indexing it by a constant, ``len`` and
  iterating it cost nothing at run time. A list argument, a list a loop appended to, or
  a built list indexed by a value known only at run time is a sequence node (kind
  ``SEQ``); reading it is pure, so derivatives may read it again.
- An argument is a sequence when the function indexes it, takes its ``len``, sums it or
  iterates over it; appending to an argument is an error (it would change the
  caller's list).
- ``xs.append(v)`` in a loop body, on a list from just outside the loop, makes the loop
  collect it (see `accumulators`). Appending under an ``if`` outside loops, or in a
  nested loop to a list from further out, is a located error.
- Subscripts of an array go to `np_indexing`; ``for v in x``, ``enumerate(x)`` and
  ``zip(x, y)`` run over an array's first axis as over a list.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from typing import Any, TypeGuard

from symdiff.frontend import (
    accumulators,
    dicts,
    instances,
    names,
    np_concatenators,
    np_indexing,
)
from symdiff.frontend.frame import Frame
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.signature import ITERATORS as _ITERATORS
from symdiff.frontend.values import (
    Instance,
    Nothing,
    Slice,
    is_array,
    is_dict,
    is_inlined,
    is_sequence,
)
from symdiff.ir.checks import RAISE_IF
from symdiff.ir.node import Node, Op
from symdiff.ir.sequences import is_seq
from symdiff.unparse import unparse

Bind = Callable[[Frame, Node], None]
Read = Callable[[Frame, Node], Any]  # item i: a node, or a tuple of them


def as_seq(low: Frame, value: Any, where: ast.AST) -> Node:
    """`value` (a list or tuple of numbers, or a sequence node) as a sequence node."""
    if isinstance(value, Node) and is_seq(value):
        return value
    if isinstance(value, (list, tuple)):
        return low.b.apply("seq_new", *(low.number(v, where) for v in value))
    raise low.src.error("a number is used where a list is expected", where)


def unpack(low: Frame, seq: Node, n: int) -> tuple[Node, ...]:
    """``a, b = xs`` of a list: its `n` items, after the check of its length that Python
    makes (a ValueError where the list has another length)."""
    length = low.b.apply("seq_len", seq)
    low.b.apply(RAISE_IF.name, low.b.apply("ne", length, n), attrs=(
        "ValueError", f"cannot unpack a list of another length into {n} names"))
    return tuple(low.b.apply("seq_get", seq, i) for i in range(n))


def subscript(low: Frame, e: ast.Subscript) -> Any:
    last = accumulators.read_item(low, e)
    if last is not None:
        return last
    base = names.callee(low, e.value)  # np.r_ and np.c_ are no values of their own
    if isinstance(base, Resolved) and base.kind in ("other", "data"):
        which = np_concatenators.concatenator(base.value)
        if which is not None:
            return np_concatenators.subscript(low, which, e)
        base = names.free(low, base, e.value)
    if isinstance(base, Node) and base.type is not None:
        return np_indexing.subscript(low, base, e)
    if is_dict(base):
        return dicts.subscript(low, base, e)
    if isinstance(base, Instance):
        return instances.special(low, base, "__getitem__", [low.expr(e.slice)], e)
    if isinstance(e.slice, ast.Slice):
        part = e.slice
        return _slice(low, base, [None if b is None else low.expr(b) for b in (
            part.lower, part.upper, part.step)], e)
    value = low.expr(e.slice)
    if isinstance(value, Slice):
        return _slice(low, base, list(value.bounds()), e)
    index = low.number(value, e.slice)
    if isinstance(base, (list, tuple)) and index.is_const and isinstance(index.value, int) \
            and not isinstance(index.value, bool):
        try:
            return base[index.value]
        except IndexError:
            raise low.src.error(
                f"index {index.value} is out of range for a list of {len(base)}", e) from None
    if not (isinstance(base, (list, tuple)) or isinstance(base, Node) and is_seq(base)):
        raise low.src.error("unsupported construct: indexing something that is not a list",
                            e.value)
    if is_records(base) and all(isinstance(v, Node) and not is_array(v)
                                for r in base for v in r):
        # pairs[i] of tuples of numbers: item i of each field's values
        return tuple(low.b.apply("seq_get", as_seq(low, [r[j] for r in base], e.value), index)
                     for j in range(_width(low, base, e)))
    if isinstance(base, (list, tuple)) and not all(isinstance(v, Node) for v in base):
        raise low.src.error(
            "unsupported construct: indexing a tuple or list of unlike items (tuples, "
            "dicts) by an index known only at run time; loop over it instead (for W, b in "
            "layers: such a loop is unrolled while compiling)", e)
    return low.b.apply("seq_get", as_seq(low, base, e.value), index)


def _slice(low: Frame, base: Any, values: list[Any], e: ast.Subscript) -> Any:
    """``xs[a:b]`` of a list (step 1), the bounds' `values` given (None where absent): a
    list of the function's own values when the bounds are known while compiling, else a
    slice operation on the list."""
    start, stop, step = (None if v is None or isinstance(v, Nothing) else low.number(
        v, e.slice) for v in values)
    if step is not None and not (step.is_const and step.value == 1):
        raise low.src.error("unsupported construct: a slice of a list with a step", e.slice)
    bounds = [start, stop]
    if any(b is not None and b.type is not None for b in bounds):
        raise low.src.error("a list's slice bounds must be ints, not arrays", e.slice)
    if isinstance(base, (list, tuple)) and all(b is None or (b.is_const and type(b.value) is int)
                                               for b in bounds):
        lo, hi = (None if b is None else int(b.value) for b in bounds)
        return list(base[lo:hi])
    if not (isinstance(base, (list, tuple)) or isinstance(base, Node) and is_seq(base)):
        raise low.src.error("unsupported construct: slicing something that is not a list",
                            e.value)
    seq = as_seq(low, base, e.value)
    start, stop = bounds
    if start is None:
        return seq if stop is None else low.b.apply("list_head", seq, stop)
    if stop is None:
        return low.b.apply("list_tail", seq, start)
    return low.b.apply("list_slice", seq, start, stop)


def length(low: Frame, value: Any, where: ast.AST) -> Node:
    if isinstance(value, (list, tuple)):
        return low.b.const(len(value))
    return low.b.apply("seq_len", as_seq(low, value, where))


def total(low: Frame, value: Any, start: Node | None, where: ast.AST) -> Node:
    """``sum(xs)`` or ``sum(xs, start)`` of a list."""
    if isinstance(value, (list, tuple)):
        result = start if start is not None else low.b.const(0)
        for item in value:
            result = low.b.add(result, low.number(item, where))
        return result
    result = low.b.apply("seq_sum", as_seq(low, value, where))
    return result if start is None else low.b.add(start, result)


def extremum(low: Frame, name: str, value: Any, where: ast.AST) -> Node:
    """``max(xs)`` or ``min(xs)`` (`name`) of one list or tuple of numbers, or of a 1-D
    array (its entries, as Python iterates it)."""
    if isinstance(value, Node) and value.type is not None:
        if value.type.ndim != 1:
            raise low.src.error(f"{name}() of an array of {value.type.ndim} axes (Python "
                                f"compares its rows): use np.{name}", where)
        return low.b.apply(f"a{name}", value, attrs=(None, False))
    if isinstance(value, (list, tuple)) and any(
            not isinstance(v, Node) or v.type is not None for v in value):
        raise low.src.error(f"{name}() of a list that holds other than numbers", where)
    return low.b.apply(f"seq_{name}", as_seq(low, value, where))


def is_append(e: ast.expr) -> bool:
    """Whether `e` is a call ``xs.append(...)``."""
    return (isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute)
            and e.func.attr == "append")


def append(low: Frame, call: ast.Call) -> None:
    """``xs.append(v)`` as a statement."""
    func = call.func
    assert isinstance(func, ast.Attribute)
    if isinstance(func.value, ast.Attribute):
        raise low.src.error(
            f"{unparse(func.value)}.append(...) changes an object's list, which symdiff "
            "does not support: build a list of the function's own", func.value)
    if not isinstance(func.value, ast.Name):
        raise low.src.error("append() on something that is not a plain name", func.value)
    if len(call.args) != 1 or call.keywords:
        raise low.src.error("append() takes exactly one argument", call)
    name = func.value.id
    if accumulators.append(low, call, name):
        return
    current = _own_list(low, name, call)
    value = low.expr(call.args[0])
    if isinstance(current, list) and isinstance(value, tuple):
        current.append(value)  # a list of tuples (``edges.append((i, j))``)
        return
    _join(low, name, current, [low.number(value, call.args[0])], call, "append()")


def extend(low: Frame, target: ast.Name, arg: ast.expr, call: ast.Call) -> None:
    """``xs.extend(ys)`` as a statement, outside a loop that appends to `xs`."""
    name = target.id
    if accumulators.collects(low, name):
        raise low.src.error(f"extend() of {name!r} in a loop that appends to it (not yet): "
                            "append one value per iteration", call)
    current = _own_list(low, name, call)
    values = low.expr(arg)
    if isinstance(values, (list, tuple)):
        _join(low, name, current, [low.number(v, arg) for v in values], call, "extend()")
    elif isinstance(values, Node) and is_seq(values):
        _join(low, name, current, values, call, "extend()")
    else:
        raise low.src.error("extend() takes a list or tuple of numbers here", arg)


def _join(low: Frame, name: str, current: Any, values: list[Node] | Node,
          call: ast.Call, verb: str) -> None:
    """Put `values` (numbers, or a sequence node) at the end of the list `current`, as
    the call `verb` does."""
    if isinstance(current, list) and isinstance(values, list):
        current.extend(values)  # every name bound to this list sees the new values
        return
    if isinstance(current, Node) and is_seq(current) and current.op == Op.PARAM:
        raise low.src.error(
            f"{verb} on the argument {name!r} would change the caller's list", call)
    if not (isinstance(current, list) or isinstance(current, Node) and is_seq(current)):
        raise low.src.error(f"{verb} on {name!r}, which is not a list", call)
    added = values if isinstance(values, Node) else low.b.apply("seq_new", *values)
    rebind(low, current, low.b.apply("seq_concat", as_seq(low, current, call), added))


def _own_list(low: Frame, name: str, call: ast.Call) -> Any:
    """The list `name` holds, which the function may change here (appending to it)."""
    if low.visible(name) is None and name not in low.locals:
        resolved = low.scope.lookup(name)
        if resolved is not None and resolved.kind == "data":
            raise low.src.error(
                f"appending to {name!r} would change data from outside the function "
                f"(make a list of the function's own: items = [v for v in {name}])", call)
    if name not in low.env or name in low.captures:
        frame: Frame | None = low
        while frame is not None and not frame.accumulates:
            frame = frame.parent
        where = "in a nested loop" if frame is not None else "inside an if statement"
        raise low.src.error(
            f"unsupported construct: appending to {name!r} {where} (only at the top level "
            "of the function, or in a loop, to a list made just outside it)", call)
    return low.env[name]


def rebind(low: Frame, old: Any, new: Node) -> None:
    """Every name of this frame that holds the list `old` now holds `new`."""
    for name, value in list(low.env.items()):
        if value is old:
            low.env[name] = new
            low.assigned[name] = None


def iteration(low: Frame, it: ast.expr, target: ast.expr
              ) -> tuple[tuple[Node, Node, Node], Bind, str]:
    """The range a ``for`` over `it` runs, how each index binds `target`, and a name
    for the index."""
    call = it if isinstance(it, ast.Call) else None
    if call is not None and isinstance(call.func, ast.Attribute) and is_array(
            low.expr(call.func.value)):
        return _plain(low, it, target)  # over an array a method made: x.reshape(-1, 2)
    if call is not None and isinstance(call.func, ast.Name) and call.func.id in _ITERATORS:
        for arg in call.args[:None if call.func.id == "zip" else 1]:
            if isinstance(arg, ast.Call) and not (call.func.id == "enumerate"
                                                  and _is_zip(low, arg)):
                raise low.src.error(
                    f"unsupported loop over {unparse(it)!r}: {call.func.id}(...) takes "
                    "lists or tuples of numbers here; loop over range(...) and index them",
                    it)
    func = names.callee(low, call.func) if call is not None else None
    if call is not None and isinstance(func, Resolved) and func.value is reversed:
        return _reversed(low, call, target)
    if call is not None and isinstance(func, Resolved) and func.value is range:
        if not isinstance(target, ast.Name):
            raise low.src.error("unsupported loop target: only a plain name", target)
        return _range_args(low, call), _binder(target, lambda frame, i: i), target.id
    if call is not None and isinstance(func, Resolved) and func.value is enumerate:
        if call.keywords or not 1 <= len(call.args) <= 2:
            raise low.src.error("enumerate() takes a list and an optional start", call)
        zipped = call.args[0] if _is_zip(low, call.args[0]) else None
        if zipped is not None:  # enumerate(zip(xs, ys)): 'i, (x, y)'
            n, bind_item = _zipped(low, zipped, target.elts[1] if isinstance(  # type: ignore
                target, ast.Tuple) and len(target.elts) == 2 else target)
        else:
            n, get = _items(low, low.expr(call.args[0]), call.args[0])
        first = low.number(low.expr(call.args[1]), call.args[1]) if len(call.args) == 2 \
            else low.b.const(0)
        if not (isinstance(target, ast.Tuple) and len(target.elts) == 2):
            raise low.src.error("unsupported loop target: enumerate() needs 'i, x'", target)
        count, item = target.elts

        def bind_enumerate(frame: Frame, i: Node) -> None:
            _bind(frame, count, frame.b.add(frame.capture_node(first), i))
            if zipped is not None:
                bind_item(frame, i)
            else:
                _bind(frame, item, get(frame, i))
        return (low.b.const(0), n, low.b.const(1)), bind_enumerate, "i"
    if call is not None and isinstance(func, Resolved) and func.value is zip:
        stop, bind_zip = _zipped(low, call, target)
        return (low.b.const(0), stop, low.b.const(1)), bind_zip, "i"
    if call is not None and not (is_inlined(func) and not inspect.isgeneratorfunction(
            getattr(func, "value", None))):
        raise low.src.error(
            f"unsupported loop over {unparse(it)!r}: only range(...), a list or tuple of "
            "numbers, enumerate(...), zip(...) and a function of yours that returns a list",
            it)
    return _plain(low, it, target)


def _is_zip(low: Frame, e: ast.expr) -> bool:
    """Whether `e` is a call of ``zip``."""
    if not isinstance(e, ast.Call):
        return False
    func = names.callee(low, e.func)
    return isinstance(func, Resolved) and func.value is zip


def _zipped(low: Frame, call: ast.Call, target: ast.expr) -> tuple[Node, Bind]:
    """How many items ``zip(xs, ys, ...)`` gives, and how item i binds `target`."""
    strict = False
    for kw in call.keywords:
        value = low.expr(kw.value) if kw.arg == "strict" else None
        if not (isinstance(value, Node) and value.is_const and type(value.value) is bool):
            raise low.src.error("zip() of lists takes only strict=True or strict=False",
                                kw)
        strict = value.value
    if not call.args:
        raise low.src.error("zip() of no lists", call)
    items = [_items(low, low.expr(a), a) for a in call.args]
    if strict:  # Python raises ValueError when the lengths differ
        for n, _ in items[1:]:
            low.b.apply("zip_check", items[0][0], n)
    if not (isinstance(target, ast.Tuple) and len(target.elts) == len(items)):
        raise low.src.error(
            f"unsupported loop target: zip() of {len(items)} lists needs {len(items)} "
            "names", target)
    stop = items[0][0]
    for n, _ in items[1:]:
        stop = low.b.apply("min", stop, n)

    def bind_zip(frame: Frame, i: Node) -> None:
        for t, (_, get) in zip(target.elts, items, strict=True):  # type: ignore[attr-defined]
            _bind(frame, t, get(frame, i))
    return stop, bind_zip


def _plain(low: Frame, it: ast.expr, target: ast.expr
           ) -> tuple[tuple[Node, Node, Node], Bind, str]:
    """A ``for`` over a list, tuple or array (or a call of the user's returning one)."""
    value = low.expr(it)  # a list, an array, or a call of the user's function returning one
    if not is_sequence(value) and not isinstance(value, tuple) and not (
            isinstance(value, Node) and value.type is not None):
        raise low.src.error(
            f"unsupported loop over {unparse(it)!r}: only range(...), a list or tuple of "
            "numbers, an array, enumerate(...) and zip(...)", it)
    n, get = _items(low, value, it)
    return (low.b.const(0), n, low.b.const(1)), _binder(target, get), "i"


def _items(low: Frame, value: Any, where: ast.expr) -> tuple[Node, Read]:
    """The length of a list, tuple or array to loop over, and how a loop body reads its
    item i (an array's: along its first axis; a tuple of a list of tuples')."""
    if isinstance(value, Node) and value.type is not None:
        return np_indexing.length(low, value, where), lambda frame, i: np_indexing.item(
            frame.b, frame.capture_node(value), i, in_range=True)
    if is_records(value):
        return low.b.const(len(value)), _fields(low, value, where)
    seq = as_seq(low, value, where)
    return low.b.apply("seq_len", seq), lambda frame, i: frame.b.apply(
        "seq_get", frame.capture_node(seq), i)


def is_records(value: Any) -> TypeGuard[list[tuple[Any, ...]] | tuple[tuple[Any, ...], ...]]:
    """Whether `value` is a list or tuple of tuples (``[(0, 1), (1, 2)]``)."""
    return isinstance(value, (list, tuple)) and bool(value) and all(
        isinstance(v, tuple) for v in value)


def _fields(low: Frame, records: Any, where: ast.AST) -> Read:
    """How item i of a list of tuples of one length is read: each field's values as a
    list of their own (a column), item i of each."""
    columns = [_items(low, [r[j] for r in records], where)[1]  # type: ignore[arg-type]
               for j in range(_width(low, records, where))]
    return lambda frame, i: tuple(get(frame, i) for get in columns)  # type: ignore


def _width(low: Frame, records: Any, where: ast.AST) -> int:
    """The length of each tuple of a list of tuples, which must be one."""
    width = len(records[0])
    if any(len(r) != width for r in records):
        raise low.src.error("a list of tuples of different lengths (not yet)", where)
    return width


def _binder(target: ast.expr, value: Callable[[Frame, Node], Any]) -> Bind:
    return lambda frame, i: _bind(frame, target, value(frame, i))


def _bind(frame: Frame, target: ast.expr, value: Any) -> None:
    """Bind a loop target to an item: a name, or a tuple of targets, which unpacks a
    tuple, an array or a list as assignment does (nested ones with a stack)."""
    todo = [(target, value)]
    while todo:
        t, v = todo.pop()
        if isinstance(t, ast.Name):
            frame.env[t.id] = v
            if isinstance(v, Node):
                frame.b.name(v, t.id)
            continue
        if not isinstance(t, (ast.Tuple, ast.List)) or any(
                isinstance(e, ast.Starred) for e in t.elts):
            raise frame.src.error("unsupported loop target: only names and tuples of names",
                                  t)
        n = len(t.elts)
        if isinstance(v, Node) and v.type is not None:
            v = np_indexing.unpack(frame, v, n, t)
        elif isinstance(v, Node) and is_seq(v):
            v = unpack(frame, v, n)
        if not isinstance(v, (tuple, list)):
            raise frame.src.error("cannot unpack a number into several names", t)
        if len(v) != n:
            raise frame.src.error(f"cannot unpack {len(v)} values into {n} names", t)
        todo.extend(zip(t.elts, v, strict=True))


def _reversed(low: Frame, call: ast.Call, target: ast.expr
              ) -> tuple[tuple[Node, Node, Node], Bind, str]:
    """``reversed(range(...))`` (a step of 1 or -1) and ``reversed(xs)`` of a list,
    tuple or array: the same range run backwards."""
    if call.keywords or len(call.args) != 1:
        raise low.src.error("reversed() takes one argument", call)
    inner = call.args[0]
    func = names.callee(low, inner.func) if isinstance(inner, ast.Call) else None
    if isinstance(inner, ast.Call) and isinstance(func, Resolved) and func.value is range:
        start, stop, step = _range_args(low, inner)
        if not (step.is_const and step.value in (1, -1)):
            raise low.src.error("reversed(range(...)) with a step other than 1 or -1 is not "
                                "supported yet", inner)
        one = step.value
        if not isinstance(target, ast.Name):
            raise low.src.error("unsupported loop target: only a plain name", target)
        bounds = (low.b.sub(stop, one), low.b.sub(start, one), low.b.const(-one))
        return bounds, _binder(target, lambda frame, i: i), target.id
    value = None if isinstance(inner, ast.Call) else low.expr(inner)
    if not is_sequence(value) and not isinstance(value, tuple) and not (
            isinstance(value, Node) and value.type is not None):
        raise low.src.error(f"unsupported loop over {unparse(call)!r}: reversed() takes "
                            "range(...) or a list, tuple or array here", call)
    n, get = _items(low, value, inner)
    return (low.b.sub(n, 1), low.b.const(-1), low.b.const(-1)), _binder(target, get), "i"


def _range_args(low: Frame, call: ast.Call) -> tuple[Node, Node, Node]:
    if call.keywords or not 1 <= len(call.args) <= 3:
        raise low.src.error("range() takes 1 to 3 positional arguments", call)
    values = [low.number(low.expr(a), a) for a in call.args]
    if len(values) == 1:
        return low.b.const(0), values[0], low.b.const(1)
    if len(values) == 2:
        return values[0], values[1], low.b.const(1)
    return values[0], values[1], values[2]
