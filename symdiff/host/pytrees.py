"""Pytrees: dicts (str keys), tuples and lists nested around numbers and arrays, as JAX
takes parameters and gives results. The one place that takes such values apart and
puts them together again.

Contract (this module imports nothing but the standard library):

- A value is a *container* when it is a dict, a tuple or a list (exactly those classes;
  a dict's keys must be str), else a *leaf*. `flatten(value)` gives its leaves, left to
  right (a dict's in its key order), and its `TreeDef`: the containers and their keys,
  without the leaves. `unflatten(treedef, leaves)` builds the value again. Nothing
  recurses per level of nesting, and nesting deeper than `MAX_DEPTH` is refused.
- A `TreeDef` is hashable, equal exactly when two values have the same containers and
  keys in the same order, and prints as JAX does (``{'W': *, 'b': (*, *)}``).
  `paths(treedef)` names each leaf as a subscript (``['W'][0]``) for messages and
  generated names.
- `flatten_like(treedef, value, what, like)` gives the leaves of `value` where it must
  have the structure `treedef` (a tangent of a primal, a cotangent of an output): a
  dict with the same keys in another order is taken in `treedef`'s order, as JAX takes
  it; another structure raises `TypeError` naming `what`, both structures and `like`.
  `describe_value` shows a value's structure with its arrays' shapes, for messages.
- `plain(value)` turns the named tuples in a function's result (NumPy's ``EighResult``,
  ``SVDResult``, ...) into tuples, the structure its generated code returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

# Deeper nesting than this is no parameter structure anyone writes: refused.
MAX_DEPTH = 32

_CONTAINERS = (dict, tuple, list)


class TreeDef:
    """The structure of a pytree: `kind` ``"leaf"``, ``"tuple"``, ``"list"`` or
    ``"dict"``, a dict's `keys` in order, and the structure of each item."""

    __slots__ = ("kind", "keys", "children", "leaves", "_hash")

    def __init__(self, kind: str, keys: tuple[str, ...] = (),
                 children: tuple[TreeDef, ...] = ()) -> None:
        self.kind, self.keys, self.children = kind, keys, children
        self.leaves: int = 1 if kind == "leaf" else sum(c.leaves for c in children)
        self._hash = hash((kind, keys, children))

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, TreeDef) and self._hash == other._hash
                                 and (self.kind, self.keys, self.children)
                                 == (other.kind, other.keys, other.children))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return describe(self, lambda _: "*")

    def __repr__(self) -> str:
        return f"TreeDef({self})"


LEAF = TreeDef("leaf")


def is_container(value: Any) -> bool:
    """Whether `value` is a dict, tuple or list (not a subclass: a named tuple is a leaf)."""
    return value.__class__ in _CONTAINERS


def items(value: Any) -> list[Any]:
    """The items of a container, a dict's values in its key order."""
    return list(value.values()) if value.__class__ is dict else list(value)


def flatten(value: Any, named: bool = False) -> tuple[list[Any], TreeDef]:
    """(the leaves of `value`, left to right; its structure); with `named`, a named
    tuple is taken apart as a tuple."""
    leaves: list[Any] = []
    # Post-order without recursion: a container is built once its items are.
    built: list[TreeDef] = []
    stack: list[tuple[Any, int, bool]] = [(value, 0, False)]
    while stack:
        node, depth, done = stack.pop()
        if not (is_container(node) or named and isinstance(node, tuple)):
            leaves.append(node)
            built.append(LEAF)
            continue
        if depth >= MAX_DEPTH:
            raise TypeError(f"a pytree nested deeper than {MAX_DEPTH} levels")
        parts = items(node)
        if done:
            children = tuple(built[len(built) - len(parts):]) if parts else ()
            del built[len(built) - len(parts):]
            built.append(_def_of(node, children))
            continue
        stack.append((node, depth, True))
        stack.extend((p, depth + 1, False) for p in reversed(parts))
    return leaves, built[0]


def _def_of(node: Any, children: tuple[TreeDef, ...]) -> TreeDef:
    if node.__class__ is dict:
        for key in node:
            if key.__class__ is not str:
                raise TypeError(f"a dict with the key {key!r}: symdiff takes dicts with str "
                                "keys")
        return TreeDef("dict", tuple(node), children)
    return TreeDef("tuple" if isinstance(node, tuple) else "list", (), children)


def structure(value: Any) -> TreeDef:
    """The structure of `value`."""
    return flatten(value)[1]


def leaves(value: Any) -> list[Any]:
    """The leaves of `value`, left to right."""
    return flatten(value)[0]


def unflatten(treedef: TreeDef, values: list[Any] | tuple[Any, ...]) -> Any:
    """The value of structure `treedef` whose leaves are `values`, in order."""
    if len(values) != treedef.leaves:
        raise ValueError(f"the structure {treedef} has {treedef.leaves} leaves, got "
                         f"{len(values)} values")
    it = iter(values)
    out: list[Any] = []
    stack: list[tuple[TreeDef, bool]] = [(treedef, False)]
    while stack:
        node, done = stack.pop()
        if node.kind == "leaf":
            out.append(next(it))
            continue
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(node.children))
            continue
        n = len(node.children)
        parts = out[len(out) - n:] if n else []
        del out[len(out) - n:]
        out.append(dict(zip(node.keys, parts, strict=True)) if node.kind == "dict"
                   else tuple(parts) if node.kind == "tuple" else list(parts))
    return out[0]


