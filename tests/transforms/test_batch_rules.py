"""Batching rules (`transforms.batch`) of the operations a nested transform meets.

A Jacobian inside another transform is its JVP batched over the rows of the identity,
so every operation the tangents reach needs a batching rule. Tested here:

- each rule directly: a program batched over some of its parameters (a vectorised map)
  gives, for every batch entry, what the program gives for that entry alone;
- nested transforms through each rule against central differences (`check_grads` at
  order 2, a few at order 3: a Jacobian of a Jacobian of a Jacobian batches a batched
  program, so matmuls of stacks of matrices);
- `jacfwd`, `jacrev`, `hessian` and a Jacobian of a Jacobian called directly take the
  batched path (one compiled batched program), not a pass per seed;
- what still has no rule gives a clear error: a nested transform names the operation
  as the user wrote it and the user's function, never a bare `BatchingError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symdiff import hessian, jacfwd, jacobian, jacrev, jvp, vjp
from symdiff.api.jacobian import jacfwd_looped
from symdiff.errors import UnsupportedTransformError
from symdiff.frontend.lower import lower
from symdiff.ir.builder import Builder
from symdiff.ir.node import Node, Program
from symdiff.ir.types import MANY, ArrayType
from symdiff.runtime.dispatch import signature_of
from symdiff.runtime.spec import Spec, with_types
from symdiff.testing import check_grads
from symdiff.transforms.batch import BatchingError, batch_program
from tests.api.test_jacobian_reverse_batched import Compiled
from tests.ir.support import program_of, run_emitted

pytestmark = pytest.mark.usefixtures("no_disk_cache")

rng = np.random.default_rng(1)
Y = rng.normal(size=(3, 4))
V = rng.normal(size=4) * 0.5 + 1.0


# Functions through the operations that have new rules ----------------------------------


def solve_vector(y: np.ndarray, x: np.ndarray) -> float:
    return np.sum(np.linalg.solve(y[:, :3] + 3 * np.eye(3), x[:3]) ** 2)


def solve_matrix(y: np.ndarray) -> float:
    return np.sum(np.linalg.solve(y[:, :3] + 3 * np.eye(3), y[:, 1:3] * y[:, :2]))


def einsum_contract(y: np.ndarray, x: np.ndarray) -> float:
    return np.einsum("ij,j->", y, x)


def einsum_three(y: np.ndarray, x: np.ndarray) -> float:
    return np.sum(np.einsum("ij,j,kj->ik", y, x, y) ** 2)


def einsum_diagonal(y: np.ndarray) -> float:
    return np.einsum("ii->", y[:, :3] @ y[:, :3].T) ** 2


def trace_of_product(y: np.ndarray) -> float:
    return np.trace(y[:, :3] @ y[:, 1:].T)


def trace_method(y: np.ndarray) -> float:
    return (y[:, :3] * y[:, 1:]).trace() ** 2


def differences(x: np.ndarray) -> float:
    return np.sum(np.diff(x) ** 2) * x[0]


def row_differences(y: np.ndarray) -> float:
    return np.sum(np.diff(y, axis=0) ** 3)


def filled(x: np.ndarray) -> float:
    return np.sum(np.full(3, x[0] * x[1]) * x[1:] ** 2)


def spaced(x: np.ndarray) -> float:
    return np.sum(np.linspace(x[0], x[1] * x[2], 5) ** 3)


def stacked(x: np.ndarray) -> np.ndarray:
    return np.stack([x, x * x, np.ones(4)]).sum(axis=0) * x


def joined(x: np.ndarray) -> float:
    return np.sum(np.concatenate([np.zeros(2), x ** 2, x]) ** 3)


def matrix_products(y: np.ndarray) -> float:
    return np.sum((y @ y.T) ** 2)


def layer(y: np.ndarray, x: np.ndarray) -> float:
    return np.sum(np.tanh(y @ x) ** 2)


def inverse(y: np.ndarray) -> float:
    return np.sum(np.linalg.inv(y[:, :3] + 3 * np.eye(3)))


def outer_product(x: np.ndarray) -> np.ndarray:
    return np.outer(x, x * x) @ x


SECOND_ORDER: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (solve_vector, (Y, V)), (solve_matrix, (Y,)), (einsum_contract, (Y, V)),
    (einsum_three, (Y, V)), (einsum_diagonal, (Y,)), (trace_of_product, (Y,)),
    (trace_method, (Y,)), (differences, (V,)), (row_differences, (Y,)), (filled, (V,)),
    (spaced, (V,)), (stacked, (V,)),
]
THIRD_ORDER: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (solve_vector, (Y, V)), (einsum_three, (Y, V)), (trace_of_product, (Y,)),
    (joined, (V,)), (matrix_products, (Y,)), (layer, (Y, V)), (inverse, (Y,)),
    (outer_product, (V,)),
]


@pytest.mark.parametrize(("fun", "args"), SECOND_ORDER, ids=[f.__name__ for f, _ in SECOND_ORDER])
def test_jacobians_of_jacobians_match_finite_differences(fun: Callable[..., Any],
                                                        args: tuple[Any, ...]) -> None:
    check_grads(fun, args, order=2)


@pytest.mark.parametrize(("fun", "args"), THIRD_ORDER, ids=[f.__name__ for f, _ in THIRD_ORDER])
def test_third_derivatives_batch_batched_programs(fun: Callable[..., Any],
                                                  args: tuple[Any, ...]) -> None:
    check_grads(fun, args, order=3)


def softmax_mean(x: np.ndarray) -> float:
    return np.sum(np.exp(x) / np.sum(np.exp(x)) * x) + np.mean(x) ** 3


def column_means(y: np.ndarray) -> float:
    return np.sum(np.mean(y ** 2, axis=0) ** 2)


@pytest.mark.parametrize(("fun", "args"), [(softmax_mean, (V,)), (column_means, (Y,))],
                         ids=["softmax_mean", "column_means"])
def test_jacobians_of_a_hessian_batch_its_broadcasts(fun: Callable[..., Any],
                                                     args: tuple[Any, ...]) -> None:
    # The Hessian's program is batched already: its broadcasts to the batch's shape
    # are batched again.
    check_grads(hessian(fun), args, order=2)


def filled32(x: np.ndarray) -> float:
    return np.sum(np.full(3, x[0] * x[1], dtype=np.float32) * x[1:] ** 2)


def spaced32(x: np.ndarray) -> float:
    return np.sum(np.linspace(x[0], x[1] * x[2], 3, dtype=np.float32) * x[1:] ** 2)


@pytest.mark.parametrize("fun", [filled32, spaced32])
def test_a_constructor_of_another_dtype_batches_to_its_shape(fun: Callable[..., Any]) -> None:
    # Its tangents are cast back to float32 (rounded as such), keeping the batch axis.
    want = jacfwd_looped(jacrev(fun))(V)
    np.testing.assert_allclose(jacfwd(jacrev(fun))(V), want, rtol=1e-6)
    np.testing.assert_allclose(hessian(fun)(V), want, rtol=1e-6)


def test_jvp_and_vjp_of_a_jacobian_through_solve() -> None:
    jac = jacobian(solve_vector, argnums=(0, 1))
    u = (rng.normal(size=Y.shape), rng.normal(size=V.shape))
    h = 1e-6
    up = jac(Y + h * u[0], V + h * u[1])
    down = jac(Y - h * u[0], V - h * u[1])
    _, tangent = jvp(jac, (Y, V), u)
    for t, a, c in zip(tangent, up, down, strict=True):
        np.testing.assert_allclose(t, (a - c) / (2 * h), rtol=1e-5, atol=1e-7)
    out, back = vjp(jac, Y, V)
    cts = back(out)  # <ct, J u> == <J^T ct, u>
    lhs = sum(float(np.sum(o * t)) for o, t in zip(out, tangent, strict=True))
    assert lhs == pytest.approx(sum(float(np.sum(c * d)) for c, d in zip(cts, u, strict=True)))


# The direct paths are batched -----------------------------------------------------------


def vector_solve(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.linalg.solve(y[:, :3] + 3 * np.eye(3), x[:3] * x[1:])


def vector_einsum(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.einsum("ij,j->i", y, x * x)


def vector_trace(y: np.ndarray) -> np.ndarray:
    return np.array([np.trace(y[:, :3] * y[:, 1:]), np.sum(y)]) * y[0, :2]


def vector_differences(x: np.ndarray) -> np.ndarray:
    return np.diff(x * x) * x[1:]


VECTOR: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
    (vector_solve, (Y, V)), (vector_einsum, (Y, V)), (vector_trace, (Y,)),
    (vector_differences, (V,)), (stacked, (V,)),
]
VECTOR_IDS = [f.__name__ for f, _ in VECTOR]


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> Compiled:
    return Compiled(monkeypatch)


# Reverse mode meets the rules of the operations that the cotangents reach.
ONE_CALL = [(fun, args, jacfwd, "jvp_batched") for fun, args in VECTOR] + [
    (fun, args, jacrev, "vjp_batched") for fun, args in VECTOR
    if fun in (vector_solve, vector_einsum, vector_differences)]


@pytest.mark.parametrize(("fun", "args", "jac", "kind"), ONE_CALL,
                         ids=[f"{jac.__name__}-{fun.__name__}" for fun, _, jac, _ in ONE_CALL])
def test_jacobians_are_one_batched_call(fun: Callable[..., Any], args: tuple[Any, ...],
                                        jac: Any, kind: str, compiled: Compiled) -> None:
    got = jac(fun)(*args)
    assert compiled.kinds == [kind] and compiled.calls == 1
    np.testing.assert_allclose(got, central(fun, args), rtol=1e-6, atol=1e-7)


def jacobian_of_jacobian_is_one_call(fun: Callable[..., Any], args: tuple[Any, ...],
                                     compiled: Compiled) -> None:
    """``jacfwd(jacrev(fun))`` is one call of one batched program, and right."""
    got = jacfwd(jacrev(fun))(*args)
    assert compiled.kinds == ["jvp_batched of jacobian"] and compiled.calls == 1
    np.testing.assert_allclose(got, central(jacrev(fun), args), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("fun", "args"), VECTOR, ids=VECTOR_IDS)
def test_a_jacobian_of_a_jacobian_is_one_batched_call(fun: Callable[..., Any],
                                                      args: tuple[Any, ...],
                                                      compiled: Compiled) -> None:
    jacobian_of_jacobian_is_one_call(fun, args, compiled)


def sorted_weights(x: np.ndarray) -> float:
    return np.sum(np.sort(x) ** 2 * np.arange(4.0)) + np.sum(np.sort(x * x) * x)


def cholesky_quadratic(y: np.ndarray, x: np.ndarray) -> float:
    # The Cholesky rules' tangents meet solve, transposes and np.tril: all batched.
    low = np.linalg.cholesky(y @ y.T + 3 * np.eye(3))
    return np.sum(np.linalg.solve(low, x[:3]) ** 2) + np.sum(np.log(np.einsum("ii->i", low)))


@pytest.mark.parametrize(("fun", "args"), [(solve_vector, (Y, V)), (einsum_three, (Y, V)),
                                           (row_differences, (Y,)), (spaced, (V,)),
                                           (sorted_weights, (V,)),
                                           (cholesky_quadratic, (Y, V))],
                         ids=["solve", "einsum", "diff", "linspace", "sort", "cholesky"])
def test_hessians_are_one_batched_call(fun: Callable[..., Any], args: tuple[Any, ...],
                                       compiled: Compiled) -> None:
    got = hessian(fun)(*args)
    assert compiled.kinds == ["jvp_batched of grad"] and compiled.calls == 1
    np.testing.assert_allclose(got, central(jacrev(fun), args), rtol=1e-5, atol=1e-6)


def triangles_and_diagonals(y: np.ndarray) -> float:
    L = np.tril(y[:, :3]) + np.diag(np.exp(np.diagonal(y, 1)))
    return np.sum((L @ L.T) ** 2) + np.sum(np.triu(y, 1) ** 3)


def periodic_and_padded(x: np.ndarray) -> float:
    lap = np.roll(x, 1) - 2 * x + np.roll(x, -1)
    xp = np.pad(x * x, (1, 2), constant_values=x[0]) + np.pad(x, (2, 1), mode="edge")
    return np.sum(lap ** 2) + np.sum(xp ** 3) + np.sum(np.repeat(x, 2) * np.tile(x, 2) ** 2)


def products_of_vectors(y: np.ndarray) -> float:
    return np.sum(np.cross(y[:, :3], y[:, 1:]) ** 2) + np.sum(np.kron(y[0], y[:2, :2]) ** 2)


@pytest.mark.parametrize("fun", [triangles_and_diagonals, periodic_and_padded,
                                 products_of_vectors])
def test_hessians_through_structure_are_one_batched_call(fun: Callable[..., Any],
                                                         compiled: Compiled) -> None:
    args = (V,) if fun is periodic_and_padded else (Y,)
    got = hessian(fun)(*args)
    assert compiled.kinds == ["jvp_batched of grad"] and compiled.calls == 1
    np.testing.assert_allclose(got, central(jacrev(fun), args), rtol=1e-5, atol=1e-5)
    check_grads(fun, args, order=3)


def central(fun: Callable[..., Any], args: tuple[Any, ...]) -> np.ndarray:
    """d fun / d args[0] by central differences, the argument's axes last."""
    x, h = args[0], 1e-6
    columns = []
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = h
        columns.append((np.asarray(fun(x + e, *args[1:])) - np.asarray(fun(x - e, *args[1:])))
                       / (2 * h))
    out = np.asarray(fun(*args))
    return np.moveaxis(np.array(columns), 0, -1).reshape(out.shape + x.shape)


