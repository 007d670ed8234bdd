"""Compile generated module text so that it stays debuggable.

Contract:

* ``compile_source(source, name, namespace, tag=...)`` compiles ``source`` under the file
  name ``filename_for(source, tag)`` (``"<symdiff TAG HASH12>"``), registers the text in
  ``linecache`` with ``mtime=None`` (so ``linecache.checkcache`` keeps it), executes the
  code in ``namespace`` and returns ``namespace``. Tracebacks, ``pdb`` and
  ``inspect.getsource`` then show the generated lines.
* ``release_on_collect(obj, filename)`` drops the ``linecache`` entry once ``obj`` has
  been garbage collected. Identical sources share a file name, so entries are
  reference counted: the entry goes when the last registered holder dies.
* ``link_function(source, name, tag=..., globals_=..., free=...)`` compiles one function
  of generated module text so that it reads the user's globals live and symdiff's own
  names (``math``) and the user's closure cells as closure variables.
"""

from __future__ import annotations

import ast
import hashlib
import linecache
import threading
import types
import weakref
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from symdiff.host.building import building
from symdiff.host.data import array_tests
from symdiff.host.freshness import Watch, guarded, stale_test
from symdiff.syntax import each_block

__all__ = ["compile_source", "filename_for", "link_function", "release_on_collect"]

_Namespace = TypeVar("_Namespace", bound=dict[str, Any])

# Reentrant: a finalizer may run from a garbage collection triggered while the lock is held.
_lock = threading.RLock()
_holders: dict[str, int] = {}


def filename_for(source: str, tag: str) -> str:
    """Return the pseudo file name ``"<symdiff {tag} {sha256(source)[:12]}>"``."""
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    return f"<symdiff {tag} {digest[:12]}>"


def compile_source(source: str, name: str, namespace: _Namespace, *, tag: str) -> _Namespace:
    """Compile and exec ``source`` into ``namespace``; return ``namespace``.

    ``name`` only documents what is being compiled (it appears in ``SyntaxError``
    notes); the file name is derived from ``tag`` and the source hash.
    """
    filename = filename_for(source, tag)
    try:
        # dont_inherit: this module's __future__ flags must not leak into generated code.
        code = compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        if hasattr(exc, "add_note"):  # Python 3.11+
            exc.add_note(f"while compiling generated code for {name!r}")
        raise
    # Register before exec so errors raised at module level already show the lines.
    _register(source, filename)
    exec(code, namespace)
    return namespace


def _register(source: str, filename: str) -> None:
    # mtime None: linecache.checkcache keeps an entry that has no file behind it.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def release_on_collect(obj: object, filename: str) -> None:
    """Drop ``filename`` from ``linecache`` when ``obj`` and all other holders are gone.

    ``obj`` must support weak references (functions and most classes do).
    """
    finalizer = weakref.finalize(obj, _release, filename)
    finalizer.atexit = False  # nothing to clean up at interpreter exit
    # obj is alive while we hold it here, so the finalizer cannot run before this.
    with _lock:
        _holders[filename] = _holders.get(filename, 0) + 1


def _release(filename: str) -> None:
    with _lock:
        remaining = _holders.get(filename, 0) - 1
        if remaining > 0:
            _holders[filename] = remaining
            return
        _holders.pop(filename, None)
        linecache.cache.pop(filename, None)


def _insert_guard(
    func: ast.FunctionDef, guard: Sequence[Any], fallback: Callable[..., Any] | None,
    watches: Sequence[Watch],
) -> dict[str, Any]:
    params = [a.arg for a in func.args.args]
    if len(params) != len(guard):
        raise ValueError(f"guard has {len(guard)} types for {len(params)} parameters")
    names: dict[str, Any] = {"_symdiff_fallback": fallback}
    # What the tests compare: one namespace, so that the names it binds do not collide.
    watched: dict[str, Any] = {}
    tests: list[ast.expr] = []
    for i, (param, typ) in enumerate(zip(params, guard, strict=True)):
        array = not isinstance(typ, type)  # an `ir.types.ArrayType`: an ndarray's
        if array:
            import numpy as np
        names[f"_symdiff_t{i}"] = np.ndarray if array else typ
        # x.__class__ is a specialised attribute load: cheaper than calling type(x).
        cls = ast.Attribute(ast.Name(param, ast.Load()), "__class__", ast.Load())
        tests.append(ast.Compare(cls, [ast.IsNot()], [ast.Name(f"_symdiff_t{i}", ast.Load())]))
        if array:
            fit = array_tests(ast.Name(param, ast.Load()), typ.dtype,
                              [d == 1 for d in typ.dims], watched)
            tests.append(ast.UnaryOp(ast.Not(), ast.BoolOp(ast.And(), fit)))
    stale = stale_test(watches, watched)
    if stale is not None:
        tests.append(stale)
    # The test reads a watched closure cell as an object: in a cell of its own, since
    # link_function shares a cell it is given as the closure variable itself.
    names.update({k: types.CellType(v) if isinstance(v, types.CellType) else v
                  for k, v in watched.items()})
    test = tests[0] if len(tests) == 1 else ast.BoolOp(ast.Or(), tests)
    call = ast.Call(ast.Name("_symdiff_fallback", ast.Load()),
                    [ast.Name(p, ast.Load()) for p in params], [])
    check = guarded(test, call, names) if stale is not None else ast.If(
        test, [ast.Return(call)], [])
    for node in ast.walk(check):
        if isinstance(node, (ast.expr, ast.stmt, ast.excepthandler)):
            # All on the def line, so a traceback through the check points there.
            node.lineno = node.end_lineno = func.lineno
            node.col_offset = node.end_col_offset = func.col_offset
    has_doc = (func.body and isinstance(func.body[0], ast.Expr)
               and isinstance(func.body[0].value, ast.Constant))
    func.body.insert(1 if has_doc else 0, check)
    return names


