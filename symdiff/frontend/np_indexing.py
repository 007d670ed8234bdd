"""Lowering of array indexing, slicing and element assignment.

Contract (functions over a `frame.Frame`):
- ``x[key]`` of an array: ints (constant or computed), slices with constant or computed
  bounds (written, or ``slice(...)`` objects), ``...``, ``None`` / ``np.newaxis``,
  integer arrays (a tuple of them too: ``x[np.where(c)]``), boolean masks (their
  ``np.nonzero`` indices) and constant lists of ints lower to one ``index`` node
  (`ir.indexing`); the static checks NumPy would make from the shapes alone (too many
  indices, a float index, a zero step) are located errors, and an index out of range
  raises IndexError when the code runs, as in NumPy.
  A read whose index a loop keeps inside the axis (`bounds.within`) cannot raise, so it
  is not an effect the derivatives must run.
- ``out[key] = v`` (and ``out[key] += v``) into an array the function made itself makes
  a new value ``index_set(out, v)`` that the name holds from then on (the generated code
  assigns in place when nothing else reads the old array). Assigning into an argument, or
  into a view of one, is a located error (it would change the caller's data), as is
  assigning into an array read from outside the function (a global); so is
  assigning into an array another name shares (``b = out`` or ``v = out[1:]``, where NumPy
  would change that name's array too), and an integer-array key (a boolean mask's
  indices are distinct: ``out[out < 0] = 0.0`` works).
- ``np.add.at(out, key, v)`` adds `v` into such an array at `key`, repeated indices
  accumulating (``index_add``), under the same rules as assigning into it.
- ``name += v`` (any operator) where `name` holds an array changes that array in place,
  as NumPy does (`augmented_name`): the same errors as assigning into it (also, in a
  called function, into an array its caller passed), the other names of the array see
  the new value, and a result that would not fit its shape or dtype is a located error
  (a float array keeps its dtype). ``x = x + v`` is a new array.
- ``a, b = x`` reads ``x[0]``, ``x[1]``; when the length of `x` is known only at run time
  the code checks it first and raises ValueError as unpacking would. ``for row in X`` runs
  over the first axis (see `sequences.iteration`).
- ``x.copy()`` and ``np.copy(x)`` make a new array (one the function may assign into).
- ``np.take(x, indices, axis)`` and ``x.take(...)`` read ``x[:, indices]`` along
  `axis` (the flattened array without one); ``mode=`` is a located error.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend import names
from symdiff.frontend.arrays import Handlers
from symdiff.frontend.bounds import within
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_predicates import indices
from symdiff.frontend.np_shapes import array_of, one_axis, ravel
from symdiff.frontend.np_signatures import Arguments
from symdiff.frontend.operators import binop
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.values import Keywords, Nothing, Slice, is_array, is_sequence
from symdiff.ir.indexing import (
    DYNAMIC,
    FULL,
    IN_RANGE,
    INDEX,
    Key,
    is_basic,
    may_alias,
    result_type,
)
from symdiff.ir.loop import loop_args
from symdiff.ir.node import Node, Op, global_name
from symdiff.ir.predicates import ISCLOSE, NONZERO
from symdiff.ir.scalars import AND, EQ, GE, GT, LE, LT, NE, NOT, OR
from symdiff.ir.types import MANY
from symdiff.ir.ufuncs import ISFINITE, ISINF, ISNAN
from symdiff.unparse import unparse

# Operations whose value is a truth value (of each element, for arrays).
_TESTS = (GT, GE, LT, LE, EQ, NE, AND, OR, NOT, ISNAN, ISFINITE, ISINF, ISCLOSE)

# The NumPy functions and array methods this module lowers.
HANDLERS = Handlers()


def subscript(low: Frame, x: Node, e: ast.Subscript) -> Node:
    """``x[...]`` of an array `x`."""
    key, parts = key_of(low, x, e.slice)
    return read(low, x, key, parts, e)


def read(low: Frame, x: Node, key: Key, parts: list[Node], where: ast.AST) -> Node:
    _check(low, x, key, parts, where)
    return low.b.apply("index", x, *parts, attrs=(key,))


def item(b: Any, x: Node, i: Node | int, in_range: bool = False) -> Node:
    """``x[i]``: an element of a vector, a row of a matrix; `in_range`: `i` is known to
    be a valid index (a loop over the rows)."""
    if isinstance(i, int):
        return b.apply("index", x, attrs=((("int", i),),))
    return b.apply("index", x, i, attrs=((("int", DYNAMIC, IN_RANGE) if in_range
                                           else ("int", DYNAMIC),),))


def key_of(low: Frame, x: Node, index: ast.expr) -> tuple[Key, list[Node]]:
    """The static key of a subscript and the nodes of its computed parts."""
    elts = index.elts if isinstance(index, ast.Tuple) else [index]
    key: list[tuple[Any, ...]] = []
    parts: list[Node] = []
    for elt in elts:
        if isinstance(elt, ast.Slice):
            bounds = [None if b is None else low.expr(b) for b in (elt.lower, elt.upper,
                                                                   elt.step)]
            key.append(_slice_item(low, bounds, parts, elt))
        elif isinstance(elt, ast.Constant) and elt.value is None or _is_newaxis(low, elt):
            key.append(("none",))
        elif isinstance(elt, ast.Constant) and elt.value is Ellipsis:
            key.append(("ellipsis",))
        elif isinstance(elt, ast.List):
            key.append(("list", tuple(_constant_int(low, v) for v in elt.elts)))
        else:
            value = low.expr(elt)
            # A tuple of indices (x[np.where(c)], x[ij]) indexes one axis per item.
            for item in value if isinstance(value, tuple) else (value,):
                _index_item(low, x, item, key, parts, elt)
    return tuple(key), parts


def _index_item(low: Frame, x: Node, value: Any, key: list[tuple[Any, ...]],
                parts: list[Node], e: ast.expr) -> None:
    """Add the key items of the index value `value` (a number, an integer array, a
    boolean mask, a `Slice`)."""
    if isinstance(value, Slice):
        key.append(_slice_item(low, list(value.bounds()), parts, e))
        return
    if is_array(value) and (value.type.dtype == "bool" or value.prim in _TESTS):
        # x[mask] is x[np.nonzero(mask)]: the entries where the mask holds.
        for part in indices(low, value, e):
            parts.append(part)
            key.append(("array",))
        return
    item = _scalar_or_array(low, value, parts, e)
    axis = len(key) - sum(1 for k in key if k[0] == "none")
    if item[0] == "int" and item[1] == DYNAMIC and ("ellipsis",) not in key and within(
            low, x, axis, parts[-1]):
        item = (*item, IN_RANGE)
    key.append(item)


def _slice_item(low: Frame, bounds: list[Any], parts: list[Node], e: ast.expr
                ) -> tuple[Any, ...]:
    """The key item of a slice of the bounds `bounds` (values, None where absent)."""
    item = tuple(_bound(low, b, parts, what, e) for b, what in zip(
        bounds, ("start", "stop", "step"), strict=True))
    if item[2] == 0:
        raise low.src.error("slice step cannot be zero", e)
    return ("slice", *item)


def _step_out(frame: Frame, node: Node) -> Node | None:
    """The value of the enclosing frame that `node`, a parameter of `frame`, stands for."""
    if node.op != Op.ARG or frame.parent is None:
        return None
    outer = next((o for i, o in frame.captures.values() if i is node), None)
    if outer is None:
        outer = _lookup(frame.parent, str(node.attrs[0]))  # a carried value
    return outer if isinstance(outer, Node) else None


def _is_newaxis(low: Frame, e: ast.expr) -> bool:
    if not isinstance(e, (ast.Attribute, ast.Name)):
        return False
    value = names.callee(low, e)
    return isinstance(value, Resolved) and value.value is None


def _bound(low: Frame, value: Any, parts: list[Node], what: str, e: ast.expr) -> Any:
    if value is None or isinstance(value, Nothing):
        return None
    node = _index_number(low, value, e, f"a slice {what}")
    if node.is_const:
        return node.value
    parts.append(node)
    return DYNAMIC


def _scalar_or_array(low: Frame, value: Any, parts: list[Node], e: ast.expr
                     ) -> tuple[Any, ...]:
    if is_array(value):
        kind = value.type.dtype
        if not kind.startswith(("int", "uint")):
            raise low.src.error(f"an array used as an index must hold integers, not {kind}", e)
        parts.append(value)
        return ("array",)
    node = _index_number(low, value, e, "an index")
    if node.is_const:
        return ("int", node.value)
    parts.append(node)
    return ("int", DYNAMIC)


def _index_number(low: Frame, value: Any, e: ast.expr, what: str) -> Node:
    if isinstance(value, tuple):
        raise low.src.error(f"{what} must be an integer, not a tuple", e)
    node = low.number(value, e)
    if node.type is not None:
        raise low.src.error(f"{what} must be an integer, not an array", e)
    if node.is_const and (isinstance(node.value, bool) or not isinstance(node.value, int)):
        raise low.src.error(f"{what} must be an integer, not {node.value!r}", e)
    return node


def _constant_int(low: Frame, e: ast.expr) -> int:
    value = low.expr(e)
    if isinstance(value, Node) and value.is_const and type(value.value) is int:
        return value.value
    raise low.src.error(
        "a list used as an index must hold constant integers here (use an integer array "
        "argument for computed indices)", e)


def _check(low: Frame, x: Node, key: Key, parts: list[Node], where: ast.AST) -> None:
    try:
        result_type(x.type, key, [p.type for p in parts])
    except (IndexError, TypeError) as error:
        raise low.src.error(str(error), where) from None


# Assignment ---------------------------------------------------------------------------


def assign(low: Frame, target: ast.Subscript, value: Any, stmt: ast.stmt) -> None:
    """``name[key] = value``."""
    current = _target(low, target)
    key, parts = key_of(low, current, target.slice)
    _update(low, target, current, key, parts, low.number(value, stmt), stmt)


def augmented(low: Frame, stmt: ast.AugAssign) -> None:
    """``name[key] += value`` (or another operator): the key is evaluated once."""
    target = stmt.target
    assert isinstance(target, ast.Subscript)
    current = _target(low, target)
    key, parts = key_of(low, current, target.slice)
    old = read(low, current, key, parts, target)
    new = binop(low, stmt.op, old, low.expr(stmt.value), stmt)
    _update(low, target, current, key, parts, new, stmt)


def add_at(low: Frame, call: ast.Call, value: Node) -> None:
    """``np.add.at(out, key, value)``: `value` added into `out` at `key`, repeated
    indices accumulating (finite-element assembly); `out` must be an array the function
    made, as for ``out[key] += value``."""
    target, index = call.args[:2]
    if not isinstance(target, ast.Name):
        raise low.src.error("np.add.at() into something that is not a plain name", target)
    name = target.id
    current = names.lookup(low, name, target)
    if not is_array(current):
        raise low.src.error(f"np.add.at() into {name!r}, which is not an array", target)
    _check_writable(low, name, current, target, f"add into a copy: {name} = {name}.copy()")
    key, parts = key_of(low, current, index)
    _check(low, current, key, parts, index)
    new = low.b.apply("index_add", current, value, *parts, attrs=(key,))
    _rebind_aliases(low, name, current, new)
    low.bind(name, new, ast.Expr(call))


def _update(low: Frame, target: ast.Subscript, current: Node, key: Key,
            parts: list[Node], value: Node, stmt: ast.stmt) -> None:
    _check(low, current, key, parts, target)
    if not is_basic(key) and (any(k[0] == "list" for k in key) or not all(
            p.prim is NONZERO for p in parts if p.type is not None)):
        # (A boolean mask's indices are distinct: x[x < 0] = 0.0 is well defined.)
        raise low.src.error(
            "assigning through an integer-array index (not yet): with repeated indices the "
            "result depends on which write comes last", target)
    assert isinstance(target.value, ast.Name)
    name = target.value.id
    new = low.b.apply("index_set", current, value, *parts, attrs=(key,))
    _rebind_aliases(low, name, current, new)
    low.bind(name, new, stmt)


def _rebind_aliases(low: Frame, name: str, current: Node, new: Node) -> None:
    """After ``b = out``, ``out[0] = v`` (or ``out += v``) changes b's array too."""
    for other in low.array_aliases.get(name, ()):
        if other != name and low.env.get(other) is current:
            low.env[other] = new
            low.assigned[other] = None


