"""autograd tests/test_numpy.py: NumPy functions, indexing and array construction, each
to second order in both modes unless said otherwise."""

from __future__ import annotations

import numpy as np

import symdiff
from benchmarks.intents import Intent, close, each, grads, na, rnd

SUITE = "autograd tests/test_numpy.py"
R = rnd
C = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3], [0.1, 0.9, -2.0]])  # data, not differentiated
MASK = np.array([[True, False, True, True, False], [False, False, True, False, True],
                 [True, True, False, False, True], [False, True, True, True, False]])
NAN_INF = np.array([0.0, np.nan, np.inf, -np.inf])
BASE = np.abs(np.linspace(-1.0, 1.0, 5)) + 0.5


def _mean_of_lists() -> None:
    close(symdiff.grad(lambda x: np.mean([x, x + 2]))(0.0), 1.0)
    close(symdiff.grad(lambda x: np.mean((x, x + 2)))(0.0), 1.0)


def _std_of_lists() -> None:
    close(symdiff.grad(lambda x: np.std([x, x + 2]))(0.0), 0.0)
    close(symdiff.grad(lambda x: np.std((x, x + 2)))(0.0), 0.0)


def _var_of_lists() -> None:
    close(symdiff.grad(lambda x: np.var([x, x + 2]))(0.0), 0.0)
    close(symdiff.grad(lambda x: np.var((x, x + 2)))(0.0), 0.0)


def _scalar_attributes(x):
    assert x.shape == () and x.ndim == 0 and x.size == 1
    return x**2


def _vector_twice(x):
    A = np.array([x, x * 1.0, x + 2.5])
    return A + A


def _matrix_twice(x):
    A = np.array([[x, x * 1.0, x + 2.5], [x**2, x, x / 2.0]])
    return A + A


def _with_len(x):
    if len(x) != 3:
        raise ValueError("expected 3 rows")
    return x


def _rows_picked_by_a_column(W):
    rows = W[:, :-1]
    idx = np.int64(W[:, -1])
    return rows[idx].sum()


def _linspace() -> None:
    each(lambda a, b: np.linspace(a, b, 5), (1.2, 3.4), (1.2, -3.4), (1.2, 1.2))
    each(lambda a, b: np.linspace(a, b, 1), (1.2, 3.4))
    each(lambda a, b: np.linspace(a, b, 0), (1.2, 3.4))


def _float32_gradient() -> None:
    g = symdiff.grad(lambda x: np.sum(np.sin(x.astype("float64"))))(np.arange(3.0, dtype="float32"))
    assert g.dtype == np.float32, g.dtype


