"""The computational graph of a function at a point, as the essay draws it.

Contract: `build(fun, args, ...)` lowers `fun` with symdiff's pipeline, stopping
after its ``lower`` pass (no simplification beyond the builder's constant folding, so
the user's operations stay as written), and returns a `GraphModel`: one node per input
and per operation the outputs depend on (named as the user named them, else as
generated code would), the value of each at `args` (by the IR's reference
interpreter), and one edge per operand labelled with the local partial derivative
∂head/∂tail, from the primitive's JVP rule seeded with 1 on that operand, printed as a
formula and evaluated at `args`.
Optionally every node carries ∂node/∂x for one input x (forward mode, by
`transforms.ad.jvp`) or ∂output/∂node (reverse mode, by `transforms.ad.vjp`).
Constants are not nodes: they appear in their user's formula (``d = b + 1``).

The graph is the path the function runs at `args` (`pictures.trace`): each ``if`` is
the branch taken there, and each loop (``for``, ``while``, ``break``) is unrolled into
the iterations it runs there. More than `trace.MAX_TRIPS` iterations, a loop that
appends to a list, lists or arrays raise `SymdiffError`.
"""

from __future__ import annotations

import builtins
import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from symdiff.errors import SymdiffError
from symdiff.ir.builder import Builder, builder_of
from symdiff.ir.node import Item, Node, Op, Program, global_name, topological
from symdiff.ir.regions import all_nodes
from symdiff.pictures.formula import formula, number, operation
from symdiff.pictures.trace import MAX_TRIPS, at_point


@dataclass(frozen=True)
class GraphNode:
    """An input (``kind="input"``), a value read from outside (``"global"``), an
    operation (``"operation"``) or a constant output (``"constant"``)."""

    name: str
    kind: str
    value: Any
    formula: str | None = None
    output: bool = False
    # ∂node/∂seed (forward) or ∂output/∂node (reverse), when asked for.
    derivative: Any = None

    @property
    def label(self) -> str:
        """``c = a + b`` for an operation, the name otherwise."""
        return self.name if self.formula is None else f"{self.name} = {self.formula}"


@dataclass(frozen=True)
class GraphEdge:
    """An arrow from an operand to its user, with the local partial derivative."""

    tail: int
    head: int
    formula: str
    value: Any


@dataclass(frozen=True)
class GraphModel:
    """What a picture shows; `nodes` are in evaluation order, inputs first."""

    function: str
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    # "forward" or "reverse" when nodes carry derivatives; `seed` is the input (forward)
    # or the output (reverse) they are taken with respect to / of.
    mode: str | None = None
    seed: str | None = None

    def derivative_label(self, node: GraphNode) -> str:
        """``∂c/∂b`` (forward from b) or ``∂e/∂c`` (reverse from e)."""
        if self.mode == "forward":
            return f"∂{node.name}/∂{self.seed}"
        return f"∂{self.seed}/∂{node.name}"

    def edge_label(self, edge: GraphEdge) -> str:
        """``∂e/∂c = d = 2``; a constant partial reads ``∂c/∂a = 1``."""
        head, tail = self.nodes[edge.head].name, self.nodes[edge.tail].name
        value = number(edge.value)
        shown = value if edge.formula == value else f"{edge.formula} = {value}"
        return f"∂{head}/∂{tail} = {shown}"


