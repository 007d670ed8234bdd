"""Lowering of ``np.einsum``: subscripts as a string (a literal, or a str read from a
global) or in the interleaved form ``np.einsum(a, [0, 1], b, [1, 2], [0, 2])``, with
``...`` (broadcast axes) in either.

Contract: a handler of `frontend.arrays`' tables. The subscripts are made explicit and
``...`` is replaced by letters no operand uses, one per broadcast axis, as NumPy lines
them up: from the right, so an operand with fewer axes under ``...`` takes the last
letters, and axes of length one broadcast against the others. In implicit mode (no
``->``) the output is the broadcast axes, then the letters used once in NumPy's order
(upper case first). The einsum primitive (`ir.linalg`) then sees letters only.
Sublists hold ints in ``[0, 52)`` (``0`` is ``A``, ``26`` is ``a``, as NumPy maps
them) and ``...``, written as literals or read from a global.
"""

from __future__ import annotations

import ast
import string
from typing import Any

from symdiff.frontend import names
from symdiff.frontend.arrays import Handlers
from symdiff.frontend.frame import Frame
from symdiff.frontend.names import compile_time
from symdiff.frontend.np_signatures import Arguments
from symdiff.frontend.resolve import Resolved
from symdiff.frontend.values import Text
from symdiff.ir import linalg
from symdiff.ir.node import Node

# The NumPy functions this module lowers.
HANDLERS = Handlers()

# The letter of each int of a sublist, as NumPy maps them.
_SUBLIST_LETTERS = string.ascii_uppercase + string.ascii_lowercase


@HANDLERS.function("einsum")
def _einsum(low: Frame, args: Arguments, name: str) -> Node:
    written: tuple[ast.expr, ...] = args.written("operands") or ()
    if not written:
        raise low.src.error("np.einsum() needs subscripts and operands", args.call)
    first = low.expr(written[0])
    if isinstance(first, Text):
        subscripts, where = first.value, written[0]
        operands = [low.number(low.expr(w), w) for w in written[1:]]
    else:
        subscripts, where = _from_sublists(low, written), args.call
        operands = [low.number(first, written[0])]
        operands += [low.number(low.expr(w), w) for w in written[2:-1:2]]
    ranks = [x.type.ndim if x.type is not None else 0 for x in operands]
    try:
        specs, output = linalg.parse(explicit(subscripts, ranks), len(operands))
    except ValueError as error:
        raise low.src.error(str(error), where) from None
    sources = written[1:] if isinstance(first, Text) else written[::2]
    for spec, rank, source in zip(specs, ranks, sources, strict=False):
        if len(spec) != rank:
            raise low.src.error(f"einsum subscripts {spec!r} for an operand of {rank} axes",
                                source)
    if all(x.type is None for x in operands):
        raise low.src.error("np.einsum of numbers only: use *", args.call)
    return low.b.apply("einsum", *operands, attrs=(linalg.subscripts_of(specs, output),))


def _from_sublists(low: Frame, written: tuple[ast.expr, ...]) -> str:
    """The subscripts string of the interleaved form (operand, sublist, ..., [output])."""
    sublists = [_sublist(low, w) for w in written[1::2]]
    text = ",".join(sublists[:len(written) // 2])
    return f"{text}->{_sublist(low, written[-1])}" if len(written) % 2 else text


def _sublist(low: Frame, e: ast.expr) -> str:
    if isinstance(e, (ast.List, ast.Tuple)):
        items: Any = [_item(low, item) for item in e.elts]
    else:
        items = compile_time(low, low.expr(e))
    if not isinstance(items, (list, tuple)):
        raise low.src.error("np.einsum sublists must be lists of ints and ... written in "
                            "the code", e)
    letters = []
    for item in items:
        if item is Ellipsis:
            letters.append("...")
        elif isinstance(item, int) and not isinstance(item, bool) \
                and 0 <= item < len(_SUBLIST_LETTERS):
            letters.append(_SUBLIST_LETTERS[item])
        else:
            raise low.src.error(f"np.einsum sublist item {item!r}: ints in [0, 52) and ... "
                                "only", e)
    return "".join(letters)


def _item(low: Frame, e: ast.expr) -> Any:
    """An item of a sublist written in the code: an int, or ``...`` (``Ellipsis``)."""
    if isinstance(e, ast.Constant) and e.value is Ellipsis:
        return Ellipsis
    value = names.callee(low, e)
    if isinstance(value, Resolved) and value.value is Ellipsis:
        return Ellipsis
    return compile_time(low, value)


def explicit(subscripts: str, ranks: list[int]) -> str:
    """`subscripts` for operands of `ranks` axes, with ``...`` replaced by letters and
    the output written out. Raises ValueError naming what is wrong."""
    text = subscripts.replace(" ", "")
    inputs, arrow, output = text.partition("->")
    specs = inputs.split(",")
    if "..." not in text:
        return text
    if len(specs) != len(ranks):
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(specs)} operands, "
                         f"got {len(ranks)}")
    used = text.replace(".", "").replace(",", "")
    widths = []
    for spec, rank in zip(specs, ranks, strict=True):
        letters = spec.replace("...", "", 1)
        if "." in letters:
            raise ValueError(f"einsum subscripts {subscripts!r}: '.' outside '...'")
        width = rank - len(letters) if "..." in spec else 0
        if width < 0:
            raise ValueError(f"einsum subscripts {spec!r} for an operand of {rank} axes")
        widths.append(width)
    broadcast = ""
    for _ in range(max(widths)):
        broadcast += linalg.fresh_letter(used + broadcast)
    specs = [spec.replace("...", broadcast[len(broadcast) - w:]) for spec, w in
             zip(specs, widths, strict=True)]
    if arrow:
        if "..." not in output and broadcast:
            raise ValueError(f"einsum output {output!r} has no '...' for the broadcast "
                             "axes")
        output = output.replace("...", broadcast)
    else:
        once = [c for c in set(used) if used.count(c) == 1]  # no output: used is inputs
        output = broadcast + "".join(sorted(once))
    return f"{','.join(specs)}->{output}"
