"""Dicts with string keys, as keyword arguments are passed: ``f(x, **opts)``.

Contract: a dict the function makes (a literal with string keys, ``dict(k=v, ...)``,
``{**a, "k": v}``) is a `Keywords` value while lowering: its keys are fixed when
compiling and its values are ordinary values (numbers, arrays, tuples, functions).
``d["k"]`` (a key written in the source, or one a loop over the dict gives) and
``d.get("k", default)`` read it, ``d.keys()``, ``d.values()`` and ``d.items()`` give
tuples (of keys as `Text`), ``"k" in d`` is a constant, ``**d`` passes it to a called function,
and a called function's ``**kwargs`` parameter collects the keyword arguments it does
not name. ``d["k"] = v`` (and ``d["k"] += v``) rebinds ``d`` to a new dict, which is
what changing it in place means as long as no other name holds the same dict: that
case is an error, as is changing a dict from outside the function (a global). So a
dict needs no copy when it is passed or captured by a loop or branch.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from symdiff.frontend.frame import Frame
from symdiff.frontend.resolve import Resolved, describe
from symdiff.frontend.values import Keywords, Text, Value


def make(pairs: Iterator[tuple[str, Any]] | list[tuple[str, Any]]) -> Keywords:
    """A dict of `pairs`, a later key replacing an earlier one as Python does."""
    merged: dict[str, Any] = {}
    for key, value in pairs:
        merged[key] = value
    return Keywords(tuple(merged.items()))


def literal(low: Frame, e: ast.Dict) -> Keywords:
    """``{"k": v, **other}``."""
    pairs: list[tuple[str, Any]] = []
    for key, value in zip(e.keys, e.values, strict=True):
        if key is None:
            pairs.extend(expand(low, low.expr(value), value).items)
            continue
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            raise low.src.error("dict keys must be strings written in the source "
                                "(symdiff supports dicts of keyword arguments)", key)
        pairs.append((key.value, low.expr(value)))
    return make(pairs)


def construct(low: Frame, e: ast.Call) -> Keywords:
    """``dict(k=v, ...)``, ``dict(other, k=v)`` and ``dict(**other)``."""
    pairs: list[tuple[str, Any]] = []
    if len(e.args) > 1:
        raise low.src.error("dict() takes at most one positional argument", e)
    for arg in e.args:
        pairs.extend(expand(low, low.expr(arg), arg).items)
    for kw in e.keywords:
        if kw.arg is None:
            pairs.extend(expand(low, low.expr(kw.value), kw.value).items)
        else:
            pairs.append((kw.arg, low.expr(kw.value)))
    return make(pairs)


def expand(low: Frame, value: Value, where: ast.AST) -> Keywords:
    """`value` as the dict of ``**value``."""
    if not isinstance(value, Keywords):
        what = describe(value.value) if isinstance(value, Resolved) else "not a dict"
        raise low.src.error(
            f"**x: x must be a dict the function makes (a literal with string keys or "
            f"dict(...)); here it is {what}", where)
    return value


def _key(low: Frame, e: ast.expr) -> str:
    if isinstance(e, ast.Constant) and isinstance(e.value, str):
        return e.value
    key = low.expr(e)
    if isinstance(key, Text):  # a key known while compiling: ``for k in params``
        return key.value
    raise low.src.error("a dict key must be a string known while compiling (written in "
                        "the source, or a key of a loop over a dict)", e)


def subscript(low: Frame, d: Keywords, e: ast.Subscript) -> Value:
    """``d["k"]``."""
    key = _key(low, e.slice)
    value = d.get(key)
    if value is None:
        raise low.src.error(f"KeyError: {key!r} (the dict has {d.keys()})", e)
    return value  # type: ignore[no-any-return]


def method(low: Frame, d: Keywords, e: ast.Call) -> Value:
    """``d.get("k")`` / ``d.get("k", default)``; ``d.keys()``, ``d.values()`` and
    ``d.items()`` as tuples (of `Text` keys, of values, of pairs)."""
    assert isinstance(e.func, ast.Attribute)
    view = _VIEWS.get(e.func.attr)
    if view is not None and not e.args and not e.keywords:
        return tuple(view(Text(k), v) for k, v in d.items)
    if e.func.attr != "get" or e.keywords or not 1 <= len(e.args) <= 2:
        raise low.src.error(
            f"unsupported dict method .{e.func.attr}(...): symdiff reads dicts with "
            "d[\"k\"], d.get(\"k\", default), d.keys(), d.values() and d.items()", e)
    value = d.get(_key(low, e.args[0]))
    if value is not None:
        return value  # type: ignore[no-any-return]
    if len(e.args) == 2:
        return low.expr(e.args[1])
    raise low.src.error("d.get(k) without a default returns None here, not a number", e)


_VIEWS = {"keys": lambda k, v: k, "values": lambda k, v: v, "items": lambda k, v: (k, v)}


def set_item(low: Frame, target: ast.Subscript, value: Value, stmt: ast.stmt) -> None:
    """``d["k"] = value``: `d` is rebound to the dict with that key set."""
    assert isinstance(target.value, ast.Name)
    name = target.value.id
    current = low.visible(name)
    assert isinstance(current, Keywords)
    if current.outside:
        raise low.src.error(
            f"unsupported construct: changing the dict {name!r} in place would change "
            f"{current.outside!r}, data from outside the function; make a new one instead "
            f"({name} = {{**{name}, \"key\": value}})", target)
    # Other names of the same dict, here or (for a dict a branch or loop body reads
    # from outside) where it was made.
    others: list[str] = []
    frame: Any = low
    while frame is not None and not others:
        held = frame.env.get(name)
        if isinstance(held, Keywords):
            others = [n for n, v in frame.env.items() if n != name and _holds(v, held)]
        frame = frame.parent
    if others:
        raise low.src.error(
            f"unsupported construct: changing the dict {name!r} in place while "
            f"{others[0]!r} names it too (both would change); make a new dict", target)
    key = _key(low, target.slice)
    low.bind(name, make([*current.items, (key, value)]), stmt)


def get_item(low: Frame, target: ast.Subscript) -> Value:
    """The value ``d["k"]`` has before an augmented assignment to it."""
    current = low.expr(target.value)
    assert isinstance(current, Keywords)
    return subscript(low, current, target)


def is_dict_target(low: Frame, target: ast.expr) -> bool:
    """Whether `target` is ``name[...]`` of a name that holds a dict."""
    return isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
        and isinstance(low.visible(target.value.id), Keywords)


def _holds(value: Any, d: Keywords) -> bool:
    """Whether `value` is `d` or a tuple, list or dict with `d` inside."""
    if value is d:
        return True
    if isinstance(value, (tuple, list)):
        return any(_holds(v, d) for v in value)
    if isinstance(value, Keywords):
        return any(_holds(v, d) for _, v in value.items)
    return False
