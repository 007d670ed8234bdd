"""What a primitive is: the frozen record of everything symdiff knows about one operation.

Contract:
- A `Primitive` says, in one place, how the operation is evaluated (`impl`, also used
  for constant folding), how it is emitted as Python (`emit`, `emit_array`), its type
  (`type_rule`), how it is differentiated, how it translates to SymPy, and the facts
  the other passes ask of it: whether it may raise, which Python, NumPy and SciPy
  callables lower to it and with how many arguments, whether it makes an array from
  numbers alone, a view, or a list, and what kind of operation it counts as.
- Derivatives are given either as `partials` (the local derivative of the output with
  respect to each input: the edge labels of the computational graph) from which the
  JVP and VJP rules follow, or as explicit `jvp_rule` / `vjp_rule`. Rules build IR
  with the `NodeBuilder` they are given, so a derivative's IR can itself be
  differentiated; a rule returns ``None`` for a symbolic zero.
- An operation that chooses among its arguments (``max``, ``abs``) has `Choice`
  partials: the (co)tangent is selected where the argument is chosen, and is a zero
  elsewhere, never multiplied by 0 (``inf * 0`` is nan). A partial applied to a
  (co)tangent so chosen applies to the chosen value alone (`chosen`).
- The area modules (`scalars`, `ufuncs`, `arrays`, `shapes`, `indexing`, `linalg`,
  `sequences`, `batching`, `calls`, `checks`, `special`) each export their records as
  data (`RECORDS`); the table (`ir.primitives`) assembles them. Nothing registers by
  being imported.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from symdiff.ir.node import Node, NodeBuilder


@dataclass(frozen=True)
class Quotient:
    """A partial derivative ``num / den``: applied to a (co)tangent t it gives ``t*num/den``.

    ``safe`` marks divisions the derivative introduces where the primal may have
    ``den == 0`` without raising (``sqrt'(0)``); those follow IEEE (inf, nan).
    """

    num: Node | float
    den: Node
    safe: bool = False


@dataclass(frozen=True)
class Choice:
    """The partial derivative of an operation that chooses an argument (``max``, ``abs``,
    ``x and y``): `factor` (1 when None) where `cond` is `taken`, 0 elsewhere. Applied
    to a (co)tangent t it selects, ``select(cond, t * factor, 0.0)``, never multiplies t
    by a 0/1 mask: where the argument is not chosen its derivative is 0 even where t is
    inf or nan (``sqrt(max(v, 0))`` at v < 0 has derivative 0, not ``inf * 0``)."""

    cond: Node
    factor: Node | None = None
    taken: bool = True


Partial = Node | Quotient | Choice | None
Emit = Callable[[list[ast.expr], tuple[Any, ...]], Any]
PartialsRule = Callable[..., tuple[Partial, ...]]
JvpRule = Callable[[NodeBuilder, Node, tuple[Node | None, ...]], Node | None]
# Per argument a cotangent node, None (zero) or, for a list argument, a change to its
# cotangent list (`ir.sequences`: `Whole`, `AddAll`, `AddAt`).
VjpRule = Callable[[NodeBuilder, Node, Node], tuple[Any, ...]]
TypeRule = Callable[[list[Any], tuple[Any, ...]], Any]

# What an operation counts as in `symdiff.cost` (`Primitive.cost`); an operation
# without one counts as "array" when it touches an array, else "other".
COST_KINDS = ("arithmetic", "transcendental", "comparison", "list", "free")


@dataclass(frozen=True, eq=False, repr=False)
class Primitive:
    """Everything symdiff knows about one operation (compared by identity: the record is
    the operation's kind)."""

    name: str
    arity: int | None
    impl: Callable[..., Any] | None
    emit: Emit
    partials: PartialsRule | None = None
    jvp_rule: JvpRule | None = None
    vjp_rule: VjpRule | None = None
    sympy: Callable[..., Any] | None = None
    differentiable: bool = True
    commutative: bool = False
    # The emitted expression mentions an argument twice, so arguments must be names.
    atomic_args: bool = False
    # Whether evaluating it can raise (ValueError, ZeroDivisionError, OverflowError):
    # such operations of the user's code run in every derivative, needed or not. A
    # function of the node when that depends on its arguments or attributes (a divisor
    # that is a nonzero constant never raises). See `can_raise`.
    may_raise: bool | Callable[[Node], bool] = True
    # Emitted as a Python operator (``a / b``, ``a ** b``) on numbers, which NumPy's
    # float scalars implement: with one for an argument its result is one too, and a
    # floating-point error only warns (inf, nan) where a float raises (see
    # `ir.numpy_scalars`).
    numpy_operator: bool = False
    # Updates its first argument (a list) in place: `emit` gives a statement, and the
    # result is the same object. The first argument is never used after it.
    inplace: bool = False
    # How it is emitted when an argument is an array, where `emit` would not do
    # (``math.sin`` -> ``np.sin``); None: `emit` works for arrays too, or (with
    # `scalar_only`) the operation has no array form.
    emit_array: Emit | None = None
    # How the numba backend emits it on numbers, where `emit` would not compile there
    # (``scipy.special.erf`` -> ``math.erf``); None: as `emit` (or not at all).
    emit_native: Emit | None = None
    scalar_only: bool = False
    # The result's `ir.types` type from the arguments' types and the attributes;
    # None: elementwise (the arguments broadcast).
    type_rule: TypeRule | None = None
    # The callables a call in the user's code lowers to it: Python's (``math.sin``,
    # ``abs``) and NumPy's by name (``"arcsin"``: ``np.arcsin`` on an array is this
    # elementwise primitive, on a number too).
    python: tuple[Callable[..., Any], ...] = ()
    numpy: tuple[str, ...] = ()
    # The ``scipy.special`` functions, by name, a call of which lowers to it (``"psi"``).
    scipy: tuple[str, ...] = ()
    # How many arguments such a call takes (least, most), where not `arity`: most None
    # folds more than two pairwise (``max(a, b, c)``); `with_two` is the primitive a
    # call with two arguments is instead (``math.log(x, base)`` is ``logb``).
    call_arity: tuple[int, int | None] | None = None
    with_two: str | None = None
    # Makes an array from numbers alone (``np.zeros(3)``): typed even when no argument
    # is an array.
    constructor: bool = False
    # Its result may be a view of an argument, or that argument itself (an update into
    # one copies it, and so does a gradient made of one); `shares`: it may be its
    # argument's memory without being a view (``x.astype(t, copy=False)``).
    view: bool = False
    shares: bool = False
    # Its value is a Python list (`ir.sequences`).
    makes_list: bool = False
    # Its value is an int when its arguments are ints (`ir.node.is_int`).
    keeps_int: bool = False
    # Its value is always an int (a length: ``x.size``, ``len(xs)``).
    makes_int: bool = False
    # Its value is its second or third argument, chosen by the truth of the first
    # (``x if c else y``, ``np.where``): what `Choice` partials make (see `chosen`).
    selects: bool = False
    # What it counts as in `symdiff.cost`: one of `COST_KINDS`, or None (see there).
    cost: str | None = None

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"

    def jvp(self, b: NodeBuilder, node: Node, tangents: tuple[Node | None, ...]
            ) -> Node | None:
        """Tangent of `node` given its arguments' tangents (None = zero)."""
        if not self.differentiable or all(t is None for t in tangents):
            return None
        if self.jvp_rule is not None:
            return self.jvp_rule(b, node, tangents)
        total: Node | None = None
        for partial, t in zip(self._partials(b, node), tangents, strict=True):
            if t is not None and partial is not None:
                total = accumulate(b, total, apply_partial(b, partial, t))
        return total

    def vjp(self, b: NodeBuilder, node: Node, cotangent: Node) -> tuple[Any, ...]:
        """Cotangent contribution to each argument of `node` (None = zero; see `VjpRule`)."""
        if not self.differentiable:
            return (None,) * len(node.args)
        if self.vjp_rule is not None:
            return self.vjp_rule(b, node, cotangent)
        return tuple(
            None if p is None else apply_partial(b, p, cotangent) for p in self._partials(b, node)
        )

    def _partials(self, b: NodeBuilder, node: Node) -> tuple[Partial, ...]:
        if self.partials is None:
            raise NotImplementedError(f"primitive {self.name!r} has no partials rule")
        return self.partials(b, node, *node.args)

    def can_raise(self, node: Node) -> bool:
        """Whether `node`, an application of this primitive, may raise when it runs."""
        if self.may_raise is False:
            return False
        if self.type_rule is None and node.type is not None:
            return False  # NumPy reports an elementwise floating-point error as a warning
        return self.may_raise is True or self.may_raise(node)

    def arguments(self) -> tuple[int, int | None]:
        """How many arguments a call of it takes: (least, most; None for any)."""
        if self.call_arity is not None:
            return self.call_arity
        n = self.arity if self.arity is not None else 1
        return n, n


def apply_partial(b: NodeBuilder, partial: Quotient | Choice | Node, t: Node) -> Node:
    """``t * partial``, written as a division when the partial is a quotient, and as a
    selection when it is a `Choice`. Where t is itself chosen (`chosen`), the partial
    applies to the chosen value alone."""
    if isinstance(partial, Choice):
        part = t if partial.factor is None else apply_partial(b, partial.factor, t)
        return b.select(partial.cond, part, 0.0) if partial.taken else b.select(
            partial.cond, 0.0, part)
    if isinstance(partial, Quotient):
        def scale(u: Node) -> Node:
            scaled = b.mul(u, partial.num)
            return b.safe_div(scaled, partial.den) if partial.safe else b.div(
                scaled, partial.den)

        return chosen(b, t, scale)
    return chosen(b, t, lambda u: b.mul(u, partial))


def chosen(b: NodeBuilder, t: Node, f: Callable[[Node], Node]) -> Node:
    """``f(t)`` for a linear `f`, where t may be a (co)tangent some selections chose
    (``select(c, u, 0.0)``, a `Choice` applied, perhaps within another): `f` applies to
    u alone and the zero stays a zero, even where ``f(0.0)`` would be nan (the derivative
    of ``sqrt`` in the branch ``np.where`` did not choose)."""
    spine: list[tuple[Node, int, Node]] = []  # (condition, side of u, the zero)
    while t.prim is not None and t.prim.selects:
        cond, x, y = t.args
        if _is_zero(y):
            spine.append((cond, 1, y))
            t = x
        elif _is_zero(x):
            spine.append((cond, 2, x))
            t = y
        else:
            break
    out = f(t)
    for cond, side, zero in reversed(spine):
        out = b.select(cond, out, zero) if side == 1 else b.select(cond, zero, out)
    return out


def tie_split(b: NodeBuilder, wins: Node, keeps: Node, tie: Node) -> tuple[Choice, Choice]:
    """The partials of a choice between two arguments: the first where `keeps` holds
    (`wins`: and there is no tie), else the second. Each gets the whole (co)tangent
    where it alone is chosen and half of it on a tie."""
    share = b.select(tie, 0.5, 1.0)
    return Choice(keeps, share), Choice(wins, share, taken=False)


def _is_zero(node: Node) -> bool:
    return node.is_const and not isinstance(node.value, bool) and node.value == 0


def accumulate(b: NodeBuilder, total: Node | None, term: Node | None) -> Node | None:
    """Sum of two possibly-zero (None) terms; of two chosen by one condition with their
    zeros on one side, the sum chosen the same way (exact: 0.0 + 0.0 is 0.0)."""
    if total is None:
        return term
    if term is None:
        return total
    if (total.prim is not None and total.prim.selects and term.prim is total.prim
            and total.args[0] is term.args[0]):
        cond = total.args[0]
        if _is_zero(total.args[2]) and total.args[2] is term.args[2]:
            return b.select(cond, b.add(total.args[1], term.args[1]), total.args[2])
        if _is_zero(total.args[1]) and total.args[1] is term.args[1]:
            return b.select(cond, total.args[1], b.add(total.args[2], term.args[2]))
    return b.add(total, term)


def one_tangent(tangents: tuple[Node | None, ...]) -> Node:
    """The tangent a one-argument primitive's JVP rule is given: never None, as rules
    run only for a tangent that is not zero (`Primitive.jvp`)."""
    (t,) = tangents
    assert t is not None
    return t


# Emitters ---------------------------------------------------------------------------------


def binop(op: ast.operator) -> Emit:
    return lambda args, attrs: ast.BinOp(args[0], op, args[1])


def compare(op: ast.cmpop) -> Emit:
    return lambda args, attrs: ast.Compare(args[0], [op], [args[1]])


def math_attr(name: str) -> ast.expr:
    return ast.Attribute(ast.Name("math", ast.Load()), name, ast.Load())


def math_call(name: str) -> Emit:
    return lambda args, attrs: ast.Call(math_attr(name), list(args), [])


def np_call(name: str) -> Emit:
    return lambda args, attrs: ast.Call(
        ast.Attribute(ast.Name("np", ast.Load()), name, ast.Load()), list(args), [])


def builtin_call(name: str) -> Emit:
    return lambda args, attrs: ast.Call(ast.Name(name, ast.Load()), list(args), [])
