"""The `symdiff` command line: one subcommand per module in this package.

Each subcommand module defines ``add_parser(subparsers)``, which registers its parser
and sets ``run`` (a function of the parsed arguments returning the exit status) as the
parser's default.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from symdiff._version import __version__
from symdiff.cli.options import examples
from symdiff.errors import FileError, SymdiffError

# Subcommand modules, in the order `symdiff --help` lists them.
COMMANDS: tuple[str, ...] = ("build", "show", "graph", "cache", "supported")


def parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    top = argparse.ArgumentParser(
        prog="symdiff", description="Source-to-source automatic differentiation for Python. "
        "Every command names a function as path/to/file.py:function or module:function.",
        **examples(
            "symdiff show model.py:loss",
            "symdiff build model.py:loss --modes grad,hessian -o model_derivs.py",
            "symdiff graph model.py:e --at a=2,b=1 --reverse -o graph.svg",
            "symdiff cache info",
            "symdiff COMMAND --help   # a command's options and examples"))
    top.add_argument("--version", action="version", version=f"symdiff {__version__}")
    subparsers = top.add_subparsers(dest="command", metavar="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"symdiff.cli.{name}").add_parser(subparsers)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (errors print one located message)."""
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except FileError as error:
        print(error, file=sys.stderr)  # file:line: message
        return 1
    except SymdiffError as error:
        print(f"symdiff {args.command}: {error}", file=sys.stderr)
        return 1
