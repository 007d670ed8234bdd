"""Options `build` and `show` share: argnums and an argument signature, parsed by argparse
(a malformed value is a usage error, exit status 2)."""

from __future__ import annotations

import argparse
from typing import Any

from symdiff.errors import SymdiffError


def argnums(text: str) -> int | tuple[int, ...]:
    """``0`` is one argument (an int, as for ``grad``); ``0,1`` and ``0,`` are a tuple."""
    parts = [p.strip() for p in text.split(",")]
    try:
        nums = tuple(int(p) for p in parts if p)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an argument index or indices like 0 or 0,1, got {text!r}") from None
    if not nums:
        raise argparse.ArgumentTypeError("argnums must name at least one argument")
    return nums[0] if "," not in text else nums


def argument_type(text: str) -> Any:
    """One argument's type (see `symdiff.standalone.signatures`)."""
    from symdiff.standalone.signatures import parse_type

    try:
        return parse_type(text)
    except SymdiffError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


class _Formatter(argparse.HelpFormatter):
    """Help with the description wrapped and the examples kept line by line."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def examples(*lines: str) -> dict[str, Any]:
    """The keyword arguments that give a parser's ``--help`` an examples section, each
    line a command as it is typed."""
    text = "examples:\n" + "\n".join(f"  {line}" for line in lines)
    return {"epilog": text, "formatter_class": _Formatter}


def add_common(parser: argparse.ArgumentParser) -> None:
    """``--argnums`` and ``--signature``."""
    parser.add_argument(
        "--argnums", type=argnums, default=None, metavar="N[,N...]",
        help="the arguments to differentiate: 0 (one gradient) or 0,1 (a tuple); default 0")
    parser.add_argument(
        "--signature", type=argument_type, nargs="+", default=None, metavar="TYPE",
        help="a type per positional argument: float, int (not differentiated), list, "
             "ndarray[DTYPE,RANK] (no axis of length one) or DTYPE[AXES] such as "
             "float64[n,1]; default floats (lists where the function uses a list)")
