"""Locate and parse the source code of a user function.

`get_source(fn)` returns a `FunctionSource`: the function's AST (an `ast.FunctionDef` or
`ast.Lambda`) whose `lineno`/`col_offset` are absolute positions in the defining file, all
lines of that file for error display, and the function's exact source text for cache keys.
Source comes from `linecache`, so code registered there (Jupyter, tests) works too.
Functions without Python source raise `SymdiffError`, never `OSError`/`TypeError`; a
function whose file no longer holds the code that runs (edited since it was imported:
any bytecode, constant or name differs) raises the located `StaleSourceError`. The lines
of the last `MAX_CACHED_FILES` files read are kept, and the sources of the last
`MAX_CACHED_DEFS` functions (nothing changes a source's tree).
"""

from __future__ import annotations

import ast
import dis
import inspect
import linecache
import sys
import tokenize
import types
import weakref
from dataclasses import dataclass, field
from typing import Any

from symdiff.errors import StaleSourceError, SymdiffError, UnsupportedSyntaxError
from symdiff.syntax import nodes

__all__ = ["FunctionSource", "get_source"]

_HAS_POSITIONS = sys.version_info >= (3, 11)
# Files whose lines (and lambdas) are kept, the least recently read dropped first.
MAX_CACHED_FILES = 32
# Functions whose parsed source is kept (a build reads its function's several times).
MAX_CACHED_DEFS = 8


@dataclass(frozen=True)
class FunctionSource:
    """A function's AST together with the file it came from."""

    filename: str
    node: ast.FunctionDef | ast.Lambda
    lines: tuple[str, ...]
    text: str

    def line(self, lineno: int) -> str | None:
        """Return the file line at 1-based `lineno` without its newline, or None."""
        if 1 <= lineno <= len(self.lines):
            return self.lines[lineno - 1].rstrip("\r\n")
        return None

    def error(self, what: str, node: ast.AST) -> UnsupportedSyntaxError:
        """Build an `UnsupportedSyntaxError` located at `node`."""
        lineno: int | None = getattr(node, "lineno", None)
        col: int | None = getattr(node, "col_offset", None)
        source_line = self.line(lineno) if lineno is not None else None
        if col is not None and source_line is not None:
            # ast columns count UTF-8 bytes; the caret is placed in characters.
            col = len(source_line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))
        return UnsupportedSyntaxError(what, self.filename, lineno, col, source_line)


@dataclass
class _FileLines:
    raw: list[str]  # the list linecache returned; identity tells whether it changed
    lines: tuple[str, ...]
    text: str
    # The code objects found to be what this text compiles to (`_same_code`).
    verified: weakref.WeakSet[types.CodeType] = field(default_factory=weakref.WeakSet)


# The caches of this module, bounded by MAX_CACHED_FILES and MAX_CACHED_DEFS; read and
# written under the build lock.
_files: dict[str, _FileLines] = {}
_lambda_index: dict[tuple[str, str], dict[int, list[ast.Lambda]]] = {}
_defs: dict[types.CodeType, tuple[_FileLines, FunctionSource]] = {}


def get_source(fn: Any) -> FunctionSource:
    """Return the source of the Python function (or lambda) `fn`.

    Raises `SymdiffError` when `fn` is not a Python function or its source is unavailable,
    `StaleSourceError` when its file changed since it was imported.
    """
    from symdiff.host.building import building

    with building():  # parsing is not safe to interleave; the caches are shared
        return _get_source(fn)


def _get_source(fn: Any) -> FunctionSource:
    if inspect.ismethod(fn):
        fn = fn.__func__
    name = _describe(fn)
    if not inspect.isfunction(fn):
        if inspect.isroutine(fn):
            raise SymdiffError(
                f"cannot differentiate {name!r}: it has no Python source (a builtin or C "
                "extension function) and is not one of the math functions or builtins "
                "symdiff knows"
            )
        raise SymdiffError(
            f"cannot differentiate {name!r}: expected a Python function or lambda, "
            f"got {type(fn).__name__}"
        )
    code = fn.__code__
    file = _file_lines(code.co_filename, fn.__globals__)
    if file is None:
        raise _no_source(name, code.co_filename)
    modules = {n for n in _all_names(code) if isinstance(fn.__globals__.get(n), types.ModuleType)}
    if code.co_name == "<lambda>":
        return _lambda_source(name, code, file, modules)
    # A build asks for the same function's source several times (nothing changes its
    # tree): the last few read are kept, each with the text it was read from.
    hit = _defs.pop(code, None)
    if hit is None or hit[0] is not file:
        hit = (file, _def_source(name, code, file, modules))
    _defs[code] = hit  # the most recently read last
    while len(_defs) > MAX_CACHED_DEFS:
        del _defs[next(iter(_defs))]
    return hit[1]