# Each rule against a loop over the batch ---------------------------------------------------


K = 3  # batch entries, a length no other axis here has


def check_batched(program: Program, args: Sequence[Any], batched: Sequence[int]) -> None:
    """`program` batched over the parameters `batched` (their `args` given a leading
    axis of K entries) gives each entry's result, as one array."""
    stacked_args = [np.stack([a * (1.0 + 0.3 * j) + 0.1 * j for j in range(K)])
                    if i in batched else a for i, a in enumerate(args)]
    name = f"{program.name}_batched"
    batched_program = batch_program(program, [program.params[i] for i in batched], name, "")
    out = run_emitted(batched_program, *stacked_args)
    assert conforms(out, batched_program.result.type)  # type: ignore[union-attr]
    for j in range(K):
        entry = [a[j] if i in batched else a for i, a in enumerate(stacked_args)]
        want = run_emitted(program, *entry)
        got = np.broadcast_to(out, (K, *np.shape(want)))[j]  # unbatched: the same for all
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def conforms(value: Any, t: ArrayType | None) -> bool:
    """Whether `value` has the static type `t`: its rank, its dtype, and each axis of the
    length the type says (one, not one, exactly n, or unknown)."""
    if t is None:
        return np.ndim(value) == 0
    return value.dtype == t.dtype and value.ndim == t.ndim and all(
        d is None or (n != 1 if d == MANY else n == d) for n, d in zip(value.shape, t.dims,
                                                                     strict=True))


