"""Lowering: the user's function AST to an IR `Program`.

Contract: `lower(fn)` reads the function's source, runs the fence, then evaluates the
body symbolically in a `Frame`: each local name maps to a DAG node, each expression
becomes nodes built with one `Builder` (so repeated subexpressions are shared), and the
returned expression becomes the program's result. Local names are recorded as name
hints for code generation. Free names are resolved through the function's own closure,
globals and builtins (`resolve.Scope`): numbers become ``global`` nodes read when the
generated code runs; known callables become primitives. Anything the fence let
through but that has no meaning here raises a located `UnsupportedSyntaxError`.
A supported `math` function or builtin passed directly (``grad(math.sin)``) lowers
to a one-operation program; a NumPy function (``grad(np.sum)``), to the program of a
call of it (`frontend.direct`). `GRAMMAR` is how every frame lowers each kind of
statement and expression: the tables of `statements` and `expressions`.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from typing import Any

from symdiff.frontend import calls, custom_calls, fence, trees
from symdiff.frontend.callees import list_parameters
from symdiff.frontend.direct import numpy_function
from symdiff.frontend.expressions import EXPRESSIONS
from symdiff.frontend.frame import Frame, Grammar
from symdiff.frontend.resolve import Resolved, callable_op, is_known_callable
from symdiff.frontend.source import FunctionSource, get_source
from symdiff.frontend.statements import READ_REST, STATEMENTS
from symdiff.frontend.values import Nothing, Text, Value
from symdiff.host.data import DictLayout, ObjectLayout, SequenceLayout
from symdiff.ir.builder import Builder
from symdiff.ir.node import SEQ, Node, Program, Structure, TreeInput, refill
from symdiff.ir.primitives import PRIMITIVES
from symdiff.ir.types import StaticArg

GRAMMAR = Grammar(STATEMENTS, EXPRESSIONS, READ_REST)


def lower(
    fn: Callable[..., Any], builder: Builder | None = None,
    source: FunctionSource | None = None, types: tuple[Any, ...] | None = None,
) -> Program:
    """The IR program of `fn` (a Python function, lambda, or supported builtin); `source`
    is its already read source, if the caller has it; `types` the `ir.types` type of
    each parameter (None: a number, or a list where the function uses it as one; a
    `host.data` layout: a pytree, a parameter per leaf, `frontend.trees`)."""
    builder = builder or Builder()
    if is_known_callable(fn):
        return _lower_callable(fn, builder, types)
    source = source or get_source(fn)
    fence.check(source)
    frame = Frame(fn, source, builder, GRAMMAR)
    try:
        return _run(frame, types)
    except RecursionError:
        # What each pass follows without recursing, or to a bounded depth, is far deeper
        # than any code written by hand; this is the rest, located.
        raise source.error("this statement nests deeper than symdiff can follow (Python's "
                           "stack ran out lowering it); split it into functions or "
                           "shallower steps", frame.statement()) from None


def _lower_callable(fn: Any, b: Builder, types: tuple[Any, ...] | None) -> Program:
    op = callable_op(fn)
    assert op is not None
    if op == "custom_call":
        return custom_calls.lower_direct(fn, b, types, GRAMMAR)
    if op.startswith(("np.", "scipy.")):  # a function the lowering handles in calls
        return lower(numpy_function(fn), b, types=types)
    arity = PRIMITIVES[op].arguments()[0]
    params = tuple(b.param(n, types[i] if types and i < len(types) and types[i] is not None
                           else "num") for i, n in enumerate(("x", "y")[:arity]))
    return Program(getattr(fn, "__name__", op), params, b.apply(op, *params), b)


def _static(frame: Frame, value: Any, origin: str) -> Value:
    """The value of an argument the code is compiled for: a constant, a string, None,
    or a tuple of them (items in a stack of their own, not by recursion)."""
    if value.__class__ is not tuple:
        return Text(value) if isinstance(value, str) else Nothing(origin) if value is None \
            else frame.b.const(value)
    built: dict[int, Value] = {}
    todo: list[tuple[Any, bool]] = [(value, False)]
    while todo:
        item, ready = todo.pop()
        if item.__class__ is not tuple:
            built[id(item)] = _static(frame, item, origin)
        elif ready:
            built[id(item)] = tuple(built[id(v)] for v in item)
        else:
            todo.append((item, True))
            todo.extend((v, False) for v in item)
    return built[id(value)]


def _run(frame: Frame, types: tuple[Any, ...] | None) -> Program:
    """The program of the function of the root frame `frame`, its parameters of `types`."""
    fn_node = frame.src.node
    args = fn_node.args
    params: list[Node] = []
    inputs: list[int | TreeInput] = []
    seqs = list_parameters(frame.fn, fn_node)
    frame.types = types
    arguments = (*args.posonlyargs, *args.args, *args.kwonlyargs)
    taken = {arg.arg for arg in arguments}
    for i, arg in enumerate(arguments):
        typ = types[i] if types is not None and i < len(types) else None
        if isinstance(typ, DictLayout | SequenceLayout):  # a pytree: a parameter per leaf
            value, tree, leaves = trees.parameter(frame.b, arg.arg, typ, taken,
                                                  trees.unpacked_names(fn_node, arg.arg))
            start = len(params)
            inputs.append(TreeInput(arg.arg, refill(tree, range(start, start + len(leaves)))))
            params += leaves
            frame.env[arg.arg] = value
            continue
        inputs.append(len(params))
        function = calls.parameter(arg.arg, typ)
        if function is not None:
            # A function argument: its code is inlined; the parameter is unused.
            params.append(frame.b.param(arg.arg, "num"))
            frame.env[arg.arg] = function
            continue
        if isinstance(typ, ObjectLayout):  # its attributes are read through the parameter
            if hasattr(builtins, arg.arg) or arg.arg in ("math", "np"):
                # Generated code renames such a parameter, and would read the builtin.
                raise frame.src.error(
                    f"the parameter {arg.arg!r} holds an object, and its name is a builtin's "
                    "or a module's: rename it (self, model, ...) so that generated code "
                    "can read its attributes", arg)
            params.append(frame.b.param(arg.arg, "num"))
            frame.env[arg.arg] = Resolved("object", typ, (arg.arg,))
            continue
        if isinstance(typ, StaticArg):  # a flag, a mode, None or a static argument
            params.append(frame.b.param(arg.arg, "num"))  # unused: known while compiling
            frame.env[arg.arg] = _static(frame, typ.value, f"argument {arg.arg!r}")
            continue
        # An array's type, INT for an int (`runtime.spec.INT` is `ir.node.INT`).
        node = frame.b.param(arg.arg, typ if typ is not None else
                             SEQ if arg.arg in seqs else "num")
        params.append(node)
        frame.env[arg.arg] = node
        frame.versions[arg.arg] = 0
    name = "lambda" if isinstance(fn_node, ast.Lambda) else fn_node.name
    result: Structure | None
    if isinstance(fn_node, ast.Lambda):
        result = frame.output(fn_node.body)
    else:
        result = frame.block(fn_node.body)
        if result is None:
            raise frame.src.error(
                "the function has no return statement at its end (a path that reaches "
                "it returns None, not a number)", fn_node)
    grouped = tuple(inputs) if len(inputs) != len(params) or any(
        isinstance(i, TreeInput) for i in inputs) else None
    return Program(name, tuple(params), result, frame.b, effects=frame.effects(),
                   inputs=grouped)
