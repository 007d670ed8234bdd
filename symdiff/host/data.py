"""Data a derivative reads from the user's globals and closures: what its code was
built for, and the test that the data still fits.

Contract (this module imports nothing above `host`, and NumPy only if the program has):

- `layout(value)` is what code built on `value` depends on, or None when `value` is not
  data symdiff reads: an ndarray of floats (float16, float32, float64), integers or
  bools (`is_data_dtype`) (its dtype, rank and
  which axes have length one: all broadcasting depends on, as for arguments), a number
  (its class; an int or bool its value too, which the code may be built on: an axis),
  a str (its value: the code compares it while compiling), a list or
  tuple of data (its class and length), a dict with str keys of data (its keys in
  order: the code may iterate over them), an object of a user's class (`is_object`:
  its class, and its attributes' names in order, each with its layout, None for an
  attribute that is not data: the code reads attributes as a dict's items, and calls
  its class's methods). Lengths of axes are not part of it: the code reads them when
  it runs. At most `MAX_LEAVES` numbers, strings and arrays in all.
- Layouts are hashable, equal exactly when the values fit the same code, and `str`
  gives a stable text (for the disk-cache key).
- `fits(layout, read, namespace, local)` is an ``ast`` expression, true when the value
  the expression `read` evaluates to has `layout` (attribute reads and comparisons, and
  the length of a list or keys of a dict or attributes of an object before its items
  are read). It evaluates
  `read` once, into the variable `local`, and binds the objects it compares in
  `namespace`.
- `array_tests(read, dtype, ones, namespace)` is the same test's part for an ndarray
  (its dtype, rank and which axes have length one), for argument checks too.
- `shapes(value)` is the exact shapes and dtypes of the arrays in `value`: what a plan
  sized from them (a Jacobian's seeds) depends on besides the layout.
"""

from __future__ import annotations

import ast
import numbers
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_LEAVES", "MISSING", "Layout", "ObjectLayout", "class_lookup",
           "fits", "is_data_dtype", "is_object", "is_user_class", "layout", "shapes"]

# Each number and array is a test in every call's check and a value in the IR.
MAX_LEAVES = 64
MAX_DEPTH = 8


@dataclass(frozen=True)
class ArrayLayout:
    """An ndarray: its dtype name and, per axis, whether its length is one."""

    dtype: str
    ones: tuple[bool, ...]

    def __str__(self) -> str:
        return f"{self.dtype}[{','.join('1' if o else 'n' for o in self.ones)}]"


@dataclass(frozen=True)
class NumberLayout:
    """A number of class `cls` (``float``, ``int``, ``numpy.float64``...); for an int or
    bool, its `value` too: code may be built on it (an axis), not only read it."""

    cls: type
    value: numbers.Integral | None = None

    def __str__(self) -> str:
        name = f"{self.cls.__module__}.{self.cls.__qualname__}"
        return name if self.value is None else f"{name}={int(self.value)}"


@dataclass(frozen=True)
class SequenceLayout:
    """A list or tuple (`cls`) of the items' layouts."""

    cls: type
    items: tuple[Layout, ...]

    def __str__(self) -> str:
        return f"{self.cls.__name__}({', '.join(map(str, self.items))})"


@dataclass(frozen=True)
class DictLayout:
    """A dict with str keys, its items in order."""

    items: tuple[tuple[str, Layout], ...]

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in self.items) + "}"


@dataclass(frozen=True)
class TextLayout:
    """A str: a mode the code chose its branches by while compiling."""

    value: str

    def __str__(self) -> str:
        return repr(self.value)


@dataclass(frozen=True)
class ObjectLayout:
    """An object of the user's class `cls`: its attributes (``vars(obj)``) in order,
    each with its layout, or None for one that is not data."""

    cls: type
    items: tuple[tuple[str, Layout | None], ...]

    def get(self, name: str) -> tuple[bool, Layout | None]:
        """(whether the object has the attribute `name` itself, its layout)."""
        for key, item in self.items:
            if key == name:
                return True, item
        return False, None

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={'?' if v is None else v}" for k, v in self.items)
        return f"{self.cls.__module__}.{self.cls.__qualname__}({shown})"


Layout = ArrayLayout | NumberLayout | TextLayout | SequenceLayout | DictLayout | ObjectLayout

# The packages whose objects are not the user's: their attributes are no data the user's
# code reads (a custom rule of symdiff's, a NumPy or SciPy object, a partial).
_LIBRARIES = frozenset({"builtins", "functools", "numpy", "scipy", "sympy", "symdiff", "jax",
                        "torch", "pandas", "abc", "enum", "typing", "weakref"})


