"""Calls of user functions: the callee's body is lowered into the caller's graph.

Contract: `call(low, func, e)` lowers the call `e` of a user function by lowering the
callee's body in a new frame over the caller's builder, with its parameters bound to
the argument values (numbers, arrays, tuples, lists, functions; keyword arguments,
defaults, ``*args``), and returns what it returns. The callee's free names resolve in
its own scope: a Python function's module and closure (`callees.CalleeScope`), or, for
a ``def`` or lambda of the function being lowered (`LocalFunction`), the frame that
defined it, read when the call happens (Python's late binding). Errors inside a callee
point at the callee's file and line. Tail recursion becomes a loop (`recursion`), so
its depth may depend on run-time values; other recursion is unrolled while its depth is
decided by values known while lowering (an int argument counting down to a base case);
deeper than `MAX_RECURSION` calls it is a located error.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from symdiff.errors import SymdiffError
from symdiff.frontend import dicts, fence, recursion
from symdiff.frontend.callees import CalleeScope
from symdiff.frontend.frame import CallState, Frame, assigned_names
from symdiff.frontend.mutations import changed_in_place
from symdiff.frontend.resolve import Resolved, Scope, classify, describe, is_number
from symdiff.frontend.source import FunctionSource, get_source
from symdiff.frontend.values import Instance, Nothing, Text, Value, is_dict, is_function
from symdiff.ir.node import Node
from symdiff.ir.types import FunctionArg
from symdiff.unparse import unparse

MAX_RECURSION = 100


@dataclass(eq=False)
class LocalFunction:
    """A ``def`` or lambda of the function being lowered, with its defaults evaluated
    where it was defined."""

    node: ast.FunctionDef | ast.Lambda
    source: FunctionSource
    frame: Frame  # the root frame of the namespace it was defined in
    defaults: list[Value]
    kw_defaults: dict[str, Value]

    @property
    def name(self) -> str:
        return "lambda" if isinstance(self.node, ast.Lambda) else self.node.name


@dataclass
class _Target:
    key: Any  # identifies the function on the recursion stack and in the memo
    fn: Callable[..., Any]  # the Python function whose module the body is in
    node: ast.FunctionDef | ast.Lambda
    source: FunctionSource
    scope: Scope
    lexical: Frame | None
    default: Callable[[str], Value | None]
    pure: bool  # reads nothing from an enclosing frame: memoisable


# Hooks used by the lowering ------------------------------------------------------------


def parameter(name: str, typ: Any) -> Resolved | None:
    """The value of a parameter whose argument is a function (`FunctionArg`), else None."""
    if isinstance(typ, FunctionArg):
        return classify(typ.fn, (name,))
    return None


def define(low: Frame, stmt: ast.FunctionDef) -> None:
    """A nested ``def``: bind its name to a `LocalFunction`."""
    if stmt.decorator_list:
        raise low.src.error("unsupported construct: decorator on a nested function",
                            stmt.decorator_list[0])
    low.env[stmt.name] = Resolved("local", _local(low, stmt), (stmt.name,))


def lambda_(low: Frame, e: ast.Lambda) -> Resolved:
    """A lambda expression as a function value."""
    return Resolved("local", _local(low, e), ("lambda",))


def _local(low: Frame, node: ast.FunctionDef | ast.Lambda) -> LocalFunction:
    args = node.args
    defaults = [low.expr(d) for d in args.defaults]
    kw_defaults = {a.arg: low.expr(d) for a, d in zip(args.kwonlyargs, args.kw_defaults,
                                                       strict=True) if d is not None}
    return LocalFunction(node, low.src, low.root(), defaults, kw_defaults)


def state(low: Frame) -> CallState:
    """What the frames of `low`'s lowering share about calls."""
    frame = low.outermost()
    if frame.calls is None:
        frame.calls = CallState(frame.fn, frame.types)
    return frame.calls


# The call ------------------------------------------------------------------------------


Arguments = tuple[list[Value], dict[str, Value]]  # positional and keyword values


