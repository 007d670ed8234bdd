"""Checking the arguments of a call of a transform: one set of rules and messages for
every entry point (the dispatcher of `grad` and `value_and_grad`, `jvp`, `vjp`, the
Jacobians, `hessian` and `hvp`).

Contract:
- `bind(where, params, defaults, args, kwargs)` gives the positional arguments of a
  call of the user's function: keyword arguments put in their places and the
  parameters left out filled in from their defaults, as Python binds them; a missing
  or surplus argument raises `TypeError`.
- `convert(where, what, value, differentiated=..., as_list=...)` gives an argument as
  generated code takes it: a float, an int (kept where it is not differentiated: it
  may count loop trips), a float32, float64 or integer array (promoted to float where
  differentiated), a list of numbers where the function uses the parameter as a list,
  or a function where it is not differentiated. Anything else raises `TypeError`
  naming the transform and function (`where`), the parameter and its position
  (`what`, from `argument`), and what is supported; containers of arrays and dicts
  are refused as not supported yet.
- `zero_like(value)` is the zero tangent of an argument: of its form, array or list.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

from symdiff.runtime.dispatch import is_array, is_function

SUPPORTED = "a real number (float or int) or an array"


def label(kind: str, fn: Callable[..., Any]) -> str:
    """``"grad of 'f'"``: how messages name a transform of the user's function."""
    return f"{kind} of {getattr(fn, '__name__', 'the function')!r}"


def argument(params: Sequence[str] | None, i: int) -> str:
    """``"argument 'x' (position 0)"``."""
    if params is not None and i < len(params):
        return f"argument {params[i]!r} (position {i})"
    return f"argument at position {i}"


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


def convert(where: str, what: str, value: Any, *, differentiated: bool,
            as_list: bool = False) -> Any:
    """`value` as generated code takes it (see the module doc)."""
    if type(value) is float and not as_list:
        return value
    if is_function(value) and not differentiated and not as_list:
        return value  # inlined where the function calls it; compiled per function
    # An array comes before a list: the function may index or iterate either.
    if is_array(value):
        kind = value.dtype.kind
        if kind not in "fiu" or (kind == "f" and value.dtype.itemsize not in (4, 8)):
            raise TypeError(f"{where}: {what} is an array of {value.dtype}; symdiff takes "
                            "float32, float64 and integer arrays")
        return value.astype(float) if differentiated and kind != "f" else value
    unsupported = _unsupported(value)
    if unsupported:
        raise TypeError(f"{where}: {what} {unsupported}")
    if as_list:
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise TypeError(f"{where}: {what} is used as a list, so it must be a list or "
                            f"tuple of numbers, got {type(value).__name__}")
        return [_item(where, what, k, v, differentiated) for k, v in enumerate(value)]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        got = type(value).__name__
        if isinstance(value, (list, tuple)):
            got += " (the function uses this argument as a number or an array)"
        elif is_function(value):
            got += " (a function argument cannot be differentiated)"
        raise TypeError(f"{where}: {what} must be {SUPPORTED}, got {got}")
    return float(value) if differentiated else value


def zero_like(value: Any) -> Any:
    """A zero tangent for the argument `value` (an int's is 0: it stays an int)."""
    if is_array(value):
        import numpy as np

        return np.zeros_like(value, dtype=value.dtype if value.dtype.kind == "f" else float)
    if isinstance(value, list):
        return [0.0] * len(value)
    return 0 if type(value) is int else 0.0


def _unsupported(value: Any) -> str | None:
    """Why a container symdiff does not take yet is refused, or None."""
    if isinstance(value, dict):
        return "is a dict; dicts are not supported yet: pass its values as arguments of " \
               "their own"
    if isinstance(value, (list, tuple)) and any(is_array(v) for v in value):
        return "is a list of arrays; lists of arrays are not supported yet: pass one " \
               "array (np.stack them) or each array as an argument of its own"
    if isinstance(value, (list, tuple)) and any(
            isinstance(v, (list, tuple, dict)) for v in value):
        return "is a list of lists; nested lists are not supported yet: pass an array"
    return None


def _item(where: str, what: str, k: int, value: Any, differentiated: bool) -> Any:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {what} is a list whose items must be real numbers "
                        f"(float or int), got {type(value).__name__} at index {k}")
    return float(value) if differentiated else value
