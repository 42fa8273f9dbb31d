"""Preprocessing layers: the shared layer test (adapt, then call), and the same outputs as real
Keras 3 (jax) for the deterministic ones and for the augmentation layers at inference."""

import numpy as np
import pytest

import lamina as lm
from keras_reference import require_keras
from layer_check import run_layer_test
from lamina import layers

IMAGES = np.random.default_rng(1).uniform(0, 255, (2, 7, 9, 3)).astype("float32")
RANDOM_LAYERS = [("RandomFlip", {}), ("RandomRotation", {"factor": 0.2}), ("RandomZoom", {"height_factor": 0.2}),
                 ("RandomTranslation", {"height_factor": 0.2, "width_factor": 0.1}), ("RandomContrast", {"factor": 0.3}),
                 ("RandomBrightness", {"factor": 0.3}), ("RandomCrop", {"height": 5, "width": 6})]


def test_normalization_layer(rng):
    data = rng.standard_normal((40, 3)).astype("float32") * 4 + 2
    y = run_layer_test(layers.Normalization, {}, (8, 3), adapt_data=data, expected_num_non_trainable_weights=3,
                       input_range=(-4, 8))
    assert np.abs(y).max() < 4
    fixed = layers.Normalization(mean=2.0, variance=4.0, invert=True)
    np.testing.assert_allclose(np.asarray(fixed(np.ones((2, 3), "float32"))), 4.0)
    whole, batched = layers.Normalization(axis=None), layers.Normalization(axis=None)
    whole.adapt(data)
    batched.adapt(iter([data[:15], data[15:]]))  # batches combine exactly
    np.testing.assert_allclose(batched.get_weights()[1], whole.get_weights()[1], rtol=1e-5)


def test_discretization_and_category_encoding_layers(rng):
    run_layer_test(layers.Discretization, {"num_bins": 4}, (6, 3), adapt_data=rng.standard_normal(200),
                   expected_output_shape=(6, 3))
    run_layer_test(layers.Discretization, {"bin_boundaries": [-0.5, 0.5], "output_mode": "one_hot"}, (6, 1),
                   expected_output_shape=(6, 3))
    for mode in ("one_hot", "multi_hot", "count"):
        run_layer_test(layers.CategoryEncoding, {"num_tokens": 5, "output_mode": mode}, (4, 1), input_dtype="int32",
                       input_range=(0, 5), expected_output_shape=(4, 5))


def test_image_layers():
    run_layer_test(layers.Rescaling, {"scale": 1 / 255.0, "offset": -0.5}, (2, 4, 4, 3))
    run_layer_test(layers.Resizing, {"height": 3, "width": 5, "crop_to_aspect_ratio": True}, (2, 6, 4, 3),
                   expected_output_shape=(2, 3, 5, 3))
    run_layer_test(layers.CenterCrop, {"height": 3, "width": 2}, (2, 6, 4, 3), expected_output_shape=(2, 3, 2, 3))


@pytest.mark.parametrize("name,kwargs", RANDOM_LAYERS)
def test_random_layers_identity_at_inference_random_in_training(name, kwargs):
    cls = getattr(layers, name)
    if name != "RandomCrop":  # RandomCrop: identity at inference but (as in Keras) a cropped symbolic shape
        run_layer_test(cls, kwargs, (2, 7, 9, 3), input_range=(0, 255), expected_output_shape=(2, 7, 9, 3),
                       call_kwargs={"training": False})
    layer = cls(seed=3, **kwargs)
    np.testing.assert_array_equal(np.asarray(layer(IMAGES, training=False)), IMAGES)
    trained = np.stack([np.asarray(layer(IMAGES)) for _ in range(3)])  # training by default, as in Keras
    assert trained.shape[2:4] == ((5, 6) if name == "RandomCrop" else (7, 9))
    assert np.isfinite(trained).all() and trained.min() >= -1e-3 and trained.max() <= 255 + 1e-3
    if name != "RandomCrop":
        assert any(not np.allclose(t, IMAGES) for t in trained), f"{name} never changed the images in training"