def call(low: Frame, func: Resolved, bound: tuple[Value, ...], e: ast.Call,
         discarded: bool = False, given: Arguments | None = None) -> Value:
    """The value of the call `e` of the user function `func`, its body inlined, with the
    values `bound` (a method's object) before the call's arguments; when its value is
    `discarded` (a call as a statement), None if it returns none. `given`: the
    arguments' values, where they are not `e`'s own (``grad(f)(x)`` calls f)."""
    calls = state(low)
    target = _target(low, calls, func, e)
    if calls.stack.count(target.key) >= MAX_RECURSION:
        raise _too_deep(low, e, f"deeper than {MAX_RECURSION} calls")
    if id(target.node) not in calls.checked:
        _check_no_mutation(target)
        calls.checked.add(id(target.node))
    env = _bind(low, target, e, bound, given)
    memo_key = None
    if target.pure and all(_fixed(v) for v in env.values()):
        memo_key = (id(low.b), target.key, tuple(sorted(env.items(), key=lambda kv: kv[0])))
        hit = calls.memo.get(memo_key)
        if hit is not None:
            return hit[1]
    frame = Frame(target.fn, target.source, low.b, low.grammar)
    frame.scope = target.scope
    frame.caller = low
    frame.depth = low.depth
    frame.lexical = target.lexical
    frame.locals = assigned_names(target.node)
    for name, value in env.items():
        frame.env[name] = value
        frame.versions[name] = 0
    frame.passed = frozenset(_arrays_in(env.values()))
    calls.stack.append(target.key)
    try:
        if isinstance(target.node, ast.Lambda):
            result: Any = frame.expr(target.node.body)
        else:
            result = frame.block(target.node.body)
            if result is None and discarded:
                result = Nothing(where=e)  # run for its checks: it returns None
            elif result is None:
                raise target.source.error(
                    "the function has no return statement at its end (a path that reaches "
                    "it returns None, not a number)", target.node)
    except RecursionError:
        if calls.stack.count(target.key) < 2:
            raise  # not this recursion's: for the lowering to locate
        # Inlining recurses in Python once per call: the stack ran out first.
        raise _too_deep(low, e, f"{calls.stack.count(target.key)} calls deep, deeper "
                        "than Python's stack lets symdiff inline") from None
    finally:
        calls.stack.pop()
    if memo_key is not None and not _holds_array(result) and not _holds_object(result):
        calls.memo[memo_key] = (low.b, result)
    return result  # type: ignore[no-any-return]


def _fixed(value: Value) -> bool:
    """Whether `value` is a node, or a function that cannot change while lowering (a
    method of an object the function made can: its object may change)."""
    return isinstance(value, Node) or (isinstance(value, Resolved) and not isinstance(
        getattr(value.value, "owner", None), Instance))


