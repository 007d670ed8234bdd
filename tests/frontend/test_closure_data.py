"""Data the function reads but is not differentiated with respect to: arrays, and lists,
tuples and dicts of numbers and arrays, from a closure cell or a module global.

They are read when the derivative runs, as numbers are; the code is specialised on
their layout (dtype, rank, which axes have length one; lengths and keys of lists and
dicts), and rebuilt when a binding's layout changes."""

from __future__ import annotations

import re
import textwrap

import numpy as np
import pytest

import symdiff
from symdiff.errors import SymdiffError, UnsupportedSyntaxError
from symdiff.testing import check_grads

pytestmark = pytest.mark.usefixtures("no_disk_cache")

RNG = np.random.default_rng(0)


def make_loss(X, y):
    def loss(w):
        return np.mean((X @ w - y) ** 2)
    return loss


def test_linear_regression_loss_closing_over_its_data():
    X, y = RNG.normal(size=(20, 3)), RNG.normal(size=20)
    w = RNG.normal(size=3)
    loss = make_loss(X, y)
    got = symdiff.grad(loss)(w)
    np.testing.assert_allclose(got, 2.0 * X.T @ (X @ w - y) / 20, rtol=1e-12)
    check_grads(loss, (w,))
    value, grad = symdiff.value_and_grad(loss)(w)
    assert value == pytest.approx(np.mean((X @ w - y) ** 2))
    np.testing.assert_allclose(grad, got)


DATA = textwrap.dedent('''\
    import numpy as np

    X = np.linspace(-1.0, 1.0, 24).reshape(8, 3)
    Y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0])
    B = np.arange(3.0)
    PARAMS = {"W": np.ones((3, 2)), "b": np.array([0.5, -0.5]), "scale": 2.0}
    PAIR = (np.ones(3), np.arange(3.0))
    LAYERS = [np.eye(3), 2.0 * np.eye(3), np.ones((3, 3))]
    OPTIONS = {"w": 2.0}
    IDX = np.array([2, 0, 2])


    def logistic(w):
        z = X @ w
        return np.mean(np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - Y * z)


    def dot_b(x):
        return np.sum(x * B)


    def layer(x):
        h = np.tanh(x @ PARAMS["W"] + PARAMS["b"])
        return PARAMS["scale"] * np.sum(h ** 2)


    def pair(x):
        return np.sum(PAIR[0] * x) + np.sum(PAIR[1] * x ** 2)


    def deep(x):
        for M in LAYERS:
            x = np.tanh(M @ x)
        return np.sum(x)


    def weighted(x, w=1.0):
        return w * x * x


    def with_kwargs(x):
        return weighted(x, **OPTIONS)


    def gather(x):
        return np.sum(x[IDX] ** 2)


    def matrix(x):
        return np.sin(X @ x)
''')


@pytest.fixture
def data(import_text):
    return import_text("closure_data", DATA)


def test_logistic_loss_reading_global_data(data):
    w = np.array([0.3, -0.2, 0.1])
    z = data.X @ w
    want = data.X.T @ (1.0 / (1.0 + np.exp(-z)) - data.Y) / len(z)
    np.testing.assert_allclose(symdiff.grad(data.logistic)(w), want, rtol=1e-12)
    check_grads(data.logistic, (w,))


def test_dict_of_weights_read_by_key(data):
    x = RNG.normal(size=(4, 3))
    h = np.tanh(x @ data.PARAMS["W"] + data.PARAMS["b"])
    want = 2.0 * (2.0 * h * (1.0 - h ** 2)) @ data.PARAMS["W"].T
    np.testing.assert_allclose(symdiff.grad(data.layer)(x), want, rtol=1e-12)
    check_grads(data.layer, (x,))


def test_tuple_of_arrays_indexed_by_constant(data):
    x = RNG.normal(size=3)
    np.testing.assert_allclose(symdiff.grad(data.pair)(x), 1.0 + 2.0 * np.arange(3.0) * x)


def test_list_of_arrays_iterated_in_a_for_loop(data):
    check_grads(data.deep, (RNG.normal(size=3),), order=2)


def test_keyword_arguments_from_a_global_dict(data):
    assert symdiff.grad(data.with_kwargs)(3.0) == pytest.approx(12.0)


def test_integer_array_indexes(data):
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(symdiff.grad(data.gather)(x), [2.0, 0.0, 12.0])


