"""Tracebacks of errors from symdiff's public functions, without symdiff's own frames.

Contract: `boundary(fn)` wraps a public function (or the dispatcher's slow path, the
part of a derivative's call that checks arguments and compiles). An exception raised
inside it propagates with the frames of symdiff's own modules and of its generated
dispatch entries removed from its traceback: what remains is the user's call, the
user's own code that ran (a function `vjp` calls, say) and the generated derivative
code, whose lines show where a derivative raised (``math.sqrt`` of a negative
number), plus one frame of the boundary itself, where the error is raised again. The
message is unchanged; on Python 3.11+ a note says that frames were removed.

Set the environment variable ``SYMDIFF_TRACEBACK=full`` (read when an error passes a
boundary) to keep every frame, for debugging symdiff itself.
"""

from __future__ import annotations

import functools
import os
import types
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["boundary", "without_internal_frames"]

F = TypeVar("F", bound=Callable[..., Any])

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_DISPATCH = "<symdiff dispatch "
NOTE = ("(symdiff left its own frames out of this traceback; set the environment "
        "variable SYMDIFF_TRACEBACK=full to see them)")


def boundary(fn: F) -> F:
    """`fn`, raising its errors with symdiff's own frames left out (module doc)."""

    @functools.wraps(fn)
    def public(*args: Any, **kwargs: Any) -> Any:
        try:
            try:
                return fn(*args, **kwargs)
            except RecursionError as error:
                raise _out_of_stack(error) from None
        except Exception as error:
            if os.environ.get("SYMDIFF_TRACEBACK") == "full":
                raise
            shown = without_internal_frames(error.__traceback__)
            notes = getattr(error, "__notes__", ())
            if _count(shown) != _count(error.__traceback__) and hasattr(error, "add_note") \
                    and NOTE not in notes:
                error.add_note(NOTE)
            error.__traceback__ = shown
            raise error  # symdiff's own frames are left out (set SYMDIFF_TRACEBACK=full)

    return public  # type: ignore[return-value]


def _out_of_stack(error: RecursionError) -> Exception:
    """A RecursionError symdiff itself ran into (past what its passes locate: they
    follow chains without recursion and nesting to a bounded depth) as a `SymdiffError`;
    one of the user's own code as it is."""
    from symdiff.errors import SymdiffError

    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None or not tb.tb_frame.f_code.co_filename.startswith(_PACKAGE):
        return error
    return SymdiffError(
        f"symdiff ran out of Python's stack in {tb.tb_frame.f_code.co_name} ({error}): "
        "the function nests branches, loops or calls deeper than symdiff can follow from "
        "this deep in the call stack; split it into shallower functions")


def without_internal_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback `tb` without the frames of symdiff's modules and dispatch entries."""
    kept: list[types.TracebackType] = []
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not (filename.startswith(_PACKAGE) or filename.startswith(_DISPATCH)):
            kept.append(tb)
        tb = tb.tb_next
    shown: types.TracebackType | None = None
    for entry in reversed(kept):
        shown = types.TracebackType(shown, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return shown


def _count(tb: types.TracebackType | None) -> int:
    n = 0
    while tb is not None:
        n, tb = n + 1, tb.tb_next
    return n