_SYMBOLS: dict[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@",
}


def augmented_name(low: Frame, stmt: ast.AugAssign, current: Node) -> None:
    """``name += value`` (or another operator) where `name` holds an array: NumPy updates
    that array in place, so this is checked as an assignment into it is (not into an
    argument, a view, or an array a name from outside shares), names of the same array
    see the new value, and the array keeps its shape and dtype."""
    assert isinstance(stmt.target, ast.Name)
    name = stmt.target.id
    symbol = _SYMBOLS.get(type(stmt.op), "?")
    _check_writable(low, name, current, stmt.target,
                    f"write {name} = {name} {symbol} ... for a new array")
    new = binop(low, stmt.op, current, low.expr(stmt.value), stmt)
    have, get = current.type, new.type
    if get is None or get.ndim > have.ndim or any(
            d == 1 and e not in (1, None) for d, e in zip(have.dims, get.dims[-have.ndim:],
                                                         strict=True)):
        raise low.src.error(
            f"{name} {symbol}= ...: the result does not fit in {name!r}, an array of "
            f"{have} (NumPy raises; write {name} = {name} {symbol} ... for a new array)",
            stmt)
    if get.dtype != have.dtype:
        if not have.dtype.startswith("float"):
            raise low.src.error(
                f"{name} {symbol}= ... cannot write {get.dtype} values into {name!r}, an "
                f"array of {have.dtype} (NumPy raises)", stmt)
        new = low.b.apply("astype_like", new, current)  # float32 stays float32
    _rebind_aliases(low, name, current, new)
    low.bind(name, new, stmt)


