"""ReLU and LeakyReLU layers: the shared layer check, and the same outputs as real Keras 3's
layers for each argument combination (Keras' relu is 0 *at* a nonzero threshold)."""

import numpy as np
import pytest

import lamina as lm
from keras_check import require_keras
from layer_check import run_layer_test
from lamina import layers

RELU_ARGS = [
    {},
    {"max_value": 6.0},
    {"max_value": 1.0},
    {"negative_slope": 0.1},
    {"threshold": 0.5},
    {"max_value": 1.0, "negative_slope": 0.2},
    {"max_value": 2.0, "negative_slope": 0.1, "threshold": 0.5},
    {"negative_slope": 0.3, "threshold": 0.25},
]


def _grid():
    # Includes the points where the branches meet: 0, the thresholds and the max values.
    return np.concatenate([np.linspace(-3, 3, 25), [0.0, 0.25, 0.5, 1.0, 2.0, 6.0, 7.0]]).astype("float32").reshape(4, 8)


def test_relu_layer_check():
    y = run_layer_test(layers.ReLU, {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.2}, (3, 4),
                       expected_output_shape=(3, 4))
    assert y.max() <= 1.0 and y.min() >= -0.1 * 1.2 - 1e-6


def test_leaky_relu_layer_check():
    run_layer_test(layers.LeakyReLU, {"negative_slope": 0.2}, (3, 4), expected_output_shape=(3, 4))


@pytest.mark.parametrize("kwargs", RELU_ARGS, ids=[str(sorted(k.items())) for k in RELU_ARGS])
def test_relu_matches_keras(kwargs):
    keras = require_keras()
    x = _grid()
    expected = np.asarray(keras.layers.ReLU(**kwargs)(x))
    np.testing.assert_allclose(np.asarray(layers.ReLU(**kwargs)(x)), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.asarray(lm.activations.relu(x, **kwargs)), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.3, 1.5])
def test_leaky_relu_matches_keras(slope):
    keras = require_keras()
    x = _grid()
    expected = np.asarray(keras.layers.LeakyReLU(negative_slope=slope)(x))
    np.testing.assert_allclose(np.asarray(layers.LeakyReLU(negative_slope=slope)(x)), expected, rtol=1e-6, atol=1e-7)


def test_keras2_alpha_and_defaults():
    keras = require_keras()
    assert layers.LeakyReLU(alpha=0.25).negative_slope == 0.25
    assert layers.LeakyReLU().negative_slope == keras.layers.LeakyReLU().negative_slope
    ours, theirs = layers.ReLU().get_config(), keras.layers.ReLU().get_config()
    assert {k: ours[k] for k in ("max_value", "negative_slope", "threshold")} == \
        {k: theirs[k] for k in ("max_value", "negative_slope", "threshold")}


@pytest.mark.parametrize("kwargs", [{"max_value": -1.0}, {"negative_slope": -0.1}, {"threshold": None}])
def test_relu_rejects_negative_arguments(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=f"ReLU: {name}"):
        layers.ReLU(**kwargs)


def test_leaky_relu_rejects_negative_slope():
    with pytest.raises(ValueError, match="LeakyReLU: negative_slope"):
        layers.LeakyReLU(negative_slope=-1.0)