def test_every_transform_reads_the_global_matrix(data):
    X = data.X
    x = np.array([0.1, 0.2, -0.3])
    jac = np.cos(X @ x)[:, None] * X
    np.testing.assert_allclose(symdiff.jacfwd(data.matrix)(x), jac, rtol=1e-12)
    np.testing.assert_allclose(symdiff.jacrev(data.matrix)(x), jac, rtol=1e-12)
    v = np.array([1.0, -1.0, 0.5])
    out, tangent = symdiff.jvp(data.matrix, (x,), (v,))
    np.testing.assert_allclose(out, np.sin(X @ x))
    np.testing.assert_allclose(tangent, jac @ v, rtol=1e-12)
    out, vjp_fn = symdiff.vjp(data.matrix, x)
    u = np.linspace(0.0, 1.0, 8)
    np.testing.assert_allclose(vjp_fn(u)[0], u @ jac, rtol=1e-12)
    hess = symdiff.hessian(lambda x: np.sum(data.matrix(x)))(x)
    np.testing.assert_allclose(hess, X.T @ (-np.sin(X @ x)[:, None] * X), rtol=1e-12)
    check_grads(data.matrix, (x,), order=2)


# Rebinding, mutating, changing type ----------------------------------------------------


def test_a_new_array_of_the_same_layout_is_read_without_a_rebuild(data, monkeypatch):
    g = symdiff.grad(data.dot_b)
    x = np.ones(3)
    np.testing.assert_allclose(g(x), [0.0, 1.0, 2.0])
    import symdiff.runtime.pipeline as pipeline

    def forbidden(*args, **kwargs):
        raise AssertionError("rebuilt for an array of the same layout")

    monkeypatch.setattr(pipeline, "generate", forbidden)
    data.B = np.array([5.0, 6.0, 7.0])
    np.testing.assert_allclose(g(x), [5.0, 6.0, 7.0])
    data.B[0] = -1.0  # changed in place
    np.testing.assert_allclose(g(x), [-1.0, 6.0, 7.0])
    data.B = np.arange(4.0)  # another length: the code reads lengths when it runs
    np.testing.assert_allclose(g(np.ones(4)), [0.0, 1.0, 2.0, 3.0])


def test_another_rank_or_dtype_rebuilds(data):
    g = symdiff.grad(data.dot_b)
    x = np.ones(3)
    g(x)
    data.B = np.ones((2, 3))  # broadcast: the gradient sums over the new axis
    np.testing.assert_allclose(g(x), [2.0, 2.0, 2.0])
    data.B = np.ones((1, 3))  # a length-one axis: another layout
    np.testing.assert_allclose(g(x), [1.0, 1.0, 1.0])
    data.B = np.arange(3, dtype=np.int64)
    np.testing.assert_allclose(g(x), [0.0, 1.0, 2.0])
    assert g(x).dtype == np.float64
    data.B = 2.0  # a number
    np.testing.assert_allclose(g(x), [2.0, 2.0, 2.0])
    data.B = np.arange(3.0)  # and back: a number rebound to an array is seen too
    np.testing.assert_allclose(g(x), [0.0, 1.0, 2.0])


def test_a_number_rebound_to_an_array_rebuilds(import_text):
    mod = import_text("number_global", "import numpy as np\nK = 2.0\n\n\n"
                      "def scaled(x):\n    return np.sum(x * K)\n")
    g = symdiff.grad(mod.scaled)
    x = np.ones(3)
    np.testing.assert_allclose(g(x), [2.0, 2.0, 2.0])
    mod.K = 3.0  # another number: read when the code runs
    np.testing.assert_allclose(g(x), [3.0, 3.0, 3.0])
    mod.K = np.ones((2, 3))  # code built for a number would give the wrong shape
    np.testing.assert_allclose(g(x), [2.0, 2.0, 2.0])


def test_the_disk_key_covers_the_layout(data):
    from symdiff.frontend.source import get_source
    from symdiff.runtime.keys import fingerprint

    def key() -> str:
        return fingerprint(data.dot_b, get_source(data.dot_b).node)

    before = key()
    assert "B=data:float64[n]" in before
    data.B = np.zeros(5)
    assert key() == before
    data.B = np.zeros(5, dtype=np.float32)
    assert key() != before


