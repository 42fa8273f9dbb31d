"""Layer order and auto-generated names of Sequential, subclassed and functional models match
real Keras 3's, and weight files move between the two in both directions."""

from __future__ import annotations

import os

import numpy as np
import pytest

import lamina as lm
from graph_gen import clear_session, issue_example, issue_example_inputs, random_weights
from keras_check import require_keras


@pytest.fixture(scope="module")
def keras():
    return require_keras()


def _net(K):
    class Net(K.Model):
        """Sublayers assigned in an order unlike the call order, one list among them."""

        def __init__(self):
            super().__init__()
            self.head = K.layers.Dense(2)
            self.blocks = [K.layers.Dense(4, activation="tanh"), K.layers.Dense(4)]
            self.norm = K.layers.LayerNormalization()

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return self.head(self.norm(x))

    return Net()


def _pair(keras, make):
    """The model `make(K)` builds, from Keras and from lamina, each after a fresh session."""
    clear_session(keras)
    theirs = make(keras)
    clear_session(lm)
    return theirs, make(lm)


def _names(model) -> list:
    return [l.name for l in model.layers]


def test_subclassed_model_weights_both_ways(keras, tmp_path):
    x = np.random.default_rng(0).normal(size=(3, 5)).astype("float32")
    theirs, ours = _pair(keras, _net)
    theirs(x), ours(x)
    assert (ours.name, _names(ours)) == (theirs.name, _names(theirs))
    theirs.set_weights(random_weights(theirs.weights, 1))
    theirs.save_weights(str(tmp_path / "k.weights.h5"))
    ours.load_weights(str(tmp_path / "k.weights.h5"))
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-5, atol=1e-5)
    ours.set_weights(random_weights(ours.weights, 2))
    ours.save_weights(str(tmp_path / "l.weights.h5"))
    theirs.load_weights(str(tmp_path / "l.weights.h5"))
    np.testing.assert_allclose(np.asarray(theirs(x)), np.asarray(ours(x)), rtol=1e-5, atol=1e-5)


def _sequentials(K):
    # Each build of a Keras Sequential creates an inner functional model, which takes an
    # auto-generated name: the last model's name shows whether lamina counts the same.
    a = K.Sequential([K.Input(shape=(4,)), K.layers.Dense(3)])
    a.add(K.layers.Dense(2))
    b = K.Sequential([K.layers.Dense(3), K.layers.Dense(2)])
    b(np.zeros((1, 4), "float32"))
    inp = K.Input(shape=(4,))
    return [a, b, K.Model(inp, K.layers.Add()([a(inp), b(inp)]))]


def test_sequential_and_functional_auto_names(keras):
    theirs, ours = _pair(keras, _sequentials)
    for t, o in zip(theirs, ours):
        assert (o.name, _names(o)) == (t.name, _names(t))


def test_issue_example_config_and_summary_follow_keras_order(keras):
    theirs, ours = _pair(keras, issue_example)
    order = _names(theirs)
    assert _names(ours) == order
    assert [l["name"] for l in ours.get_config()["layers"]] == [l["name"] for l in theirs.get_config()["layers"]]
    lines = []
    ours.summary(print_fn=lines.append)
    text = "\n".join(lines)
    positions = [text.find(f"{name} (") for name in order]
    assert -1 not in positions and positions == sorted(positions), text


def test_issue_example_weights_from_keras_files(keras, tmp_path):
    theirs, ours = _pair(keras, issue_example)
    theirs.set_weights(random_weights(theirs.weights, 12))
    xs = issue_example_inputs()
    expected = [np.asarray(y) for y in theirs(xs)]
    for name in ("k.weights.h5", "k.h5"):
        path = str(tmp_path / name)
        theirs.save_weights(path) if name.endswith(".weights.h5") else theirs.save(path)
        ours.set_weights(random_weights(ours.weights, 99))
        ours.load_weights(path)
        for a, b in zip(ours(xs), expected):
            np.testing.assert_allclose(np.asarray(a), b, rtol=1e-5, atol=1e-5, err_msg=name)
    assert os.path.getsize(str(tmp_path / "k.h5")) > 0
