"""``symdiff build``: write a standalone module of derivatives (see `symdiff.standalone`)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import Any

from symdiff.cli.options import add_common, examples
from symdiff.cli.targets import TARGET_HELP, split_target


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "build", help="write a standalone module of derivative functions",
        description="Write one module with a derivative function per function and mode, "
                    "importing only the standard library and NumPy.",
        **examples(
            "symdiff build model.py:loss -o model_derivs.py",
            "symdiff build model.py:loss model.py:predict --modes grad,hessian --argnums 0,1",
            "symdiff build model.py:loss --signature 'ndarray[float64,1]' "
            "'ndarray[float64,2]' -o model_derivs.py",
            "symdiff build mypackage.model:loss --modes value_and_grad,vjp",
            "symdiff build model.py -o model_derivs.py   # every public function",
            "symdiff build model.py:loss -o model_derivs.py --check   # exit 1 if stale"))
    parser.add_argument("targets", nargs="+", metavar="FILE.py:FUNCTION",
                        help=f"a function to build: {TARGET_HELP} (repeatable, all of one "
                             "module); a bare file or module builds every public function")
    parser.add_argument("-f", "--function", action="append", dest="functions",
                        metavar="NAME", help="another function of the module to build "
                                             "(MODULE -f NAME is MODULE:NAME)")
    parser.add_argument("--modes", type=_modes, default=("grad",), metavar="MODE[,MODE...]",
                        help="from grad, value_and_grad, jvp, vjp, hessian; default grad")
    add_common(parser)
    parser.add_argument("--backend", choices=("python", "numba"), default="python",
                        help="numba: each derivative @numba.njit(cache=True); default python")
    parser.add_argument("-o", "--output", help="the module to write; default stdout")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if OUTPUT is missing or stale")
    parser.add_argument("--force", action="store_true",
                        help="replace OUTPUT even if symdiff did not write it")
    parser.set_defaults(run=run)


def _targets(targets: list[str], functions: list[str] | None) -> tuple[str, list[str]]:
    """The one module the targets name and the functions to build from it (none: every
    public one)."""
    from symdiff.errors import SymdiffError

    split = [split_target(t) for t in targets]
    sources = list(dict.fromkeys(source for source, _ in split))
    if len(sources) > 1:
        raise SymdiffError(f"one module per build, but the targets name {len(sources)}: "
                           f"{', '.join(sources)}; run symdiff build once for each")
    names = [name for _, name in split if name is not None] + list(functions or ())
    return sources[0], names


def _modes(text: str) -> tuple[str, ...]:
    from symdiff.standalone.functions import MODES

    modes = tuple(m.strip() for m in text.split(",") if m.strip())
    for mode in modes:
        if mode not in MODES:
            raise argparse.ArgumentTypeError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
    if not modes:
        raise argparse.ArgumentTypeError("no modes given")
    return modes


def run(args: argparse.Namespace) -> int:
    from symdiff.standalone import build_module, is_current, write_module

    if args.check and args.output is None:
        print("symdiff build: --check needs -o OUTPUT, the file to check", file=sys.stderr)
        return 2
    source, functions = _targets(args.targets, args.functions)
    text = build_module(source, functions, args.modes, args.argnums, args.signature,
                        args.output, args.backend)
    if args.check:
        if is_current(text, args.output):
            return 0
        print(f"symdiff build: {args.output} is stale (or missing); regenerate it with: "
              f"{_regenerate(text, args.output)}", file=sys.stderr)
        return 1
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_module(text, args.output, force=args.force)
    return 0


def _regenerate(text: str, output: str) -> str:
    """The regenerate command the header records, on one line, to run from here (the
    header's paths are relative to the output's directory)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Regenerate with")) + 1
    end = lines.index("", start)
    command = " ".join(line.strip() for line in lines[start:end])
    folder = os.path.relpath(os.path.dirname(os.path.realpath(output)))
    return command if folder == "." else f"(cd {shlex.quote(folder)} && {command})"