def _target(low: Frame, target: ast.Subscript) -> Node:
    """The array assigned into, checked to be one the function made and no other name
    shares."""
    if isinstance(target.value, ast.Attribute):
        raise low.src.error(
            f"assigning into {unparse(target.value)}[...] changes an object's data, "
            "which symdiff does not support (the caller would see the change): copy it "
            "first (x = np.array(self.x))", target)
    if not isinstance(target.value, ast.Name):
        raise low.src.error(
            "unsupported assignment target: only name[...] = value (write X[i, j] for "
            "X[i][j])", target)
    name = target.value.id
    current = names.lookup(low, name, target.value)
    if not is_array(current):
        if isinstance(current, Keywords):
            raise low.src.error(
                f"unsupported construct: changing the dict {name!r} in place; make a new "
                f"one instead ({name} = {{**{name}, \"key\": value}})", target)
        what = "a list" if is_sequence(current) else "a list or tuple" if isinstance(
            current, tuple) else "a number"
        raise low.src.error(
            f"unsupported assignment target: {name}[...] = ... where {name!r} is {what} "
            "(only into an array the function made)", target)
    _check_writable(low, name, current, target, f"assign into a copy: {name} = {name}.copy()")
    return current


def _check_writable(low: Frame, name: str, current: Node, where: ast.AST,
                    instead: str) -> None:
    """A located error unless `name`'s array, `current`, is one the function made, that no
    other name shares: an argument (or a view of one), data from outside the function,
    an array a called function was passed, a view of another array. `instead` says what
    to write instead."""
    arrays = _arrays(low, current)
    argument = next((a for a in arrays if a.op == Op.PARAM), None)
    if argument is not None:
        chain = [_origin(low, current)]
        while _viewed(chain[-1]) is not None:
            chain.append(_origin(low, _viewed(chain[-1])))  # type: ignore[arg-type]
        how = "is" if chain[0] is argument else "is a view of" if argument in chain else \
            "may be (after an if or a loop) or view"
        raise low.src.error(
            f"assigning into {name!r} would change the caller's data: {name!r} {how} the "
            f"argument {argument.attrs[0]!r} ({instead})", where)
    outside = next((a for a in arrays if a.op == Op.GLOBAL), None)
    if outside is not None:
        read = global_name(outside.attrs)
        what = repr(name) if name == read else f"{name!r} (it is or may be {read!r})"
        if name == read:
            instead = f"assign into a copy under another name: copy = {name}.copy()"
        raise low.src.error(
            f"assigning into {what} would change data from outside the function "
            f"({instead})", where)
    root = low
    while root.parent is not None:
        root = root.parent
    if arrays & root.passed:
        raise low.src.error(
            f"a called function cannot change {name!r} in place: it did not make it, so its "
            f"caller would see the change (not supported yet; {instead})", where)
    if _viewed(current) is not None:
        raise low.src.error(
            f"assigning into {name!r}, a view of another array, would change that array "
            "too (not supported): assign into the array itself, or into a copy", where)
    _no_sharing(low, name, current, arrays, where)


