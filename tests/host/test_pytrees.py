"""Pytrees taken apart and put together again (`host.pytrees`): leaves in order, a
structure that prints as JAX prints it, and a clear error where a value must have a
given structure and has another."""

from __future__ import annotations

import numpy as np
import pytest

from symdiff.host import pytrees

PARAMS = {"layer1": (np.ones((3, 4)), np.zeros(4)), "layer2": [np.ones(4), 0.5],
          "scale": {"log_sigma": -1.0}}


def test_flatten_gives_the_leaves_in_order_and_unflatten_builds_the_value_again():
    leaves, treedef = pytrees.flatten(PARAMS)
    assert [np.shape(v) for v in leaves] == [(3, 4), (4,), (4,), (), ()]
    assert str(treedef) == "{'layer1': (*, *), 'layer2': [*, *], 'scale': {'log_sigma': *}}"
    assert treedef.leaves == 5
    back = pytrees.unflatten(treedef, leaves)
    assert list(back) == ["layer1", "layer2", "scale"]
    assert type(back["layer1"]) is tuple and type(back["layer2"]) is list
    assert back["layer1"][0] is PARAMS["layer1"][0]
    assert pytrees.paths(treedef) == [("layer1", 0), ("layer1", 1), ("layer2", 0),
                                      ("layer2", 1), ("scale", "log_sigma")]


def test_structures_compare_by_containers_and_key_order():
    assert pytrees.structure((1.0, (2.0, 3.0))) == pytrees.structure((np.ones(2), (4, 5.0)))
    assert pytrees.structure((1.0, 2.0)) != pytrees.structure([1.0, 2.0])
    assert pytrees.structure({"a": 1.0, "b": 2.0}) != pytrees.structure({"b": 1.0, "a": 2.0})
    assert pytrees.structure(1.0) == pytrees.LEAF
    assert str(pytrees.structure((1.0,))) == "(*,)"
    assert len({pytrees.structure({"a": (1.0, 2.0)}), pytrees.structure({"a": (3.0, 4.0)})}) == 1


def test_a_named_tuple_is_a_leaf_and_other_dict_keys_are_refused():
    from collections import namedtuple

    Point = namedtuple("Point", "x y")
    assert pytrees.leaves([Point(1.0, 2.0)]) == [Point(1.0, 2.0)]
    with pytest.raises(TypeError, match="a dict with the key 1"):
        pytrees.flatten({1: 2.0})


def test_deep_nesting_is_taken_apart_without_recursion_up_to_the_bound():
    value = 1.0
    for _ in range(pytrees.MAX_DEPTH):
        value = [value]
    leaves, treedef = pytrees.flatten(value)
    assert leaves == [1.0] and pytrees.unflatten(treedef, [2.0]) != value
    with pytest.raises(TypeError, match="deeper than"):
        pytrees.flatten([value])


def test_flatten_like_takes_a_dict_in_the_structure_key_order():
    treedef = pytrees.structure({"W": 1.0, "b": 2.0})
    assert pytrees.flatten_like(treedef, {"b": 20.0, "W": 10.0}, "t", "p") == [10.0, 20.0]


@pytest.mark.parametrize(("given", "got"), [
    ({"W": 1.0}, "{'W': *}"),
    ({"W": 1.0, "c": 2.0}, "{'W': *, 'c': *}"),
    ({"W": (1.0, 2.0), "b": 2.0}, "{'W': (*, *), 'b': *}"),
    ([1.0, 2.0], "[*, *]"),
    (1.0, "*"),
])
def test_flatten_like_names_both_structures(given, got):
    treedef = pytrees.structure({"W": 1.0, "b": 2.0})
    with pytest.raises(TypeError) as info:
        pytrees.flatten_like(treedef, given, "the tangent of 'params'", "the primal")
    assert str(info.value) == (f"the tangent of 'params' must have the structure of the "
                               f"primal, {{'W': *, 'b': *}}; got {got}")


def test_flatten_like_takes_a_list_for_a_tuple_only_when_not_strict():
    treedef = pytrees.structure((1.0, 2.0))
    with pytest.raises(TypeError, match=r"\(\*, \*\); got \[\*, \*\]"):
        pytrees.flatten_like(treedef, [1.0, 2.0], "t", "p")
    assert pytrees.flatten_like(treedef, [1.0, 2.0], "t", "p", strict=False) == [1.0, 2.0]


def test_map_leaves_and_describe_value():
    doubled = pytrees.map_leaves(lambda v: 2 * v, PARAMS)
    np.testing.assert_array_equal(doubled["layer1"][0], 2 * np.ones((3, 4)))
    assert doubled["scale"]["log_sigma"] == -2.0
    assert pytrees.describe_value(PARAMS) == (
        "{'layer1': (array(3, 4), array(4,)), 'layer2': [array(4,), float], "
        "'scale': {'log_sigma': float}}")
