"""Which lengths known only at run time are equal, for broadcasting.

Contract:
- An axis has a `length_key`: two equal keys are equal lengths, whatever the lengths
  of the arguments. A slice with constant bounds from the start and from the end is its
  base's length less a constant (``x[1:]`` and ``x[:-1]`` are both one shorter than
  ``x``, and a slice of a slice adds up); a full slice, an entry picked along other
  axes (``X[0]``, each part of ``np.split``) and an elementwise operation whose
  operands of unknown length (`ir.types` None) there all have one key keep that key;
  any other axis is its own. Unequal keys say nothing.
- `unsure_axes(node)` are the axes of an elementwise node's result along which two of
  its operands have lengths known only at run time of different keys: one may be
  broadcast along the other though the types cannot tell, so the derivatives fit a
  (co)tangent there when the code runs (`transforms.ad`).
"""

from __future__ import annotations

from typing import Any

from symdiff.ir.indexing import FULL, INDEX
from symdiff.ir.node import Node
from symdiff.ir.shapes import PICK

# (node, axis, less): the length of `axis` of `node`, less a constant.
Key = tuple[Node, int, int]
_Follow = list[tuple[Node, int, int]]


def unsure_axes(node: Node) -> tuple[int, ...]:
    """The axes of an elementwise node's result along which its operands may broadcast
    though their types cannot tell."""
    t = node.type
    if t is None or node.prim is None or node.prim.type_rule is not None:
        return ()
    return tuple(i for i, d in enumerate(t.dims) if d is None and len(
        {length_key(a, b) for a, b, _ in _unknown_operands(node, i)}) > 1)


def length_key(node: Node, axis: int) -> Key:
    """A key of the length of `axis` of the array `node` (see the module doc)."""
    keys: dict[tuple[Node, int], Key] = {}
    stack = [(node, axis)]
    while stack:  # (a loop, not a recursion, through long chains of operations)
        at = stack[-1]
        if at in keys:
            stack.pop()
            continue
        follow = _follow(*at)
        missing = [(n, a) for n, a, _ in follow if (n, a) not in keys]
        if missing:
            stack.extend(missing)
            continue
        found = {(keys[n, a][0], keys[n, a][1], keys[n, a][2] + less) for n, a, less in follow}
        keys[at] = found.pop() if len(found) == 1 else (*at, 0)
        stack.pop()
    return keys[node, axis]


def _follow(node: Node, axis: int) -> _Follow:
    """The axes whose lengths (less a constant) that of `axis` of `node` is known to be
    (none: its own)."""
    if node.prim is PICK:
        picked, index = node.attrs
        return [(node.args[0], axis if axis < picked else axis + len(index), 0)]
    if node.prim is INDEX:
        return _sliced(node, axis)
    if node.prim is not None and node.prim.type_rule is None and node.type is not None:
        return _unknown_operands(node, axis)
    return []


def _unknown_operands(node: Node, axis: int) -> _Follow:
    """The operands of an elementwise `node` whose length along its result's `axis` is
    known only at run time (with that axis of theirs)."""
    out = []
    for a in node.args:
        if a.type is not None:
            own = axis - node.type.ndim + a.type.ndim
            if own >= 0 and a.type.dims[own] is None:
                out.append((a, own, 0))
    return out


def _sliced(node: Node, axis: int) -> _Follow:
    """A basic index's result axis as its base's axis less a constant, where it is a
    slice from a constant start to the end or to a constant distance before it."""
    (key,) = node.attrs
    base_axis = out_axis = 0
    for item in key:
        kind = item[0]
        if kind not in ("int", "slice", "none"):
            return []  # an ellipsis or an integer array: not followed
        if out_axis == axis and kind == "slice":
            return _less(node.args[0], base_axis, item)
        out_axis += kind != "int"
        base_axis += kind != "none"
    if axis >= out_axis:  # an axis after those of the key: as it is
        return [(node.args[0], base_axis + axis - out_axis, 0)]
    return []


def _less(base: Node, axis: int, item: tuple[Any, ...]) -> _Follow:
    if item == FULL:
        return [(base, axis, 0)]
    _, start, stop, step = item
    if step not in (None, 1) or not isinstance(start or 0, int) or not (
            stop is None or isinstance(stop, int) and stop < 0) or (start or 0) < 0:
        return []
    return [(base, axis, (start or 0) - (stop or 0))]
