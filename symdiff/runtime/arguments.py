"""Checking the arguments of a call of a transform: one set of rules and messages for
every entry point (the dispatcher of `grad` and `value_and_grad`, `jvp`, `vjp`, the
Jacobians, `hessian` and `hvp`).

Contract:
- `bind(where, params, defaults, args, kwargs)` gives the positional arguments of a
  call of the user's function: keyword arguments put in their places and the
  parameters left out filled in from their defaults, as Python binds them; a missing
  or surplus argument raises `TypeError`.
- `convert(where, params, i, value, differentiated=..., as_list=...)` gives argument
  `i` as generated code takes it: a float, an int (kept where it is not
  differentiated: it may count loop trips), an array of floats (float16, float32,
  float64) or integers (promoted to float where differentiated), or of bools where it
  is not differentiated (a mask), a list of numbers where the function uses the
  parameter as a list, or a function, a bool, a str, None, an object of a user's
  class or such a class (`host.data.is_object`) where it is not differentiated, or a
  pytree (`is_tree`: a dict, or a tuple or list holding arrays or containers) of
  numbers and arrays, each leaf converted so, specialised on its `tree_layout`.
  Anything else raises `TypeError` naming the transform and function (`where`), the
  parameter and its position (or the tangent of it; for a pytree, the leaf's path),
  and what is supported. Messages are built only then.
- `static_argument(where, params, i, value)` gives argument `i` of a position declared
  static (``static_argnums``): the code is compiled per value, so it must be hashable
  (`TypeError` otherwise, as JAX raises) and a number, str, bool, None or tuple of them
  (a constant in the code: NumPy numbers become Python ones), or a function.
- `Checker` does both for every argument of a call, with what they need about one
  transform of one function worked out once.
- `Cotangents(out)` checks the cotangent given to ``vjp_fn`` for the output `out`:
  the structure of `out` (tuples, lists, dicts) and, leaf by leaf, its shape (an array of the
  same shape for an array, a number or a 0-d array for a number), as JAX does; it
  gives the leaves as generated code takes them, or raises `ValueError` naming the
  expected and given shapes (`TypeError` for what is no number or array).
- `zero_like(value)` is the zero tangent of an argument: of its form, array, list or
  pytree.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Collection, Sequence
from typing import Any

from symdiff.host import pytrees
from symdiff.host.data import is_data_dtype, is_object, is_user_class
from symdiff.host.pytrees import is_container

SUPPORTED = "a real number (float or int) or an array"


def is_array(value: Any) -> bool:
    """A NumPy array (told without importing NumPy)."""
    return type(value).__name__ == "ndarray" and type(value).__module__ == "numpy"


def is_tree(value: Any) -> bool:
    """A pytree argument (`host.pytrees`): a dict, or a tuple or list holding an array
    or a container (a list or tuple of numbers is a sequence the code indexes)."""
    cls = value.__class__
    if cls is dict:
        return True
    return (cls is tuple or cls is list) and any(is_array(v) or is_container(v)
                                                 for v in value)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


# At most this many numbers and arrays in one pytree argument: each is a parameter of
# the generated code and a test in every call's check.
TREE_LEAVES = 1024


def tree_layout(value: Any) -> Any:
    """The `host.data` layout of a converted pytree argument: what its code depends on."""
    from symdiff.host.data import layout

    return layout(value, TREE_LEAVES)


def _tree(where: str, what: str, value: Any, differentiated: bool) -> Any:
    """A pytree argument with each leaf converted: a float, an int (kept where it is not
    differentiated), a float32, float64 or integer array (promoted to float where
    differentiated); anything else raises `TypeError` naming the leaf's path."""
    from symdiff.host.data import MAX_DEPTH

    try:
        found, treedef = pytrees.flatten(value)
    except TypeError as error:
        raise TypeError(f"{where}: {what} is {error}") from None
    converted = []
    for path, leaf in zip(pytrees.paths(treedef), found, strict=True):
        at = f"{what}, at {pytrees.path_text(path)},"
        if type(leaf) is float:
            converted.append(leaf)
        elif is_array(leaf):
            kind = leaf.dtype.kind
            if kind not in "fiu" or (kind == "f" and leaf.dtype.itemsize not in (4, 8)):
                raise TypeError(f"{where}: {at} is an array of {leaf.dtype}; symdiff takes "
                                "float32, float64 and integer arrays")
            converted.append(leaf.astype(float) if differentiated and kind != "f" else leaf)
        elif _is_number(leaf):
            converted.append(float(leaf) if differentiated else leaf)
        else:
            raise TypeError(f"{where}: {at} is {_describe(leaf)}; a dict, tuple or list "
                            "argument holds real numbers (float or int) and arrays, in "
                            "dicts, tuples and lists")
    result = pytrees.unflatten(treedef, converted)
    if tree_layout(result) is None:
        raise TypeError(
            f"{where}: {what} is {pytrees.describe_value(value)}: symdiff takes dicts (str "
            f"keys), tuples and lists that are not empty, nest at most {MAX_DEPTH} levels "
            f"deep and hold at most {TREE_LEAVES} numbers and arrays")
    return result