def lowered(fun: Callable[..., Any], args: Sequence[Any]) -> Program:
    return lower(fun, types=with_types(Spec("primal"), signature_of(tuple(args))).types)


def reductions(y: np.ndarray) -> np.ndarray:
    return (np.prod(y, axis=0) * np.max(y) + np.min(y, axis=1, keepdims=True)
            + np.linalg.norm(y) + np.linalg.norm(y, axis=0))


def products_so_far(y: np.ndarray) -> np.ndarray:
    return np.cumprod(y, axis=1) + np.cumprod(y)[:4]


def shapes_only(y: np.ndarray) -> np.ndarray:
    return np.zeros_like(y) + y.size * y.shape[1] + y


def linear_algebra(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (np.linalg.solve(a, y) + np.linalg.solve(a, y[:, 0])[:, None]
            + np.trace(y[:, :3]) + np.einsum("ij,jk->ki", a, y).sum(axis=1))


def triangles(y: np.ndarray) -> np.ndarray:
    return (np.tril(y) + np.triu(y, 1) * 2.0)[:, 1:] + np.tril(y[:, :3] @ y[:, 1:].T, -1)


def constructors(x: np.ndarray) -> np.ndarray:
    return (np.full(4, x[0]) + np.linspace(x[1], x[2], 4) + np.linspace(0.0, x[3], 4)
            + np.concatenate([np.diff(x, n=2), np.diff(x[::-1])[1:]]))


def matrix_structure(y: np.ndarray) -> np.ndarray:
    return (np.tril(y, 1) + np.triu(y) * np.diagonal(y, 1)[:, None]
            + np.diag(y[0], 1)[:3, :4] + np.diag(y[1, :3]).sum(axis=0)[:, None]
            + np.kron(y[:, :2], y[:1, 2:]) + np.kron(np.ones((3, 2)), y[1, :2])
            + np.cross(y[:, :3], y[0, 1:])[:, [0, 1, 2, 0]])


def rearranged(y: np.ndarray) -> np.ndarray:
    return (np.roll(y, 1, axis=1) * np.roll(y[0], -1) + np.roll(y, (2, 1), axis=0)
            + np.fliplr(y) + np.repeat(y[:, :2], 2, axis=1) + np.repeat(y[0, :2], 2)
            + np.tile(y[:, :2], (1, 2)) + np.tile(y[0, :2], (3, 2))
            + np.pad(y[1:, 1:], ((0, 1), (1, 0)), constant_values=y[0, 0])
            + np.pad(y[1:, :3], 1, mode="edge")[:3, :4] + np.pad(y, 1)[1:-1, 1:-1])


A = np.array([[3.0, 0.5, -0.2], [0.1, 2.0, 0.4], [-0.3, 0.2, 4.0]])
M = rng.normal(size=(3, 4))


@pytest.mark.parametrize(("fun", "args", "batched"), [
    (reductions, (M,), (0,)), (products_so_far, (M,), (0,)), (shapes_only, (M,), (0,)),
    (linear_algebra, (A, M), (1,)), (constructors, (V,), (0,)), (triangles, (M,), (0,)),
    (matrix_structure, (M,), (0,)), (rearranged, (M,), (0,)),
], ids=["reductions", "cumprod", "shapes", "linalg", "constructors", "triangles", "matrices",
        "rearranged"])
def test_each_rule_maps_over_the_batch(fun: Callable[..., Any], args: tuple[Any, ...],
                                       batched: tuple[int, ...]) -> None:
    check_batched(lowered(fun, args), args, batched)


def test_rules_that_only_read_a_shape_are_the_same_for_every_seed() -> None:
    def build(b: Builder, p: list[Node]) -> Node:
        eye = b.apply("eye_like", p[0], attrs=(1, 0))  # (4, 3), whatever the entries
        scaled = b.mul(eye, b.apply("size", p[0], attrs=((0,),)))
        return b.add(scaled, b.apply("transpose", p[0], attrs=(None,)))

    program = program_of(build, [M])
    check_batched(program, [M], (0,))
    batched = batch_program(program, program.params, "f_batched", "")
    scaled = batched.result.args[0]  # type: ignore[union-attr]
    assert scaled.op == "mul" and scaled.type.dims == (MANY, MANY)  # no batch axis


def test_astype_like_keeps_the_dtype() -> None:
    x32 = np.arange(1.0, 5.0, dtype=np.float32)

    def build(b: Builder, p: list[Node]) -> Node:
        return b.apply("astype_like", b.mul(p[0], 2.5), p[1])

    program = program_of(build, [V, x32])
    check_batched(program, [V, x32], (0,))
    out = run_emitted(batch_program(program, program.params[:1], "f_batched", ""),
                      np.stack([V, V]), x32)
    assert out.dtype == np.float32 and out.shape == (2, 4)


# matmul and outer of batched operands: every case the earlier rule refused --------------

LENGTHS = {"s": 2, "m": 3, "n": 4, "p": 5}


def operand(rank: int, first: bool) -> np.ndarray:
    """A vector (n,), matrix or stack of matrices for the first (m, n) or second (n, p)
    side of a matmul."""
    dims = ("n",) if rank == 1 else (*("s",) * (rank - 2), *(("m", "n") if first
                                                              else ("n", "p")))
    return rng.normal(size=tuple(LENGTHS[d] for d in dims))


MATMULS = [(ra, rb, flags) for ra in (1, 2, 3) for rb in (1, 2, 3)
           for flags in ((True, False), (False, True), (True, True))
           if all(flags) or ra > 2 or rb > 2]


@pytest.mark.parametrize(("ra", "rb", "flags"), MATMULS)
def test_matmul_of_batched_operands_and_stacks(ra: int, rb: int,
                                               flags: tuple[bool, bool]) -> None:
    values = [operand(ra, True), operand(rb, False)]
    program = program_of(lambda b, p: b.apply("matmul", *p), values)
    check_batched(program, values, [i for i, f in enumerate(flags) if f])


def test_outer_product_of_two_batched_vectors() -> None:
    values = [rng.normal(size=4), rng.normal(size=5)]
    check_batched(program_of(lambda b, p: b.apply("outer", *p), values), values, (0, 1))


@st.composite
def einsums(draw: st.DrawFn) -> tuple[str, list[np.ndarray], list[int]]:
    """Explicit einsum subscripts of one to three operands over the letters a-d (each
    of its own length, repeats allowed), their operands and which are batched."""
    letters = "abcd"
    specs = [draw(st.text(letters, min_size=1, max_size=3))
             for _ in range(draw(st.integers(1, 3)))]
    order = draw(st.permutations(sorted(set("".join(specs)))))
    output = "".join(order[:draw(st.integers(0, len(order)))])
    values_rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    values = [values_rng.normal(size=tuple(2 + letters.index(c) for c in s)) for s in specs]
    batched = draw(st.lists(st.integers(0, len(specs) - 1), min_size=1, unique=True))
    return f"{','.join(specs)}->{output}", values, batched


@settings(max_examples=20, deadline=None)
@given(einsums())
def test_einsum_batches_with_a_letter_of_its_own(case: tuple[str, list[Any], list[int]]
                                                 ) -> None:
    subscripts, values, batched = case
    program = program_of(lambda b, p: b.apply("einsum", *p, attrs=(subscripts,)), values)
    check_batched(program, values, batched)


# What has no rule says so -------------------------------------------------------------


def appended(x: np.ndarray) -> float:
    out = []
    for i in range(3):
        out.append(x[i] ** 2 * x[i + 1])
    return np.sum(np.array(out) ** 2)


@pytest.mark.parametrize("nested", [
    lambda f: jacfwd(jacrev(f)), lambda f: jacrev(jacfwd(f)), lambda f: hessian(jacfwd(f)),
], ids=["jacfwd_jacrev", "jacrev_jacfwd", "hessian_jacfwd"])
def test_a_nested_transform_without_a_rule_names_the_operation(nested: Any) -> None:
    with pytest.raises(UnsupportedTransformError) as caught:
        nested(appended)(V)
    message = str(caught.value)
    assert not isinstance(caught.value, BatchingError)
    assert f"{__file__}:{appended.__code__.co_firstlineno}: " in message
    assert "appended" in message and "list.append" in message
    # Called directly, the Jacobian takes a pass per seed instead.
    np.testing.assert_allclose(jacfwd(appended)(V), central(appended, (V,)), rtol=1e-6)


def sorted_entries(a: np.ndarray) -> np.ndarray:
    return np.sort(a, axis=None) * 2.0


def test_an_operation_without_a_rule_is_named_as_numpy_spells_it() -> None:
    program = lowered(sorted_entries, (A,))
    with pytest.raises(BatchingError, match=r"no batching rule for np\.sort$"):
        batch_program(program, program.params, "f_batched", "")
