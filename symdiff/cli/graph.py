"""``symdiff graph module:function --at a=2,b=1 [--forward b | --reverse] [-o graph.svg]``.

Draws the function's computational graph at the given point (see `symdiff.graph`): DOT
text on standard output, or the file `-o` names, in the format of its suffix (``.dot``,
``.gv``, ``.svg``, ``.png``, ``.pdf``; all but DOT need Graphviz's ``dot``).
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable
from typing import Any

from symdiff.cli.options import examples
from symdiff.cli.targets import TARGET_HELP, load_function
from symdiff.errors import SymdiffError


def add_parser(subparsers: Any) -> None:
    """Register ``symdiff graph``."""
    parser = subparsers.add_parser(
        "graph", help="draw a function's computational graph at a point",
        description="Draw the computational graph of a function of numbers at a point, as "
        "in the essay: every node's value and every edge's local derivative.",
        **examples(
            "symdiff graph model.py:e --at a=2,b=1",
            "symdiff graph model.py:e --at a=2,b=1 --reverse -o graph.svg",
            "symdiff graph model.py:e --at a=2,b=1 --forward b -o graph.png",
            "symdiff graph mypackage.model:e --at a=2 --no-edges -o graph.dot"))
    parser.add_argument("target", help=TARGET_HELP)
    parser.add_argument("--at", default="", metavar="NAME=VALUE,...",
                        help="the arguments, by parameter name (defaults may be left out)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--forward", metavar="NAME",
                      help="show ∂node/∂NAME on every node (forward mode from input NAME)")
    mode.add_argument("--reverse", action="store_true",
                      help="show ∂output/∂node on every node (reverse mode)")
    parser.add_argument("--no-edges", action="store_true",
                        help="leave the edges' local derivatives out")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write FILE (.dot, .gv, .svg, .png or .pdf) instead of printing DOT")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Draw the picture; returns the exit status."""
    from symdiff.pictures import graph

    fun = load_function(args.target)
    picture = graph(fun, *arguments(fun, args.at), forward=args.forward,
                    reverse=args.reverse, edges=not args.no_edges)
    if args.output is None:
        print(picture.source, end="")
    else:
        picture.save(args.output)
    return 0


def arguments(fun: Callable[..., Any], text: str) -> tuple[Any, ...]:
    """The positional arguments ``--at a=2,b=1`` gives `fun`."""
    values: dict[str, int | float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise SymdiffError(f"--at: expected name=value, got {item!r}")
        if name in values:
            raise SymdiffError(f"--at: {name} is given twice")
        values[name] = number(name, value.strip())
    name = getattr(fun, "__name__", "the function")
    try:
        signature = inspect.signature(fun)
    except ValueError:
        raise SymdiffError(f"--at: {name} does not say its parameters' names") from None
    unknown = [n for n in values if n not in signature.parameters]
    if unknown:
        raise SymdiffError(f"--at: {name} has no parameter {unknown[0]!r} (its parameters: "
                           f"{', '.join(signature.parameters)})")
    try:
        bound = signature.bind(**values)
    except TypeError as error:
        raise SymdiffError(f"--at: {error}") from None
    return bound.args


def number(name: str, text: str) -> int | float:
    """An argument's value: an int literal stays an int, anything else is a float."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise SymdiffError(f"--at: {name}={text!r} is not a number") from None