def test_rebinding_to_an_unsupported_value_is_a_located_error(data):
    g = symdiff.grad(data.dot_b)
    g(np.ones(3))
    data.B = {1.0, 2.0}
    with pytest.raises(UnsupportedSyntaxError, match=r"unsupported use of 'B' \(a set\)"):
        g(np.ones(3))
    del data.B
    with pytest.raises(UnsupportedSyntaxError, match="name 'B' is not defined"):
        g(np.ones(3))
    data.B = np.ones(3)
    np.testing.assert_allclose(g(np.ones(3)), np.ones(3))


def test_dict_entries_are_checked_too(data):
    g = symdiff.grad(data.layer)
    x = np.ones((2, 3))
    before = g(x)
    data.PARAMS["b"] = np.array([[0.5, -0.5]])  # rank 2 now: the output gains nothing,
    np.testing.assert_allclose(g(x), before)    # but the code is rebuilt for it
    data.PARAMS["W"] = 2.0 * data.PARAMS["W"]  # new values, same layout
    h = np.tanh(x @ data.PARAMS["W"] + data.PARAMS["b"])
    want = 2.0 * (2.0 * h * (1.0 - h ** 2)) @ data.PARAMS["W"].T
    np.testing.assert_allclose(g(x), want, rtol=1e-12)
    del data.PARAMS["b"]
    with pytest.raises(SymdiffError, match="'b'"):
        g(x)


def test_a_list_that_grows_is_iterated_anew(data):
    g = symdiff.grad(data.deep)
    x = np.array([0.1, 0.2, 0.3])
    g(x)
    data.LAYERS.append(np.eye(3))
    want = symdiff.grad(lambda x: data.deep(x))(x)  # a fresh transform
    np.testing.assert_allclose(g(x), want)
    assert "LAYERS[3]" in symdiff.source(data.deep, args=(x,))


def test_a_rebound_closure_cell_is_read_anew():
    X = np.eye(2)

    def loss(w):
        return np.sum((X @ w) ** 2)

    g = symdiff.grad(loss)
    w = np.array([1.0, 2.0])
    np.testing.assert_allclose(g(w), 2.0 * w)
    X = 3.0 * np.eye(2)
    np.testing.assert_allclose(g(w), 18.0 * w)
    X = np.ones(2)  # a vector now: elementwise
    np.testing.assert_allclose(g(w), 2.0 * np.ones(2) * (X @ w))


HELPERS = textwrap.dedent('''\
    import numpy as np

    W = np.array([1.0, 2.0, 3.0])
    CFG = {"scale": 2.0}


    def helper(x):
        return CFG["scale"] * np.sum(W * x)
''')
USER = textwrap.dedent('''\
    import numpy as np

    helpers = None  # set by the test: a module of the user's


    def f(x):
        return helpers.helper(x) + np.sum(helpers.W * x)
''')


def test_a_helper_reads_its_own_module_s_data(import_text):
    helpers = import_text("helpers_data", HELPERS)
    user = import_text("user_data", USER)
    user.helpers = helpers
    g = symdiff.grad(user.f)
    x = np.ones(3)
    np.testing.assert_allclose(g(x), 3.0 * helpers.W)
    helpers.W = np.ones((2, 3))  # read through the module attribute and the helper
    np.testing.assert_allclose(g(x), [6.0, 6.0, 6.0])
    helpers.CFG["scale"] = 1.0
    np.testing.assert_allclose(g(x), [4.0, 4.0, 4.0])


def test_a_jacobian_follows_the_length_of_global_data(data):
    j = symdiff.jacrev(data.matrix)
    x = np.array([0.1, 0.2, -0.3])
    assert j(x).shape == (8, 3)
    data.X = np.ones((5, 3))
    np.testing.assert_allclose(j(x), np.cos(data.X @ x)[:, None] * data.X)
    h = symdiff.hessian(lambda x: np.sum(data.matrix(x) ** 2))
    assert h(x).shape == (3, 3)


# Errors -----------------------------------------------------------------------------


class Opaque:
    pass


OPAQUE = Opaque()
TAGS = {1.0, 2.0}
BIG = [float(i) for i in range(100)]


def reads_opaque(x):
    return x * OPAQUE


def reads_set(x):
    return x * len(TAGS)


def reads_big(x):
    return x * BIG[0]


def calls_data(x):
    return TAGS_ARRAY(x)


TAGS_ARRAY = np.ones(2)


