"""autograd tests/test_wrappers.py: the derivative operators built on grad and vjp (value
and gradient, several arguments, Hessians and their products, Jacobian products, aux
outputs, custom rules), checked with symdiff's counterparts."""

from __future__ import annotations

import functools

import numpy as np

import symdiff
from benchmarks.intents import Intent, central, close, grads, na, rnd
from symdiff.testing import check_grads

SUITE = "autograd tests/test_wrappers.py"
R = rnd
H5 = R(5, 5)
A54 = R(5, 4)


def _value_and_grad_of_array_function() -> None:
    f = lambda x: np.sum(np.sin(x) ** 2)  # noqa: E731
    x = R(5)
    value, g = symdiff.value_and_grad(f)(x)
    close(value, f(x))
    close(g, symdiff.grad(f)(x))
    grads(lambda x: symdiff.value_and_grad(f)(x)[0], x)


def _five_args(a, b, c, d, e, f=1.1, g=9.0):
    return a + np.sin(b) + np.cosh(c) + np.cos(d) + np.tan(e) + f + g


def _several_argnums() -> None:
    args = (0.5, -0.3, 0.2, -1.1, 0.7)
    got = symdiff.grad(_five_args, argnums=(3, 1))(*args, f=0.6, g=-0.1)
    close(got, (-np.sin(-1.1), np.cos(-0.3)))
    value, both = symdiff.value_and_grad(_five_args, argnums=(3, 1))(*args, f=0.6, g=-0.1)
    close(value, _five_args(*args, f=0.6, g=-0.1))
    close(both, got)


def _elementwise(f, x, argnum_value=None):
    """f's derivative at every entry of x at once: vjp with a cotangent of ones."""
    out, pullback = symdiff.vjp(f, x)
    close(pullback(np.ones_like(out))[0], central(f, x), rtol=1e-6, atol=1e-8)


def _hvp_matches(shape) -> None:
    f = lambda a: np.sum(np.sin(a))  # noqa: E731
    a, v = R(*shape), R(*shape)
    H = symdiff.hessian(f)(a)
    close(symdiff.hvp(f, (a,), (v,)), np.tensordot(H, v, axes=v.ndim))


def _vjp_matches_jacobian(shape) -> None:
    f = lambda a: np.cumsum(np.sin(a))  # noqa: E731  (an asymmetric Jacobian)
    a = R(*shape)
    out, pullback = symdiff.vjp(f, a)
    V = R(*out.shape)
    J = symdiff.jacobian(f)(a)
    close(pullback(V)[0], np.tensordot(V, J, axes=V.ndim))


@symdiff.custom_vjp
def _mul(x, y):
    return x * y


_mul.defvjp(lambda x, y: (x * y, (x, y)), lambda res, g: (res[1] * g, res[0] * g))


def _times(x, y):
    return x * y


symdiff.defrule(_times, vjp=(lambda x, y: (x * y, (x, y)),
                             lambda res, g: (res[1] * g, res[0] * g)))


@symdiff.custom_vjp
def _zero_grad(x, y):
    return 0.0 * x * y


_zero_grad.defvjp(lambda x, y: (0.0 * x * y, ()), lambda res, g: (0.0 * g, 0.0 * g))


def _float32_and_float16() -> None:
    f = lambda x: np.sum(x**2)  # noqa: E731
    for dtype in (np.float32, np.float16):
        g = symdiff.grad(f)(R(10, 10).astype(dtype))
        assert g.dtype == dtype, (dtype, g.dtype)


def _jvp_matches_jacobian() -> None:
    f = lambda x: np.tanh(A54.T @ x)  # noqa: E731
    x, v = R(5), R(5)
    _, t = symdiff.jvp(f, (x,), (v,))
    close(t, symdiff.jacobian(f)(x) @ v)


def _ggn_product(f, g, x, v):
    """J^T H_g J v by composing jvp, hvp and vjp (no dedicated operator)."""
    y, jv = symdiff.jvp(f, (x,), (v,))
    hjv = symdiff.hvp(g, (y,), (jv,))
    return symdiff.vjp(f, x)[1](hjv)[0]


def _ggn(g) -> None:
    x, v = R(4), R(4)
    for f in (lambda x: A54 @ x, lambda x: np.tanh(A54 @ x)):
        J = symdiff.jacobian(f)(x)
        want = J.T @ symdiff.hessian(g)(f(x)) @ J @ v
        close(_ggn_product(f, g, x, v), want)


def _grad_and_aux() -> None:
    x = R(4)
    g, aux = symdiff.grad(lambda x: (np.sum(A54 @ x), x**2), has_aux=True)(x)
    close(g, np.sum(A54, axis=0))
    close(aux, x**2)


def foo(x):
    """A function with a docstring."""
    return x * x


def _named() -> None:
    g = symdiff.grad(foo)
    assert g.__name__ == "foo" and "foo" in g.__doc__ and "docstring" in g.__doc__
    assert symdiff.grad.__name__ == "grad" and symdiff.grad.__doc__