def is_user_class(cls: Any) -> bool:
    """Whether `cls` is a class of the user's: a class of no library (nor a metaclass)."""
    if not isinstance(cls, type) or issubclass(cls, type):
        return False
    module = getattr(cls, "__module__", None)
    return isinstance(module, str) and module.partition(".")[0] not in _LIBRARIES


def is_object(value: Any) -> bool:
    """Whether `value` is an object of a user's class (see `is_user_class`) with a
    ``__dict__`` (one of a class with ``__slots__`` only is not)."""
    return is_user_class(value.__class__) and isinstance(getattr(value, "__dict__", None), dict)


MISSING = object()  # what `class_lookup` finds for a name no class defines


def class_lookup(cls: type, name: str) -> Any:
    """What ``cls.name`` finds, as the class dicts hold it (a ``staticmethod`` as
    itself, not called or bound), or `MISSING`."""
    for klass in cls.__mro__:
        found = vars(klass).get(name, MISSING)
        if found is not MISSING:
            return found
    return MISSING


def layout(value: Any, limit: int = MAX_LEAVES) -> Layout | None:
    """The layout of `value`, or None when it is not data (see the module doc); `limit`
    bounds its leaves (an argument's pytree may have more than free data)."""
    return _layout(value, _Walk(limit), 0)


class _Walk:
    """What a walk of a value has seen: how many leaves, which objects it is inside."""

    __slots__ = ("leaves", "limit", "inside")

    def __init__(self, limit: int) -> None:
        self.leaves = 0
        self.limit = limit
        self.inside: set[int] = set()


def _layout(value: Any, walk: _Walk, depth: int) -> Layout | None:
    cls = value.__class__
    if cls in (list, tuple, dict):
        if depth >= MAX_DEPTH or not value or len(value) > walk.limit:
            return None
        if cls is dict:
            if not all(k.__class__ is str for k in value):
                return None
            found = tuple((k, _layout(v, walk, depth + 1)) for k, v in value.items())
            ok = all(v is not None for _, v in found)
            return DictLayout(found) if ok else None  # type: ignore[arg-type]
        items = tuple(_layout(v, walk, depth + 1) for v in value)
        ok = all(v is not None for v in items)
        return SequenceLayout(cls, items) if ok else None  # type: ignore[arg-type]
    if not (_is_number(value) or cls is str or cls.__name__ == "ndarray") and is_object(value):
        if depth >= MAX_DEPTH or len(value.__dict__) > walk.limit or id(value) in walk.inside:
            return None  # (an object inside itself is not data: no code reads a cycle)
        walk.inside.add(id(value))
        attrs = tuple((k, _layout(v, walk, depth + 1)) for k, v in vars(value).items())
        walk.inside.discard(id(value))
        return ObjectLayout(cls, attrs)
    walk.leaves += 1
    if walk.leaves > walk.limit:
        return None
    np = sys.modules.get("numpy")
    if np is not None and cls is np.ndarray:
        dtype = value.dtype
        if not is_data_dtype(dtype):
            return None
        return ArrayLayout(str(dtype), tuple(d == 1 for d in value.shape))
    if _is_number(value):
        return NumberLayout(cls, value if isinstance(value, numbers.Integral) else None)
    if cls is str:
        return TextLayout(value)
    return None


def is_data_dtype(dtype: Any) -> bool:
    """Whether symdiff reads arrays of NumPy dtype `dtype`: floats (float16, float32,
    float64, computed in their own precision, as NumPy does), integers, and bools
    (masks)."""
    kind = dtype.kind
    return kind in "iub" or (kind == "f" and dtype.itemsize in (2, 4, 8))


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real)


def array_tests(read: ast.expr, dtype: Any, ones: Sequence[bool], namespace: dict[str, Any]
                ) -> list[ast.expr]:
    """Tests that the ndarray `read` evaluates to (its class tested already) has `dtype`,
    rank ``len(ones)`` and length one exactly on the axes `ones` marks; `read` is
    evaluated once per test."""
    import numpy as np

    # NumPy's dtypes of a kind are one object: `is` is the cheap test, `==` the exact one.
    expected = _bind(namespace, np.dtype(dtype))
    read_dtype = ast.Attribute(read, "dtype", ast.Load())
    tests: list[ast.expr] = [
        ast.BoolOp(ast.Or(), [ast.Compare(read_dtype, [ast.Is()], [expected]),
                              ast.Compare(read_dtype, [ast.Eq()], [expected])]),
        ast.Compare(ast.Attribute(read, "ndim", ast.Load()), [ast.Eq()],
                    [ast.Constant(len(ones))])]
    shape = ast.Attribute(read, "shape", ast.Load())
    for i, one in enumerate(ones):
        # len(a) costs half of a.shape[0], which builds the shape's tuple.
        length = ast.Call(_bind(namespace, len), [read], []) if i == 0 else \
            ast.Subscript(shape, ast.Constant(i), ast.Load())
        tests.append(ast.Compare(length, [ast.Eq() if one else ast.NotEq()],
                                 [ast.Constant(1)]))
    return tests