def _no_sharing(low: Frame, name: str, current: Node, arrays: set[Node],
                where: ast.AST) -> None:
    """A located error when another visible name may hold one of `arrays` (the arrays of
    the outermost frame that `name`'s array may be or be a view of), or a view of one:
    NumPy would change it too. A name of this frame holding the very same value is
    rebound along with `name` instead (see `assign`)."""
    seen = {name}
    frame: Frame | None = low
    while frame is not None:
        for other, value in frame.env.items():
            if other in seen or not other.isidentifier():
                continue
            seen.add(other)
            if not is_array(value):
                continue
            if value is current if frame is low else _origin(frame, value) is _origin(
                    low, current):
                if frame is low or other not in frame.array_aliases.get(name, ()):
                    continue  # rebound with name (b = a), or computed alike but not the same
                raise low.src.error(
                    f"assigning into {name!r} would change {other!r} too, the same array "
                    f"from outside this loop or branch (not supported): make {other!r} a "
                    f"copy ({other} = {name}.copy())", where)
            if _arrays(frame, value) & arrays:
                what = "a view of it" if _viewed(value) is not None else "the same array"
                raise low.src.error(
                    f"assigning into {name!r} would change {other!r} too ({what}, or it "
                    f"may be): not supported; make {other!r} a copy ({other}.copy())", where)
        frame = frame.parent