def _all_names(code: types.CodeType) -> set[str]:
    """The global and attribute names `code` and the functions nested in it read."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _all_names(const)
    return names


def _describe(fn: Any) -> str:
    qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    if not isinstance(qualname, str):
        return repr(fn)
    module = getattr(fn, "__module__", None)
    if isinstance(module, str) and module not in ("builtins", "__main__"):
        return f"{module}.{qualname}"
    return qualname


def _file_lines(filename: str, module_globals: dict[str, Any]) -> _FileLines | None:
    linecache.checkcache(filename)
    raw = linecache.getlines(filename, module_globals)
    if not raw:
        return None
    cached = _files.pop(filename, None)
    if cached is None or cached.raw is not raw:
        cached = _FileLines(raw, tuple(raw), "".join(raw))
    _files[filename] = cached  # the most recently read last
    while len(_files) > MAX_CACHED_FILES:
        del _files[next(iter(_files))]
    return cached


def _no_source(name: str, filename: str) -> SymdiffError:
    return SymdiffError(
        f"cannot differentiate {name!r}: its source code is unavailable (defined in "
        f"{filename!r}, e.g. by exec() or at an interactive prompt); define it in a .py file"
    )


def _unavailable(name: str, filename: str, why: str) -> SymdiffError:
    if filename == "<string>":
        # exec()'s default name: lines kept under it that do not hold the function are
        # another text's (Python 3.13 keeps `python -c` code there), not its source.
        return _no_source(name, filename)
    return SymdiffError(
        f"cannot differentiate {name!r}: could not locate its source in {filename!r} ({why}); "
        "if the file changed since it was imported, reload it"
    )


def _def_source(
    name: str, code: types.CodeType, file: _FileLines, modules: set[str]
) -> FunctionSource:
    first = code.co_firstlineno
    if not 1 <= first <= len(file.lines):
        raise _unavailable(name, code.co_filename, f"the file has no line {first}")
    block = _indented_block(file.raw, first)
    try:
        tree = _parse_block(block, code.co_filename, first, file)
    except SyntaxError:
        # The indentation scan stops early on unusual layouts; the tokenizer does not.
        try:
            block = inspect.getblock(file.raw[first - 1 :])
        except (tokenize.TokenError, SyntaxError) as exc:
            raise _unavailable(name, code.co_filename, str(exc)) from None
        try:
            tree = _parse_block(block, code.co_filename, first, file)
        except SyntaxError as exc:
            raise _unavailable(name, code.co_filename, f"syntax error: {exc.msg}") from None
    indented = block[0][:1].isspace()
    body = tree.body[0].body if indented and isinstance(tree.body[0], ast.If) else tree.body
    node = body[0] if body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name != code.co_name:
        raise _unavailable(name, code.co_filename, f"no 'def {code.co_name}' at line {first}")
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    if start != first:  # (an indented def on the file's first line)
        ast.increment_lineno(node, first - start)
    if isinstance(node, ast.AsyncFunctionDef):
        raise UnsupportedSyntaxError(
            "async functions cannot be differentiated",
            code.co_filename,
            node.lineno,
            node.col_offset,
            file.lines[node.lineno - 1],
        )
    start_col = len(block[0]) - len(block[0].lstrip())
    text = _segment(file.lines, first, start_col, node.end_lineno, node.end_col_offset)
    own = _segment(file.lines, node.lineno, node.col_offset, node.end_lineno,
                   node.end_col_offset)  # from `def`, without the decorators
    _check_same(name, code, node, own, modules, file)
    return FunctionSource(code.co_filename, node, file.lines, text)


def _check_same(name: str, code: types.CodeType,
                node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, text: str,
                modules: set[str], file: _FileLines) -> None:
    """Raise `StaleSourceError` unless `node`, read from `file` (`text` its own source),
    compiles to `code` (compared once per code object and file content)."""
    if code in file.verified:
        return
    # Compiled with the imports first where the file has imports (a module), without
    # them first where it has none (a notebook cell, exec'd text).
    imported = "import " in file.text
    try:
        same = _same_code(code, node, text, modules, imported)
    except (RecursionError, MemoryError):
        raise _too_deep(code.co_filename, node.lineno, file) from None
    if not same:
        raise _changed(name, code.co_filename, node, file)
    file.verified.add(code)


def _changed(name: str, filename: str, node: ast.AST, file: _FileLines) -> StaleSourceError:
    lineno, col = node.lineno, node.col_offset  # type: ignore[attr-defined]
    return StaleSourceError(
        f"cannot differentiate {name!r}: the file changed since it was imported, so its "
        "text here is not the code that runs; reload the module (importlib.reload) or "
        "restart", filename, lineno, col,
        file.lines[lineno - 1].rstrip("\r\n") if lineno <= len(file.lines) else None)


def _same_code(
    code: types.CodeType, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
    text: str, modules: set[str], imported: bool = True,
) -> bool:
    """Whether `node`, whose own source is `text`, still compiles to `code` (the file
    may have been edited since).

    The def (or lambda) is compiled after ``import`` lines for the `modules` it uses,
    and without (first if not `imported`), since CPython compiles ``m.f(x)``
    differently when ``m`` was imported in the same text. Bytecode,
    constants and every name must agree; where they do not, instructions are compared
    after normalising what depends on the compile context rather than on the text (a
    closure's free names load as globals on their own), names and nested functions
    included. The text is compiled, not the tree: CPython turns a tree into its own one
    level of Python recursion per level of nesting, so a sum of 1000 terms the file
    itself compiles would fail as a tree.
    """
    if any(isinstance(n, ast.Assert) for n in nodes(node)):
        return True  # pytest rewrites asserts in test modules: the code differs by design
    if isinstance(node, ast.Lambda):
        text = f"({text})"  # (a lambda's lines may be indented any way inside brackets)
    first = None
    # Imported in the same file, or not (a notebook cell, exec'd text).
    variants = [sorted(modules), []] if modules else [[]]
    for names in variants if imported else variants[::-1]:
        imports = "".join(f"import {m}\n" for m in names)
        try:
            module = compile(imports + text + "\n", code.co_filename, "exec",
                             dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
        fresh = next(c for c in module.co_consts if isinstance(c, types.CodeType))
        if all(getattr(fresh, a) == getattr(code, a) for a in _SAME_ATTRIBUTES):
            return True
        first = first or fresh
    assert first is not None  # (a text that does not compile returned above)
    if "__class__" in code.co_freevars and not isinstance(node, ast.Lambda):
        # A method with zero-argument super(): CPython 3.12+ compiles super().m into
        # its own instruction only inside a class body, so compile it inside one.
        first = _in_a_class(text, code.co_filename) or first
    return _shape(first) == _shape(code)


def _in_a_class(text: str, filename: str) -> types.CodeType | None:
    """The code of the def `text` compiled as the method of a class (None if it does not
    compile so: a string of several lines whose indentation then matters)."""
    body = "".join(f"    {line}" if line.strip() else line
                   for line in text.splitlines(keepends=True))
    try:
        module = compile("class _Owner:\n" + body + "\n", filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    owner = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    return next((c for c in owner.co_consts if isinstance(c, types.CodeType)), None)


# What must agree for two code objects to be the same function (co_consts compares
# nested functions whole).
_SAME_ATTRIBUTES = ("co_code", "co_consts", "co_names", "co_varnames", "co_freevars",
                    "co_cellvars", "co_argcount", "co_posonlyargcount", "co_kwonlyargcount")
_SKIP = frozenset({"CACHE", "NOP", "RESUME", "PRECALL", "PUSH_NULL", "COPY_FREE_VARS",
                   "MAKE_CELL", "EXTENDED_ARG"})
_SAME = {"LOAD_METHOD": "LOAD_ATTR", "LOAD_DEREF": "LOAD_GLOBAL", "LOAD_CLASSDEREF": "LOAD_GLOBAL",
         "LOAD_NAME": "LOAD_GLOBAL", "CALL_METHOD": "CALL", "CALL_FUNCTION": "CALL"}


def _shape(code: types.CodeType) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for ins in dis.get_instructions(code):
        if ins.opname in _SKIP:
            continue
        name = _SAME.get(ins.opname, ins.opname)
        if name == "MAKE_FUNCTION" and out and out[-1][0] == "LOAD_CONST" \
                and isinstance(out[-1][1], str):
            out.pop()  # 3.10 loads the qualified name, which depends on the enclosing scope
        jump = ins.opcode in dis.hasjrel or ins.opcode in dis.hasjabs
        arg = None if jump or name == "CALL" else ins.argval
        if isinstance(arg, types.CodeType):  # a nested def or lambda: its body counts
            arg = (arg.co_name, tuple(_shape(arg)))
        out.append((name, arg))
    return out


def _indented_block(raw: list[str], first: int) -> list[str]:
    """Lines from `first` (a decorator or the def) to the end of the indented body."""
    head = raw[first - 1]
    base = len(head) - len(head.lstrip())
    i = first - 1
    while i < len(raw) and raw[i].lstrip().startswith("@"):
        i += 1
    end = i + 1
    while end < len(raw):
        line = raw[end]
        stripped = line.lstrip()
        if stripped and not stripped.startswith("#") and len(line) - len(stripped) <= base:
            break
        end += 1
    return raw[first - 1 : end]


def _parse_block(block: list[str], filename: str, first: int, file: _FileLines
                 ) -> ast.Module:
    # Parse indented code in place instead of dedenting so columns stay the file's, and
    # after blank lines so that lines are the file's too.
    source = "".join(block)
    if source[:1].isspace():
        source = "\n" * (first - 2) + "if 1:\n" + source
    else:
        source = "\n" * (first - 1) + source
    try:
        return ast.parse(source, filename)
    except (RecursionError, MemoryError):
        raise _too_deep(filename, first, file) from None


def _too_deep(filename: str, lineno: int, file: _FileLines) -> UnsupportedSyntaxError:
    """The error for a function that nests deeper than Python parses or compiles here
    (the parser's stack, or the recursion limit, counted from where symdiff runs)."""
    line = file.lines[lineno - 1].rstrip("\r\n") if lineno <= len(file.lines) else None
    col = len(line) - len(line.lstrip()) if line is not None else None
    return UnsupportedSyntaxError(
        "this function nests deeper than Python can parse or compile it here (its "
        "expressions or elif chains are thousands of levels deep); split it into "
        "functions or shallower steps", filename, lineno, col, line)


def _lambda_source(name: str, code: types.CodeType, file: _FileLines, modules: set[str]
                   ) -> FunctionSource:
    try:
        by_line = _lambdas_by_line(name, code.co_filename, file.text)
    except (RecursionError, MemoryError):
        raise _too_deep(code.co_filename, code.co_firstlineno, file) from None
    node = _pick_lambda(name, code, by_line.get(code.co_firstlineno, []), file, modules)
    text = _own_text(file, node)
    _check_same(name, code, node, text, modules, file)
    # Copy: the cached tree is shared and callers may rewrite the node in place.
    return FunctionSource(code.co_filename, _copy_tree(node), file.lines, text)


def _copy_tree(node: Any) -> Any:
    """A copy of an AST, as `copy.deepcopy` makes it but three times faster: new nodes
    and lists, the immutable leaves (names, constants) shared. Iterative: a lambda may
    hold a sum of a thousand terms."""
    root: list[Any] = [node]
    # (copied container, key, original value): each value is copied into its slot.
    stack: list[tuple[Any, Any, Any]] = [(root, 0, node)]
    while stack:
        into, key, value = stack.pop()
        new: ast.AST | list[Any]
        if isinstance(value, ast.AST):
            new = value.__class__.__new__(value.__class__)
            fields = {k: v for k, v in value.__dict__.items() if k != "_symdiff_nodes"}
            new.__dict__.update(fields)  # (the nodes kept on the original are its own)
            stack.extend((new.__dict__, k, v) for k, v in fields.items())
        elif isinstance(value, list):
            new = list(value)
            stack.extend((new, i, v) for i, v in enumerate(value))
        else:
            continue  # shared as it is
        into[key] = new
    return root[0]


def _lambdas_by_line(name: str, filename: str, text: str) -> dict[int, list[ast.Lambda]]:
    """Every lambda in the file keyed by its first line, cached per file content."""
    key = (filename, text)
    by_line = _lambda_index.get(key)
    if by_line is None:
        try:
            tree = ast.parse(text, filename)
        except SyntaxError as exc:
            raise _unavailable(name, filename, f"syntax error: {exc.msg}") from None
        by_line = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Lambda):
                by_line.setdefault(node.lineno, []).append(node)
        if len(_lambda_index) >= MAX_CACHED_FILES:
            del _lambda_index[next(iter(_lambda_index))]
        _lambda_index[key] = by_line
    return by_line


def _own_text(file: _FileLines, node: ast.Lambda) -> str:
    return _segment(file.lines, node.lineno, node.col_offset, node.end_lineno,
                    node.end_col_offset)


def _pick_lambda(name: str, code: types.CodeType, candidates: list[ast.Lambda],
                 file: _FileLines, modules: set[str]) -> ast.Lambda:
    """Choose the lambda among `candidates` (all starting on one line) that compiled to `code`."""
    if len(candidates) > 1 and _HAS_POSITIONS:
        by_position = _lambdas_at_first_position(code, candidates)
        if by_position:
            candidates = by_position
    if len(candidates) > 1:
        signature = _code_arg_names(code)
        candidates = [n for n in candidates if _lambda_arg_names(n) == signature]
    if len(candidates) > 1:
        # Without column positions (3.10), the one whose text compiles to `code`.
        compiled = [n for n in candidates if _same_code(code, n, _own_text(file, n), modules)]
        candidates = compiled or candidates
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise _unavailable(name, code.co_filename, f"no lambda at line {code.co_firstlineno}")
    raise SymdiffError(
        f"cannot differentiate {name!r}: several lambdas with the same arguments start on line "
        f"{code.co_firstlineno} of {code.co_filename!r} and symdiff cannot tell which one it is "
        "on this Python version; put it on its own line or use a def"
    )


def _lambdas_at_first_position(
    code: types.CodeType, candidates: list[ast.Lambda]
) -> list[ast.Lambda]:
    """The innermost candidate whose body holds the first located instruction of `code`."""
    for line, end_line, col, end_col in code.co_positions():
        if line is None or col is None or end_line is None or end_col is None:
            continue
        if (line, col) == (end_line, end_col):
            continue  # zero-width positions (RESUME, implicit return) point at the line start
        inside = [n for n in candidates if _body_contains(n, line, col, end_line, end_col)]
        if inside:
            return [max(inside, key=lambda n: (n.body.lineno, n.body.col_offset))]
    return []


def _body_contains(node: ast.Lambda, line: int, col: int, end_line: int, end_col: int) -> bool:
    body = node.body
    if body.end_lineno is None or body.end_col_offset is None:
        return False
    return (body.lineno, body.col_offset) <= (line, col) and (end_line, end_col) <= (
        body.end_lineno,
        body.end_col_offset,
    )


def _code_arg_names(code: types.CodeType) -> tuple[str, ...]:
    count = code.co_argcount + code.co_kwonlyargcount
    count += bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    return code.co_varnames[:count]


def _lambda_arg_names(node: ast.Lambda) -> tuple[str, ...]:
    args = node.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return tuple(names)


def _segment(
    lines: tuple[str, ...],
    lineno: int,
    col: int,
    end_lineno: int | None,
    end_col: int | None,
) -> str:
    """Source text from (lineno, col) to (end_lineno, end_col); columns are UTF-8 bytes."""
    if end_lineno is None or end_col is None:
        end_lineno, end_col = lineno, len(lines[lineno - 1].encode("utf-8"))
    chunk = [line.encode("utf-8") for line in lines[lineno - 1 : end_lineno]]
    if len(chunk) == 1:
        return chunk[0][col:end_col].decode("utf-8")
    chunk[0] = chunk[0][col:]
    chunk[-1] = chunk[-1][:end_col]
    return b"".join(chunk).decode("utf-8")
