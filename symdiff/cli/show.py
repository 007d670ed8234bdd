"""``symdiff show module:function``: print the generated source of a derivative (with
``--dump-ir``, the IR after every pass of the compiler before it)."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from symdiff.cli.options import add_common


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "show", help="print the generated source of a derivative",
        description="Print the module symdiff generates for a function's gradient "
                    "(reverse mode) or JVP (forward mode), highlighted on a terminal.")
    parser.add_argument("target", help="module:function or path/to/file.py:function")
    parser.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                        help="reverse (the gradient, default) or forward (the JVP)")
    parser.add_argument("--dump-ir", action="store_true",
                        help="print the IR after every pass of the compiler, then the module")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from symdiff.api import _normalize_argnums, _parameters, generate, unwrap
    from symdiff.errors import SymdiffError, located_at
    from symdiff.runtime.spec import Spec, with_types
    from symdiff.targets import load_function
    from symdiff.transforms.programs import NotScalarOutput

    user, inner = unwrap(load_function(args.target))
    try:
        nums = _normalize_argnums(user, 0 if args.argnums is None else args.argnums)
    except (TypeError, ValueError) as error:
        raise SymdiffError(str(error)) from None
    spec = Spec("grad" if args.mode == "reverse" else "jvp", nums, inner=inner)
    if args.signature is not None:
        params, _ = _parameters(user)  # NumPy's and math's functions' too
        if params is not None and len(params) != len(args.signature):
            raise SymdiffError(f"{args.target} takes {len(params)} positional argument(s), "
                               f"but the signature gives {len(args.signature)} types")
        spec = with_types(spec, tuple(args.signature))
    try:
        text = generate(user, spec, dump=args.dump_ir)
    except NotScalarOutput as error:
        raise located_at(user, str(error)) from None
    write(text, sys.stdout)
    return 0


def write(text: str, stream: TextIO) -> None:
    """`text`, highlighted with pygments when `stream` is a terminal and pygments is
    installed, plain otherwise."""
    if stream.isatty():
        try:
            from pygments import highlight
            from pygments.formatters import TerminalFormatter
            from pygments.lexers import PythonLexer
        except ImportError:
            pass
        else:
            text = highlight(text, PythonLexer(), TerminalFormatter())
    stream.write(text)
