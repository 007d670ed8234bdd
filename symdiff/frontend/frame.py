"""The state of lowering a function body: a `Frame`.

Contract: a frame holds what lowering one function body, or one branch or loop body of
it (a child frame), knows: the builder its nodes go into, the value each name has here
(`env`), the names it assigned, and the values it captured from its enclosing frames.
A child has a builder of its own, and what it reads from outside becomes one of its
``arg`` nodes (`capture`), so a branch or loop body is a closed sub-program whose
operands are the captured values. A called function's frame shares its caller's
builder (`caller`); a ``def`` or lambda of the function reads the frame that defined
it (`lexical`) when it is called, as Python's late binding does.

A frame lowers statements and expressions through the `Grammar` it was made with
(`block`, `expr`): the helpers that lower one construct receive a frame and call back
through it, so none of them imports the module that assembles the tables
(`frontend.lower`). Errors are located through `src` (the function's `FunctionSource`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from symdiff.errors import SymdiffError
from symdiff.frontend.callees import Callees
from symdiff.frontend.resolve import Resolved, Scope, describe
from symdiff.frontend.source import FunctionSource
from symdiff.frontend.values import (
    Frozen,
    Instance,
    Keywords,
    MaybeUnbound,
    Nothing,
    Slice,
    Text,
    Transform,
    Value,
    is_array,
    is_dict,
    is_function,
    is_sequence,
    rebuilt,
)
from symdiff.ir.builder import Builder
from symdiff.ir.node import INT, LEAVES, Container, Node, Op, Structure, is_int
from symdiff.ir.numpy_scalars import raising
from symdiff.ir.sequences import kind
from symdiff.rules.custom import Rule
from symdiff.syntax import nodes

# Branch and loop bodies nested deeper than this are a located error: the generated code
# nests as deep, and Python allows 100 levels of indentation (a function's body is one).
MAX_NESTING = 98


@dataclass(frozen=True)
class End:
    """A statement ended its block: the block's `result`, or None when control leaves
    it without one (a continue or break, or a return that only records its values)."""

    result: Structure | None


# ``handler(frame, stmt, rest)``, `rest` the statements after `stmt` in its block:
# End when the block ends at `stmt`, else None.
StatementHandler = Callable[["Frame", Any, list[ast.stmt]], End | None]
ExpressionHandler = Callable[["Frame", Any], Value]


@dataclass(frozen=True)
class Grammar:
    """How each kind of statement and expression lowers: a handler per AST node type."""

    statements: Mapping[type[ast.stmt], StatementHandler]
    expressions: Mapping[type[ast.expr], ExpressionHandler]
    # The kinds of statement whose handler reads the statements after it; the others
    # are given none (copying the rest of a block per statement would be quadratic).
    read_rest: frozenset[type[ast.stmt]] = frozenset()


@dataclass
class CallState:
    """What the frames of one lowering share about calls (`frontend.calls`); the
    outermost frame holds it."""

    fn: Callable[..., Any]
    types: tuple[Any, ...] | None
    stack: list[Any] = field(default_factory=list)
    # (builder, function, arguments) -> result: a pure call with the same argument nodes
    # gives the same nodes, so recursion like fib(n - 1) + fib(n - 2) is lowered once
    # per distinct argument. Not a call that gives an array: each call of a function
    # that makes one (np.zeros(n)) gives a new array.
    memo: dict[tuple[Any, ...], tuple[Builder, Value]] = field(default_factory=dict)
    sources: dict[int, FunctionSource] = field(default_factory=dict)
    checked: set[int] = field(default_factory=set)  # callee bodies checked by id
    loop_forms: dict[int, ast.FunctionDef | ast.Lambda] = field(default_factory=dict)
    _callees: Callees | None = None

    @property
    def callees(self) -> Callees:
        """The functions the lowered function may call (`frontend.callees`)."""
        if self._callees is None:
            self._callees = Callees(self.fn, self.types)
        return self._callees


class Frame:
    """Symbolic execution of a function body, or of one branch or loop body of it: the
    values its names hold and the nodes it builds. Each helper of the frontend is a
    function of a frame, and lowers the parts of its construct through `block` and
    `expr`."""

    def __init__(
        self,
        fn: Callable[..., Any],
        source: FunctionSource,
        builder: Builder,
        grammar: Grammar,
        parent: Frame | None = None,
    ):
        self.fn = fn
        self.src = source
        self.b = builder
        self.grammar = grammar
        self.parent = parent
        self.scope: Scope = parent.scope if parent else Scope(fn)
        self.env: dict[str, Value | MaybeUnbound] = {}
        self.locals: set[str] = parent.locals if parent else assigned_names(source.node)
        # Facts about statements of the function (`control.facts`), by id, with the node.
        self.statement_facts: dict[int, Any] = parent.statement_facts if parent else {}
        # A branch numbers rebindings from where its parent is, so both branches of an
        # if and the merged value after it share one name.
        self.versions: dict[str, int] = dict(parent.versions) if parent else {}
        self.first_node = len(builder)
        # How many branch and loop bodies this frame is nested in (a callee's frame: as
        # many as its caller), and the statement it is lowering now.
        self.depth: int = parent.depth + 1 if parent else 0
        self.at: ast.stmt | None = None
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
        self.caller: Frame | None = None
        self.lexical: Frame | None = None
        # In a called function's frame, the arrays its caller passed: not its to change.
        self.passed: frozenset[Node] = frozenset()
        self.calls: CallState | None = parent.calls if parent else None
        # The root frame's parameter types, as `lower` was given them.
        self.types: tuple[Any, ...] | None = None
        # The outermost frame of a custom rule's function: the rule, and the attributes
        # of the call it differentiates (`frontend.rules`).
        self.rule: tuple[Rule, tuple[Any, ...]] | None = None
        # In the outermost frame: the int and bool globals read so far, by path, with
        # the values the code is specialised on (`names.compile_time`).
        self.pinned: dict[tuple[Any, ...], Any] = {}
        # Whether it may return None inside a tuple (a residual, a zero cotangent).
        self.nones = False

    def child(self, checked: bool = True) -> Frame:
        """A frame for one branch: its own builder, reading this frame's names as args.
        Branches nested more than `MAX_NESTING` deep are a located error (not `checked`:
        the caller checks how many of its children become branches)."""
        if checked and self.depth >= MAX_NESTING:
            raise self.too_deep()
        return Frame(self.fn, self.src, Builder(), self.grammar, parent=self)

    def too_deep(self) -> SymdiffError:
        """The located error for branches nested more than `MAX_NESTING` deep here."""
        return self.src.error(
            f"this statement nests branches, loops or and/or operands that can raise more "
            f"than {MAX_NESTING} deep (the derivative's code would nest deeper than Python "
            "allows); split it into functions or shallower steps", self.statement())

    def statement(self) -> ast.AST:
        """The statement of the function this frame is lowering (its def before the
        first), for errors about a construct as a whole."""
        frame: Frame | None = self
        while frame is not None:
            if frame.at is not None:
                return frame.at
            frame = frame.parent
        return self.src.node

    def root(self) -> Frame:
        """The frame of the function body this frame is a branch or loop body of."""
        frame = self
        while frame.parent is not None:
            frame = frame.parent
        return frame

    def outermost(self) -> Frame:
        """The root frame of the function being lowered, past every call inlined."""
        frame = self.root()
        while frame.caller is not None:
            frame = frame.caller.root()
        return frame

    # Lowering, through the grammar -----------------------------------------------------

    def block(self, body: list[ast.stmt]) -> Structure | None:
        """Lower statements; the returned structure, or None when control falls through.
        A string as the first statement (a docstring) is skipped."""
        for i, stmt in enumerate(body):
            if i == 0 and _is_docstring(stmt):
                continue
            self.at = stmt
            handler = self.grammar.statements.get(type(stmt))
            if handler is None:
                raise self.src.error(f"unsupported statement {type(stmt).__name__}", stmt)
            rest = body[i + 1:] if type(stmt) in self.grammar.read_rest else []
            end = handler(self, stmt, rest)
            if end is not None:
                return end.result
        return None

    def expr(self, e: ast.expr) -> Value:
        """The value of the expression `e`."""
        handler = self.grammar.expressions.get(type(e))
        if handler is None:
            raise self.src.error(f"unsupported expression {type(e).__name__}", e)
        return handler(self, e)

    def output(self, expr: ast.expr) -> Structure:
        """The value of `expr` as what a function returns."""
        return self.structure(self.expr(expr), expr)

    def structure(self, value: Value, where: ast.expr, nested: bool = False) -> Structure:
        """`value` as what a function returns: a number, an array, or tuples, dicts and
        lists of them (a list the function built, not one a loop appended to); a called
        function may also return a list of any kind, a function or a dict; a custom rule's
        function, None inside a tuple, which `frontend.rules` reads."""
        if self.caller is not None and self.parent is None and is_sequence(value):
            return value  # type: ignore[return-value]  # a called function returns a list
        if self.caller is None and isinstance(value, list | Keywords):
            items = value if isinstance(value, list) else [v for _, v in value.items]
            keys = () if isinstance(value, list) else tuple(value.keys())
            return Container("list" if isinstance(value, list) else "dict", keys,
                             tuple(self.structure(v, where) for v in items))
        if is_sequence(value):
            raise self.src.error(
                "the function returns a list; return a number or a tuple of numbers", where)
        if isinstance(value, Node):
            return value
        if isinstance(value, tuple):
            parts = [self.structure(v, where, True) for v in value]
            # Field names reach a caller; a program's outputs are plain tuples.
            return rebuilt(value, parts) if self.caller is not None else tuple(parts)
        if nested and isinstance(value, Nothing) and self.nones:
            return None  # type: ignore[return-value]  # a residual or a zero cotangent
        if (is_function(value) or is_dict(value) or isinstance(value, Instance | Frozen)) \
                and self.caller is not None and self.parent is None:
            # A callee returns a function, a dict, an object or a frozen distribution.
            return value  # type: ignore[return-value]
        if isinstance(value, Instance):
            raise self.src.error(
                f"the function returns an object of class {value.klass.__qualname__}, not a "
                "number: an object made inside the function cannot be its output (return "
                "the numbers it holds)" if self.caller is None else
                f"a branch or loop here gives an object of class {value.klass.__qualname__}; "
                "only numbers can be merged after an if or loop", where)
        what = "a dict" if is_dict(value) else "None" if isinstance(value, Nothing) \
            else f"a frozen scipy.stats.{value.distribution}" if isinstance(value, Frozen) \
            else f"a {value.kind} of a function" if isinstance(value, Transform) \
            else describe(value.value)  # type: ignore
        raise self.src.error(f"the function returns {what}, not a number", where)

    def number(self, value: Value, where: ast.AST) -> Node:
        """`value`, which must be a number or an array."""
        if is_sequence(value):
            raise self.src.error("a list is used where a number is expected", where)
        if isinstance(value, Node):
            return value
        if isinstance(value, tuple):
            raise self.src.error("a tuple is used where a number is expected", where)
        if is_dict(value):
            raise self.src.error("a dict is used where a number is expected", where)
        if isinstance(value, Slice):
            raise self.src.error("a slice is used where a number is expected", where)
        if isinstance(value, Transform):
            raise self.src.error(f"{value.kind}(...) of a function is used where a number is "
                                 "expected (call it)", where)
        if isinstance(value, Frozen):
            raise self.src.error(f"a frozen scipy.stats.{value.distribution} is used where a "
                                 "number is expected (call one of its methods)", where)
        if isinstance(value, Text):
            origin = f" ({value.origin})" if value.origin else ""
            raise self.src.error(f"the string {value.value!r}{origin} is used where a number "
                                 "is expected", where)
        if isinstance(value, Nothing):
            origin = f" ({value.origin})" if value.origin else ""
            raise self.src.error(f"None{origin} is used where a number is expected",
                                 value.where or where)
        if isinstance(value, Instance):
            raise self.src.error(f"an object of class {value.klass.__qualname__} is used "
                                 "where a number is expected", where)
        assert isinstance(value, Resolved)  # (what is left of a `Value`)
        if value.kind in ("object", "class"):
            cls = value.value.cls if value.kind == "object" else value.value
            what = "an object" if value.kind == "object" else "the class"
            raise self.src.error(f"{what} {'.'.join(map(str, value.path))} (of class "
                                 f"{cls.__qualname__}) is used where a number is expected",
                                 where)
        raise self.src.error(f"{describe(value.value)} is used where a number is expected",
                             where)

    def effects(self) -> tuple[Node, ...]:
        """The operations this frame evaluates that can raise, in evaluation order."""
        return raising(self.b.nodes()[self.first_node:])

    # Names ------------------------------------------------------------------------------

    def bind(self, name: str, value: Value, stmt: ast.stmt) -> None:
        """Bind the local `name` to `value`, as `stmt` does."""
        if not name.isidentifier():
            self.env[name] = value  # a hidden variable (the break flag): no name
            self.assigned[name] = None
            return
        if is_function(value) or is_dict(value) or isinstance(
                value, Text | Nothing | Slice | Transform | Instance | Frozen) or (
                isinstance(value, Resolved) and value.kind in ("object", "class")):
            # A function (its calls are inlined), dict, string, None, slice, transform,
            # object or class.
            self.env[name] = value
            self.assigned[name] = None  # an if merges it (`control`)
            return
        if isinstance(value, Resolved):
            raise self.src.error(f"cannot assign {describe(value.value)} to a local name", stmt)
        previous = self.env.get(name)
        self.env[name] = value
        self.assigned[name] = None
        _note_aliases(self, name, stmt)
        if isinstance(value, Node) and value is not previous and value.op not in LEAVES:
            # A rebound name gets a version suffix, so that x_1's tangent is x_1_dot.
            version = self.versions.get(name, -1) + 1
            self.versions[name] = version
            self.b.name(value, name if version == 0 else f"{name}_{version}")

    # Values from enclosing frames --------------------------------------------------------

    def visible(self, name: str) -> Value | MaybeUnbound | None:
        """The value `name` has here, capturing it from enclosing frames as needed (into
        each frame between, from the outermost down: a loop, not a recursion)."""
        below: list[Frame] = []
        frame = self
        while name not in frame.env and frame.parent is not None:
            below.append(frame)
            frame = frame.parent
        value = frame.env[name] if name in frame.env else frame._enclosing(name)
        for inner in reversed(below):
            if value is None or isinstance(value, (MaybeUnbound, Resolved)):
                return value
            value = inner.capture(name, value)
            inner.env[name] = value
        return value

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
            return rebuilt(outer, (self._stand_in(name, v) for v in outer))
        if isinstance(outer, list):
            return [self._stand_in(name, v) for v in outer]
        if is_dict(outer):
            return outer.map(lambda key, v: self._stand_in(name, v))  # type: ignore
        if isinstance(outer, Resolved | Text | Nothing | Transform):
            return outer  # a function, a string or None: nothing to pass in
        if isinstance(outer, Instance):
            return outer.view(self)  # its attributes are captured as they are read
        if isinstance(outer, Slice):
            return Slice(*(None if b is None else cast(Node, self._stand_in(name, b))
                           for b in outer.bounds()))
        if isinstance(outer, Frozen):
            return Frozen(outer.distribution, tuple(
                (k, self._stand_in(f"{name}_{k}" if name.isidentifier() else name, v))
                for k, v in outer.values))
        assert isinstance(outer, Node)
        if outer.op == Op.CONST:
            return self.b.const(outer.value)
        if outer.op == Op.GLOBAL:
            return self.b.global_(outer.attrs, outer.type)
        hint = name if name.isidentifier() else self._parent_hint(outer)
        if outer.type is None and is_int(outer):
            return self.b.arg(hint, INT)  # an int stays one inside the body
        return self.b.arg(hint, outer.type if outer.type is not None else kind(outer))

    def _parent_hint(self, outer: Node) -> str:
        frame = self.parent
        while frame is not None:
            if outer in frame.b.names:
                return frame.b.names[outer]
            frame = frame.parent
        return "value"

    def _enclosing(self, name: str) -> Value | MaybeUnbound | None:
        """In a local function's frame, the value `name` has in the function that defined
        it, brought into this frame's builder (None if it has none)."""
        if self.lexical is None or self.caller is None:
            return None
        value = _reach(self.caller, self.lexical, name)
        if value is None and not _on_stack(self.caller, self.lexical):
            # The function that defined it has returned (the function was returned from a
            # call): its names keep the values they had when it returned.
            value = self.lexical.visible(name)
            if value is not None and not isinstance(value, (MaybeUnbound, Resolved)):
                value = _bring(self.caller, self.lexical.b, name, value)
        return value


