"""Core layers through the shared layer test, plus their layer-specific behaviour."""

import numpy as np
import pytest

import lamina as lm
from lamina import layers
from layer_check import run_layer_test


def test_dense():
    y = run_layer_test(layers.Dense, {"units": 3, "activation": "relu"}, (4, 5), expected_output_shape=(4, 3),
                       expected_num_trainable_weights=2)
    assert (y >= 0).all()


def test_dense_values_and_layout():
    d = layers.Dense(2, use_bias=True)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    d(x)
    assert tuple(d.kernel.shape) == (3, 2) and tuple(d.bias.shape) == (2,)
    k, b = d.get_weights()
    np.testing.assert_allclose(np.asarray(d(x)), x @ k + b, rtol=1e-6)


def test_dense_on_3d_input():
    run_layer_test(layers.Dense, {"units": 2}, (2, 3, 4), expected_output_shape=(2, 3, 2))


def test_dense_rejects_wrong_input_width():
    d = layers.Dense(2)
    d(np.zeros((1, 3), "float32"))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3"):
        d(np.zeros((1, 4), "float32"))


def test_activation():
    y = run_layer_test(layers.Activation, {"activation": "tanh"}, (3, 4), expected_output_shape=(3, 4))
    assert np.abs(y).max() <= 1


def test_dropout_is_identity_at_inference_and_scales_in_training():
    run_layer_test(layers.Dropout, {"rate": 0.5, "seed": 1}, (3, 4), expected_output_shape=(3, 4))
    d = layers.Dropout(0.5, seed=3)
    x = np.ones((200, 50), "float32")
    np.testing.assert_array_equal(np.asarray(d(x)), x)
    y = np.asarray(d(x, training=True))
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.4 < (y == 0).mean() < 0.6


def test_flatten_reshape_permute_repeat():
    run_layer_test(layers.Flatten, {}, (2, 3, 4), expected_output_shape=(2, 12))
    run_layer_test(layers.Reshape, {"target_shape": (4, -1)}, (2, 3, 4), expected_output_shape=(2, 4, 3))
    y = run_layer_test(layers.Permute, {"dims": (2, 1)}, (2, 3, 4), expected_output_shape=(2, 4, 3))
    run_layer_test(layers.RepeatVector, {"n": 3}, (2, 4), expected_output_shape=(2, 3, 4))
    run_layer_test(layers.Identity, {}, (2, 4), expected_output_shape=(2, 4))
    assert y.shape == (2, 4, 3)


def test_reshape_error_names_shapes():
    with pytest.raises(ValueError, match=r"Reshape"):
        layers.Reshape((5, 5))(lm.Input((3, 4)))


def test_merging_layers():
    a, b = lm.Input((3,)), lm.Input((3,))
    xa, xb = np.arange(6, dtype="float32").reshape(2, 3), np.ones((2, 3), "float32") * 2
    for cls, ref in ((layers.Add, np.add), (layers.Subtract, np.subtract), (layers.Multiply, np.multiply),
                     (layers.Maximum, np.maximum), (layers.Minimum, np.minimum),
                     (layers.Average, lambda p, q: (p + q) / 2)):
        out = cls()([a, b])
        model = lm.Model([a, b], out)
        np.testing.assert_allclose(np.asarray(model([xa, xb])), ref(xa, xb), rtol=1e-6)
    cat = lm.Model([a, b], layers.Concatenate()([a, b]))
    assert np.asarray(cat([xa, xb])).shape == (2, 6)
    dot = lm.Model([a, b], layers.Dot(axes=1)([a, b]))
    np.testing.assert_allclose(np.asarray(dot([xa, xb])), (xa * xb).sum(1, keepdims=True), rtol=1e-6)


def test_lambda_layer_runs_and_refuses_unsafe_load(tmp_path):
    inp = lm.Input((3,))
    out = layers.Lambda(lambda t: t * 2.0)(inp)
    model = lm.Model(inp, out)
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(np.asarray(model(x)), 2 * x)
    path = str(tmp_path / "lam.keras")
    model.save(path)
    with pytest.raises(ValueError, match=r"Lambda.*safe_mode=False"):
        lm.models.load_model(path)
    loaded = lm.models.load_model(path, safe_mode=False)
    np.testing.assert_allclose(np.asarray(loaded(x)), 2 * x)


def test_layer_names_are_unique():
    lm.clear_session()
    assert layers.Dense(1).name == "dense"
    assert layers.Dense(1).name == "dense_1"
    assert layers.Dense(1, name="mine").name == "mine"
