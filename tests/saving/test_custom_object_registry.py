"""keras.saving.get_custom_objects() and custom_object_scope(), the two ways besides
custom_objects= that keras-io's serialization guide loads custom objects with (semantics read
from keras/src/saving/object_registration.py and serialization_lib.py)."""

import numpy as np
import pytest

import lamina as keras


class _Scale(keras.layers.Layer):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _square(x):
    return x**2


def _saved_model(path):
    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(1, activation=_square)(_Scale(0.5)(inputs))
    model = keras.Model(inputs, outputs)
    model.save(path)
    return model


def test_custom_object_scope_resolves_classes_and_functions_only_inside(tmp_path):
    path = str(tmp_path / "m.keras")
    model = _saved_model(path)
    x = np.random.default_rng(0).random((3, 4)).astype("float32")
    with pytest.raises(Exception, match="_Scale"):
        keras.models.load_model(path)
    with keras.saving.custom_object_scope({"_Scale": _Scale, "_square": _square}):
        loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(Exception, match="_Scale"):
        keras.models.load_model(path)


def test_get_custom_objects_is_the_live_registry(tmp_path):
    registry = keras.saving.get_custom_objects()
    assert registry is keras.saving.get_custom_objects()

    @keras.saving.register_keras_serializable(package="RegistryTest")
    class Registered(_Scale):
        pass

    assert registry["RegistryTest>Registered"] is Registered
    path = str(tmp_path / "m.keras")
    model = _saved_model(path)
    registry["_Scale"], registry["_square"] = _Scale, _square  # added by hand, as Keras allows
    try:
        loaded = keras.models.load_model(path)
        x = np.ones((2, 4), "float32")
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    finally:
        for key in ("_Scale", "_square", "RegistryTest>Registered"):
            registry.pop(key, None)