def _flat_chains(tree: ast.Module) -> ast.Module:
    """`tree` with each ``if``/``elif`` chain made a ``match True:`` statement of
    ``case _ if test:`` arms, in place: the same choices, the same lines and columns, no
    nesting per arm."""
    for block in each_block(tree.body):
        for i, stmt in enumerate(block):
            if isinstance(stmt, ast.If) and len(stmt.orelse) == 1 and isinstance(
                    stmt.orelse[0], ast.If):
                block[i] = _match(stmt)
    return tree


def _match(first: ast.If) -> ast.Match:
    """The ``match True:`` statement of the chain of ifs that starts at `first`."""
    cases = []
    arm: ast.If = first
    while True:
        pattern = ast.copy_location(ast.MatchAs(), arm.test)
        cases.append(ast.match_case(pattern=pattern, guard=arm.test, body=arm.body))
        if len(arm.orelse) == 1 and isinstance(arm.orelse[0], ast.If):
            arm = arm.orelse[0]
            continue
        if arm.orelse:
            default = ast.copy_location(ast.MatchAs(), arm.orelse[0])
            cases.append(ast.match_case(pattern=default, guard=None, body=arm.orelse))
        break
    subject = ast.copy_location(ast.Constant(True), first.test)
    return ast.copy_location(ast.Match(subject=subject, cases=cases), first)


def link_function(
    source: str,
    name: str,
    *,
    tag: str,
    globals_: dict[str, Any],
    free: dict[str, Any],
    guard: Sequence[Any] | None = None,
    fallback: Callable[..., Any] | None = None,
    watches: Sequence[Watch] = (),
) -> types.FunctionType:
    """Compile the function `name` defined in `source` and bind its free names.

    The function runs with `globals_` (the user's module globals, so a global it reads is
    read when it runs) as its globals, while each name in `free` that it reads becomes a
    closure variable: a `types.CellType` is shared as it is (a user's closure stays
    live), any other value gets a new cell. The source text is registered in `linecache`
    unchanged, so tracebacks and `inspect.getsource` show the lines as generated.

    With `guard`, the compiled function first checks ``arg_i.__class__ is guard[i]`` for each
    positional parameter (for an `ir.types.ArrayType`, that it is an ndarray of its dtype,
    rank and axes of length one), and that none of `watches` changed (``freshness.stale_test``),
    and returns ``fallback(*args)`` when one fails; the check is compiled in at the
    ``def`` line and is not part of the displayed text.
    """
    with building():  # ast objects to code: not safe to interleave
        return _link(source, name, tag, globals_, free, guard, fallback, watches)


def _link(source: str, name: str, tag: str, globals_: dict[str, Any], free: dict[str, Any],
          guard: Sequence[Any] | None, fallback: Callable[..., Any] | None,
          watches: Sequence[Watch]) -> types.FunctionType:
    filename = filename_for(source, tag)
    tree = ast.parse(source, filename)
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    if guard is not None:
        free = {**free, **_insert_guard(func, guard, fallback, watches)}
    # Every name in `free` becomes a parameter of the maker; the function captures only
    # those it reads.
    names = sorted(free)
    # Wrapping the function in a maker whose parameters are its free names turns them into
    # closure variables; the function keeps its own line numbers.
    made = ast.Name(name, ast.Load())
    give = ast.Return(made)
    maker = ast.FunctionDef(
        "_symdiff_make",
        ast.arguments(posonlyargs=[], args=[ast.arg(n) for n in names], vararg=None,
                      kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        [func, give], decorator_list=[], returns=None)
    for node in (maker, maker.args, *maker.args.args, give, made):
        ast.copy_location(node, func)
    module = ast.Module([maker], type_ignores=[])
    try:
        code = compile(module, filename, "exec", dont_inherit=True)
    except RecursionError:
        # CPython turns a tree into its own with one level of Python recursion per level
        # of nesting (text, it compiles without): an elif chain of a thousand arms is too
        # deep as a tree. The same chain as a match statement is flat.
        code = compile(_flat_chains(module), filename, "exec", dont_inherit=True)
    _register(source, filename)
    scratch: dict[str, Any] = {}
    exec(code, scratch)
    inner = scratch["_symdiff_make"](*([None] * len(names)))
    cells = tuple(
        free[n] if isinstance(free[n], types.CellType) else types.CellType(free[n])
        for n in inner.__code__.co_freevars
    )
    fn = types.FunctionType(inner.__code__, globals_, name, None, cells)
    fn.__qualname__ = name  # its own name in messages, not the maker's local
    release_on_collect(fn, filename)
    return fn