def assigned_names(fn: ast.FunctionDef | ast.Lambda) -> set[str]:
    """The names a function's body assigns anywhere (its local names)."""
    if isinstance(fn, ast.Lambda):
        return set()
    names: set[str] = set()
    for node in nodes(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
        and isinstance(stmt.value.value, str)


def _on_stack(frame: Frame | None, namespace: Frame) -> bool:
    while frame is not None:
        root = frame.root()
        if root is namespace:
            return True
        frame = root.caller
    return False


def _bring(frame: Frame, builder: Builder, name: str, value: Any) -> Any:
    """`value`, made in `builder`, as seen from `frame` (captured into nested bodies)."""
    if frame.b is builder:
        return value
    if frame.parent is not None:
        return frame.capture(f"#{id(builder)}.{name}",
                             _bring(frame.parent, builder, name, value))
    if frame.caller is not None:
        return _bring(frame.caller, builder, name, value)
    raise SymdiffError(f"the value of {name!r} that a returned function reads is out of reach")


def _reach(frame: Frame, namespace: Frame, name: str) -> Any:
    if frame.root() is namespace:
        return frame.visible(name)
    if frame.parent is not None:  # a branch or loop body: capture from the parent
        outer = _reach(frame.parent, namespace, name)
        if outer is None or isinstance(outer, (MaybeUnbound, Resolved)):
            return outer
        return frame.capture(f"#{id(namespace)}.{name}", outer)
    if frame.caller is not None:  # a callee's frame: same builder as its caller's
        return _reach(frame.caller, namespace, name)
    return None


def _note_aliases(frame: Frame, name: str, stmt: ast.stmt) -> None:
    """Keep track of names of one array as `name` is bound by `stmt`: ``b = a`` makes b
    another name of a's array; another value makes it a name of its own (one computed
    like another's, which the IR may share, is still a different array)."""
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
    if any(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name
           for t in targets):
        return  # name[...] = v: still the same array
    if isinstance(stmt, ast.AugAssign) and is_array(frame.env.get(name)):
        return  # name += v: the same array, changed in place (or a new one from a number)
    groups = frame.array_aliases
    old = groups.pop(name, frozenset())
    for other in old - {name}:
        groups[other] = old - {name}
    source = stmt.value if isinstance(stmt, ast.Assign) and len(targets) == 1 and isinstance(
        targets[0], ast.Name) and targets[0].id == name else None
    if isinstance(source, ast.Name) and source.id != name and is_array(frame.env.get(name)):
        group = groups.get(source.id, frozenset({source.id})) | {name}
        for other in group:
            groups[other] = group

