"""StringLookup, IntegerLookup, TextVectorization and Hashing against outputs of Keras on TensorFlow
(tests/fixtures/text_preprocessing.json, made by tests/fixtures/make_text_preprocessing.py), and
the shared layer test for IntegerLookup."""

import json
import os

import numpy as np
import pytest

from layer_check import run_layer_test
from lamina import layers

with open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "text_preprocessing.json")) as f:
    FIXTURE = json.load(f)


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda c: f"{c['layer']}-{c['kwargs']}")
def test_matches_keras_on_tensorflow(case):
    layer = getattr(layers, case["layer"])(**case["kwargs"])
    layer.adapt(case.get("adapt", FIXTURE["texts"]))
    assert layer.get_vocabulary() == case["vocabulary"]
    np.testing.assert_allclose(np.asarray(layer(case.get("query", FIXTURE["query"]))), case["output"], rtol=1e-5)
    clone = type(layer).from_config(layer.get_config())  # the adapted vocabulary travels in the config
    assert clone.get_vocabulary() == case["vocabulary"]


def test_integer_lookup_layer():
    run_layer_test(layers.IntegerLookup, {"vocabulary": [3, 1, 4], "output_mode": "one_hot"}, (4, 1),
                   input_dtype="int64", input_range=(0, 6), expected_output_shape=(4, 4))


def test_invert_and_errors():
    lookup = layers.StringLookup(vocabulary=["a", "b"])
    ids = np.asarray(lookup(np.array([["b", "x", "a"]])))
    np.testing.assert_array_equal(ids, [[2, 0, 1]])
    back = layers.StringLookup(vocabulary=["a", "b"], invert=True)
    assert back(ids).tolist() == [["b", "[UNK]", "a"]]
    with pytest.raises(ValueError, match="repeated"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="invert"):
        layers.IntegerLookup(invert=True, output_mode="count")
    vec = layers.TextVectorization(output_sequence_length=3, vocabulary=["hello", "world"])
    np.testing.assert_array_equal(np.asarray(vec(["Hello, world! again", "world"])), [[2, 3, 1], [3, 0, 0]])


@pytest.mark.parametrize("case", FIXTURE["hashing"], ids=lambda c: str(c["kwargs"]))
def test_hashing_matches_keras_on_tensorflow(case):
    layer = getattr(layers, case.get("layer", "Hashing"))(**case["kwargs"])
    inputs = [np.asarray(x) for x in case["input"]] if case.get("layer") == "HashedCrossing" else case["input"]
    np.testing.assert_array_equal(np.asarray(layer(inputs)), case["output"])


def test_farmhash_fingerprint_is_tensorflows():
    from lamina.layers.preprocessing.farmhash import fingerprint64

    case = FIXTURE["fingerprint_buckets"]
    got = [fingerprint64(t.encode()) % case["num_buckets"] for t in case["texts"]]
    assert got == case["buckets"]


def test_hashing_layer():
    run_layer_test(layers.Hashing, {"num_bins": 4, "output_mode": "one_hot"}, (5, 1), input_dtype="int64",
                   input_range=(0, 100), expected_output_shape=(5, 4))
