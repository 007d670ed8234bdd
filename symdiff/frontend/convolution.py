"""Lowering of ``np.convolve``, ``np.correlate``, ``scipy.signal.convolve`` and
``scipy.signal.correlate`` onto the full convolution of `ir.convolution`.

Contract: handlers of `frontend.arrays`' tables for NumPy's (see there), and
`scipy_call(frame, name, e)` for ``scipy.signal.<name>(in1, in2, mode, method)``.
- A correlation is the convolution with the second argument reversed along every
  axis; each mode is a slice of the full convolution along every axis, as NumPy and
  SciPy compute it: ``valid`` starts at ``min(la, lb) - 1`` and has ``|la - lb| + 1``
  values; NumPy's ``same`` has ``max(la, lb)`` values from ``(min(la, lb) - 1) // 2``
  (``np.correlate``'s from ``min // 2`` when ``la < lb``), SciPy's ``same`` ``la``
  values from ``(lb - 1) // 2``. The lengths are read when the code runs.
- NumPy's take two 1-D arrays, SciPy's two arrays with the same number of axes; in
  SciPy's ``valid`` mode one must be at least as long as the other along every axis
  (a ValueError, as SciPy's, when the code runs). ``mode`` must be a constant string;
  ``method`` (SciPy's choice of algorithm) is read and left to SciPy's default.
"""

from __future__ import annotations

import ast
from typing import Any

from symdiff.frontend.arrays import Handlers
from symdiff.frontend.frame import Frame
from symdiff.frontend.np_joins import part
from symdiff.frontend.np_signatures import Arguments
from symdiff.frontend.scipy_special import bind
from symdiff.frontend.values import Text
from symdiff.ir.node import Node, NodeBuilder
from symdiff.unparse import unparse

# The NumPy functions this module lowers.
HANDLERS = Handlers()

_MODES = ("full", "valid", "same")


@HANDLERS.function("convolve", "correlate")
def _np_convolve(low: Frame, args: Arguments, name: str) -> Node:
    e = args.call
    a, v = args.number("a"), args.number("v")
    for x in (a, v):
        if x.type is None or x.type.ndim != 1:
            raise low.src.error(f"{args.label}() takes two 1-D arrays here", e)
    return _convolution(low, a, v, _mode(low, args["mode"], args.label, e), "np",
                        name == "correlate", e)


def scipy_call(low: Frame, name: str, e: ast.Call) -> Node:
    """The value of the call `e` of ``scipy.signal.<name>``."""
    values = bind(low, e, ("in1", "in2", "mode", "method"), 2)
    label = unparse(e.func)
    method = values.get("method")
    if method is not None and not isinstance(method, Text):
        raise low.src.error(f"{label}(): method must be a constant string here", e)
    a, v = low.number(values["in1"], e), low.number(values["in2"], e)
    if a.type is None or v.type is None or a.type.ndim != v.type.ndim:
        raise low.src.error(f"{label}() takes two arrays with the same number of axes here",
                            e)
    mode = _mode(low, values.get("mode") or Text("full"), label, e)
    return _convolution(low, a, v, mode, "signal", name == "correlate", e)


def _mode(low: Frame, value: Any, label: str, e: ast.Call) -> str:
    if isinstance(value, Text) and value.value in _MODES:
        return value.value
    raise low.src.error(f"{label}(): mode must be a constant string, one of "
                        f"{', '.join(map(repr, _MODES))}, here", e)


def _convolution(low: Frame, a: Node, v: Node, mode: str, library: str, correlate: bool,
                 e: ast.Call) -> Node:
    b = low.b
    assert a.type is not None
    ndim = a.type.ndim
    kernel = v
    if correlate:
        for axis in range(ndim):
            kernel = b.apply("flip", kernel, attrs=(axis,))
    out = b.apply("convolve", a, kernel, attrs=(ndim, 0))
    if mode == "full":
        return out
    shorter, longer = [], []
    for axis in range(ndim):
        la, lv = _length(b, a, axis), _length(b, v, axis)
        lo, hi = b.apply("min", la, lv), b.apply("max", la, lv)
        if mode == "valid":
            start, count = b.sub(lo, 1), b.add(b.sub(hi, lo), 1)
            shorter.append(b.apply("lt", la, lv))
            longer.append(b.apply("gt", la, lv))
        elif library == "signal":
            start, count = b.apply("floordiv", b.sub(lv, 1), 2), la
        else:
            start, count = b.apply("floordiv", b.sub(lo, 1), 2), hi
            if correlate:
                start = b.select(b.apply("ge", la, lv), start, b.apply("floordiv", lo, 2))
        out = part(low, out, axis, start, b.add(start, count), e)
    if mode == "valid" and ndim > 1:
        mixed = b.apply("and_", _any(b, shorter), _any(b, longer))
        b.apply("raise_if", mixed, attrs=("ValueError", "For 'valid' mode, one must be at "
                                          "least as large as the other in every dimension"))
    return out


def _length(b: NodeBuilder, x: Node, axis: int) -> Node:
    return b.apply("size", x, attrs=((axis,),))


def _any(b: NodeBuilder, tests: list[Node]) -> Node:
    total = tests[0]
    for test in tests[1:]:
        total = b.apply("or_", total, test)
    return total