@pytest.mark.parametrize("fn, what", [
    (reads_opaque, "an object OPAQUE (of class Opaque) is used where a number is expected"),
    (reads_set, "unsupported use of 'TAGS' (a set)"),
    (reads_big, "unsupported use of 'BIG' (a list)"),
    (calls_data, "call of 'TAGS_ARRAY' (a ndarray)"),
])
def test_unsupported_globals_are_located_errors_naming_them(fn, what):
    with pytest.raises(UnsupportedSyntaxError) as info:
        symdiff.grad(fn)(1.0)
    assert what in str(info.value)
    assert "test_closure_data.py" in str(info.value)


def test_standalone_build_names_the_global_array(data, tmp_path):
    with pytest.raises(SymdiffError, match="'B' \\(a ndarray\\)"):
        symdiff.build_module(data.__file__, ["dot_b"], ["grad"],
                             signature=["ndarray[float64,1]"])


CHANGES = textwrap.dedent('''\
    import numpy as np

    B = np.arange(3.0)
    W = {"a": 2.0, "b": np.ones(3)}
    L = [np.ones(3), np.ones(3)]


    def into_global(x):
        B[0] = x
        return np.sum(B)


    def into_alias(x):
        C = B
        C += x
        return np.sum(C)


    def into_item(x):
        v = L[0]
        v[0] = x
        return np.sum(v)


    def append_global(x):
        L.append(x)
        return x


    def dict_alias(x):
        d = W
        d["a"] = x
        return d["a"]


    def new_dict(x):
        d = {**W, "a": x}
        return d["a"] * np.sum(d["b"])
''')


@pytest.mark.parametrize("name, words", [
    ("into_global", "assigning into 'B' would change data from outside the function"),
    ("into_alias", "'C' (it is or may be 'B') would change data from outside"),
    ("into_item", "'v' (it is or may be 'L[0]') would change data from outside"),
    ("dict_alias", "changing the dict 'd' in place would change 'W', data from outside"),
    ("append_global", "appending to 'L' would change data from outside the function"),
])
def test_changing_data_from_outside_is_a_located_error(import_text, name, words):
    mod = import_text("changes", CHANGES)
    with pytest.raises(UnsupportedSyntaxError, match=re.escape(words)):
        symdiff.grad(getattr(mod, name))(1.0)
    np.testing.assert_array_equal(mod.B, [0.0, 1.0, 2.0])
    assert mod.W["a"] == 2.0


def test_a_new_dict_from_one_outside_is_the_function_s_own(import_text):
    mod = import_text("changes", CHANGES)
    assert symdiff.grad(mod.new_dict)(1.0) == 3.0


# A bool mask and a float16 array read from outside are data like the others ------------

OBSERVED = np.array([True, False, True, True, False])
SENSOR_GAIN = np.array([1.0, 0.5, 2.0, 1.5, 1.0], dtype=np.float16)


def masked_sse(w):
    """Squared error over the observed entries only (a missing-data mask)."""
    resid = np.where(OBSERVED, w * SENSOR_GAIN - 1.0, 0.0)
    return np.sum(resid ** 2) / np.sum(OBSERVED)


def make_masked_loss(mask):
    def loss(w):
        return np.sum(np.where(mask, np.sqrt(np.abs(w)) * w, 0.0)) + np.sum(w * mask)
    return loss


def test_a_global_bool_mask_is_data():
    w = np.array([0.5, -1.0, 2.0, 3.0, 0.25])
    gain = SENSOR_GAIN.astype(float)
    want = np.where(OBSERVED, 2.0 * (w * gain - 1.0) * gain, 0.0) / 3.0
    np.testing.assert_allclose(symdiff.grad(masked_sse)(w), want, rtol=1e-3)
    check_grads(masked_sse, (w,), order=2, rtol=1e-3)


def test_a_closed_over_bool_mask_is_data_and_is_read_anew():
    w = np.array([0.5, -1.0, 2.0, 3.0, 0.25])
    mask = OBSERVED.copy()
    loss = make_masked_loss(mask)
    g = symdiff.grad(loss)
    want = np.where(mask, 1.5 * np.sqrt(np.abs(w)), 0.0) + mask
    np.testing.assert_allclose(g(w), want, rtol=1e-12)
    check_grads(loss, (w,))
    mask[1] = True  # changed in place: read when the derivative runs
    np.testing.assert_allclose(g(w)[1], 1.5 + 1.0)
    for transform in (symdiff.jacfwd, symdiff.jacrev):
        np.testing.assert_allclose(transform(loss)(w), g(w), rtol=1e-12)