def _holds_object(value: Any) -> bool:
    """Whether a returned value holds an object the function made: each call makes a
    new one."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Instance):
            return True
        if isinstance(item, (tuple, list)):
            stack.extend(item)
        elif is_dict(item):
            stack.extend(v for _, v in item.items)
    return False


def _too_deep(low: Frame, e: ast.Call, how: str) -> SymdiffError:
    return low.src.error(
        f"recursion of {call_label(e)!r} {how}: symdiff inlines calls, so it unrolls recursion "
        "only when its depth is decided by values known while compiling (an int argument "
        "counting down to a base case), or when every call of the function by itself is a "
        "tail call (return f(...)), which becomes a loop; other recursion with a run-time "
        "base case is not supported", e)


def _holds_array(value: Any) -> bool:
    """Whether a returned value (numbers, arrays, tuples, lists, dicts) holds an array."""
    return any(True for _ in _arrays_in([value]))


def _arrays_in(values: Iterable[Any]) -> Iterator[Node]:
    """The arrays among `values` and inside their tuples, lists and dicts."""
    stack = list(values)
    while stack:
        item = stack.pop()
        if isinstance(item, (tuple, list)):
            stack.extend(item)
        elif is_dict(item):
            stack.extend(v for _, v in item.items)
        elif isinstance(item, Node) and item.type is not None:
            yield item


def _check_no_mutation(target: _Target) -> None:
    """Refuse a callee that changes a list or array it did not make (an argument, or a
    variable of an enclosing function) in place: the caller would have to see it."""
    node = target.node
    if isinstance(node, ast.Lambda):
        return
    own = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for stmt in ast.walk(node):
        changed: ast.expr | None = None
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            changed = next((t for t in targets if isinstance(t, ast.Subscript)), None)
        elif isinstance(stmt, ast.Expr):  # a call as a statement: np.sort(x) is not one
            changed = changed_in_place(stmt.value)
        if changed is None:
            continue
        base = changed.value if isinstance(changed, ast.Subscript) else changed
        while isinstance(base, ast.Subscript):
            base = base.value
        if isinstance(base, ast.Name) and base.id not in own:
            raise target.source.error(
                f"a called function cannot change {base.id!r} in place: it did not make it, "
                "so its caller would see the change (not supported yet; return the new "
                "value instead)", changed)


def call_label(e: ast.Call) -> str:
    """What a message calls the function `e` calls, as written (``math.sin``)."""
    return unparse(e.func)


def _target(low: Frame, calls: CallState, func: Resolved, e: ast.Call) -> _Target:
    if isinstance(func.value, LocalFunction):
        local = func.value
        defaults = dict(zip(_positional(local.node)[len(_positional(local.node))
                                                    - len(local.defaults):],
                            local.defaults, strict=True))
        defaults.update(local.kw_defaults)
        own = local.frame.env.get(local.name)
        node = _loop_form(calls, local.node, isinstance(own, Resolved) and own.value is local)
        return _Target(local.node, local.frame.fn, node, local.source,
                       local.frame.scope, local.frame, defaults.get, pure=False)
    fn = func.value
    source = calls.sources.get(id(fn))
    if source is None:
        try:
            source = get_source(fn)
        except SymdiffError as exc:
            raise low.src.error(f"call of {call_label(e)!r}: {exc}", e) from None
        fence.check(source, callee=True)
        calls.sources[id(fn)] = source

    def default(name: str) -> Value | None:
        return _default(low, fn, name, e)

    named = isinstance(source.node, ast.FunctionDef) and \
        getattr(fn, "__globals__", {}).get(source.node.name) is fn
    node = _loop_form(calls, source.node, named)
    return _Target(fn, fn, node, source, CalleeScope(fn, calls.callees), None,
                   default, pure=True)


def _loop_form(calls: CallState, node: ast.FunctionDef | ast.Lambda,
               named: bool) -> ast.FunctionDef | ast.Lambda:
    """`node`, or its loop form when it is tail recursive (`recursion.as_loop`); `named`:
    its name refers to the function itself where it is defined."""
    if not named or isinstance(node, ast.Lambda):
        return node
    if id(node) not in calls.loop_forms:
        calls.loop_forms[id(node)] = recursion.as_loop(node, node.name) or node
    return calls.loop_forms[id(node)]


def _positional(node: ast.FunctionDef | ast.Lambda) -> list[str]:
    return [a.arg for a in (*node.args.posonlyargs, *node.args.args)]


def _default(low: Frame, fn: Any, name: str, e: ast.Call) -> Value | None:
    """The default value of parameter `name` of the Python function `fn`, as a value."""
    code = fn.__code__
    positional = code.co_varnames[: code.co_argcount]
    defaults = fn.__defaults__ or ()
    if name in positional[len(positional) - len(defaults):]:
        value = defaults[positional.index(name) - (len(positional) - len(defaults))]
    elif fn.__kwdefaults__ and name in fn.__kwdefaults__:
        value = fn.__kwdefaults__[name]
    else:
        return None
    return constant(low, value, f"the default value of {name!r}", e)


def constant(low: Frame, value: Any, what: str, e: ast.AST) -> Value:
    if isinstance(value, tuple):
        return tuple(constant(low, v, what, e) for v in value)
    if is_number(value):
        return low.b.const(value)
    if isinstance(value, str):
        return Text(value)
    if value is None:
        return Nothing(what)
    resolved = classify(value, ("default",))
    if is_function(resolved):
        return resolved
    raise low.src.error(f"{what} in this call is {describe(value)}, not a number", e)


def _bind(low: Frame, target: _Target, e: ast.Call, bound: tuple[Value, ...],
          given: Arguments | None) -> dict[str, Value]:
    """The callee's parameters bound to the call's arguments (or to the values
    `given`), after `bound`, as Python binds them."""
    positional, keywords = given or arguments(low, e)
    return _parameters(low, target, e, [*bound, *positional], keywords)


def arguments(low: Frame, e: ast.Call) -> Arguments:
    """The values of the call's arguments: positional (``*x`` expanded), keyword
    (``**d`` expanded)."""
    positional: list[Value] = []
    for arg in e.args:
        if isinstance(arg, ast.Starred):
            value = low.expr(arg.value)
            if not isinstance(value, (tuple, list)):
                raise low.src.error("*x in a call: x must be a tuple or list", arg)
            positional.extend(value)
        else:
            positional.append(low.expr(arg))
    keywords: dict[str, Value] = {}
    for kw in e.keywords:
        pairs = (dicts.expand(low, low.expr(kw.value), kw.value).items if kw.arg is None
                 else [(kw.arg, low.expr(kw.value))])
        for name, value in pairs:
            if name in keywords:
                raise low.src.error(
                    f"{call_label(e)}() got multiple values for keyword argument {name!r}",
                    kw)
            keywords[name] = value
    return positional, keywords


def _parameters(low: Frame, target: _Target, e: ast.Call, positional: list[Value],
                keywords: dict[str, Value]) -> dict[str, Value]:
    """The callee's parameters bound to `positional` and `keywords`, as Python binds
    them (defaults filled in, ``*args`` and ``**kwargs`` collected)."""
    label = call_label(e)
    args = target.node.args
    names = _positional(target.node)
    env: dict[str, Value] = dict(zip(names, positional, strict=False))
    extra = positional[len(names):]
    if args.vararg is not None:
        # Numbers and arrays: a list, so a loop over it may be a loop region; pytrees
        # (dicts, tuples) too: a tuple, as a pytree's own tuples are, unrolled by loops.
        env[args.vararg.arg] = list(extra) if all(isinstance(v, Node) for v in extra) \
            else tuple(extra)
    elif extra:
        raise low.src.error(
            f"{label}() takes {len(names)} positional arguments but {len(positional)} "
            "were given", e)
    posonly = {a.arg for a in args.posonlyargs}
    kwonly = [a.arg for a in args.kwonlyargs]
    collected: list[tuple[str, Value]] = []
    for name, value in keywords.items():
        if name in posonly or (name not in names and name not in kwonly):
            if args.kwarg is not None:
                collected.append((name, value))
                continue
            raise low.src.error(f"{label}() got an unexpected keyword argument {name!r}", e)
        if name in env:
            raise low.src.error(f"{label}() got multiple values for argument {name!r}", e)
        env[name] = value
    for name in (*names, *kwonly):
        if name not in env:
            default = target.default(name)
            if default is None:
                raise low.src.error(f"{label}() missing required argument {name!r}", e)
            env[name] = default
    if args.kwarg is not None:
        env[args.kwarg.arg] = dicts.make(collected)
    return env
