"""``symdiff show module:function``: print the generated source of a derivative (with
``--dump-ir``, the IR after every pass of the compiler before it)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, TextIO

from symdiff.cli.options import add_common, examples
from symdiff.cli.targets import TARGET_HELP


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "show", help="print the generated source of a derivative",
        description="Print the module symdiff generates for a function's gradient "
                    "(reverse mode) or JVP (forward mode), highlighted on a terminal "
                    "(plain where NO_COLOR is set or TERM=dumb).",
        **examples(
            "symdiff show model.py:loss",
            "symdiff show model.py:loss --mode forward --argnums 0,1",
            "symdiff show mypackage.model:loss --signature 'ndarray[float64,1]' float",
            "symdiff show numpy:tanh --signature 'float64[n]'",
            "symdiff show model.py:loss --dump-ir   # the IR after every compiler pass"))
    parser.add_argument("target", help=TARGET_HELP)
    parser.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                        help="reverse (the gradient, default) or forward (the JVP)")
    parser.add_argument("--dump-ir", action="store_true",
                        help="print the IR after every pass of the compiler, then the module")
    add_common(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from symdiff.api.arguments import normalize_argnums, parameters, unwrap
    from symdiff.api.derivative import generate
    from symdiff.cli.targets import load_function
    from symdiff.errors import SymdiffError, located_at
    from symdiff.runtime.spec import Spec, with_types
    from symdiff.transforms.programs import NotScalarOutput

    user, inner = unwrap(load_function(args.target))
    try:
        nums = normalize_argnums(user, 0 if args.argnums is None else args.argnums)
    except (TypeError, ValueError) as error:
        raise SymdiffError(str(error)) from None
    spec = Spec("grad" if args.mode == "reverse" else "jvp", nums, inner=inner)
    if args.signature is not None:
        params, _ = parameters(user)  # NumPy's and math's functions' too
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
    """`text`, highlighted with pygments when `stream` is a terminal that takes colour
    and pygments is installed, plain otherwise."""
    if colour(stream):
        try:
            from pygments import highlight
            from pygments.formatters import TerminalFormatter
            from pygments.lexers import PythonLexer
        except ImportError:
            pass
        else:
            text = highlight(text, PythonLexer(), TerminalFormatter())
    stream.write(text)


def colour(stream: TextIO) -> bool:
    """Whether to colour what goes to `stream`: a terminal, unless ``NO_COLOR`` is set to
    anything non-empty (no-color.org) or ``TERM`` is ``dumb``."""
    return (stream.isatty() and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb")
