"""``symdiff build`` as a Python API: a standalone module of derivatives for build scripts.

Contract: `build_module(source, functions, modes, argnums, signature, output)` returns
the text of one module with a derivative function per requested function and mode,
importing only the standard library and NumPy (and a module a custom rule's function
lives in). Its docstring names the symdiff version, the source path as given (made
relative to the working directory), the source's sha256, the equivalent ``symdiff
build`` command and the calling convention. The same inputs give byte-identical text:
nothing in it depends on the time, the machine or absolute paths. `write_module` writes
it; `is_current` tells whether a file already holds exactly it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from symdiff._version import __version__
from symdiff.errors import SymdiffError

# The modules that do the work are imported by `build_module`: `import symdiff` exports
# it and stays lean.

_CONVENTION = {
    "grad": "{f}_grad(*args) -> the gradient, one value for an int argnums and a tuple for a "
            "tuple, each of its argument's shape and dtype: symdiff.grad(f, argnums)(*args).",
    "value_and_grad": "{f}_value_and_grad(*args) -> (f(*args), gradient): "
                      "symdiff.value_and_grad(f, argnums)(*args).",
    "jvp": "{f}_jvp(*args, *tangents) -> (f(*args), derivative along the tangents), a "
           "tangent per argument (per argnums if given; 0.0 for an int loop count): "
           "symdiff.jvp(f, args, tangents).",
    "vjp": "{f}_vjp(*args, *cotangents) -> a cotangent per argument, the output's cotangent "
           "given as its leaves in order: symdiff.vjp(f, *args)[1](cotangent).",
    "hessian": "{f}_hessian(*args) -> the Hessian: symdiff.hessian(f, argnums)(*args); for "
               "array arguments assembled from one call per argument x of "
               "{f}_batched_jvp_x(*args, seeds) -> (gradient, its JVPs along a leading "
               "axis of seed directions), for lists from {f}_hvp(*args, *tangents) -> "
               "(gradient, Hessian @ tangents), one call per entry.",
}


def build_module(
    source: str | os.PathLike[str] | ModuleType,
    functions: Sequence[str] | None = None,
    modes: Sequence[str] = ("grad",),
    argnums: int | Sequence[int] | None = None,
    signature: Sequence[Any] | None = None,
    output: str | os.PathLike[str] | None = None,
) -> str:
    """The standalone module's text (see the module doc); it is not written.

    `source` is a ``.py`` path, a dotted module name or a module; `functions` the names
    to build (default: every public function the module defines); `modes` from
    ``grad value_and_grad jvp vjp hessian``; `argnums` as for ``symdiff.grad`` (default 0;
    ``jvp`` takes a tangent per argument by default, ``vjp`` always gives a cotangent per
    argument); `signature` a type per positional argument (``"float"``,
    ``"ndarray[float64,2]"``..., see `symdiff.standalone.signatures`), the same for every
    function (default: numbers, and lists where the function uses a list); `output` only
    names the file in the header's command.
    """
    from symdiff.runtime.building import building
    from symdiff.standalone.functions import MODES, derivative
    from symdiff.standalone.module import module_text
    from symdiff.standalone.signatures import parse_signature

    modes = tuple(dict.fromkeys(modes))
    for mode in modes:
        if mode not in MODES:
            raise SymdiffError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
    if not modes:
        raise SymdiffError("no modes given: one or more of " + ", ".join(MODES))
    module, shown = _load(source)
    names = list(functions) if functions else _public_functions(module)
    if not names:
        raise SymdiffError(f"{shown} defines no public functions; name them with -f")
    types = parse_signature(signature) if signature is not None else None
    pieces = []
    with building():
        for name in dict.fromkeys(names):
            target = _target(module, name, argnums, types)
            pieces += [derivative(target, mode) for mode in modes]
    command = _command(shown, names, modes, argnums, types, output)
    return module_text(_header(module, shown, command, modes), pieces)


def write_module(text: str, output: str | os.PathLike[str]) -> None:
    """Write `text` to `output` as UTF-8 with ``\\n`` line ends (the same bytes anywhere)."""
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def is_current(text: str, output: str | os.PathLike[str]) -> bool:
    """Whether `output` exists and holds exactly `text`."""
    path = Path(output)
    return path.is_file() and path.read_bytes() == text.encode("utf-8")


def _load(source: str | os.PathLike[str] | ModuleType) -> tuple[ModuleType, str]:
    """The module and how the header names it: a path relative to the working directory
    (with ``/``), or the dotted name."""
    if isinstance(source, ModuleType):
        return source, source.__name__
    text = os.fspath(source)
    # Imported here: loading runs the user's module.
    from symdiff.targets import load_module

    module = load_module(text)
    if text.endswith(".py") or "/" in text or os.sep in text:
        shown = Path(os.path.relpath(Path(text).resolve(), Path.cwd())).as_posix()
        return module, shown
    return module, text


def _public_functions(module: ModuleType) -> list[str]:
    """The public plain functions `module` defines, in definition order."""
    import inspect

    return [name for name, value in vars(module).items()
            if not name.startswith("_") and inspect.isfunction(value)
            and value.__module__ == module.__name__]


def _target(module: ModuleType, name: str, argnums: Any, types: Any) -> Any:
    from symdiff.api import unwrap
    from symdiff.runtime.dispatch import parameters
    from symdiff.runtime.pipeline import list_params
    from symdiff.runtime.spec import Spec
    from symdiff.standalone.functions import Target
    from symdiff.standalone.signatures import describe

    label = module.__name__.rpartition(".")[2]
    fn = getattr(module, name, None)
    if fn is None or not callable(fn):
        raise SymdiffError(f"{label} has no function {name!r}")
    if not name.isidentifier():
        raise SymdiffError(f"{name!r} is not a function name")
    user, _ = unwrap(fn)
    params, _ = parameters(user)
    if params is None:
        raise SymdiffError(f"{label}.{name}: only functions with plain positional parameters "
                           "can be built (no *args, **kwargs or keyword-only parameters)")
    lists = list_params(user, Spec("grad", 0))
    if types is None:
        types = tuple(list if i in lists else float for i in range(len(params)))
    for i, typ in enumerate(types[: len(params)]):
        if i in lists and typ is not list:
            raise SymdiffError(f"{label}.{name} uses argument {params[i]!r} as a list, so its "
                               f"type must be list, not {describe(typ)}")
    return Target(fn, label, name, _argnums(argnums), tuple(types))


def _argnums(argnums: Any) -> Any:
    if argnums is None or isinstance(argnums, int):
        return argnums
    return tuple(argnums)


def _command(shown: str, names: list[str], modes: Sequence[str], argnums: Any,
             types: Any, output: Any) -> list[str]:
    """The ``symdiff build`` command that gives this module, as shell-quoted units (an
    option with its values), to wrap between units."""
    import shlex

    from symdiff.standalone.signatures import describe

    units = [["symdiff", "build", shown]]
    units += [["-f", name] for name in dict.fromkeys(names)]
    units.append(["--modes", ",".join(modes)])
    if argnums is not None:
        nums = _argnums(argnums)
        units.append(["--argnums", str(nums) if isinstance(nums, int)
                      else ",".join(map(str, nums)) + ("," if len(nums) == 1 else "")])
    if types is not None:
        units.append(["--signature", *(describe(t) for t in types)])
    if output is not None:
        units.append(["-o", Path(os.path.relpath(Path(output).resolve(), Path.cwd())).as_posix()])
    return [" ".join(shlex.quote(w) for w in unit) for unit in units]


def _header(module: ModuleType, shown: str, command: list[str], modes: Sequence[str]) -> str:
    import hashlib
    import textwrap

    path = getattr(module, "__file__", None)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest() if path else "unknown"
    opening = f"Derivatives generated by symdiff {__version__} from {shown}. Do not edit."
    lines = [
        # The first line follows the docstring's opening quotes.
        *textwrap.fill(opening, 88, initial_indent="   ", break_long_words=False)[3:].split(
            "\n"),
        "",
        f"Source sha256: {digest}",
        "Regenerate with:",
        *_wrap_units(command),
        "",
        "Calling convention. Each function takes the original's positional arguments, of",
        "the types its docstring lists, as symdiff's API passes them to its generated code:",
        "a differentiated number as a float (not an int), an array of the listed dtype and",
        "rank whose axes have length one exactly where the type says 1, a list as a list of",
        "floats. Nothing is checked or converted here. (An array type DTYPE[AXES] says per",
        "axis n, any length but one, or 1, length one.) Then, f being the original function:",
        *[line for mode in modes
          for line in textwrap.wrap(_CONVENTION[mode].format(f="f"), 88,
                                    initial_indent="  ", subsequent_indent="      ")],
        "",
        "Imports: the standard library and NumPy (and a module a custom derivative rule's",
        "function lives in, such as scipy.special). Numbers the functions read from the",
        "source's globals are copied as they were when this module was built.",
        "",
    ]
    return "\n".join(lines)


def _wrap_units(units: list[str], width: int = 88) -> list[str]:
    """The command's units on indented lines of at most `width` characters (a unit longer
    than that gets a line of its own)."""
    lines = ["    " + units[0]]
    for unit in units[1:]:
        if len(lines[-1]) + 1 + len(unit) <= width:
            lines[-1] += " " + unit
        else:
            lines.append("        " + unit)
    return lines
