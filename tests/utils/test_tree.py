"""lamina.tree against real Keras' keras.tree on the same structures."""

import collections

import numpy as np
import pytest

from lamina import tree
from keras_ref import real_keras

Point = collections.namedtuple("Point", ["x", "y"])
STRUCTURES = [
    1,
    None,
    [1, (2, 3), {"b": 4, "a": [5, None]}],
    {"z": Point(1, [2, 3]), "a": (4,)},
    collections.OrderedDict([("b", 1), ("a", (2, 3))]),
    ([], {}, ()),
]


@pytest.mark.parametrize("s", STRUCTURES, ids=range(len(STRUCTURES)))
def test_flatten_pack_and_paths_match_keras(s):
    keras = real_keras()
    assert tree.flatten(s) == keras.tree.flatten(s)
    assert tree.flatten_with_path(s) == keras.tree.flatten_with_path(s)
    assert tree.is_nested(s) == keras.tree.is_nested(s)
    flat = [f"v{i}" for i in range(len(tree.flatten(s)))]
    assert tree.pack_sequence_as(s, flat) == keras.tree.pack_sequence_as(s, flat)
    assert tree.lists_to_tuples(s) == keras.tree.lists_to_tuples(s)


def test_map_structure_and_up_to_match_keras():
    keras = real_keras()
    a = [1, (2, 3), {"b": 4, "a": 5}]
    b = [10, (20, 30), {"b": 40, "a": 50}]
    assert tree.map_structure(lambda x, y: x + y, a, b) == keras.tree.map_structure(lambda x, y: x + y, a, b)
    shallow = [1, [2]]
    deep = [5, [{"q": 1}]]
    assert tree.map_structure_up_to(shallow, repr, deep) == keras.tree.map_structure_up_to(shallow, repr, deep)
    shapes = {"a": (2, 3), "b": [(1,), (None, 4)]}
    assert tree.map_shape_structure(lambda s: s + (7,), shapes) == keras.tree.map_shape_structure(lambda s: s + (7,), shapes)


def test_traverse_matches_keras():
    keras = real_keras()
    s = [1, [2, (3, 4)], {"a": 5}]

    def replace_tuples(x):
        return tree.MAP_TO_NONE if isinstance(x, tuple) else None

    def replace_tuples_k(x):
        return keras.tree.MAP_TO_NONE if isinstance(x, tuple) else None

    assert tree.traverse(replace_tuples, s) == keras.tree.traverse(replace_tuples_k, s)

    def double(x):
        return x * 2 if isinstance(x, int) else None

    assert tree.traverse(double, s, top_down=False) == keras.tree.traverse(double, s, top_down=False)


def test_assertions_match_keras():
    keras = real_keras()
    for a, b in [([1, 2], [1, (2,)]), ({"a": 1}, {"b": 1}), ([1], [1, 2])]:
        with pytest.raises(ValueError):
            keras.tree.assert_same_structure(a, b)
        with pytest.raises(ValueError):
            tree.assert_same_structure(a, b)
    tree.assert_same_structure([1, (np.zeros(2),)], [3, (4,)])
    tree.assert_same_paths({"a": 1, "b": [2]}, {"b": [0], "a": 9})
    with pytest.raises(ValueError, match="paths"):
        tree.assert_same_paths({"a": 1}, {"b": 1})
