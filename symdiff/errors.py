"""Exceptions raised by symdiff.

Every error about the user's code carries a location: file, line, column and the
offending source line with a caret under the construct.
"""

from __future__ import annotations

from types import ModuleType


class SymdiffError(Exception):
    """Base class of every error symdiff raises about the user's code or usage."""


class FileError(SymdiffError):
    """An error about a file (at a line, if given): ``file:line: message``, the form the
    command line prints on its own, as compilers do."""

    def __init__(self, filename: str, message: str, lineno: int | None = None) -> None:
        self.filename = filename
        self.message = message
        self.lineno = lineno
        where = filename if lineno is None else f"{filename}:{lineno}"
        super().__init__(f"{where}: {message}")


def located_at(fn: object, message: str) -> SymdiffError:
    """`message` located at the definition of function `fn` (unlocated without code)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return SymdiffError(message)
    return FileError(code.co_filename, message, code.co_firstlineno)


class UnsupportedTransformError(SymdiffError):
    """A transform of a derivative that symdiff cannot build yet: the message says which
    operation of the user's code is in the way (raised again located at the user's
    function, ``file:line: ...``, once the compiler knows it)."""


class UnsupportedSyntaxError(SymdiffError):
    """A construct in the user's function that symdiff cannot differentiate."""

    def __init__(
        self,
        what: str,
        filename: str = "<unknown>",
        lineno: int | None = None,
        col: int | None = None,
        source_line: str | None = None,
    ) -> None:
        self.what = what
        self.filename = filename
        self.lineno = lineno
        self.col = col
        self.source_line = source_line
        super().__init__(format_location(what, filename, lineno, col, source_line))


class StaleSourceError(UnsupportedSyntaxError):
    """The function's file changed since it was imported: its text there is not the
    code that runs, so symdiff refuses to differentiate it."""


def format_location(
    what: str,
    filename: str,
    lineno: int | None,
    col: int | None,
    source_line: str | None,
) -> str:
    """Render `what` with a traceback-style location header and a caret line."""
    where = f'File "{filename}"'
    if lineno is not None:
        where += f", line {lineno}"
        if col is not None:
            where += f", column {col + 1}"
    text = f"{where}: {what}"
    if source_line is not None:
        stripped = source_line.rstrip("\n")
        indent = len(stripped) - len(stripped.lstrip())
        text += f"\n    {stripped.strip()}"
        if col is not None and col >= indent:
            text += "\n    " + " " * (col - indent) + "^"
    return text


class MissingDependencyError(SymdiffError, ImportError):
    """A feature needs an optional package that is not installed; the message names the
    ``pip install`` command that brings it (an `ImportError` too, for code that expects one)."""


# The package itself, not symdiff's extra: ``pip install 'symdiff[...]'`` from PyPI gets
# a different project (DEVSIM's SYMDIFF holds the name there).


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import `module` for `feature`, or raise `MissingDependencyError` naming the
    command that installs it and symdiff's `extra` that holds it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(
            f"{feature} needs {module}, which is not installed: pip install {module} "
            f"(symdiff's extra {extra!r} holds it)") from None
