"""Transforms of a program whose parameters are pytrees (`Program.inputs`).

Contract: `transform_grouped(program, kind, argnums, run)` applies a whole-function
transform to a program some of whose user-level parameters are pytrees, by running
``run(flat_argnums, flat_program)``, the transform of `transforms.programs` (or
`higher`, `jacobian`, `batch`), on the program's parameter nodes as they are (a pytree's
leaves are parameters of their own), then giving the result the user's structure:

- `argnums` name the user's parameters; each pytree stands for its leaves, so an int
  `argnums` naming a pytree becomes a tuple of its leaves' positions, one naming a
  parameter after a pytree its position among the leaves.
- ``grad`` and ``value_and_grad``: the gradient with respect to a pytree has its
  structure; ``hessian``: a block ``H[a][b]`` has the structure of `a` holding that of
  `b` around each block; ``jacobian``: each output leaf holds the structure of the
  arguments (the output's structure outside, the input's inside, as JAX nests them).
- ``jvp``: the tangent of a pytree parameter is a pytree parameter of the same
  structure (``params_dot``), after the primals; the result is unchanged (its outputs
  keep their structure through the transform).
- ``vjp`` (and ``vjp_batched``): the output cotangents stay one parameter per output
  leaf; the cotangent of a pytree parameter has its structure.
- ``jvp_batched`` with respect to a pytree raises `UnsupportedTransformError`.

A program without pytree parameters (``inputs`` None) is transformed as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from symdiff.errors import UnsupportedTransformError
from symdiff.ir.node import Program, TreeInput, flatten, refill

Argnums = int | tuple[int, ...] | None


def transform_grouped(program: Program, kind: str, argnums: Argnums, has_aux: bool,
                      run: Callable[[Argnums, Program], Program]) -> Program:
    """`run` applied to `program`, its pytree parameters taken apart and put together
    again (see the module doc); `kind` and `has_aux` say where the result puts what."""
    inputs = program.inputs
    if inputs is None:
        return run(argnums, program)
    groups = _Groups(inputs, argnums)
    if kind == "jvp_batched" and groups.trees:
        raise UnsupportedTransformError(
            "a batched JVP with respect to a dict, tuple or list argument (symdiff "
            "seeds each of its leaves instead)")
    result = run(groups.flat, program.replace(inputs=None))
    res: Any = result.result
    inputs_after: tuple[int | TreeInput, ...] = inputs
    if kind == "grad":
        res = (groups.shaped(res[0]), res[1]) if has_aux else groups.shaped(res)
    elif kind == "value_and_grad":
        res = (res[0], groups.shaped(res[1]))
    elif kind == "hessian":
        res = groups.shaped_items([groups.shaped(row) for row in groups.items(res)])
    elif kind == "jacobian":
        jac = res[0] if has_aux else res
        out = program.result[0] if has_aux else program.result  # type: ignore[index]
        nodes = list(flatten(jac))
        k = len(groups.positions)
        leaves: list[Any] = nodes if isinstance(groups.flat, int) else [
            tuple(nodes[i:i + k]) for i in range(0, len(nodes), k)]
        jac = refill(out, [groups.shaped(leaf) for leaf in leaves])
        res = (jac, res[1]) if has_aux else jac
    elif kind in ("vjp", "vjp_batched"):
        n = len(program.params)
        cts = _Groups(inputs, tuple(range(len(inputs)))).shaped(tuple(res[:n]))
        res = (*cts, res[n]) if has_aux else cts
        inputs_after = (*inputs, *range(n, len(result.params)))
    elif kind in ("jvp", "jvp_batched"):
        inputs_after = (*inputs, *_tangent_inputs(groups, program, len(program.params)))
    # The docstring names the user's parameters, not each leaf.
    flat_names = ", ".join(program.params[p].attrs[0] for p in groups.positions)
    names = ", ".join(_name(program, inputs[i]) for i in groups.indices)
    doc = result.doc.replace(f" {flat_names} ", f" {names} ").replace(
        f" {flat_names}.", f" {names}.") if groups.trees else result.doc
    return result.replace(result=res, inputs=inputs_after, doc=doc)


def _name(program: Program, given: int | TreeInput) -> str:
    return program.params[given].attrs[0] if isinstance(given, int) else given.name


class _Groups:
    """The user's parameters `inputs` and the `argnums` naming some of them, as
    positions among the program's parameters (`flat`)."""

    def __init__(self, inputs: tuple[int | TreeInput, ...], argnums: Argnums) -> None:
        self.inputs = inputs
        self.argnums = argnums
        self.indices = tuple(range(len(inputs))) if argnums is None else (
            (argnums,) if isinstance(argnums, int) else argnums)
        self.trees = any(isinstance(inputs[i], TreeInput) for i in self.indices)
        self.positions = [p for i in self.indices for p in _positions(inputs[i])]
        # An int naming a number or array stays an int: its position among the leaves.
        self.flat: Argnums = None if argnums is None else self.positions[0] if isinstance(
            argnums, int) and not self.trees else tuple(self.positions)

    def items(self, result: Any) -> list[Any]:
        """A result over the flat argnums (one item for an int, else a tuple of one per
        position) as a list of one item per position."""
        return [result] if isinstance(self.flat, int) else list(result)

    def shaped(self, result: Any) -> Any:
        """A result over the flat argnums in the user's structure: a pytree for a
        pytree, a tuple for a tuple `argnums`."""
        return self.shaped_items(self.items(result))

    def shaped_items(self, items: list[Any]) -> Any:
        """`items`, one per position of the flat argnums, in the user's structure."""
        it = iter(items)
        parts = []
        for i in self.indices:
            given = self.inputs[i]
            parts.append(next(it) if isinstance(given, int) else
                         refill(given.tree, [next(it) for _ in _positions(given)]))
        return parts[0] if isinstance(self.argnums, int) else tuple(parts)


def _positions(given: int | TreeInput) -> list[int]:
    return [given] if isinstance(given, int) else list(flatten(given.tree))


def _tangent_inputs(groups: _Groups, primal: Program, start: int
                    ) -> list[int | TreeInput]:
    """The tangent parameters a JVP adds after the primals (from position `start`, one
    per position of the flat argnums), grouped as the primals they belong to."""
    taken = {p.attrs[0] for p in primal.params} | {
        i.name for i in groups.inputs if isinstance(i, TreeInput)}
    found: list[int | TreeInput] = []
    position = start
    for i in groups.indices:
        given = groups.inputs[i]
        if isinstance(given, int):
            found.append(position)
            position += 1
            continue
        n = len(_positions(given))
        name = f"{given.name}_dot"
        while name in taken:
            name += "_"
        taken.add(name)
        found.append(TreeInput(name, refill(given.tree, range(position, position + n))))
        position += n
    return found