def is_function(value: Any) -> bool:
    """A function argument (a class is not one: ``float`` is a type, not code)."""
    return callable(value) and not isinstance(value, type)


def no_tangent(value: Any) -> bool:
    """Whether an argument has no tangent (None in `jvp`): a function, an object or a
    class of the user's."""
    return is_function(value) or is_object(value) or is_user_class(value)


def label(kind: str, fn: Callable[..., Any]) -> str:
    """``"grad of 'f'"``: how messages name a transform of the user's function."""
    return f"{kind} of {getattr(fn, '__name__', 'the function')!r}"


def argument(params: Sequence[str] | None, i: int, tangent: bool = False) -> str:
    """``"argument 'x' (position 0)"``, or ``"the tangent of argument 'x' ..."``."""
    what = (f"argument {params[i]!r} (position {i})" if params is not None and i < len(params)
            else f"argument at position {i}")
    return f"the tangent of {what}" if tangent else what


def static_argument(where: str, params: Sequence[str] | None, i: int, value: Any) -> Any:
    """Argument `i` of a position declared static (see the module doc)."""
    if is_function(value):
        return value  # inlined, compiled per function, as anywhere
    try:
        hash(value)
    except TypeError:
        hint = "; pass a tuple" if isinstance(value, list) else ""
        raise TypeError(
            f"{where}: {argument(params, i)} is static (static_argnums or static_argnames), "
            f"and non-hashable static arguments are not supported: the code is compiled "
            f"and cached per value, got an unhashable {type(value).__name__}{hint}") from None
    constant = _constant(value, 0)
    if constant is _NOT_CONSTANT:
        raise TypeError(
            f"{where}: {argument(params, i)} is static (static_argnums or static_argnames), "
            "so its value is compiled in as a constant: a number, a str, a bool, None or a "
            f"tuple of them, got {type(value).__name__}")
    return constant


_NOT_CONSTANT = object()
_MAX_DEPTH = 8


def _constant(value: Any, depth: int) -> Any:
    """`value` as a constant of the code (NumPy numbers as Python ones), or
    `_NOT_CONSTANT`."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, tuple) and depth < _MAX_DEPTH:
        items = tuple(_constant(v, depth + 1) for v in value)
        return _NOT_CONSTANT if any(v is _NOT_CONSTANT for v in items) else items
    return _NOT_CONSTANT


class Checker:
    """The check of the arguments of calls of one transform of one function: `bind`,
    then `convert` each argument (`differentiated` positions promoted to floats), or
    `static_argument` for the positions declared `static`. Without `statics`, the
    arguments given (all differentiated, as in `jvp`) may not be flags or modes;
    defaults may. `lists` gives the positions the function uses as lists; it reads the
    function's source, so it is asked on the first call."""

    def __init__(self, where: str, fn: Callable[..., Any], params: Sequence[str] | None,
                 defaults: tuple[Any, ...] | None, differentiated: Collection[int],
                 lists: Callable[[], frozenset[int]], statics: bool = True,
                 static: Collection[int] = ()) -> None:
        self.where = where
        self.statics = statics
        self.static = frozenset(static)
        self.fn = fn
        self.params = params
        self.defaults = defaults
        self.differentiated = frozenset(differentiated)
        self._lists = lists
        self.lists: frozenset[int] | None = None

    def __call__(self, args: Sequence[Any], kwargs: dict[str, Any] | None = None
                 ) -> tuple[Any, ...]:
        if self.lists is None:
            self.lists = self._lists()
        params, lists, diff = self.params, self.lists, self.differentiated
        given = 0 if self.statics else len(args)  # positions that may not be static
        if kwargs or params is None or len(args) != len(params):
            args = bind(self.where, self.fn, params, self.defaults, args, kwargs)
        static = self.static
        return tuple(static_argument(self.where, params, i, a) if i in static else
                     convert(self.where, params, i, a, differentiated=i in diff,
                             as_list=i in lists, static=i >= given)
                     for i, a in enumerate(args))