def plain(value: Any) -> Any:
    """`value` with each named tuple in it (NumPy's results, such as ``EighResult``) a
    tuple: the structure of a function's result as its generated code returns it."""
    stack, named = [value], False
    while stack and not named:
        v = stack.pop()
        named = isinstance(v, tuple) and v.__class__ is not tuple
        if is_container(v):
            stack.extend(items(v))
    if not named:
        return value
    leaves, treedef = flatten(value, named=True)
    return unflatten(treedef, leaves)


def map_leaves(fn: Callable[[Any], Any], value: Any) -> Any:
    """`value` with each leaf replaced by ``fn(leaf)``."""
    found, treedef = flatten(value)
    return unflatten(treedef, [fn(v) for v in found])


def paths(treedef: TreeDef) -> list[tuple[str | int, ...]]:
    """Each leaf's path of keys and indices from the root, in leaf order."""
    found: list[tuple[str | int, ...]] = []
    stack: list[tuple[TreeDef, tuple[str | int, ...]]] = [(treedef, ())]
    while stack:
        node, path = stack.pop()
        if node.kind == "leaf":
            found.append(path)
            continue
        keys: list[str | int] = list(node.keys) if node.kind == "dict" else list(
            range(len(node.children)))
        stack.extend((c, (*path, k)) for k, c in reversed(list(zip(keys, node.children,
                                                                   strict=True))))
    return found


def path_text(path: tuple[str | int, ...]) -> str:
    """``['W'][0]``: a leaf's path as Python subscripts."""
    return "".join(f"[{k!r}]" for k in path)


def describe(treedef: TreeDef, leaf: Callable[[int], str]) -> str:
    """`treedef` as Python writes such a value, each leaf (by its index) as ``leaf(i)``."""
    parts: list[str] = []
    counter = iter(range(treedef.leaves))
    # Tokens to write: a TreeDef to expand, or a string to write as it is.
    todo: list[TreeDef | str] = [treedef]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        if item.kind == "leaf":
            parts.append(leaf(next(counter)))
            continue
        open_, close = {"dict": ("{", "}"), "tuple": ("(", ")"), "list": ("[", "]")}[item.kind]
        tokens: list[TreeDef | str] = [open_]
        for k, child in enumerate(item.children):
            if k:
                tokens.append(", ")
            if item.kind == "dict":
                tokens.append(f"{item.keys[k]!r}: ")
            tokens.append(child)
        if item.kind == "tuple" and len(item.children) == 1:
            tokens.append(",")
        tokens.append(close)
        todo.extend(reversed(tokens))
    return "".join(parts)


def describe_value(value: Any) -> str:
    """The structure of `value`, each array leaf shown by its shape: for messages."""
    found, treedef = flatten(value)
    return describe(treedef, lambda i: _leaf_text(found[i]))


def _leaf_text(value: Any) -> str:
    shape = getattr(value, "shape", None)
    if shape is not None and bool(getattr(value, "ndim", 0)):
        return f"array{tuple(shape)}"
    return type(value).__name__


def flatten_like(treedef: TreeDef, value: Any, what: str, like: str,
                 strict: bool = True, up_to: bool = False) -> list[Any]:
    """The leaves of `value`, which must have the structure `treedef` (see the module
    doc); `what` names `value` and `like` the value whose structure it must have.
    Without `strict`, a list may stand for a tuple and a tuple for a list; with `up_to`,
    what stands where `treedef` has a leaf may be a pytree itself (it is taken whole)."""
    found: list[Any] = []
    stack: list[tuple[TreeDef, Any]] = [(treedef, value)]
    while stack:
        node, v = stack.pop()
        if node.kind == "leaf":
            if is_container(v) and not up_to:
                break
            found.append(v)
            continue
        if not _same_container(node, v, strict):
            break
        parts = [v[k] for k in node.keys] if node.kind == "dict" else list(v)
        stack.extend(reversed(list(zip(node.children, parts, strict=True))))
    else:
        return found
    try:
        given = str(structure(value))
    except TypeError as error:
        given = f"a value symdiff cannot take apart ({error})"
    raise TypeError(f"{what} must have the structure of {like}, {treedef}; got {given}")


def _same_container(node: TreeDef, v: Any, strict: bool) -> bool:
    if node.kind == "dict":
        return v.__class__ is dict and len(v) == len(node.keys) and all(k in v for k in node.keys)
    kinds = (node.kind,) if strict else ("tuple", "list")
    return v.__class__ in (tuple, list) and v.__class__.__name__ in kinds \
        and len(v) == len(node.children)


def walk(value: Any) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Each leaf of `value` with its path, in leaf order."""
    found, treedef = flatten(value)
    return zip(paths(treedef), found, strict=True)
