"""Pytree parameters: an argument given as a dict, tuple or list of numbers and arrays
(``params = {"W": W, "b": b}``, ``(mu, (a, b))``).

Contract: `parameter(b, name, found, taken)` lowers the parameter `name` whose argument
has the layout `found` (`host.data.layout`: the code is specialised on its keys,
nesting and leaf types): one parameter node per leaf (a number, an int that is not
differentiated, or an array of its type), named after its key path (``W``,
``layer1_0``; ``params_0`` for an index at the top) and distinct from every name in
`taken`, which it extends. It returns the value the function body sees (a dict as
`Keywords`, marked as data from outside so that changing it in place is an error; a
tuple or list as a tuple, as free data is), the structure of the new nodes
(tuples, and `Container`s for dicts and lists: the `TreeInput` of the generated
function's parameter), and the nodes in leaf order. A leaf the function unpacks into
a name of its own (`unpacked_names`: ``mu, (log_sigma, shift) = theta``) is named so.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Sequence
from typing import Any

from symdiff.frontend.values import Keywords, Value
from symdiff.host.data import ArrayLayout, DictLayout, Layout, NumberLayout, SequenceLayout
from symdiff.ir.builder import Builder
from symdiff.ir.node import INT, NUM, Container, Node
from symdiff.ir.types import MANY, ArrayType

Path = tuple[str | int, ...]


def parameter(b: Builder, name: str, found: Layout, taken: set[str],
              hints: dict[Path, str] | None = None) -> tuple[Value, Any, list[Node]]:
    """(the value, the structure of leaf nodes, the leaf nodes) of a pytree parameter;
    `hints` names leaves by their paths (`unpacked_names`)."""
    nodes: list[Node] = []
    # Built bottom-up without recursion: (layout, path, whether its items are built).
    built: list[tuple[Value, Any]] = []
    stack: list[tuple[Layout, tuple[str | int, ...], bool]] = [(found, (), False)]
    while stack:
        lay, path, done = stack.pop()
        if isinstance(lay, DictLayout | SequenceLayout) and not done:
            stack.append((lay, path, True))
            steps: Sequence[str | int] = [k for k, _ in lay.items] \
                if isinstance(lay, DictLayout) else range(len(lay.items))
            inner = [v for _, v in lay.items] if isinstance(lay, DictLayout) else lay.items
            stack.extend((v, (*path, k), False)
                         for k, v in reversed(list(zip(steps, inner, strict=True))))
            continue
        if isinstance(lay, DictLayout):
            parts = _take(built, len(lay.items))
            keys = tuple(k for k, _ in lay.items)
            built.append((Keywords(tuple(zip(keys, (v for v, _ in parts), strict=True)),
                                   outside=name),
                          Container("dict", keys, tuple(s for _, s in parts))))
        elif isinstance(lay, SequenceLayout):
            parts = _take(built, len(lay.items))
            shape = tuple(s for _, s in parts)
            built.append((tuple(v for v, _ in parts),
                          shape if lay.cls is tuple else Container("list", (), shape)))
        else:
            node = b.param(_leaf_name(name, path, taken, (hints or {}).get(path)), _kind(lay))
            nodes.append(node)
            built.append((node, node))
    value, tree = built[0]
    return value, tree, nodes


def unpacked_names(fn: ast.FunctionDef | ast.Lambda, name: str) -> dict[Path, str]:
    """The names the function's own statements give the leaves of its parameter `name`
    by unpacking it (``mu, (log_sigma, shift) = theta``, ``W, b = params["layer1"]``):
    by the leaf's path, for the generated code to call them so too."""
    found: dict[Path, str] = {}
    for stmt in fn.body if isinstance(fn, ast.FunctionDef) else ():
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            continue
        path = _read(stmt.value, name)
        stack = [(stmt.targets[0], path)] if path is not None else []
        while stack:
            target, at = stack.pop()
            if isinstance(target, ast.Name):
                found.setdefault(at, target.id)
            elif isinstance(target, ast.Tuple):
                stack.extend((t, (*at, k)) for k, t in enumerate(target.elts))
    return found


def _read(e: ast.expr, name: str) -> Path | None:
    """The path of ``name["k"][0]...`` (constant keys and indices), or None."""
    path: list[str | int] = []
    while isinstance(e, ast.Subscript) and isinstance(e.slice, ast.Constant) \
            and isinstance(e.slice.value, str | int) and not isinstance(e.slice.value, bool):
        path.append(e.slice.value)
        e = e.value
    return tuple(reversed(path)) if isinstance(e, ast.Name) and e.id == name else None


def _take(built: list[tuple[Value, Any]], n: int) -> list[tuple[Value, Any]]:
    """The last `n` items built, removed."""
    parts = built[len(built) - n:] if n else []
    del built[len(built) - n:]
    return parts


def _kind(lay: Layout) -> Any:
    if isinstance(lay, ArrayLayout):
        return ArrayType(lay.dtype, tuple(1 if one else MANY for one in lay.ones))
    assert isinstance(lay, NumberLayout)  # (the arguments' check refuses other leaves)
    return INT if issubclass(lay.cls, int) else NUM


def _leaf_name(name: str, path: Path, taken: set[str], hint: str | None) -> str:
    """A name for the leaf at `path` of the parameter `name` that is in no use yet: the
    `hint`, else its keys and indices joined."""
    if hint is not None and hint not in taken:
        taken.add(hint)
        return hint
    words = [str(k) for k in path]
    text = "_".join(words)
    base = "".join(c if c.isalnum() or c == "_" else "_" for c in text)
    if not base.isidentifier() or keyword.iskeyword(base):
        base = f"{name}_{base}"
    chosen, i = base, 1
    while chosen in taken:
        chosen, i = f"{base}_{i}", i + 1
    taken.add(chosen)
    return chosen
