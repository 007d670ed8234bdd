"""Calls that carry programs: ``custom_call`` (a function with custom derivative rules,
its rules lowered) and ``derivative_call`` (a symdiff transform called inside the
function being differentiated, ``grad(f)(x)``).

Contract:
- A ``custom_call`` node calls an opaque function (SciPy's, a C extension's, a black
  box) on its arguments. Its attributes are ``(path, module, call)``: the names
  generated code reaches the function by, from an importable `module` (or from the
  user's own namespace, module ""), and the `CustomCall` holding the rule's functions
  as programs (`RuleProgram`), lowered for these argument types and this path when the
  call itself was lowered (`frontend.rules`).
- It is emitted as a call of the function by that path, may raise, and its type is the
  arguments' broadcast type (output ``"elementwise"``) or a number (``"scalar"``).
- Its derivatives are the programs it carries, inlined at the call by
  `transforms.custom` (as a CALL node carries its gradient function): no transform
  lowers code, and nothing adds a primitive to the table.
- A ``derivative_call`` node is one leaf (``attrs[1]``) of the result of a transform
  (`InnerDerivative`, ``attrs[0]``) of a program, at the node's arguments: the
  program's parameters (the call's arguments, then the values the function reads from
  around the call), then, for ``jvp``, the tangents of the call's arguments.
  `transforms.nested` replaces each by the derivative program inlined, right after
  lowering, so no other pass sees one; it is never emitted or differentiated.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from symdiff.errors import UnsupportedSyntaxError
from symdiff.ir.node import Program
from symdiff.ir.primitive import Primitive
from symdiff.ir.types import Type, broadcast


@dataclass(frozen=True, eq=False)
class RuleProgram:
    """One rule function lowered: its program, and what an error about it says
    (``the rule cube_bwd of cube``) and where (the function's ``def`` line)."""

    program: Program
    label: str
    where: tuple[str, int | None, int | None, str | None]  # file, line, column, text

    def error(self, what: str) -> UnsupportedSyntaxError:
        """A located error about what the rule function returns."""
        return UnsupportedSyntaxError(f"{self.label} {what}", *self.where)


@dataclass(eq=False)
class CustomCall:
    """The rules of the calls of one function with one set of argument types and one
    path (equal calls share it, so they stay one node): a JVP rule
    ``jvp(primals, tangents) -> (out, tangent_out)`` and/or a VJP rule,
    ``fwd(*primals) -> (out, residuals)`` and ``bwd(residuals, g) -> cotangents``.

    The lowering fills the programs in once, right after making it (a rule may call
    its own function, whose node is then this same call), before any transform reads
    them."""

    name: str  # the function's, for messages
    output: str  # "elementwise" or "scalar"
    types: tuple[Type, ...]  # of the arguments the programs were lowered for
    jvp: RuleProgram | None = None
    fwd: RuleProgram | None = None
    bwd: RuleProgram | None = None

    def __repr__(self) -> str:
        return f"rules of {self.name}"


@dataclass(eq=False)
class InnerDerivative:
    """A transform (``grad``, ``value_and_grad``, ``jvp``) of `program`, called inside
    the function being lowered: `argnums` index its parameters (for ``jvp``, the
    tangents are of its first `n_args`), `types` are its result's leaves' types in
    order. `derived` is the derivative program, made once by `transforms.nested`."""

    kind: str
    argnums: int | tuple[int, ...]
    program: Program
    n_args: int
    types: tuple[Type, ...]
    derived: Program | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"{self.kind} of {self.program.name}"


def _emit(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    path = attrs[0]
    func: ast.expr = ast.Name(path[0], ast.Load())
    for part in path[1:]:
        func = ast.Attribute(func, part, ast.Load())
    return ast.Call(func, list(args), [])


def _type(types: list[Type], attrs: tuple[Any, ...]) -> Type:
    return broadcast(*types) if attrs[2].output == "elementwise" else None


def _never(args: list[ast.expr], attrs: tuple[Any, ...]) -> ast.expr:
    raise AssertionError(f"{attrs[0]!r} was not expanded after lowering")


# Differentiated by `transforms.custom` from the programs its `CustomCall` carries.
CUSTOM_CALL = Primitive("custom_call", None, None, _emit, type_rule=_type)

# Replaced by `transforms.nested` right after lowering.
DERIVATIVE_CALL = Primitive(
    "derivative_call", None, None, _never, type_rule=lambda types, attrs: attrs[0].types[
        attrs[1]], may_raise=lambda node: bool(node.attrs[0].program.effects),
    constructor=True)


RECORDS: tuple[Primitive, ...] = (
    CUSTOM_CALL, DERIVATIVE_CALL,
)