def _viewed(node: Node) -> Node | None:
    """The array `node` is a view of, if it is one."""
    if node.prim is not None and (node.prim.view and (node.prim is not INDEX or may_alias(node))
                                  or node.prim.shares):
        return node.args[0]
    return None


def _arrays(frame: Frame, node: Node) -> set[Node]:
    """The values of the outermost frame whose memory `node`, a value of `frame`, may
    share: itself, the arrays it is a view of, and for a value a branch or a loop gives,
    the arrays from before it that a branch or zero iterations pass on."""
    found: set[Node] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n in found:
            continue
        found.add(n)
        base = _viewed(n)
        if base is not None:
            stack.append(base)
        elif n.op == Op.PROJ and n.args[0].op == Op.COND:
            region = n.args[0]
            for branch in region.attrs[0].branches:
                out = branch.outputs[n.attrs[0]]
                while _viewed(out) is not None:
                    out = out.args[0]
                if out in branch.params:
                    stack.append(region.args[1 + branch.params.index(out)])
        elif n.op == Op.PROJ and n.args[0].op == Op.LOOP:
            region = n.args[0]
            inits = loop_args(region).inits
            if n.attrs[0] < len(inits):
                stack.append(inits[n.attrs[0]])
    return {_origin(frame, n) for n in found}


def _origin(frame: Frame, node: Node) -> Node:
    """The value of the outermost frame that `node`, a value of `frame`, stands for
    (through captures by branches and loop bodies, and a loop's carried values)."""
    while frame.parent is not None:
        outer = _step_out(frame, node)
        if outer is None:
            break
        node, frame = outer, frame.parent
    return node


def _lookup(frame: Frame | None, name: str) -> Any:
    while frame is not None:
        if name in frame.env:
            return frame.env[name]
        frame = frame.parent
    return None


# Unpacking and iteration --------------------------------------------------------------


def unpack(low: Frame, x: Node, n: int, where: ast.AST) -> tuple[Node, ...]:
    """``a, b, ... = x``: the first `n` items of `x`'s first axis, which must have exactly
    `n` (checked when the code runs if its length is known only then)."""
    t = x.type
    if t.ndim == 0:
        raise low.src.error("cannot unpack a 0-d array", where)
    length = t.dims[0]
    if length is not None and length != MANY and length != n:
        raise low.src.error(f"cannot unpack an array of length {length} into {n} names",
                            where)
    if length is None or length == MANY:
        low.b.apply("check_len", x, attrs=(n,))
    return tuple(item(low.b, x, k) for k in range(n))


def length(low: Frame, x: Node, where: ast.AST) -> Node:
    """The length of `x`'s first axis, for a loop over it."""
    if x.type.ndim == 0:
        raise low.src.error("iteration over a 0-d array", where)
    return low.b.apply("size", x, attrs=((0,),))


# Copies -------------------------------------------------------------------------------


@HANDLERS.function("copy")
@HANDLERS.method("copy")
def _copy(low: Frame, args: Arguments, name: str) -> Node:
    node = args.array("a")
    return node if node.type is None else low.b.new("copy", node)


# Taking -------------------------------------------------------------------------------


@HANDLERS.function("take")
@HANDLERS.method("take")
def _take(low: Frame, args: Arguments, name: str) -> Node:
    return take(low, args["a"], args["indices"], args["axis"], args.call)


def take(low: Frame, x: Any, indices: Any, axis: Any, e: ast.Call) -> Node:
    """``np.take(x, indices, axis)``: `x` indexed by `indices` along `axis` (None: the
    flattened `x`)."""
    x = array_of(low, x, "take", e)
    if axis is None:
        x, a = ravel(low, x, e), 0
    else:
        a = one_axis(low, axis, x.type.ndim, e)
    parts: list[Node] = []
    if isinstance(indices, (list, tuple)):
        if not all(isinstance(i, Node) and i.is_const and type(i.value) is int
                   for i in indices):
            raise low.src.error("np.take(): a list of indices must hold constant ints here "
                                "(use an integer array for computed indices)", e)
        item: tuple[Any, ...] = ("list", tuple(i.value for i in indices))
    else:
        item = _scalar_or_array(low, indices, parts, e)
    return read(low, x, (*(FULL,) * a, item), parts, e)
