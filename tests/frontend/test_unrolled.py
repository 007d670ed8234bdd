"""Reading a pytree parameter the ways people write it: ``params["W"]`` and
``params[k]`` for a key of a loop, ``params.keys()``, ``.values()`` and ``.items()``,
``"k" in params``, and loops over a dict or over a list of ``(W, b)`` pairs, which are
unrolled while lowering (`frontend.unrolled`); what such a loop cannot hold is a
located error."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff
from symdiff import UnsupportedSyntaxError, grad
from symdiff.testing import check_grads

rng = np.random.default_rng(7)
LAYERS = [(rng.normal(size=(3, 4)), rng.normal(size=4)),
          (rng.normal(size=(4, 2)), rng.normal(size=2))]
PARAMS = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2), "scale": 0.7}
X = rng.normal(size=(5, 3))


def l2_by_key(params):
    total = 0.0
    for k in params:
        total = total + np.sum(params[k] ** 2)
    return total


def l2_by_items(params):
    total = 0.0
    for _, w in params.items():
        total += np.sum(w * w)
    return total


def l2_by_values(params):
    return sum(np.sum(w ** 2) for w in params.values())


def l2_of_weights(params):
    # A comprehension over the keys, filtered while compiling.
    return sum([np.sum(params[k] ** 2) for k in params.keys() if k != "scale"])


def mlp(layers, X):
    h = X
    for W, b in layers:
        h = np.tanh(h @ W + b)
    return np.mean(h ** 2)


def mlp_numbered(layers, X):
    h = X
    for i, (W, b) in enumerate(layers, 1):
        h = np.tanh(h @ W + b) / i
    return np.sum(h)


def paired(model):
    total = 0.0
    for (W, b), s in zip(model["layers"], model["scales"], strict=True):
        total = total + s * (np.sum(W) + np.sum(b))
    return total


def paired_with_a_list(layers, scales):
    total = 0.0
    for (W, b), s in zip(layers, scales, strict=True):  # E:zip
        total = total + s * np.sum(W + b)
    return total


def with_optional_bias(params, X):
    z = X @ params["W"]
    if "b" in params:
        z = z + params["b"]
    if "bias" not in params:
        z = z * params["scale"]
    return np.sum(z ** 2)


@pytest.mark.parametrize("f", [l2_by_key, l2_by_items, l2_by_values])
def test_loops_over_a_dict_give_its_gradient(f):
    g = grad(f)(PARAMS)
    assert list(g) == ["W", "b", "scale"]
    for k, v in PARAMS.items():
        np.testing.assert_allclose(g[k], 2 * np.asarray(v), rtol=1e-12)
    check_grads(f, (PARAMS,))


def test_a_comprehension_over_the_keys_is_filtered_while_compiling():
    g = grad(l2_of_weights)(PARAMS)
    np.testing.assert_allclose(g["W"], 2 * PARAMS["W"])
    assert g["scale"] == 0.0 and type(g["scale"]) is float


@pytest.mark.parametrize("f", [mlp, mlp_numbered])
def test_a_loop_over_a_list_of_layers_is_unrolled(f):
    g = grad(f)(LAYERS, X)
    assert type(g) is list and [type(p) for p in g] == [tuple, tuple]
    assert [[np.shape(a) for a in p] for p in g] == [[(3, 4), (4,)], [(4, 2), (2,)]]
    check_grads(f, (LAYERS, X))
    text = symdiff.source(f, args=(LAYERS, X))
    assert "for " not in text  # one copy of the body per layer


def test_zip_of_a_list_of_layers_and_a_tuple():
    g = grad(paired)({"layers": LAYERS, "scales": (2.0, -1.0)})
    np.testing.assert_allclose(g["layers"][1][0], -np.ones((4, 2)))
    assert type(g["scales"]) is tuple
    assert g["scales"] == pytest.approx((np.sum(LAYERS[0][0]) + np.sum(LAYERS[0][1]),
                                         np.sum(LAYERS[1][0]) + np.sum(LAYERS[1][1])))


def test_zip_with_a_list_of_run_time_length_is_located():
    with pytest.raises(UnsupportedSyntaxError, match="zip.. of a dict or tuple of unlike"):
        grad(paired_with_a_list)(LAYERS, [2.0, -1.0])


def test_a_key_test_is_decided_while_compiling():
    g = grad(with_optional_bias)(PARAMS, X)
    without = {k: v for k, v in PARAMS.items() if k != "b"}
    g2 = grad(with_optional_bias)(without, X)
    assert set(g) == {"W", "b", "scale"} and set(g2) == {"W", "scale"}
    check_grads(with_optional_bias, (PARAMS, X))
    check_grads(with_optional_bias, (without, X))


def breaks(layers, X):
    h = X
    for W, b in layers:
        h = h @ W + b
        if np.sum(h) > 0:
            break  # E:break
    return np.sum(h)


def returns(params):
    for k in params:
        return np.sum(params[k])  # E:return
    return 0.0


def nested_break_is_its_own(layers, X):
    h = X
    for W, b in layers:
        for _ in range(3):
            h = np.tanh(h @ W + b)
            break
    return np.sum(h)


@pytest.mark.parametrize(("f", "args", "word"), [
    (breaks, (LAYERS, X), "break"), (returns, (PARAMS,), "return")])
def test_an_exit_from_an_unrolled_loop_is_located(f, args, word):
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(f)(*args)
    message = str(info.value)
    assert f"{word} inside a loop over a dict or a tuple of unlike items" in message
    assert __file__.rsplit("/", 1)[-1] in message


def test_a_break_of_an_inner_loop_is_allowed():
    layers = [(np.ones((3, 3)), np.ones(3)), (np.ones((3, 3)) * 0.5, np.zeros(3))]
    check_grads(nested_break_is_its_own, (layers, X))


def key_not_known(params, names):
    return params[names[0]]


def test_a_key_must_be_known_while_compiling():
    with pytest.raises(UnsupportedSyntaxError, match="a dict key must be a string known"):
        grad(key_not_known)(PARAMS, [1.0])


def indexed_by_a_counter(layers, X):
    h = X
    for i in range(len(layers)):
        W, b = layers[i]  # E:index
        h = np.tanh(h @ W + b)
    return np.sum(h)


def test_indexing_unlike_items_at_run_time_says_to_loop_over_them():
    with pytest.raises(UnsupportedSyntaxError) as info:
        grad(indexed_by_a_counter)(LAYERS, X)
    message = str(info.value)
    assert "indexing a tuple or list of unlike items" in message
    assert "for W, b in layers" in message