def bind(
    where: str, fn: Callable[..., Any], params: Sequence[str] | None,
    defaults: tuple[Any, ...] | None, args: Sequence[Any],
    kwargs: dict[str, Any] | None = None,
) -> tuple[Any, ...]:
    """The positional arguments of a call of `fn` (see the module doc)."""
    kwargs = kwargs or {}
    if params is None:  # *args, keyword-only parameters or a builtin: as given
        if kwargs:
            raise TypeError(f"{where}: keyword arguments are not supported for this "
                            f"function; pass {', '.join(kwargs)} by position")
        return tuple(args)
    name = getattr(fn, "__name__", "the function")
    if len(args) > len(params):
        raise TypeError(
            f"{where}: {name!r} takes {len(params)} positional "
            f"argument{'s' if len(params) != 1 else ''}, got {len(args)}")
    values: list[Any] = list(args)
    first_default = len(params) - len(defaults or ())
    for i in range(len(args), len(params)):
        if params[i] in kwargs:
            values.append(kwargs[params[i]])
        elif i >= first_default:
            values.append(defaults[i - first_default])  # type: ignore[index]
        else:
            raise TypeError(f"{where}: missing {argument(params, i)}, which has no default")
    for key in kwargs:
        if key not in params:
            raise TypeError(f"{where}: {name!r} got an unexpected keyword argument {key!r}")
        if params.index(key) < len(args):
            raise TypeError(f"{where}: {name!r} got multiple values for argument {key!r}")
    return tuple(values)


def convert(where: str, params: Sequence[str] | None, i: int, value: Any, *,
            differentiated: bool, as_list: bool = False, tangent: bool = False,
            static: bool = True) -> Any:
    """Argument `i` (or its tangent) as generated code takes it (see the module doc);
    `static`: whether a bool or str may be a flag or mode here."""
    if type(value) is float and not as_list:
        return value
    if (is_object(value) or is_user_class(value)) and not as_list:
        if differentiated or tangent:
            raise TypeError(
                f"{where}: {argument(params, i, tangent)} is "
                f"{'a class' if is_user_class(value) else 'an object'} "
                f"({type(value).__name__ if is_object(value) else value.__name__}): its "
                "attributes are data, read when the code runs, not differentiated; "
                "differentiate with respect to numbers and arrays")
        return value  # its class's code is inlined; its attributes are read as data
    if is_function(value) and not differentiated and not as_list:
        return value  # inlined where the function calls it; compiled per function
    if (type(value) is bool or type(value) is str or value is None) and static and not (
            differentiated or tangent or as_list):
        return value  # a flag, a mode or None (an optional argument): compiled per value
    # An array comes before a list: the function may index or iterate either.
    if is_array(value):
        kind = value.dtype.kind
        if not is_data_dtype(value.dtype):
            raise TypeError(f"{where}: {argument(params, i, tangent)} is an array of "
                            f"{value.dtype}; symdiff takes arrays of floats (float16, "
                            "float32, float64), integers and bools")
        if kind == "b" and (differentiated or tangent):
            raise TypeError(f"{where}: {argument(params, i, tangent)} is an array of bool "
                            "(a mask), which has no derivative: do not differentiate it "
                            "(leave it out of argnums, or read it from outside the "
                            "function)")
        return value.astype(float) if differentiated and kind != "f" else value
    if is_tree(value):
        return _tree(where, argument(params, i, tangent), value, differentiated)
    unsupported = _unsupported(value)
    if unsupported:
        raise TypeError(f"{where}: {argument(params, i, tangent)} {unsupported}")
    if as_list:
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise TypeError(f"{where}: {argument(params, i, tangent)} is used as a list, so "
                            f"it must be a list or tuple of numbers, got "
                            f"{type(value).__name__}")
        items = []
        for k, v in enumerate(value):
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"{where}: {argument(params, i, tangent)} is a list whose "
                                f"items must be real numbers (float or int), got "
                                f"{type(v).__name__} at index {k}")
            items.append(float(v) if differentiated else v)
        return items
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        got = type(value).__name__
        if isinstance(value, (list, tuple)):
            got += " (the function uses this argument as a number or an array)"
        elif is_function(value):
            got += " (a function argument cannot be differentiated)"
        raise TypeError(f"{where}: {argument(params, i, tangent)} must be {SUPPORTED}, "
                        f"got {got}")
    return float(value) if differentiated else value


