"""The attributes an emitted function reads from an object argument, made leaves.

Contract: `lift(func, param, found, taken)` rewrites, in place, each read of the object
parameter `param` of `func` (an ``ObjectLayout``, `found`) that ends at a number or an
array into a name of its own: ``p.a``, ``p.cfg['k']``, ``p.ws[0]``,
``p.__class__.K`` (a number or array its class holds). It returns (the new name, the
read as an expression of `param`) for each distinct read, in a fixed order: the
boundary passes the leaf's value in place of the object, read when the function is
called, as the Python backend's code reads it. Names come from the read (``p_a``,
``p_cfg_k``), none of them in `taken` (which each new name joins). A read of `param`
that does not end at a number or an array (the object itself, a list it holds, a method)
raises a `SymdiffError` naming that expression and its line in the generated code.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from symdiff.errors import SymdiffError
from symdiff.host.data import (
    MISSING,
    ArrayLayout,
    DictLayout,
    NumberLayout,
    ObjectLayout,
    SequenceLayout,
    class_lookup,
    layout,
)
from symdiff.unparse import unparse

_LEAF = (ArrayLayout, NumberLayout)
_NOT_LEAF = object()  # a step of a read that reaches no data (a method, a missing name)


def lift(func: ast.FunctionDef, param: str, found: ObjectLayout, taken: set[str]
         ) -> list[tuple[str, ast.expr]]:
    """Replace the reads of `param`'s numbers and arrays in `func` by names (see the
    module docstring); (each name, its read)."""
    lifted: dict[str, tuple[str, ast.expr]] = {}

    def leaf(node: ast.AST) -> ast.expr | None:
        """The name standing for `node` when it is a read to lift, else None."""
        if not (isinstance(node, (ast.Attribute, ast.Subscript))
                and isinstance(node.ctx, ast.Load) and _ends_at_leaf(node, param, found)):
            return None
        key = ast.dump(node)
        if key not in lifted:
            lifted[key] = (_fresh(_leaf_name(node), taken), node)
        return ast.copy_location(ast.Name(lifted[key][0], ast.Load()), node)

    stack: list[ast.AST] = [func]  # (no recursion: generated expressions may be deep)
    while stack:
        node = stack.pop()
        inner: list[ast.AST] = []
        for field, value in ast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            for k, item in enumerate(items):
                if not isinstance(item, ast.AST):
                    continue
                made = leaf(item)
                if made is None:
                    inner.append(item)
                elif isinstance(value, list):
                    value[k] = made
                else:
                    setattr(node, field, made)
        stack += reversed(inner)  # (in the order of the text: names by first use)
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and node.id == param:
            raise SymdiffError(
                f"the numba backend cannot compile {func.name}: it reads "
                f"{unparse(_outermost(func, node))!r} of its object argument {param!r} "
                f"(line {node.lineno} of the generated code), which is not a number or "
                "an array; numba takes the numbers and arrays an object holds, read "
                'attribute by attribute; use backend="python"')
    return list(lifted.values())


def _ends_at_leaf(node: ast.expr, param: str, found: ObjectLayout) -> bool:
    """Whether `node` is a read ``param.a[k]...`` whose last step reaches a number or an
    array (and no step before it does)."""
    steps: list[ast.expr] = []
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        steps.append(node)
        node = node.value
    if not (isinstance(node, ast.Name) and node.id == param):
        return False
    current: Any = found
    for k, step in enumerate(reversed(steps)):
        if isinstance(current, _LEAF) or current is _NOT_LEAF:
            return False
        current = _step(current, step)
        if isinstance(current, _LEAF):
            return k == len(steps) - 1
    return False


def _step(current: Any, step: ast.expr) -> Any:
    """What one attribute or constant subscript of `current` (a layout, or a class)
    reads: a layout, a class, or `_NOT_LEAF`."""
    if isinstance(step, ast.Attribute):
        if isinstance(current, ObjectLayout):
            if step.attr == "__class__":
                return current.cls
            own, item = current.get(step.attr)
            if own:
                return item if item is not None else _NOT_LEAF
            current = current.cls
        if isinstance(current, type):  # data the class holds
            raw = class_lookup(current, step.attr)
            held = None if raw is MISSING else layout(raw)
            return held if held is not None else _NOT_LEAF
        return _NOT_LEAF
    assert isinstance(step, ast.Subscript)
    key = step.slice.value if isinstance(step.slice, ast.Constant) else None
    if isinstance(current, DictLayout) and isinstance(key, str):
        return dict(current.items).get(key, _NOT_LEAF)
    if isinstance(current, SequenceLayout) and type(key) is int \
            and -len(current.items) <= key < len(current.items):
        return current.items[key]
    return _NOT_LEAF


def _leaf_name(node: ast.expr) -> str:
    """``p_cfg_k`` for ``p.cfg['k']``: the read's parts joined, as an identifier."""
    parts: list[str] = []
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr.strip("_") or "attr")
        else:
            assert isinstance(node.slice, ast.Constant)
            parts.append(str(node.slice.value))
        node = node.value
    assert isinstance(node, ast.Name)
    parts.append(node.id)
    name = re.sub(r"\W", "_", "_".join(reversed(parts)))
    return name if name.isidentifier() else f"_{name}"


def _fresh(name: str, taken: set[str]) -> str:
    made, k = name, 0
    while made in taken:
        k += 1
        made = f"{name}_{k}"
    taken.add(made)
    return made


def _outermost(func: ast.FunctionDef, name: ast.Name) -> ast.expr:
    """The longest attribute or subscript read of `func` that starts at `name`."""
    parents = {id(child): node for node in ast.walk(func) for child in ast.iter_child_nodes(node)}
    read: ast.expr = name
    parent = parents.get(id(read))
    while isinstance(parent, (ast.Attribute, ast.Subscript)) and parent.value is read:
        read, parent = parent, parents.get(id(parent))
    return read