INTENTS = [
    na("test_numpy_version", "autograd's NumPy wrapper reports NumPy's version",
       "about autograd's wrapped NumPy module; symdiff reads plain NumPy"),
    Intent("test_dot", "np.dot of matrix-vector, matrix-matrix, vector-matrix and two vectors",
           lambda: each(lambda a, b: np.dot(a, b), (R(10, 11), R(11)), (R(10, 11), R(11, 10)),
                        (R(10), R(10, 11)), (R(11), R(11)))),
    Intent("test_dot_with_floats", "np.dot with a number on either side",
           lambda: each(lambda a, b: np.dot(a, b), (R(10, 11), R()), (R(), R(10, 11)),
                        (R(10), R()), (R(), R(10)))),
    Intent("test_outer", "np.outer of two vectors",
           lambda: grads(lambda a, b: np.outer(a, b), R(11), R(11))),
    Intent("test_max", "np.max of a matrix", lambda: grads(lambda x: np.max(x), R(10, 11))),
    Intent("test_max_axis", "np.max along the middle axis",
           lambda: grads(lambda x: np.max(x, axis=1), R(3, 4, 5))),
    Intent("test_max_axis_keepdims", "np.max along an axis, keepdims",
           lambda: grads(lambda x: np.max(x, axis=1, keepdims=True), R(3, 4, 5))),
    Intent("test_min", "np.min of a matrix", lambda: grads(lambda x: np.min(x), R(10, 11))),
    Intent("test_min_axis", "np.min along the middle axis",
           lambda: grads(lambda x: np.min(x, axis=1), R(3, 4, 5))),
    Intent("test_min_axis_keepdims", "np.min along an axis, keepdims",
           lambda: grads(lambda x: np.min(x, axis=1, keepdims=True), R(3, 4, 5))),
    Intent("test_sum_1", "np.sum of a matrix", lambda: grads(lambda x: np.sum(x), R(10, 11))),
    Intent("test_sum_2", "np.sum along axis 0", lambda: grads(lambda x: np.sum(x, axis=0),
                                                              R(10, 11))),
    Intent("test_sum_3", "np.sum along axis 0, keepdims",
           lambda: grads(lambda x: np.sum(x, axis=0, keepdims=True), R(10, 11))),
    Intent("test_sum_with_axis_tuple", "np.sum over a tuple of axes",
           lambda: grads(lambda x: np.sum(x, axis=(1, 2)), R(10, 11, 7))),
    Intent("test_plain_numpy_reductions_on_box", "sum, prod, max and min of an expression "
           "in the differentiated number", lambda: (
               grads(lambda a: np.sum(np.exp(a) * BASE), 0.7),
               grads(lambda a: np.prod(np.exp(a) * BASE), 0.7),
               grads(lambda a: np.max(np.exp(a) * BASE), 0.7),
               grads(lambda a: np.min(np.exp(a) * BASE), 0.7))),
    Intent("test_flipud", "np.flipud", lambda: grads(lambda x: np.flipud(x), R(10, 11))),
    Intent("test_fliplr", "np.fliplr", lambda: grads(lambda x: np.fliplr(x), R(10, 11))),
    Intent("test_rot90", "np.rot90", lambda: grads(lambda x: np.rot90(x), R(10, 11))),
    Intent("test_cumsum_axis0", "np.cumsum down the rows",
           lambda: grads(lambda x: np.cumsum(x, axis=0), R(10, 11))),
    Intent("test_cumsum_axis1", "np.cumsum along the rows",
           lambda: grads(lambda x: np.cumsum(x, axis=1), R(10, 11))),
    Intent("test_cumsum_1d", "np.cumsum of a vector", lambda: grads(lambda x: np.cumsum(x), R(10))),
    Intent("test_cumsum_no_axis", "np.cumsum of a flattened matrix",
           lambda: grads(lambda x: np.cumsum(x), R(10, 11))),
    Intent("test_non_numpy_sum", "the builtin sum of a list of arrays",
           lambda: grads(lambda a, b: sum([a, b]), R(10, 11), R(10, 11))),
    Intent("test_mean_1", "np.mean of a matrix", lambda: grads(lambda x: np.mean(x), R(10, 11))),
    Intent("test_mean_2", "np.mean along axis 0",
           lambda: grads(lambda x: np.mean(x, axis=0), R(10, 11))),
    Intent("test_mean_3", "np.mean along axis 0, keepdims",
           lambda: grads(lambda x: np.mean(x, axis=0, keepdims=True), R(10, 11))),
    Intent("test_mean_list_of_boxes", "np.mean of a list or tuple of computed numbers",
           _mean_of_lists),
    Intent("test_std_list_of_boxes", "np.std of a list or tuple of computed numbers",
           _std_of_lists),
    Intent("test_var_list_of_boxes", "np.var of a list or tuple of computed numbers",
           _var_of_lists),
    Intent("test_index_ints", "reading one entry by integer indices",
           lambda: grads(lambda x: x[3, 0, 1], R(5, 6, 4))),
    Intent("test_index_slice", "slices with a negative step",
           lambda: grads(lambda x: x[::-1, 2:4, :], R(5, 6, 4))),
    Intent("test_index_lists", "indexing an axis with a list of ints",
           lambda: grads(lambda x: x[[0, 1, 2], :, :], R(5, 6, 4))),
    Intent("test_index_mixed", "an int, a slice and a list in one index",
           lambda: grads(lambda x: x[3, 2:, [1, 3]], R(5, 6, 4))),
    Intent("test_vector_slice", "a slice of a vector", lambda: grads(lambda x: x[2:4], R(5))),
    Intent("test_index_slice_fanout", "two overlapping slices of one array, added",
           lambda: grads(lambda x: x[::-1, 2:4, :] + x[::-1, 3:5, :], R(5, 6, 4))),
    Intent("test_index_multiple_slices", "a slice of a slice",
           lambda: grads(lambda x: x[2:6][1:3], R(7))),
    Intent("test_reshape_method", "x.reshape with a shape tuple",
           lambda: grads(lambda x: x.reshape((20, 6)), R(5, 6, 4))),
    Intent("test_reshape_call", "np.reshape", lambda: grads(lambda x: np.reshape(x, (20, 6)),
                                                             R(5, 6, 4))),
    Intent("test_reshape_method_nolist", "x.reshape with the sizes as arguments",
           lambda: grads(lambda x: x.reshape(20, 6), R(5, 6, 4))),
    Intent("test_ravel_method", "x.ravel()", lambda: grads(lambda x: x.ravel(), R(5, 6, 4))),
    Intent("test_ravel_call", "np.ravel", lambda: grads(lambda x: np.ravel(x), R(5, 6, 4))),
    Intent("test_flatten_method", "x.flatten()", lambda: grads(lambda x: x.flatten(), R(5, 6, 4))),
    Intent("test_simple_append_list", "np.append of a number to a list, in both",
           lambda: grads(lambda a, b: np.append([a, 2.0, 3.0], b), 1.0, 4.0)),
    Intent("test_simple_append_arr", "np.append of a number to an array, in both",
           lambda: grads(lambda a, b: np.append(a, b), np.array([1.0, 2.0, 3.0]), 4.0)),
    Intent("test_simple_append_list_2D", "np.append of rows along axis 0",
           lambda: grads(lambda a, b: np.append(a, b, axis=0), R(2, 3), R(1, 3))),
    Intent("test_simple_concatenate", "np.concatenate of a constant and the input",
           lambda: grads(lambda x: np.concatenate((C, x)), R(4, 3))),
    Intent("test_concatenate_axis_0", "np.concatenate with the input between constants",
           lambda: grads(lambda x: np.concatenate((C, x, C)), R(3, 3))),
    Intent("test_concatenate_axis_1", "np.concatenate along axis 1",
           lambda: grads(lambda x: np.concatenate((C, x, C), axis=1), R(3, 3))),
    Intent("test_concatenate_axis_1_unnamed", "np.concatenate with the axis given by position",
           lambda: grads(lambda x: np.concatenate((C, x, C), 1), R(3, 3))),
    Intent("test_trace", "np.trace with an offset, of a wide matrix",
           lambda: grads(lambda x: np.trace(x, offset=2), R(10, 11))),
    Intent("test_trace2", "np.trace with an offset, of a tall matrix",
           lambda: grads(lambda x: np.trace(x, offset=-3), R(11, 10))),
    Intent("test_trace_extradims", "np.trace with an offset, of a 4-D array",
           lambda: grads(lambda x: np.trace(x, offset=1), R(5, 6, 4, 3))),
    Intent("test_diag", "np.diag of a matrix", lambda: grads(lambda x: np.diag(x), R(10, 10))),
    Intent("test_transpose", "x.T", lambda: grads(lambda x: x.T, R(8, 8))),
    Intent("test_roll", "np.roll along an axis",
           lambda: grads(lambda x: np.roll(x, 2, axis=1), R(4, 5))),
    Intent("test_roll_no_axis", "np.roll of the flattened array",
           lambda: grads(lambda x: np.roll(x, 2), R(4, 5))),
    Intent("test_triu", "np.triu with k", lambda: grads(lambda x: np.triu(x, k=2), R(5, 5))),
    Intent("test_tril", "np.tril with k", lambda: grads(lambda x: np.tril(x, k=2), R(5, 5))),
    Intent("test_clip", "np.clip with bounds by keyword",
           lambda: grads(lambda x: np.clip(x, a_min=0.1, a_max=1.1), R(5, 5))),
    Intent("test_prod_1", "np.prod of a matrix of positive entries",
           lambda: grads(lambda x: np.prod(x), R(2, 3, lo=0.1, hi=0.6))),
    Intent("test_prod_2", "np.prod along axis 0",
           lambda: grads(lambda x: np.prod(x, axis=0), R(2, 3, lo=0.1, hi=2.0))),
    Intent("test_prod_3", "np.prod along axis 0, keepdims",
           lambda: grads(lambda x: np.prod(x, axis=0, keepdims=True), R(2, 3, lo=0.1, hi=2.0))),
    Intent("test_prod_4", "np.prod of a vector",
           lambda: grads(lambda x: np.prod(x), R(7, lo=0.1, hi=2.0))),
    Intent("test_1d_array", "np.array of a list of expressions in a number",
           lambda: grads(lambda x: np.array([x, x * 1.0, x + 2.5]), 3.0)),
    Intent("test_2d_array", "np.array of nested lists of expressions",
           lambda: grads(lambda x: np.array([[x, x * 1.0, x + 2.5], [x**2, x, x / 2.0]]), 3.0)),
    Intent("test_1d_array_fanout", "an array built from a number, used twice",
           lambda: grads(_vector_twice, 3.0)),
    Intent("test_2d_array_fanout", "a nested array built from a number, used twice",
           lambda: grads(_matrix_twice, 3.0)),
    Intent("test_array_from_scalar", "np.array of a number",
           lambda: grads(lambda x: np.array(x), 3.0)),
    Intent("test_scalar_array_box_attributes", "a number argument offers shape, ndim and "
           "size like a 0-d array", lambda: close(symdiff.grad(_scalar_attributes)(3.0), 6.0)),
    Intent("test_array_from_arrays", "np.array stacking arrays",
           lambda: grads(lambda x: np.array([x, x]), R(3, 2))),
    Intent("test_array_from_arrays_2", "np.array of nested lists of arrays",
           lambda: grads(lambda x: np.array([[2 * x, x + 1], [x, x]]), R(3, 2))),
    Intent("test_len", "len() of an array argument inside the function",
           lambda: grads(_with_len, R(3, 2))),
    Intent("test_r_basic", "np.r_ of one array", lambda: grads(lambda x: np.r_[x], R(3, 2))),
    Intent("test_r_double", "np.r_ of an array twice",
           lambda: grads(lambda x: np.r_[x, x], R(3, 2))),
    Intent("test_no_relation", "an output that does not depend on the input has zero "
           "derivatives", lambda: grads(lambda x: C, R(3, 2))),
    Intent("test_r_no_relation", "np.r_ of a constant only",
           lambda: grads(lambda x: np.r_[C], R(3, 2))),
    Intent("test_r_node_and_const", "np.r_ of the input and a constant",
           lambda: grads(lambda x: np.r_[x, C[:, :2]], R(3, 2))),
    Intent("test_r_mixed", "np.r_ of input, constant, input",
           lambda: grads(lambda x: np.r_[x, C[:, :2], x], R(3, 2))),
    Intent("test_r_slicing", "np.r_ with a slice range among the pieces",
           lambda: grads(lambda x: np.r_[x, C[0], 1:10], R(10))),
    Intent("test_c_", "np.c_ joining columns",
           lambda: grads(lambda x: np.c_[x, C[:, :2], x], R(3, 2))),
    Intent("test_c_mixed", "np.c_ of input and constants",
           lambda: grads(lambda x: np.c_[x, C[:, :2], x], R(3, 2))),
    Intent("test_var_ddof", "np.var with ddof, axis and keepdims",
           lambda: (each(lambda x: np.var(x, ddof=1), (R(3),), (R(3, 4),)),
                    grads(lambda x: np.var(x, axis=1, keepdims=True, ddof=2), R(3, 4)))),
    Intent("test_std_ddof", "np.std with ddof, axis and keepdims",
           lambda: (each(lambda x: np.std(x, ddof=1), (R(3),), (R(3, 4),)),
                    grads(lambda x: np.std(x, axis=1, keepdims=True, ddof=2), R(3, 4)))),
    Intent("test_where", "np.where with a constant mask, in both branches",
           lambda: grads(lambda a, b: np.where(MASK, a, b), R(4, 5), R(4, 5))),
    Intent("test_squeeze_func", "np.squeeze", lambda: grads(lambda x: np.squeeze(x), R(5, 1, 4))),
    Intent("test_squeeze_method", "x.squeeze()", lambda: grads(lambda x: x.squeeze(), R(5, 1, 4))),
    Intent("test_repeat", "np.repeat along axis 1",
           lambda: grads(lambda x: np.repeat(x, 2, axis=1), R(5, 3, 4))),
    Intent("test_repeat_axis1_rep1", "np.repeat once along axis 1",
           lambda: grads(lambda x: np.repeat(x, 1, axis=1), R(5, 3, 4))),
    Intent("test_repeat_axis0", "np.repeat along axis 0",
           lambda: grads(lambda x: np.repeat(x, 2, axis=0), R(5, 3))),
    Intent("test_repeat_1d_axis0", "np.repeat of a vector",
           lambda: grads(lambda x: np.repeat(x, 2, axis=0), R(5))),
    Intent("test_repeat_axis0_rep1", "np.repeat once along axis 0",
           lambda: grads(lambda x: np.repeat(x, 1, axis=0), R(5, 1))),
    Intent("test_expand_dims", "np.expand_dims",
           lambda: grads(lambda x: np.expand_dims(x, 2), R(5, 1, 4))),
    Intent("test_tensordot_kwargs_by_position", "np.tensordot with axes given by position",
           lambda: symdiff.grad(lambda x: np.tensordot(x * np.ones((2, 2)),
                                                       x * np.ones((2, 2)), 2))(1.0)),
    Intent("test_multi_index", "a repeated integer index accumulates its derivative",
           lambda: grads(lambda x: np.sum(x[[0, 0]]), R(3))),
    Intent("test_multi_index2", "repeated indices among others",
           lambda: grads(lambda x: np.sum(x[[0, 1, 0]]), R(3))),
    Intent("test_index_dot_slices", "np.dot of two slices of one vector",
           lambda: grads(lambda x: np.dot(x[:2], x[2:]), R(4))),
    Intent("test_cast_to_int", "indices computed from the differentiated array itself",
           # The index column halfway between ints (autograd's is random), so that
           # central differences do not move an index across one.
           lambda: grads(_rows_picked_by_a_column,
                         np.hstack([R(5, 9), np.array([[0.5], [2.5], [1.5], [4.5], [3.5]])]))),
    na("test_make_diagonal", "autograd's np.make_diagonal builds stacks of diagonal matrices",
       "an autograd extension, not a NumPy function"),
    Intent("test_diagonal", "np.diagonal over the last two axes, of a matrix and a stack",
           lambda: (grads(lambda x: np.diagonal(x, axis1=-1, axis2=-2), R(4, 4)),
                    grads(lambda x: np.diagonal(x, axis1=-1, axis2=-2), R(3, 4, 4)))),
    Intent("test_nan_to_num", "np.nan_to_num passes derivatives of finite entries",
           lambda: grads(lambda x: np.sum(np.sin(np.nan_to_num(x + NAN_INF))), R(4))),
    Intent("test_max_equal_values", "np.max of tied entries splits the derivative",
           lambda: grads(lambda x: np.max(np.array([x, x])), 1.0)),
    Intent("test_max_equal_values_2d", "np.max along an axis with ties",
           lambda: each(lambda x: np.max(np.array([[x, x], [x, 0.5]]), axis=1), (1.0,), (-1.0,))),
    Intent("test_min_3_way_equality", "np.min along an axis with three-way ties",
           lambda: each(lambda x: np.min(np.array([[x, x, x], [x, 0.5, 0.5], [0.5, 0.5, 0.5],
                                                   [x, x, 0.5]]), axis=0), (1.0,), (-1.0,))),
    Intent("test_maximum_equal_values", "np.maximum of a value with itself",
           lambda: grads(lambda x: np.maximum(x, x), 1.0)),
    Intent("test_maximum_equal_values_2d", "np.maximum with ties while broadcasting",
           lambda: each(lambda x: np.maximum(np.array([x, x, 0.5]),
                                             np.array([[x, 0.5, x], [x, x, 0.5]])),
                        (1.0,), (-1.0,), (2.0,))),
    Intent("test_linspace", "np.linspace in both ends, for 0, 1 and 5 points and equal ends",
           _linspace),
    Intent("test_astype", "a float32 input cast to float64 keeps a float32 gradient",
           _float32_gradient),
    Intent("test_gradient", "np.gradient of 1-, 2- and 3-D arrays",
           lambda: grads(lambda x: np.gradient(x), R(10))),
]