INTENTS = [
    Intent("test_return_both", "value_and_grad gives the same value and gradient as the "
           "function and grad", lambda: close(
               symdiff.value_and_grad(lambda x: 3.0 * x**3.2)(1.7),
               (3.0 * 1.7**3.2, symdiff.grad(lambda x: 3.0 * x**3.2)(1.7)))),
    Intent("test_value_and_grad", "value_and_grad of an array function, and its value "
           "differentiated again", _value_and_grad_of_array_function),
    Intent("test_hessian", "the Hessian of x.H.x is H + H.T",
           lambda: close(symdiff.hessian(lambda x: np.dot(np.dot(x, H5), x))(R(5)),
                         H5 + H5.T)),
    Intent("test_multigrad", "grad with several argnums, in the order given, keywords "
           "passed", _several_argnums),
    Intent("test_value_and_multigrad", "value_and_grad with several argnums", _several_argnums),
    Intent("test_multigrad_onearg", "argnums with one entry gives a tuple of one gradient",
           lambda: close(symdiff.grad(lambda x, y: np.sum(x + np.sin(y)), argnums=(0,))(
               R(3), R(3)), (np.ones(3),))),
    Intent("test_elementwise_grad", "the derivative of an elementwise function at every "
           "entry in one call", lambda: _elementwise(lambda a: a + np.sin(a) + np.cosh(a),
                                                     R(10))),
    Intent("test_elementwise_grad_multiple_args", "the same in the second of two arguments",
           lambda: _elementwise(lambda b: 0.9 + np.sin(0.9) + np.cosh(b), R(10))),
    Intent("test_hessian_tensor_product", "a Hessian-vector product equals H v",
           lambda: _hvp_matches((5,))),
    Intent("test_hvp", "a Hessian-vector product function built once at a point",
           lambda: _hvp_matches((5,))),
    Intent("test_hessian_matrix_product", "a Hessian-vector product for a matrix argument",
           lambda: _hvp_matches((5, 4))),
    Intent("test_hessian_tensor_product_3d", "a Hessian-vector product for a 3-D argument",
           lambda: _hvp_matches((5, 4, 3))),
    Intent("test_tensor_jacobian_product", "vjp equals the cotangent contracted with the "
           "Jacobian", lambda: _vjp_matches_jacobian((5,))),
    Intent("test_matrix_jacobian_product", "vjp against the Jacobian for a matrix argument",
           lambda: _vjp_matches_jacobian((5, 4))),
    Intent("test_deprecated_defgrad_wrapper", "a user primitive with reverse rules per "
           "argument (symdiff.custom_vjp)", lambda: grads(lambda x, y: _mul(x, y), R(2, 2),
                                                          R(2, 2), modes=("rev",))),
    Intent("test_deprecated_defvjp_wrapper", "reverse rules given to an existing function "
           "(symdiff.defrule)", lambda: grads(lambda x, y: _times(x, y), R(2, 2), R(2, 2),
                                              modes=("rev",))),
    Intent("test_deprecated_defvjp_is_zero_wrapper", "a user primitive declared to have "
           "zero gradients", lambda: grads(lambda x, y: _zero_grad(x, y), R(2, 2), R(2, 2),
                                          modes=("rev",))),
    Intent("test_deprecated_quick_grad_check_wrapper", "a one-call numerical check of a "
           "function's derivatives", lambda: check_grads(lambda x, y: x**2 + y, (1.0, 2.0))),
    Intent("test_partial", "grad of a functools.partial with a keyword bound",
           lambda: close(symdiff.grad(functools.partial(lambda x, y: x * y, y=2.0))(3.0),
                         2.0)),
    Intent("test_dtypes", "the gradient keeps a float32 or float16 argument's dtype",
           _float32_and_float16),
    na("test_custom_where_dtypes", "np.where of Python numbers and lists keeps NumPy's "
       "result types", "about autograd's wrapper of np.where; symdiff calls NumPy's own"),
    na("test_custom_where", "np.where with keyword arguments and with one argument",
       "about autograd's wrapper of np.where (NumPy's takes no keywords)"),
    Intent("test_make_jvp", "a forward-mode product equals J v", _jvp_matches_jacobian),
    Intent("test_make_ggnvp", "a Gauss-Newton matrix-vector product J^T H J v, by "
           "composing jvp, hvp and vjp", lambda: _ggn(lambda y: 0.5 * np.dot(y, y))),
    Intent("test_make_ggnvp_nondefault_g", "the same with another outer loss",
           lambda: _ggn(lambda y: np.sum(2.0 * y**2 + y**4))),
    Intent("test_grad_and_aux", "grad with an auxiliary output returned beside it",
           _grad_and_aux),
    Intent("test_wrapped_name_and_docs", "derivative functions carry a name and docstring "
           "from the original", _named),
]
