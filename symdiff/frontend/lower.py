"""Lowering: the user's function AST to an IR `Program`.

Contract: `lower(fn)` reads the function's source, runs the fence, then evaluates the
body symbolically: each local name maps to a DAG node, each expression becomes nodes
built with one `Builder` (so repeated subexpressions are shared), and the returned
expression becomes the program's result. Local names are recorded as name hints for
code generation. Free names are resolved through the function's own closure, globals
and builtins (`resolve.Scope`): numbers become ``global`` nodes read when the
generated code runs; known callables become primitives. Anything the fence let
through but that has no meaning here raises a located `UnsupportedSyntaxError`.
A supported `math` function or builtin passed directly (``grad(math.sin)``) lowers
to a one-operation program; a NumPy function (``grad(np.sum)``), to the program of a
call of it (`frontend.direct`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from symdiff.frontend import (
    accumulators,
    arrays,
    calls,
    control,
    dicts,
    fence,
    loops,
    np_indexing,
    numpy_calls,
    rules,
    sequences,
)
from symdiff.frontend.callees import list_parameters
from symdiff.frontend.resolve import (
    PRIMITIVE_ARITY,
    Resolved,
    Scope,
    callable_op,
    describe,
    is_known_callable,
)
from symdiff.frontend.source import FunctionSource, get_source
from symdiff.frontend.values import (
    MaybeUnbound,
    Value,
    is_array,
    is_dict,
    is_function,
    is_inlined,
    is_sequence,
)
from symdiff.ir import indexing
from symdiff.ir.node import INT, LEAVES, SEQ, Builder, Node, Program, Structure, is_int
from symdiff.ir.primitives import PRIMITIVES
from symdiff.ir.regions import REGIONS, bodies
from symdiff.ir.sequences import kind

BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div",
    ast.Pow: "pow", ast.FloorDiv: "floordiv", ast.Mod: "mod",
}
VARIADIC_PAIRWISE = {"min", "max", "hypot"}


def lower(
    fn: Callable[..., Any], builder: Builder | None = None,
    source: FunctionSource | None = None, types: tuple[Any, ...] | None = None,
) -> Program:
    """The IR program of `fn` (a Python function, lambda, or supported builtin); `source`
    is its already read source, if the caller has it; `types` the `ir.types` type of
    each parameter (None: a number, or a list where the function uses it as one)."""
    builder = builder or Builder()
    if is_known_callable(fn):
        return _lower_callable(fn, builder, types)
    source = source or get_source(fn)
    fence.check(source)
    return _Lowering(fn, source, builder).run(types)


def _lower_callable(fn: Any, b: Builder, types: tuple[Any, ...] | None) -> Program:
    op = callable_op(fn)
    assert op is not None
    if op.startswith("custom."):
        return rules.lower_direct(fn, b, types)
    if op.startswith("np."):  # a NumPy function the lowering handles in calls
        from symdiff.frontend.direct import numpy_function

        return lower(numpy_function(fn), b, types=types)
    arity = PRIMITIVE_ARITY.get(op, (1, 1))[0]
    params = tuple(b.param(n, types[i] if types and i < len(types) and types[i] is not None
                           else "num") for i, n in enumerate(("x", "y")[:arity]))
    return Program(getattr(fn, "__name__", op), params, b.apply(op, *params), b)


class _Lowering:
    """Symbolic execution of a function body, or of one branch of it (a child)."""

    def __init__(
        self,
        fn: Callable[..., Any],
        source: FunctionSource,
        builder: Builder,
        parent: _Lowering | None = None,
    ):
        self.fn = fn
        self.src = source
        self.b = builder
        self.parent = parent
        self.scope: Scope = parent.scope if parent else Scope(fn)
        self.env: dict[str, Value | MaybeUnbound] = {}
        self.locals = parent.locals if parent else _assigned_names(source.node)
        # A branch numbers rebindings from where its parent is, so both branches of an
        # if and the merged value after it share one name.
        self.versions: dict[str, int] = dict(parent.versions) if parent else {}
        self.first_node = len(builder)
        # Names this frame assigned, in order; values it read from its parent (as args).
        self.assigned: dict[str, None] = {}
        self.captures: dict[str, tuple[Value, Value]] = {}
        # Where a return only records its values in hidden variables (inside a loop that
        # returns, or an if that returns on some paths only): how many values it gives.
        self.loop_return: int | None = parent.loop_return if parent else None
        self.in_loop: bool = parent.in_loop if parent else False
        # A loop body: appends to its parent's lists collect one value per iteration.
        self.accumulates = False
        # A for loop body: its index and the range it runs (values of the parent frame).
        self.loop_index: tuple[Node, tuple[Node, Node, Node]] | None = None
        # Names of one array (b = a), per name: assigning into one changes them all.
        self.array_aliases: dict[str, frozenset[str]] = {}
        # A called function's frame: the frame of the call (same builder), and for a
        # local def or lambda, the frame its free names are read from (`frontend.calls`).
        self.caller: _Lowering | None = None
        self.lexical: _Lowering | None = None
        # In a called function's frame, the arrays its caller passed: not its to change.
        self.passed: frozenset[Node] = frozenset()
        self.calls: calls.CallState | None = parent.calls if parent else None
        self.types: tuple[Any, ...] | None = None

    def child(self) -> _Lowering:
        """A frame for one branch: its own builder, reading this frame's names as args."""
        return _Lowering(self.fn, self.src, Builder(), parent=self)

    def visible(self, name: str) -> Value | MaybeUnbound | None:
        """The value `name` has here, capturing it from enclosing frames as needed."""
        if name in self.env:
            return self.env[name]
        if self.parent is None:
            return calls.enclosing(self, name)
        outer = self.parent.visible(name)
        if outer is None or isinstance(outer, (MaybeUnbound, Resolved)):
            return outer
        inner = self.capture(name, outer)
        self.env[name] = inner
        return inner

    def capture(self, key: str, outer: Value) -> Value:
        """This frame's stand-in for the enclosing frame's `outer`, recorded under `key`."""
        if key not in self.captures:
            self.captures[key] = (self._stand_in(key, outer), outer)
        return self.captures[key][0]

    def capture_node(self, outer: Node) -> Node:
        """A stand-in for an anonymous value of the enclosing frame."""
        inner = self.capture(f"#{id(outer)}", outer)
        assert isinstance(inner, Node)
        return inner

    def _stand_in(self, name: str, outer: Value) -> Value:
        if isinstance(outer, tuple):
            return tuple(self._stand_in(name, v) for v in outer)
        if isinstance(outer, list):
            return [self._stand_in(name, v) for v in outer]
        if is_dict(outer):
            return outer.map(lambda key, v: self._stand_in(name, v))  # type: ignore
        if isinstance(outer, Resolved):
            return outer  # a function: nothing to pass in
        assert isinstance(outer, Node)
        if outer.op == "const":
            return self.b.const(outer.value)
        if outer.op == "global":
            return self.b.global_(outer.attrs)
        hint = name if name.isidentifier() else self.parent_hint(outer)
        if outer.type is None and is_int(outer):
            return self.b.arg(hint, INT)  # an int stays one inside the body
        return self.b.arg(hint, outer.type if outer.type is not None else kind(outer))

    def parent_hint(self, outer: Node) -> str:
        frame = self.parent
        while frame is not None:
            if outer in frame.b.names:
                return frame.b.names[outer]
            frame = frame.parent
        return "value"

    def run(self, types: tuple[Any, ...] | None = None) -> Program:
        fn_node = self.src.node
        args = fn_node.args
        params = []
        seqs = list_parameters(self.fn, fn_node)
        self.types = types
        for i, arg in enumerate((*args.posonlyargs, *args.args)):
            typ = types[i] if types is not None and i < len(types) else None
            function = calls.parameter(arg.arg, typ)
            if function is not None:
                # A function argument: its code is inlined; the parameter is unused.
                params.append(self.b.param(arg.arg, "num"))
                self.env[arg.arg] = function
                continue
            # An array's type, INT for an int (`runtime.spec.INT` is `ir.node.INT`).
            node = self.b.param(arg.arg, typ if typ is not None else
                                SEQ if arg.arg in seqs else "num")
            params.append(node)
            self.env[arg.arg] = node
            self.versions[arg.arg] = 0
        name = "lambda" if isinstance(fn_node, ast.Lambda) else fn_node.name
        if isinstance(fn_node, ast.Lambda):
            result = self.output(fn_node.body)
        else:
            result = self.block(fn_node.body)
            if result is None:
                raise self.src.error(
                    "the function has no return statement at its end (a path that reaches "
                    "it returns None, not a number)", fn_node)
        return Program(name, tuple(params), result, self.b, effects=self.effects())

    def effects(self) -> tuple[Node, ...]:
        """The operations this function evaluates that can raise, in evaluation order."""
        return tuple(n for n in self.b.nodes()[self.first_node:] if _can_raise(n))

    # Statements -----------------------------------------------------------------------

    def block(self, body: list[ast.stmt]) -> Structure | None:
        """Lower statements; the returned structure, or None when control falls through."""
        for i, stmt in enumerate(body):
            if isinstance(stmt, ast.Return):
                if stmt.value is None:
                    raise self.src.error("the function returns None, not a number", stmt)
                if self.loop_return is not None:
                    loops.exit_with(self, stmt)
                    return None  # the loop ends here, and the function after it
                return self.output(stmt.value)
            if isinstance(stmt, ast.If):
                result = control.lower_if(self, stmt, body[i + 1:])
                if result is not None or (control.may_return(stmt) and self.loop_return is None):
                    return result
                if control.ends_iteration(self, stmt):
                    return None  # the rest of the body went into the branches
            elif isinstance(stmt, (ast.For, ast.While)) and control.may_return(stmt):
                return loops.lower_returning(self, stmt, body[i + 1:])
            elif isinstance(stmt, ast.Continue):
                return None  # the iteration ends here
            elif isinstance(stmt, ast.Break):
                self.env[control.BREAK] = self.b.const(True)
                self.assigned[control.BREAK] = None
                return None  # the iteration ends here, and the loop after it
            elif isinstance(stmt, ast.For):
                loops.lower_for(self, stmt)
            elif isinstance(stmt, ast.While):
                loops.lower_while(self, stmt)
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.ListComp) \
                    and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                loops.lower_comprehension(self, stmt)
            elif isinstance(stmt, ast.Assign):
                value = self.expr(stmt.value)
                for target in stmt.targets:
                    self.assign(target, value, stmt)
            elif isinstance(stmt, ast.AnnAssign):
                if stmt.value is None:
                    continue
                self.assign(stmt.target, self.expr(stmt.value), stmt)
            elif isinstance(stmt, ast.AugAssign) and dicts.is_dict_target(self, stmt.target):
                current = dicts.get_item(self, stmt.target)  # type: ignore[arg-type]
                value = self.binop(stmt.op, current, self.expr(stmt.value), stmt)
                self.assign(stmt.target, value, stmt)
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Subscript):
                np_indexing.augmented(self, stmt)
            elif isinstance(stmt, ast.AugAssign):
                if not isinstance(stmt.target, ast.Name):
                    raise self.src.error("augmented assignment to a non-name", stmt.target)
                current = self.name(stmt.target.id, stmt.target)
                if is_array(current):
                    np_indexing.augmented_name(self, stmt, current)  # type: ignore[arg-type]
                    continue
                value = self.binop(stmt.op, current, self.expr(stmt.value), stmt)
                self.assign(stmt.target, value, stmt)
            elif isinstance(stmt, ast.FunctionDef):
                calls.define(self, stmt)
            elif isinstance(stmt, ast.Expr) and _is_append(stmt.value):
                sequences.append(self, stmt.value)  # type: ignore[arg-type]
            elif isinstance(stmt, ast.Expr):
                is_doc = isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)
                if not (is_doc and i == 0):
                    raise self.src.error(
                        "unsupported construct: expression statement (its value is discarded)",
                        stmt)
            elif not isinstance(stmt, ast.Pass):
                raise self.src.error(f"unsupported statement {type(stmt).__name__}", stmt)
        return None

    def assign(self, target: ast.expr, value: Value, stmt: ast.stmt) -> None:
        if isinstance(target, ast.Name) and not target.id.isidentifier():
            self.env[target.id] = value  # a hidden variable (the break flag): no name
            self.assigned[target.id] = None
            return
        if isinstance(target, ast.Name) and (is_function(value) or is_dict(value)):
            self.env[target.id] = value  # a function (its calls are inlined) or a dict
            self.assigned[target.id] = None  # an if merges it (`control`)
            return
        if isinstance(target, ast.Name):
            if isinstance(value, Resolved):
                raise self.src.error(
                    f"cannot assign {describe(value.value)} to a local name", stmt)
            previous = self.env.get(target.id)
            self.env[target.id] = value
            self.assigned[target.id] = None
            np_indexing.note_binding(self, target.id, stmt)
            if isinstance(value, Node) and value is not previous and value.op not in LEAVES:
                # A rebound name gets a version suffix, so that x_1's tangent is x_1_dot.
                version = self.versions.get(target.id, -1) + 1
                self.versions[target.id] = version
                self.b.name(value, target.id if version == 0 else f"{target.id}_{version}")
        elif dicts.is_dict_target(self, target):
            dicts.set_item(self, target, value, stmt)  # type: ignore[arg-type]
        elif isinstance(target, ast.Subscript):
            np_indexing.assign(self, target, value, stmt)
        elif isinstance(target, ast.Tuple):
            if is_array(value):
                value = np_indexing.unpack(self, value, len(target.elts), target)  # type: ignore
            if not isinstance(value, tuple):
                raise self.src.error("cannot unpack a number into several names", target)
            if len(value) != len(target.elts):
                raise self.src.error(
                    f"cannot unpack {len(value)} values into {len(target.elts)} names", target)
            for sub_target, sub_value in zip(target.elts, value, strict=True):
                self.assign(sub_target, sub_value, stmt)
        else:
            raise self.src.error(
                f"unsupported assignment target: {type(target).__name__.lower()}", target)

    def output(self, expr: ast.expr) -> Structure:
        value = self.expr(expr)
        return self.structure(value, expr)

    def structure(self, value: Value, where: ast.expr) -> Structure:
        if self.caller is not None and self.parent is None and is_sequence(value):
            return value  # type: ignore[return-value]  # a called function returns a list
        if is_sequence(value):
            raise self.src.error(
                "the function returns a list; return a number or a tuple of numbers", where)
        if isinstance(value, Node):
            return value
        if isinstance(value, tuple):
            return tuple(self.structure(v, where) for v in value)
        if (is_function(value) or is_dict(value)) and self.caller is not None \
                and self.parent is None:
            return value  # type: ignore[return-value]  # a callee returns a function or dict
        what = "a dict" if is_dict(value) else describe(value.value)  # type: ignore
        raise self.src.error(f"the function returns {what}, not a number", where)

    # Expressions ----------------------------------------------------------------------

    def expr(self, e: ast.expr) -> Value:
        if isinstance(e, ast.Constant):
            v = e.value
            if not isinstance(v, (int, float)):  # bool is an int: True, False
                raise self.src.error(
                    f"unsupported constant {v!r}: only numbers, True and False", e)
            return self.b.const(v)
        if isinstance(e, ast.Name):
            return self.name(e.id, e)
        if isinstance(e, ast.Attribute):
            return self.attribute(e)
        if isinstance(e, ast.BinOp):
            return self.binop(e.op, self.expr(e.left), self.expr(e.right), e)
        if isinstance(e, ast.UnaryOp) and not isinstance(e.op, ast.Not):
            operand = self.number(self.expr(e.operand), e.operand)
            return self.b.neg(operand) if isinstance(e.op, ast.USub) else operand
        if isinstance(e, ast.Call):
            return self.call(e)
        if isinstance(e, ast.Lambda):
            return calls.lambda_(self, e)
        if isinstance(e, ast.Tuple):
            return tuple(self.expr(x) for x in e.elts)
        if isinstance(e, ast.List):
            return [self.number(self.expr(x), x) for x in e.elts]
        if isinstance(e, ast.Subscript):
            return sequences.subscript(self, e)
        if isinstance(e, ast.Dict):
            return dicts.literal(self, e)
        if isinstance(e, ast.IfExp):
            return control.lower_ifexp(self, e)
        if isinstance(e, ast.BoolOp):
            return control.lower_boolop(self, e)
        if isinstance(e, ast.Compare):
            return control.lower_compare(self, e)
        if isinstance(e, ast.ListComp):
            return loops.comprehension(self, e)
        if isinstance(e, ast.GeneratorExp):
            raise self.src.error(
                f"unsupported construct: {fence.NAMES[type(e)]} outside sum(...) (write a "
                "list comprehension [...] to make a list)", e)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
            return self.b.apply("not_", self.number(self.expr(e.operand), e.operand))
        raise self.src.error(f"unsupported expression {type(e).__name__}", e)

    def number(self, value: Value, where: ast.AST) -> Node:
        if is_sequence(value):
            raise self.src.error("a list is used where a number is expected", where)
        if isinstance(value, Node):
            return value
        if isinstance(value, tuple):
            raise self.src.error("a tuple is used where a number is expected", where)
        if is_dict(value):
            raise self.src.error("a dict is used where a number is expected", where)
        raise self.src.error(f"{describe(value.value)} is used where a number is expected", where)

    def binop(self, op: ast.operator, left: Value, right: Value, where: ast.AST) -> Node:
        if isinstance(op, ast.MatMult):
            return arrays.product(self, "matmul", left, right, where)
        prim = BINOPS.get(type(op))
        if prim is None:
            raise self.src.error(f"unsupported operator {type(op).__name__}", where)
        return self.b.apply(prim, self.number(left, where), self.number(right, where))

    def name(self, name: str, where: ast.AST) -> Value:
        value = self.visible(name)
        if isinstance(value, MaybeUnbound):
            raise self.src.error(f"variable {name!r} may be unbound here: {value.why}", where)
        if value is not None:
            return value
        if name in self.locals:
            raise self.src.error(f"local variable {name!r} is used before it is assigned", where)
        resolved = self.scope.lookup(name)
        if resolved is None:
            raise self.src.error(f"name {name!r} is not defined", where)
        return self.free(resolved, where)

    def attribute(self, e: ast.Attribute) -> Value:
        base = self.expr(e.value)
        if is_array(base):
            return numpy_calls.get_attribute(self, base, e)  # type: ignore[arg-type]
        if not isinstance(base, Resolved):
            raise self.src.error(f"unsupported attribute access .{e.attr} on a number", e)
        resolved = self.scope.attribute(base, e.attr)
        if resolved is None:
            raise self.src.error(f"{'.'.join(base.path)} has no attribute {e.attr!r}", e)
        return self.free(resolved, e)

    def callee(self, e: ast.expr) -> Value:
        """Like `expr`, but an unknown callable is returned so the call can name it."""
        if isinstance(e, ast.Name) and self.visible(e.id) is None and e.id not in self.locals:
            resolved = self.scope.lookup(e.id)
            if resolved is not None and resolved.kind == "other":
                return resolved
        if isinstance(e, ast.Attribute):
            base = self.expr(e.value)
            if isinstance(base, Resolved):
                resolved = self.scope.attribute(base, e.attr)
                if resolved is not None and resolved.kind == "other":
                    return resolved
        return self.expr(e)

    def free(self, resolved: Resolved, where: ast.AST) -> Value:
        if resolved.kind == "constant":
            return self.b.const(resolved.value)
        if resolved.kind == "number":
            return self.b.global_(resolved.path)
        if resolved.kind in ("module", "callable") or is_function(resolved):
            return resolved
        if isinstance(resolved.value, dict):
            raise self.src.error(
                f"{'.'.join(resolved.path)!r} is a dict from outside the function: symdiff "
                "reads dicts the function makes ({...} or dict(...)); pass its values as "
                "arguments", where)
        raise self.src.error(
            f"unsupported use of {'.'.join(resolved.path)!r} ({describe(resolved.value)})", where)

    def call(self, e: ast.Call) -> Value:
        if isinstance(e.func, ast.Attribute) and not _is_append(e):
            base = self.expr(e.func.value)
            if is_array(base):
                return numpy_calls.call_method(self, base, e.func.attr, e)  # type: ignore[arg-type]
            if is_dict(base):
                return dicts.method(self, base, e)  # type: ignore[arg-type]
        func = self.callee(e.func)
        label = ast.unparse(e.func)
        if isinstance(func, Resolved) and func.value is sum:
            if e.args and not isinstance(e.args[0], (ast.GeneratorExp, ast.ListComp)):
                if e.keywords or len(e.args) > 2:
                    raise self.src.error("sum() takes a list and an optional start value", e)
                start = self.number(self.expr(e.args[1]), e.args[1]) if len(e.args) == 2 \
                    else None
                return sequences.total(self, self.expr(e.args[0]), start, e.args[0])
            return loops.lower_sum(self, e)
        if isinstance(func, Resolved) and func.value is dict:
            return dicts.construct(self, e)
        if isinstance(func, Resolved) and func.value is len:
            if len(e.args) != 1 or e.keywords:
                raise self.src.error("len() takes exactly one argument", e)
            counted = accumulators.read_length(self, e.args[0])
            if counted is not None:
                return counted
            value = self.expr(e.args[0])
            if is_array(value):
                return arrays.length(self, value)  # type: ignore[arg-type]
            if is_dict(value):
                return self.b.const(len(value.items))  # type: ignore[union-attr]
            return sequences.length(self, value, e.args[0])
        if is_inlined(func):
            return calls.call(self, func, e)  # type: ignore[arg-type]
        if not isinstance(func, Resolved) or func.kind != "callable":
            what = describe(func.value) if isinstance(func, Resolved) else "a number"
            raise self.src.error(
                f"call of {label!r} ({what}): symdiff cannot differentiate through it; "
                "supported are math functions, abs, min, max, float, pow and Python "
                "functions with source", e)
        op = callable_op(func.value)
        assert op is not None
        for arg in e.args:
            if isinstance(arg, ast.Starred):
                raise self.src.error("unsupported construct: starred argument (*x)", arg)
        if op.startswith("np."):
            return numpy_calls.call(self, op[3:], e)
        if op.startswith("custom."):
            return rules.lower_call(self, func, e)
        if e.keywords:
            raise self.src.error(f"keyword arguments in a call of {label!r}", e.keywords[0])
        args = [self.number(self.expr(a), a) for a in e.args]
        if PRIMITIVES[op].scalar_only and any(a.type is not None for a in args):
            raise self.src.error(f"{label}() of an array is not supported (no NumPy form)", e)
        low, high = PRIMITIVE_ARITY.get(op, (1, 1))
        if len(args) < low or (high is not None and len(args) > high):
            expected = f"{low}" if low == high else f"{low} to {high or 'any number of'}"
            raise self.src.error(
                f"{label}() takes {expected} arguments here, got {len(args)}", e)
        if op == "log" and len(args) == 2:
            return self.b.apply("logb", *args)
        if op in VARIADIC_PAIRWISE:
            result = args[0]
            for arg in args[1:]:
                result = self.b.apply(op, result, arg)
            return result
        return self.b.apply(op, *args)


def _is_append(e: ast.expr) -> bool:
    return (isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute)
            and e.func.attr == "append")


def _can_raise(node: Node) -> bool:
    if node.op in REGIONS:
        return any(body.effects for body in bodies(node))
    prim = PRIMITIVES.get(node.op)
    if prim is None or not prim.may_raise:
        return False
    if node.op == "index":
        return indexing.can_raise(node.attrs[0])  # a slice never raises
    if prim.type_rule is None and node.type is not None:
        return False  # NumPy reports an elementwise floating-point error as a warning
    if node.op in ("div", "floordiv", "mod"):
        # Only a zero divisor raises; a nonzero constant one never does.
        divisor = node.args[1]
        return not (divisor.is_const and divisor.value != 0)
    return True


def _assigned_names(fn: ast.FunctionDef | ast.Lambda) -> set[str]:
    if isinstance(fn, ast.Lambda):
        return set()
    names: set[str] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names

