"""PReLU, ELU and Softmax layers: the shared layer test, and the same outputs as real Keras 3."""

import numpy as np
import pytest

from keras_reference import require_keras
from layer_check import run_layer_test
from lamina import layers


def test_prelu_layer():
    run_layer_test(layers.PReLU, {"alpha_initializer": "ones", "shared_axes": [1]}, (3, 4, 5),
                   expected_num_trainable_weights=1)


def test_elu_and_softmax_layers():
    run_layer_test(layers.ELU, {"alpha": 0.5}, (3, 4), expected_output_shape=(3, 4))
    y = run_layer_test(layers.Softmax, {"axis": [1, 2]}, (3, 4, 5), expected_output_shape=(3, 4, 5))
    np.testing.assert_allclose(y.sum(axis=(1, 2)), 1.0, rtol=1e-5)


def test_prelu_bad_shared_axis():
    with pytest.raises(ValueError, match="shared axis 3"):
        layers.PReLU(shared_axes=[3])(np.zeros((2, 4), "float32"))


def test_activation_layers_match_keras(rng):
    keras = require_keras()
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    mask = rng.random((2, 3, 4)) > 0.3
    mask[0, 0] = False  # a fully masked row: zeros in Keras
    alpha = rng.standard_normal((1, 4)).astype("float32")
    for ours, theirs, kwargs in [
        (layers.ELU(alpha=0.7), keras.layers.ELU(alpha=0.7), {}),
        (layers.Softmax(), keras.layers.Softmax(), {"mask": mask}),
        (layers.Softmax(axis=(1, 2)), keras.layers.Softmax(axis=(1, 2)), {}),
        (layers.PReLU(shared_axes=1), keras.layers.PReLU(shared_axes=1), {}),
    ]:
        want = theirs(x, **kwargs)
        ours(x, **kwargs)
        if theirs.weights:
            theirs.set_weights([alpha])
            ours.set_weights([alpha])
            want = theirs(x, **kwargs)
        np.testing.assert_allclose(np.asarray(ours(x, **kwargs)), np.asarray(want), atol=1e-6, err_msg=type(ours).__name__)
        assert set(theirs.get_config()) <= set(ours.get_config()), type(ours).__name__