class Cotangents:
    """The check of the cotangents of the output `out` (see the module doc)."""

    def __init__(self, out: Any) -> None:
        self.out = out
        # A single output, the common case, is checked first: a number, or an array's
        # type and shape.
        single = not is_container(out)
        self.number = single and not (is_array(out) and out.ndim)
        self.array = (type(out), out.shape) if single and not self.number else None

    def __call__(self, cotangent: Any) -> list[Any]:
        if self.number and type(cotangent) is float:
            return [cotangent]
        if self.array is not None and type(cotangent) is self.array[0] \
                and cotangent.shape == self.array[1] and cotangent.dtype.kind == "f":
            return [cotangent]
        flat: list[Any] = []
        _flatten(self.out, cotangent, flat, ())
        return flat


def _flatten(out: Any, cotangent: Any, flat: list[Any], path: Path) -> None:
    """Append the leaves of `cotangent`, checked against those of `out` (a tuple's
    cotangent may be a list, a list's a tuple; a dict's has its keys, in any order)."""
    stack = [(out, cotangent, path)]
    while stack:
        o, c, here = stack.pop()
        parts = _matching(o, c) if is_container(o) else None if is_container(c) else ()
        if parts is None:
            raise ValueError(
                f"vjp_fn: {_leaf_name(here)} must have the structure of the output "
                f"{_structure(o)}, got {_describe(c)}")
        if parts:
            stack.extend((oo, cc, (*here, k)) for k, oo, cc in reversed(parts))
        elif not is_container(o):
            flat.append(_leaf(o, c, here))


def _matching(out: Any, cotangent: Any) -> list[tuple[str | int, Any, Any]] | None:
    """The items of the container `out` with those of `cotangent`, or None when
    `cotangent` is no container of that structure."""
    if out.__class__ is dict:
        if cotangent.__class__ is not dict or cotangent.keys() != out.keys():
            return None
        return [(k, v, cotangent[k]) for k, v in out.items()]
    if cotangent.__class__ not in (tuple, list) or len(cotangent) != len(out):
        return None
    return [(k, o, c) for k, (o, c) in enumerate(zip(out, cotangent, strict=True))]


Path = tuple[str | int, ...]


def _leaf(out: Any, cotangent: Any, path: Path) -> Any:
    """The cotangent of the output leaf `out` as generated code takes it."""
    if not (is_array(cotangent) and cotangent.dtype.kind in "fiu") and (
            isinstance(cotangent, bool) or not isinstance(cotangent, numbers.Real)):
        raise TypeError(
            f"vjp_fn: {_leaf_name(path)} must be a number or an array of numbers, got "
            f"{_describe(cotangent)}")
    if is_array(out) and out.ndim:
        if not is_array(cotangent) or cotangent.shape != out.shape:
            name = "a cotangent" if not path else _leaf_name(path)
            whose = "the output's" if not path else f"those of output{_index(path)}"
            raise ValueError(
                f"vjp_fn: expected {name} of shape {out.shape} and dtype {out.dtype} "
                f"({whose}), got {_describe(cotangent)}")
        return cotangent if cotangent.dtype.kind == "f" else cotangent.astype(float)
    if is_array(cotangent) and cotangent.ndim:
        what = "the output is" if not path else f"output{_index(path)} is"
        raise ValueError(
            f"vjp_fn: expected a number as {_leaf_name(path)} ({what} a number), got "
            f"{_describe(cotangent)}")
    return float(cotangent)


def _leaf_name(path: Path) -> str:
    return "the cotangent" if not path else f"cotangent{_index(path)}"


def _index(path: Path) -> str:
    return "".join(f"[{k!r}]" for k in path)


def _describe(value: Any) -> str:
    if is_array(value):
        return f"an array of shape {value.shape}"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _structure(out: Any) -> str:
    found, treedef = pytrees.flatten(out)
    return pytrees.describe(treedef, lambda i: f"array{found[i].shape}" if is_array(
        found[i]) and found[i].ndim else "number")


def zero_like(value: Any) -> Any:
    """A zero tangent for the argument `value` (an int's is 0: it stays an int)."""
    if is_array(value):
        import numpy as np

        return np.zeros_like(value, dtype=value.dtype if value.dtype.kind == "f" else float)
    if is_tree(value):
        return pytrees.map_leaves(zero_like, value)
    if isinstance(value, list):
        return [0.0] * len(value)
    return 0 if type(value) is int else 0.0


def _unsupported(value: Any) -> str | None:
    """Why a container symdiff does not take is refused, or None."""
    if isinstance(value, dict | list | tuple) and not is_tree(value) and (
            value.__class__ not in (list, tuple)):
        return (f"is a {type(value).__name__}; symdiff takes dicts, tuples and lists "
                "themselves, not their subclasses (a named tuple, an OrderedDict)")
    return None
