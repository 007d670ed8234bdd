"""Second derivatives as one program: the Hessian of a scalar function.

Contract: `hessian_program(primal, argnums)` takes a scalar-output primal `Program` and
returns a `Program` over the same parameters whose result is the Hessian: one block for
an int `argnums`, else a tuple of rows of blocks ``H[i][j] = d2f / dx_i dx_j`` (of
shape ``x_i.shape + x_j.shape``). It is forward mode over reverse mode. When every
differentiated parameter is a number, the gradient program's outputs are pushed
forward along each unit direction in turn, over the gradient's own builder, so the
second derivatives share every subexpression with the gradient and with each other
(and the result is exactly symmetric). With an array among them, it is the Jacobian
program of the gradient (`transforms.jacobian`). The result keeps the primal's
`effects`.
"""

from __future__ import annotations

from symdiff.errors import SymdiffError
from symdiff.ir.arrays import output
from symdiff.ir.builder import builder_of
from symdiff.ir.node import Derived, Node, Program, Structure, flatten
from symdiff.transforms.ad import jvp_full
from symdiff.transforms.programs import finish, grad_program


def hessian_program(primal: Program, argnums: int | tuple[int, ...]) -> Program:
    """Forward-over-reverse Hessian of a scalar function."""
    indices = (argnums,) if isinstance(argnums, int) else argnums
    for i in indices:
        p = primal.params[i]
        if len(p.attrs) > 1 and p.type is None:  # a list parameter
            raise SymdiffError(
                f"hessian as one program takes number and array arguments; {p.attrs[0]!r} "
                "is a list (symdiff.hessian assembles it from Hessian-vector products)")
    if any(primal.params[i].type is not None for i in indices):
        return _jacobian_of_gradient(primal, argnums)
    # Differentiated again below: simplified and pruned first, as the pipeline would.
    gradient = finish(grad_program(primal, argnums))
    b = builder_of(gradient)
    start = len(b)
    grads = list(flatten(gradient.result))
    wrt = [gradient.params[i] for i in indices]
    names = [p.attrs[0] for p in wrt]
    roots = [*grads, *gradient.effects]
    columns: list[list[Node]] = []
    first: dict[Node, Node] | None = None
    for x in wrt:
        new, tangent = jvp_full(b, roots, {x: b.const(1.0)})
        first = first or new
        columns.append([output(b, tangent.get(new[g]), new[g]) for g in grads])
    assert first is not None
    values = [first[g] for g in grads]
    effects = tuple(first[e] for e in gradient.effects)
    # Symmetric, and exactly so: the entries below the diagonal are those above it
    # (whose columns' other entries are then pruned).
    k = len(wrt)
    rows = [[columns[max(i, j)][min(i, j)] for j in range(k)] for i in range(k)]
    result: Structure = rows[0][0] if isinstance(argnums, int) else tuple(map(tuple, rows))
    entries = tuple((rows[i][j], f"h_{names[i]}_{names[j]}")
                    for i in range(k) for j in range(k) if i <= j)
    doc = f"Hessian of {primal.name} with respect to {', '.join(names)} (forward over reverse)."
    # The gradient's values and effects stay as computed; the entries are named once
    # simplified (`Derived`).
    return Program(f"{primal.name}_hessian", gradient.params, result, b, doc, effects,
                   Derived(start, (*values, *effects), entries))


def _jacobian_of_gradient(primal: Program, argnums: int | tuple[int, ...]) -> Program:
    """The Hessian with an array among the differentiated parameters: the Jacobian
    program of the gradient."""
    from symdiff.transforms.jacobian import jacobian_program

    # Differentiated again: simplified and pruned first, as the pipeline would.
    program = jacobian_program(finish(grad_program(primal, argnums)), argnums)
    if isinstance(argnums, int):
        return program
    # Output-major, the Jacobian's J[i][j] = d(gradient_i) / dx_j is the Hessian's H[i][j].
    return program.replace(name=f"{primal.name}_hessian",
                           doc=f"Hessian of {primal.name} (the Jacobian of its gradient).")


def symmetric_vjp_program(primal: Program, argnums: int | tuple[int, ...]) -> Program:
    """`vjp_program` of ``grad_program(primal, argnums)`` by forward mode over reverse
    mode, for when reverse mode cannot go through the gradient's taped loops.

    The cotangent of argument j is ``sum_i ct_i * d2f / dx_i dx_j``: by the symmetry of
    second derivatives, the JVP of the gradient with respect to every argument along the
    cotangents placed at `argnums` (one pass, arrays too). Parameters and result are
    those of `vjp_program`: ``(*primals, *cotangents of the gradient)`` and a cotangent
    per primal.
    """
    from symdiff.transforms.programs import jvp_program

    everything = tuple(range(len(primal.params)))
    for p in primal.params:
        if len(p.attrs) > 1 and p.type is None:  # a list: no vector form of its seeds
            raise SymdiffError(
                f"reverse mode over a gradient's loops with the list argument {p.attrs[0]!r} "
                "is not supported (use jvp, hvp or hessian)")
    # Each differentiated again or cut down: simplified and pruned first, as the
    # pipeline would.
    pushed = finish(jvp_program(finish(grad_program(primal, everything)), argnums))
    _, tangents = pushed.result  # type: ignore[misc]
    return pushed.replace(
        name=f"{primal.name}_grad_vjp", result=tangents,
        doc=f"Reverse-mode derivative (VJP) of the gradient of {primal.name}, by forward "
            "mode over its gradient (the Hessian is symmetric).")