def build(
    fun: Callable[..., Any], args: Sequence[Any], forward: str | int | None = None,
    reverse: bool = False,
) -> GraphModel:
    """The graph of `fun` at `args`, with forward- or reverse-mode derivatives if asked."""
    from symdiff.runtime.pipeline import lowered

    if forward is not None and reverse:
        raise SymdiffError("draw forward-mode or reverse-mode derivatives, not both")
    name = getattr(fun, "__name__", "function")
    if inspect.ismethod(fun) or isinstance(fun, functools.partial):
        raise SymdiffError(f"graph pictures draw functions of numbers; {name} is a "
                           f"{'bound method' if inspect.ismethod(fun) else 'functools.partial'}"
                           ": pass the function underneath and the arguments bound to it")
    values = _bind(fun, name, args)
    program = lowered(fun)
    if len(program.params) != len(values):
        raise SymdiffError(f"{name} has {len(program.params)} parameters, got "
                           f"{len(values)} arguments")
    env = _globals(fun, program)
    program = at_point(program, values, env)
    _check_straight(program, name)
    names, order = _names(program, name)
    b = builder_of(program)
    nodes_values = _evaluate(program, list(order), values, env, name)
    position = {node: i for i, node in enumerate(order)}
    partials = [(position[arg], head, _partial(b, node, arg))
                for head, node in enumerate(order) if node.op not in (Op.PARAM, Op.GLOBAL, Op.CONST)
                for arg in _operands(node)]
    partial_values = _evaluate(program, [p for *_, p in partials], values, env, name)
    derivatives: list[Any] = [None] * len(order)
    mode = seed = None
    if forward is not None:
        mode, seed, derivatives = "forward", *_forward(program, order, names, forward)
        derivatives = _evaluate(program, derivatives, values, env, name)
    elif reverse:
        mode, seed, derivatives = "reverse", *_reverse(program, order, names)
        derivatives = _evaluate(program, derivatives, values, env, name)
    outputs = set(program.outputs)
    nodes = tuple(
        GraphNode(names[n], _kind(n), v, _formula(n, names), n in outputs, d)
        for n, v, d in zip(order, nodes_values, derivatives, strict=True))
    edges = tuple(GraphEdge(tail, head, formula(p, names), v)
                  for (tail, head, p), v in zip(partials, partial_values, strict=True))
    return GraphModel(name, nodes, edges, mode, seed)


def _bind(fun: Callable[..., Any], name: str, args: Sequence[Any]) -> list[Any]:
    """The arguments in parameter order, defaults filled in; numbers only."""
    try:
        signature = inspect.signature(fun)
    except (TypeError, ValueError):  # a C function without one (math.log): as given
        named = {f"#{i}": value for i, value in enumerate(args)}
    else:
        try:
            bound = signature.bind(*args)
        except TypeError as error:
            count = f"{len(args)} argument{'' if len(args) == 1 else 's'}"
            raise SymdiffError(f"cannot call {name} with {count}: {error}") from None
        bound.apply_defaults()
        for param, parameter in signature.parameters.items():
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                raise SymdiffError(f"graph pictures need fixed parameters; {name} takes "
                                   f"*{param}")
        named = bound.arguments
    for param, value in named.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SymdiffError(f"graph pictures draw functions of numbers; argument {param!r} "
                               f"of {name} is {type(value).__name__}")
    return list(named.values())


def _check_straight(program: Program, name: str) -> None:
    for node in topological(program.outputs):
        if node.op in (Op.COND, Op.LOOP, Op.PROJ):
            raise SymdiffError(
                f"cannot draw {name}: its loops run more than {MAX_TRIPS} iterations in all "
                "at this point, or a loop appends to a list (loops and branches are drawn "
                "as they run at the point)")
        if node.type is not None or node.op.startswith(("seq_", "list_")):
            raise SymdiffError(f"cannot draw {name}: graph pictures draw numbers, not lists "
                               "or arrays")


def _names(program: Program, function: str) -> tuple[dict[Node, str], list[Node]]:
    """Each drawn node's name and the nodes in evaluation order (parameters first)."""
    from symdiff.codegen.naming import Namer

    namer = Namer()
    names: dict[Node, str] = {p: namer.parameter(p.attrs[0]) for p in program.params}
    order = list(program.params)
    outputs = program.outputs
    for node in topological(outputs):
        if node in names or (node.op == Op.CONST and node not in outputs):
            continue
        if node.op == Op.GLOBAL:
            names[node] = global_name(node.attrs)
        else:
            hint = program.builder.names.get(node)
            if hint is None and len(outputs) == 1 and node is outputs[0]:
                hint = function if function.isidentifier() else "out"
            names[node] = namer.hinted(hint)
        order.append(node)
    return names, order


