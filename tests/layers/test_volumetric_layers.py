"""3-D layers (Conv3D, Conv3DTranspose, 3-D pooling, padding, cropping, upsampling): the shared layer test,
gradients of the depth-slice composition, and the same outputs as real Keras 3."""

import numpy as np
import pytest

from keras_reference import require_keras
from layer_check import run_layer_test
from lamina import layers
from lamina.layers.volumetric.depth_slices import conv3d, conv3d_transpose, pool3d
from op_check import check_gradient

SHAPE = (2, 4, 5, 3, 2)


def test_conv3d_layer():
    run_layer_test(layers.Conv3D, {"filters": 3, "kernel_size": 2, "padding": "same", "strides": (2, 1, 1)}, SHAPE,
                   expected_output_shape=(2, 2, 5, 3, 3), expected_num_trainable_weights=2)
    run_layer_test(layers.Conv3DTranspose, {"filters": 2, "kernel_size": 2, "strides": (2, 1, 1)}, SHAPE,
                   expected_output_shape=(2, 8, 6, 4, 2), expected_num_trainable_weights=2)


@pytest.mark.parametrize("cls,kwargs,out", [
    (layers.MaxPooling3D, {"pool_size": 2}, (2, 2, 2, 1, 2)),
    (layers.AveragePooling3D, {"pool_size": 2, "padding": "same"}, (2, 2, 3, 2, 2)),
    (layers.GlobalAveragePooling3D, {}, (2, 2)),
    (layers.GlobalMaxPooling3D, {"keepdims": True}, (2, 1, 1, 1, 2)),
    (layers.ZeroPadding3D, {"padding": (1, 0, 2)}, (2, 6, 5, 7, 2)),
    (layers.Cropping3D, {"cropping": ((1, 0), (1, 1), (0, 1))}, (2, 3, 3, 2, 2)),
    (layers.UpSampling3D, {"size": (1, 2, 2)}, (2, 4, 10, 6, 2)),
])
def test_3d_layers(cls, kwargs, out):
    run_layer_test(cls, kwargs, SHAPE, expected_output_shape=out)


def test_depth_slice_gradients(rng):
    x = rng.standard_normal((1, 4, 3, 3, 2))
    k = rng.standard_normal((2, 2, 2, 2, 2))
    check_gradient(lambda x, k: conv3d(x, k, (2, 1, 1), "same", (1, 1, 1)), x, k, noncontiguous=False)
    check_gradient(lambda x, k: conv3d_transpose(x, k, (2, 1, 1), "valid", None, (1, 1, 1)), x, k, noncontiguous=False)
    check_gradient(lambda x: pool3d(x, (2, 2, 2), (1, 1, 1), "same", "average"), x, noncontiguous=False)
    check_gradient(lambda x: pool3d(x, (3, 2, 2), (2, 1, 1), "same", "max"), x, noncontiguous=False)


def test_3d_layers_match_keras(rng):
    keras = require_keras()
    x = rng.standard_normal((2, 5, 6, 7, 3)).astype("float32")
    for kwargs in ({"filters": 4, "kernel_size": 3, "padding": "same", "strides": 2},
                   {"filters": 2, "kernel_size": (2, 3, 1), "dilation_rate": 2},
                   {"filters": 2, "kernel_size": 3, "padding": "same", "data_format": "channels_first"}):
        theirs, ours = keras.layers.Conv3D(**kwargs), layers.Conv3D(**kwargs)
        want = theirs(x)
        ours(x)
        ours.set_weights(theirs.get_weights())
        np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(want), atol=2e-6)
    for kwargs in ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
                   {"filters": 2, "kernel_size": (3, 2, 3), "strides": 2, "output_padding": (1, 1, 0)},
                   {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "data_format": "channels_first"}):
        theirs, ours = keras.layers.Conv3DTranspose(**kwargs), layers.Conv3DTranspose(**kwargs)
        want = theirs(x)
        ours(x)
        ours.set_weights(theirs.get_weights())
        np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(want), atol=2e-6)
    for name, kwargs in [("MaxPooling3D", {"pool_size": 3, "strides": 2, "padding": "same"}),
                         ("AveragePooling3D", {"pool_size": 3, "strides": 2, "padding": "same"}),
                         ("AveragePooling3D", {"pool_size": (2, 3, 2), "strides": 1}),
                         ("GlobalMaxPooling3D", {"keepdims": True}), ("ZeroPadding3D", {"padding": (1, 2, 0)}),
                         ("Cropping3D", {"cropping": ((1, 0), (2, 1), (0, 3))}), ("UpSampling3D", {"size": (2, 1, 3)})]:
        theirs, ours = getattr(keras.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
        np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), atol=1e-6, err_msg=name)
        assert set(theirs.get_config()) == set(ours.get_config()), name