def test_affine_fill_modes_and_errors():
    layer = layers.RandomTranslation(0.0, (0.5, 0.5), fill_mode="constant", fill_value=-1.0, interpolation="nearest")
    shifted = np.asarray(layer(IMAGES, training=True))
    np.testing.assert_allclose(shifted[:, :, 4:], IMAGES[:, :, :5], atol=1e-4)  # source x - 4.5, nearest: x - 4
    assert (shifted[:, :, :4] == -1.0).all()
    with pytest.raises(ValueError, match="fill_mode"):
        layers.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="num_bins"):
        layers.Discretization()
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="mean.*variance"):
        layers.Normalization(mean=1.0)


def test_preprocessing_layers_match_keras(rng):
    keras = require_keras()
    x = rng.standard_normal((50, 4, 3)).astype("float32") * 3 + 1
    pairs = []
    for axis in (-1, (1, 2), None):
        theirs, ours = keras.layers.Normalization(axis=axis), layers.Normalization(axis=axis)
        theirs.adapt(x)
        ours.adapt(x)
        pairs.append((ours, theirs, x))
    pairs.append((layers.Normalization(mean=[1.0, 2, 3], variance=[1.0, 4, 9], invert=True),
                  keras.layers.Normalization(mean=[1.0, 2, 3], variance=[1.0, 4, 9], invert=True), x))
    values = rng.standard_normal(1000).astype("float32")
    theirs, ours = keras.layers.Discretization(num_bins=5), layers.Discretization(num_bins=5)
    theirs.update_state(values[:600])  # Keras' adapt needs TensorFlow; its sketch steps do not
    theirs.update_state(values[600:])
    theirs.finalize_state()
    ours.adapt([values[:600], values[600:]])
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    pairs.append((ours, theirs, values))
    for mode in ("one_hot", "multi_hot", "count"):
        pairs.append((layers.Discretization(bin_boundaries=[-1, 0, 1], output_mode=mode),
                      keras.layers.Discretization(bin_boundaries=[-1, 0, 1], output_mode=mode), values[:12].reshape(4, 3)))
        for ids in (np.array([[0, 1, 1], [3, 3, 2]]), np.array([[4], [2]]), np.array([0, 3, 3])):
            pairs.append((layers.CategoryEncoding(5, output_mode=mode), keras.layers.CategoryEncoding(5, output_mode=mode),
                          ids))
    for kwargs in ({"height": 4, "width": 5}, {"height": 12, "width": 15}, {"height": 12, "width": 5, "interpolation": "nearest"},
                   {"height": 4, "width": 4, "crop_to_aspect_ratio": True},
                   {"height": 5, "width": 4, "pad_to_aspect_ratio": True, "fill_value": 3.0}):
        pairs.append((layers.Resizing(**kwargs), keras.layers.Resizing(**kwargs), IMAGES))
    for kwargs in ({"height": 4, "width": 5}, {"height": 12, "width": 15}):
        pairs.append((layers.CenterCrop(**kwargs), keras.layers.CenterCrop(**kwargs), IMAGES))
    pairs.append((layers.Rescaling([1.0, 2.0, 3.0], offset=-1), keras.layers.Rescaling([1.0, 2.0, 3.0], offset=-1), IMAGES))
    for name, kwargs in RANDOM_LAYERS:
        pairs.append((getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs), IMAGES))
    for ours, theirs, inputs in pairs:
        kwargs = {"training": False} if type(ours).__name__.startswith("Random") else {}
        want = np.asarray(theirs(inputs, **kwargs))
        got = np.asarray(ours(inputs, **kwargs))
        assert got.shape == want.shape, type(ours).__name__
        np.testing.assert_allclose(got, want, atol=2e-4, rtol=1e-5, err_msg=f"{type(ours).__name__} {ours.get_config()}")
        keys = set(theirs.get_config()) - {"dtype"}
        assert keys <= set(ours.get_config()), f"{type(ours).__name__}: missing config keys {keys - set(ours.get_config())}"


def test_keras_saved_normalization_loads(tmp_path, rng):
    keras = require_keras()
    x = rng.standard_normal((30, 4)).astype("float32") * 2 + 3
    norm = keras.layers.Normalization()
    norm.adapt(x)
    model = keras.Sequential([keras.Input((4,)), norm, keras.layers.Dense(2)])
    model.save(str(tmp_path / "norm.keras"))
    loaded = lm.models.load_model(str(tmp_path / "norm.keras"))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)