def _operands(node: Node) -> list[Node]:
    """The drawn operands of `node`, each once, in argument order."""
    return list(dict.fromkeys(a for a in node.args if a.op != Op.CONST))


def _partial(b: Builder, node: Node, operand: Node) -> Node:
    """∂node/∂operand: the JVP rule with tangent 1 on every use of `operand`."""
    from symdiff.transforms import ad
    from symdiff.transforms.simplify import simplify

    one = b.const(1.0)
    tangents = tuple(one if a is operand else None for a in node.args)
    partial = ad.local_jvp(b, node, tangents)
    if partial is None:
        return b.const(0.0)
    return simplify(b, [partial])[partial]


def _forward(program: Program, order: list[Node], names: dict[Node, str], wrt: str | int
             ) -> tuple[str, list[Node | None]]:
    from symdiff.transforms import ad

    params = [names[p] for p in program.params]
    if isinstance(wrt, int) and not isinstance(wrt, bool):
        if not -len(params) <= wrt < len(params):
            raise SymdiffError(f"forward={wrt} is not a parameter position (0..{len(params) - 1})")
        wrt = params[wrt]
    if wrt not in params:
        raise SymdiffError(f"forward={wrt!r} is not a parameter; parameters: {', '.join(params)}")
    b = builder_of(program)
    x = program.params[params.index(wrt)]
    return wrt, ad.jvp(b, order, {x: b.const(1.0)})


def _reverse(program: Program, order: list[Node], names: dict[Node, str]
             ) -> tuple[str, list[Node | None]]:
    from symdiff.transforms import ad

    outputs = program.outputs
    if len(outputs) != 1:
        raise SymdiffError(f"reverse mode draws the derivatives of one output; "
                           f"{program.name} returns {len(outputs)}")
    b = builder_of(program)
    return names[outputs[0]], ad.vjp(b, [outputs[0]], [b.const(1.0)], wrt=order)


def _evaluate(program: Program, nodes: list[Node | None], args: list[Any],
              env: dict[str, Any], name: str) -> list[Any]:
    """Values of `nodes` at `args` (None, a symbolic zero, is 0); the operations the
    function runs only for their errors run too, so it raises where the function does."""
    from symdiff.ir.evaluate import evaluate

    zero = program.builder.const(0.0)
    result = tuple(zero if n is None else n for n in nodes)
    try:
        return list(evaluate(program.replace(result=result), args, env))
    except (ArithmeticError, ValueError) as error:
        raise SymdiffError(f"{name} raises at {tuple(args)}: {type(error).__name__}: "
                           f"{error}") from error


def _globals(fun: Callable[..., Any], program: Program) -> dict[str, Any]:
    """The values of the ``global`` nodes, by dotted path, as the generated code reads them."""
    from symdiff.frontend.callees import Callees
    from symdiff.frontend.resolve import Scope
    from symdiff.host.building import building

    scope = Scope(fun)
    paths = list(dict.fromkeys(n.attrs for n in all_nodes(program) if n.op == Op.GLOBAL))
    if not paths:
        return {}
    with building():  # Callees reads source
        bindings = Callees(fun).bindings()
    found: dict[str, Any] = {**scope.globals, **bindings, **scope.cells}
    env = {}
    for path in paths:
        first = path[0]
        if first in found:
            value = found[first]
        elif hasattr(builtins, first):
            value = getattr(builtins, first)
        else:
            raise SymdiffError(f"cannot find the value of {global_name(path)}")
        if hasattr(value, "cell_contents"):
            value = value.cell_contents
        for attr in path[1:]:
            value = value[attr.key] if isinstance(attr, Item) else getattr(value, attr)
        env[global_name(path)] = value
    return env


def _kind(node: Node) -> str:
    return {Op.PARAM: "input", Op.GLOBAL: "global", Op.CONST: "constant"}.get(node.op, "operation")


def _formula(node: Node, names: dict[Node, str]) -> str | None:
    if node.op in (Op.PARAM, Op.GLOBAL):
        return None
    if node.op == Op.CONST:
        return number(node.value)
    return operation(node, names)
