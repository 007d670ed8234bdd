"""One standalone module from several derivatives' pieces, as `ast` printed by `ast.unparse`.

Contract: `module_text(header, pieces)` returns the module: the header docstring, every
import once (standard library first, then the others, each group sorted, as isort
orders them), the copied numbers, then the functions in the order given (and the
Hessian assembly once, if a piece needs it). Each block is printed by `ast.unparse`;
only the blank lines between blocks are laid out here, as ruff's isort and pycodestyle
rules expect (one between import groups, two before each def). The same pieces give
the same bytes.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Sequence

from symdiff.errors import SymdiffError
from symdiff.standalone.functions import Piece, assemble_def
from symdiff.unparse import unparse


def module_text(header: str, pieces: Sequence[Piece]) -> str:
    """The standalone module's text (see the module doc)."""
    imports: set[tuple[str, str | None]] = set()
    constants: dict[str, object] = {}
    defs: list[ast.stmt] = []
    for piece in pieces:
        imports |= piece.imports
        for name, value in piece.constants.items():
            if name in constants and constants[name] != value:
                raise SymdiffError(
                    f"two functions read different numbers by the name {name!r} "
                    f"({constants[name]!r} and {value!r}); build them into separate modules")
            constants[name] = value
        defs += piece.defs
    for name in sorted(set().union(*(piece.assemble for piece in pieces))):
        defs.append(assemble_def(name))
    names = {d.name for d in defs if isinstance(d, ast.FunctionDef)}
    if len(names) != len(defs):
        raise SymdiffError("two derivatives have the same name; name each function once")
    clash = sorted(names & set(constants))
    if clash:
        raise SymdiffError(f"a derivative's name is also a global it reads: {clash[0]}")

    blocks = [_unparse([ast.Expr(ast.Constant(header))])]
    groups = _import_groups(imports)
    if groups:
        blocks.append("\n\n".join(_unparse(group) for group in groups))
    if constants:
        from symdiff.codegen.emit import constant

        blocks.append(_unparse([ast.Assign([ast.Name(n, ast.Store())], constant(v))
                                for n, v in sorted(constants.items())]))
    text = "\n\n".join(blocks)
    for func in defs:
        text += "\n\n\n" + _unparse([func])
    return text + "\n"


def _import_groups(imports: set[tuple[str, str | None]]) -> list[list[ast.stmt]]:
    """``import`` statements, standard library first then the rest, each sorted."""
    def statement(module: str, alias: str | None) -> ast.stmt:
        return ast.Import([ast.alias(module, alias)])

    ordered = sorted(imports, key=lambda i: (i[0], i[1] or ""))
    stdlib = [i for i in ordered if i[0].split(".")[0] in sys.stdlib_module_names]
    others = [i for i in ordered if i not in stdlib]
    return [[statement(*i) for i in group] for group in (stdlib, others) if group]


def _unparse(body: list[ast.stmt]) -> str:
    return unparse(ast.fix_missing_locations(ast.Module(body, type_ignores=[])))
