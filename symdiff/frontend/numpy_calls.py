"""The NumPy functions, array methods and array attributes the lowering knows: one table
of each, merged from the modules that lower them.

Contract: `FUNCTIONS` maps a NumPy function's path under ``np`` (``"sum"``,
``"linalg.norm"``) to its handler, `METHODS` an array method's name, `ATTRIBUTES` an
array attribute's name (handlers as in `arrays.Handlers`). A name is lowered by one
module only. `call`, `call_method` and `get_attribute` lower through the tables; a
name without a handler is a located error, which for a method that changes its array
in place (`IN_PLACE`, ``x.sort()``) says what to write instead; a call's arguments are
bound to NumPy's parameters (`np_signatures`) before its handler reads them. Elementwise
NumPy functions are not here: they are the scalar primitives
(`resolve.NUMPY_ELEMENTWISE`); `resolve.NUMPY_FUNCTIONS` names the functions here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from symdiff.frontend import (
    arrays,
    convolution,
    np_axes,
    np_casts,
    np_einsum,
    np_gradient,
    np_indexing,
    np_integrate,
    np_joins,
    np_linalg,
    np_matrices,
    np_norms,
    np_predicates,
    np_rearrange,
    np_shapes,
    np_signatures,
    np_sorting,
    np_statistics,
    np_structure,
    np_take_along,
)
from symdiff.frontend.arrays import AttributeHandler, Handler
from symdiff.frontend.frame import Frame
from symdiff.ir.node import Node

_MODULES = (arrays.HANDLERS, convolution.HANDLERS, np_axes.HANDLERS, np_casts.HANDLERS,
            np_einsum.HANDLERS, np_gradient.HANDLERS, np_indexing.HANDLERS,
            np_integrate.HANDLERS, np_joins.HANDLERS, np_linalg.HANDLERS,
            np_matrices.HANDLERS, np_norms.HANDLERS, np_predicates.HANDLERS,
            np_rearrange.HANDLERS, np_shapes.HANDLERS, np_sorting.HANDLERS,
            np_statistics.HANDLERS, np_structure.HANDLERS, np_take_along.HANDLERS)


# Array methods that change their array in place (a statement of its own, see
# `call_statements`), and what to write for a new one where their value is used.
IN_PLACE = {"sort": "x = np.sort(x)", "fill": "x = np.full_like(x, value)"}


def _merged(tables: Iterable[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for table in tables:
        for name, handler in table.items():
            if name in merged:
                raise ValueError(f"two modules lower the NumPy name {name!r}")
            merged[name] = handler
    return merged


FUNCTIONS: dict[str, Handler] = _merged(m.functions for m in _MODULES)
METHODS: dict[str, Handler] = _merged(m.methods for m in _MODULES)
ATTRIBUTES: dict[str, AttributeHandler] = _merged(m.attributes for m in _MODULES)


def call(low: Frame, name: str, e: ast.Call) -> Any:
    """``np.<name>(...)``."""
    handler = FUNCTIONS.get(name)
    if handler is None:
        raise low.src.error(f"unsupported NumPy function np.{name} (not yet)", e)
    args = np_signatures.bind(low, e, name)
    result = handler(low, args, name)
    args.finish()
    return result


def call_method(low: Frame, base: Node, name: str, e: ast.Call) -> Any:
    """``x.<name>(...)`` on an array."""
    handler = METHODS.get(name)
    if handler is None and name in IN_PLACE:
        raise low.src.error(f".{name}() changes the array in place (not supported): write "
                            f"{IN_PLACE[name]} for a new one", e)
    if handler is None:
        raise low.src.error(f"unsupported array method .{name}() (not yet)", e)
    args = np_signatures.bind_method(low, e, name, base)
    result = handler(low, args, name)
    args.finish()
    return result


def get_attribute(low: Frame, base: Node, e: ast.Attribute) -> Any:
    """``x.<name>`` of an array."""
    handler = ATTRIBUTES.get(e.attr)
    if handler is None:
        raise low.src.error(f"unsupported array attribute .{e.attr} (not yet)", e)
    return handler(low, base, e)
