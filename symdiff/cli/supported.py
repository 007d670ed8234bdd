"""``symdiff supported [--markdown]``: the library callables symdiff differentiates."""

from __future__ import annotations

import argparse
from typing import Any

from symdiff.cli.options import examples


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "supported", help="list the math, NumPy and SciPy callables symdiff differentiates",
        description="The library callables a differentiated function may call (Python "
                    "functions with source, and callables with a custom rule, are "
                    "differentiated too).",
        **examples(
            "symdiff supported",
            "symdiff supported | grep linalg",
            "symdiff supported --markdown   # the README's table"))
    parser.add_argument("--markdown", action="store_true",
                        help="one table row per namespace, as docs/supported.md shows it")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from symdiff.api.supported import supported, supported_table

    print(supported_table() if args.markdown else "\n".join(supported()), end="" if
          args.markdown else "\n")
    return 0
