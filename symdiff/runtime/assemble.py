"""Assembling a Hessian from a Hessian-vector product program: one call of batched JVP
code of the gradient per differentiated argument, or one hvp call per entry.

Contract: `batched_hessian(jvps, args, argnums)` calls each batched JVP program once,
with a batch of seed directions. `assemble_hessian(hvp, args, argnums)` calls
``hvp(*args, *tangents)`` (a compiled JVP of the gradient, returning ``(gradient, H @
tangents)``) once per entry of the differentiated arguments. Both return the blocks as
the arguments were given: a number for two numbers, nested lists for lists, an array of
shape ``shape_i + shape_j`` otherwise; one block for an int `argnums`, a tuple of rows
of blocks for a tuple.

The functions are self-contained (they import only NumPy, inside themselves): `symdiff
build` copies their source into standalone modules, so the in-process `hessian` and a
built module assemble their Hessians with the same code. Its syntax is what `ast.unparse`
prints back as valid Python 3.10 (no starred subscript, no lone generator argument).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def assemble_hessian(hvp: Callable[..., Any], args: Sequence[Any],
                     argnums: int | tuple[int, ...]) -> Any:
    """The Hessian at `args` with respect to `argnums`, one ``hvp`` call per entry."""
    import numpy as np

    indices = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    xs = [args[i] for i in indices]
    arrays = []
    for x in xs:
        kind = x.dtype if isinstance(x, np.ndarray) else float
        arrays.append(np.asarray(x, dtype=kind))
    blocks = []
    for a in arrays:
        row = []
        for b in arrays:
            row.append(np.empty(a.shape + b.shape, dtype=np.result_type(a, b)))
        blocks.append(row)
    for j, xj in enumerate(arrays):
        for e in np.ndindex(xj.shape):
            tangents: list[Any] = []
            for k, (x, a) in enumerate(zip(xs, arrays, strict=True)):
                t: Any = np.zeros_like(a)
                if k == j:
                    t[e] = 1
                # A tangent of the argument's own form: array, list or number.
                if not isinstance(x, np.ndarray):
                    t = t.tolist() if isinstance(x, list) else float(t)
                tangents.append(t)
            columns = hvp(*args, *tangents)[1]
            if isinstance(argnums, int):
                columns = (columns,)
            for i, column in enumerate(columns):
                blocks[i][j][(Ellipsis,) + e] = column
    out: list[list[Any]] = []
    for i, xi in enumerate(xs):
        result_row: list[Any] = []
        for j, xj in enumerate(xs):
            block: Any = blocks[i][j]
            plain = not (isinstance(xi, np.ndarray) or isinstance(xj, np.ndarray))
            if plain and (isinstance(xi, list) or isinstance(xj, list)):
                block = block.tolist()
            elif plain:
                block = float(block)
            result_row.append(block)
        out.append(result_row)
    if isinstance(argnums, int):
        return out[0][0]
    return tuple(map(tuple, out))


def batched_hessian(jvps: Sequence[Callable[..., Any]], args: Sequence[Any],
                    argnums: int | tuple[int, ...]) -> Any:
    """The Hessian at `args` from one call per differentiated argument ``j`` of
    ``jvps[j](*args, seeds)``, the gradient's JVP with a leading batch axis of seed
    directions (the rows of the identity); numbers and arrays only. Blocks as
    `assemble_hessian` gives them."""
    import numpy as np

    indices = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    columns = []
    for jvp, j in zip(jvps, indices, strict=True):
        x = args[j]
        shape = np.shape(x)
        n = int(np.prod(shape, dtype=int))
        dtype = x.dtype if isinstance(x, np.ndarray) and x.dtype.kind == "f" else float
        seeds = np.eye(n, dtype=dtype).reshape((n,) + shape)
        gradient, tangents = jvp(*args, seeds)
        if isinstance(argnums, int):
            gradient, tangents = (gradient,), (tangents,)
        column = []
        for g, t in zip(gradient, tangents, strict=True):
            lead = np.shape(g)
            t = np.asarray(t, dtype=float)
            if t.shape != (n,) + lead:  # a zero, or a value the seeds do not reach
                t = np.broadcast_to(t, (n,) + lead)
            block = np.moveaxis(t, 0, -1).reshape(lead + shape).copy()
            column.append(float(block) if block.ndim == 0 else block)
        columns.append(column)
    if isinstance(argnums, int):
        return columns[0][0]
    # columns[j][i] is d(gradient_i)/d x_j: the block H[i][j].
    m = len(columns)
    return tuple([tuple([columns[j][i] for j in range(m)]) for i in range(m)])
