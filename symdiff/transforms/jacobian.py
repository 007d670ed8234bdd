"""The Jacobian as one program, so that another transform can differentiate it.

Contract: `jacobian_program(primal, argnums)` returns a `Program` over the primal's
parameters whose result has the structure of the primal's result, each leaf replaced
by its Jacobian with respect to argument `argnums`: an array of shape
``leaf.shape + x.shape`` (a number for a number of a number); for a tuple `argnums`,
each leaf a tuple of those, one per argument (output-major, as JAX nests them). With
`has_aux`, the primal returns ``(output, aux)`` and the result is ``(jacobian, aux)``.
With respect to a number it is the JVP along the
tangent 1.0; with respect to an array, the JVP batched over the rows of the identity
(``np.eye(x.size)`` shaped ``(x.size, *x.shape)``, made from ``x``'s shape inside the
program), the batch axis then moved last and split into ``x``'s axes. Transposes and
reshapes are linear and the seeds constant, so the program differentiates like any
other. A list argument raises `UnsupportedTransformError`, and so does an operation
without a batching rule (naming it).

The program is a linear rewrite of a finished JVP program: it is not marked for the
pipeline's simplify pass (`Program.derived`), and its prune pass removes what it does
not read.

`symdiff.jacobian` evaluates Jacobians itself (batched code and NumPy around it); this
program is what a transform *of* a Jacobian is built from.
"""

from __future__ import annotations

from symdiff.errors import UnsupportedTransformError
from symdiff.ir.arrays import ZEROS_LIKE
from symdiff.ir.builder import Builder, builder_of
from symdiff.ir.node import Node, Program, Structure, flatten, rebuild, refill
from symdiff.ir.rewrite import inline, substitute
from symdiff.ir.sequences import is_seq
from symdiff.ir.shapes import exact, product_dim, size_of
from symdiff.ir.types import ArrayType
from symdiff.transforms.batch import BatchingError, batched_jvp_program
from symdiff.transforms.programs import finish, jvp_program
from symdiff.transforms.prune import prune_program


def jacobian_program(primal: Program, argnums: int | tuple[int, ...],
                     has_aux: bool = False) -> Program:
    """The Jacobian of `primal` with respect to `argnums`, as one program."""
    indices = (argnums,) if isinstance(argnums, int) else argnums
    parts = [_with_respect_to(primal, i, has_aux) for i in indices]
    names = ", ".join(primal.params[i].attrs[0] for i in indices)
    doc = f"Jacobian of {primal.name} with respect to {names} (forward mode)."
    name = f"{primal.name}_jacobian"
    if isinstance(argnums, int):
        return parts[0].replace(name=name, doc=doc)
    # One program per argument, each over its own builder: inlined into a new one.
    b = Builder()
    params = tuple(b.param(p.attrs[0], *p.attrs[1:]) for p in primal.params)
    results: list[Structure] = []
    effects: dict[Node, None] = {}
    aux: Structure = ()
    for part in parts:
        # Copied into the new builder: without what it does not need, as the pipeline's
        # prune pass leaves the whole program.
        result, part_effects = inline(b, prune_program(part), params)
        if has_aux:
            result, aux = result  # type: ignore[misc]  # (the same in every part)
        results.append(result)
        effects.update(dict.fromkeys(part_effects))
    # Output-major: each output leaf a tuple of its Jacobians, one per argument.
    columns = [list(flatten(result)) for result in results]
    jac = rebuild_leaves(results[0], [tuple(column[k] for column in columns)
                                      for k in range(len(columns[0]))])
    return Program(name, params, (jac, aux) if has_aux else jac, b, doc, tuple(effects))


def rebuild_leaves(like: Structure, leaves: list[Structure]) -> Structure:
    """`like`'s nested structure with its leaves, in order, replaced by `leaves`."""
    return refill(like, leaves)  # type: ignore[no-any-return]