def fits(found: Layout, read: ast.expr, namespace: dict[str, Any], local: str) -> ast.expr:
    """True when the value `read` evaluates to (into `local`) has the layout `found`."""
    tests: list[ast.expr] = []
    first = ast.NamedExpr(ast.Name(local, ast.Store()), read)
    pending: list[tuple[Layout, ast.expr]] = [(found, ast.Name(local, ast.Load()))]
    while pending:
        lay, expr = pending.pop(0)
        cls = _class_of(lay)
        tests.append(ast.Compare(ast.Attribute(first if not tests else expr, "__class__",
                                               ast.Load()), [ast.Is()], [_bind(namespace, cls)]))
        if isinstance(lay, ArrayLayout):
            tests += array_tests(expr, lay.dtype, lay.ones, namespace)
        elif isinstance(lay, TextLayout):
            tests.append(ast.Compare(expr, [ast.Eq()], [ast.Constant(lay.value)]))
        elif isinstance(lay, NumberLayout) and lay.value is not None:
            tests.append(ast.Compare(expr, [ast.Eq()], [ast.Constant(int(lay.value))]))
        elif isinstance(lay, SequenceLayout):
            size = ast.Call(_bind(namespace, len), [expr], [])
            tests.append(ast.Compare(size, [ast.Eq()], [ast.Constant(len(lay.items))]))
            for i, item in enumerate(lay.items):
                pending.append((item, ast.Subscript(expr, ast.Constant(i), ast.Load())))
        elif isinstance(lay, DictLayout):
            keys = ast.Call(_bind(namespace, tuple), [expr], [])
            order = ast.Tuple([ast.Constant(k) for k, _ in lay.items], ast.Load())
            tests.append(ast.Compare(keys, [ast.Eq()], [order]))
            for key, item in lay.items:
                pending.append((item, ast.Subscript(expr, ast.Constant(key), ast.Load())))
        elif isinstance(lay, ObjectLayout):
            attrs = ast.Call(_bind(namespace, tuple),
                             [ast.Attribute(expr, "__dict__", ast.Load())], [])
            order = ast.Tuple([ast.Constant(k) for k, _ in lay.items], ast.Load())
            tests.append(ast.Compare(attrs, [ast.Eq()], [order]))
            for key, held in lay.items:
                if held is not None:  # not data: the code does not read it
                    pending.append((held, ast.Attribute(expr, key, ast.Load())))
    return tests[0] if len(tests) == 1 else ast.BoolOp(ast.And(), tests)


def _class_of(lay: Layout) -> type:
    if isinstance(lay, ArrayLayout):
        return sys.modules["numpy"].ndarray  # type: ignore[no-any-return]
    if isinstance(lay, DictLayout):
        return dict
    if isinstance(lay, TextLayout):
        return str
    return lay.cls


def _bind(namespace: dict[str, Any], value: Any) -> ast.expr:
    """A name in `namespace` for `value` (one per object)."""
    for name, bound in namespace.items():
        if name.startswith("_symdiff_data") and bound is value:
            return ast.Name(name, ast.Load())
    name = f"_symdiff_data{sum(1 for n in namespace if n.startswith('_symdiff_data'))}"
    namespace[name] = value
    return ast.Name(name, ast.Load())


def shapes(value: Any) -> tuple[Any, ...]:
    """The shape and dtype of each array in `value` (data or not), in order."""
    found: list[Any] = []
    pending = [value]
    seen: set[int] = set()  # objects walked already: attributes may form a cycle
    np = sys.modules.get("numpy")
    while pending:
        v = pending.pop()
        if is_object(v):
            if id(v) not in seen:
                seen.add(id(v))
                pending.extend(vars(v).values())
        elif isinstance(v, dict):
            pending.extend(v.values())
        elif isinstance(v, list | tuple):
            pending.extend(v)
        elif np is not None and isinstance(v, np.ndarray):
            found.append((v.shape, v.dtype))
    return tuple(found)
