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
            "symdiff supported --markdown   # the table of docs/supported.md",
            "symdiff supported --summary    # the README's short table"))
    parser.add_argument("--markdown", action="store_true",
                        help="one table row per namespace, as docs/supported.md shows it")
    parser.add_argument("--summary", action="store_true",
                        help="a short Markdown table: how many callables per namespace")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from symdiff.api.supported import supported, supported_table

    if args.markdown or args.summary:
        print(supported_table(summary=args.summary), end="")
    else:
        print("\n".join(supported()))
    return 0