def _with_respect_to(primal: Program, i: int, has_aux: bool) -> Program:
    x = primal.params[i]
    if is_seq(x):
        raise UnsupportedTransformError(
            f"a Jacobian with respect to the list argument {x.attrs[0]!r} cannot be "
            "differentiated again yet; pass an array")
    # The tangents are cut out of the JVP, with its seeds in place: simplified and
    # pruned first, as the pipeline would.
    if x.type is None:
        program = finish(jvp_program(primal, i, has_aux))
        seed = program.params[-1]
        b = builder_of(program)
        seeds = b.const(1.0)
    else:
        try:
            program = batched_jvp_program(primal, i, has_aux)
        except BatchingError as error:
            raise UnsupportedTransformError(
                "a Jacobian inside another transform is its JVP batched over the rows of "
                f"the identity, and there is no batching rule yet for {error.what} "
                "(jacfwd, jacrev, jacobian and hessian called directly take a pass per "
                "seed instead)") from None
        seed = program.params[-1]
        b = builder_of(program)
        seeds = _identity(b, program.params[i], x.type)
    values, tangents, *aux = program.result  # type: ignore[misc]
    roots = [*flatten(values), *flatten(tangents), *flatten(tuple(aux)), *program.effects]
    new = substitute(b, roots, {seed: seeds})
    x_new = program.params[i]
    if x.type is None:
        result = rebuild(tangents, new)
    else:
        pairs = zip(flatten(values), flatten(tangents), strict=True)
        leaves = {t: _layout(b, new[t], new[v], x_new, seeds) for v, t in pairs}
        result = rebuild(tangents, leaves)
    if has_aux:
        result = (result, rebuild(aux[0], new))
    return Program(primal.name, program.params[:len(primal.params)], result, b, primal.doc,
                   tuple(new[e] for e in program.effects))


def _identity(b: Builder, x: Node, t: ArrayType) -> Node:
    """``np.eye(x.size).reshape(x.size, *x.shape)``: a seed per entry of `x`."""
    n_dim = product_dim(t.dims)
    n = b.const(n_dim) if exact(n_dim) else b.apply("size", x, attrs=(None,))
    dtype = t.dtype if t.dtype.startswith("float") else "float64"
    eye = b.apply("eye", n, attrs=(0, (n_dim, n_dim), dtype, True))
    if t.ndim == 1:
        return eye
    lengths = [size_of(b, x, k) for k in range(t.ndim)]
    return b.apply("reshape", eye, n, *lengths, attrs=((n_dim, *t.dims),))


def _layout(b: Builder, tangent: Node, value: Node, x: Node, seeds: Node) -> Node:
    """The Jacobian leaf of shape ``value.shape + x.shape`` from the batched `tangent`
    of shape ``(x.size, *value.shape)`` (or an unbatched one, broadcast first)."""
    lead = value.type.dims if value.type is not None else ()
    rank = len(lead) + 1
    batched = tangent.type is not None and tangent.type.ndim == rank
    if not batched and (tangent.prim is ZEROS_LIKE or tangent.is_const and tangent.value == 0):
        # Linear in the seeds yet not reached by them: zero (new zeros, not a view).
        tangent = b.apply("batch_zeros", value, seeds, attrs=(value.type is not None, b.fresh()))
    elif not batched:
        tangent = b.apply("copy", b.apply("batch_broadcast", tangent, value, seeds,
                                          attrs=(value.type is not None,)))
    moved = tangent
    if lead:
        moved = b.apply("transpose", tangent, attrs=((*range(1, rank), 0),))
    x_type = x.type
    assert x_type is not None
    if x_type.ndim == 1:
        return moved
    if not lead and x_type.ndim == 0:
        return b.apply("sum", moved, attrs=(None, False))  # one entry: the number itself
    lengths = [size_of(b, value, k) for k in range(len(lead))]
    lengths += [size_of(b, x, k) for k in range(x_type.ndim)]
    return b.apply("reshape", moved, *lengths, attrs=((*lead, *x_type.dims),))
