"""Follows keras-io guides/serialization_and_saving.py, "Custom objects" and "Defining the config
methods": a registered custom layer and activation function saved in a `.keras` file and loaded
back three ways (the global registry from keras.saving.get_custom_objects(), custom_objects=,
and keras.saving.custom_object_scope); then a registered layer whose config holds another
such layer, round-tripped through keras.layers.serialize / deserialize."""

import os
import tempfile

import numpy as np

import lamina as keras
from lamina import ops

MISSING = None


class CustomLayer(keras.layers.Layer):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def custom_fn(x):
    return x**2


class MyDense(keras.layers.Layer):
    def __init__(self, units, *, kernel_initializer=None, nested_model=None, **kwargs):
        super().__init__(**kwargs)
        self.hidden_units = units
        self.kernel_initializer = kernel_initializer
        self.nested_model = nested_model

    def get_config(self):
        return {**super().get_config(), "units": self.hidden_units, "kernel_initializer": self.kernel_initializer,
                "nested_model": self.nested_model}

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.hidden_units),
                                      initializer=self.kernel_initializer)

    def call(self, inputs):
        return ops.matmul(inputs, self.kernel)


def _get_model():
    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(1, activation=custom_fn)(CustomLayer(0.5)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="mean_squared_error")
    return model


def _load_three_ways(tmp):
    rng = np.random.default_rng(33)
    model = _get_model()
    model.fit(rng.random((8, 4)), rng.random((8, 1)), verbose=0)
    path = os.path.join(tmp, "custom_model.keras")
    model.save(path)
    test_input = rng.random((4, 4))
    want = model.predict(test_input, verbose=0)
    registry = keras.saving.get_custom_objects()
    registry.update({"CustomLayer": CustomLayer, "custom_fn": custom_fn})
    try:
        np.testing.assert_allclose(keras.models.load_model(path).predict(test_input, verbose=0), want, rtol=1e-6)
    finally:
        registry.pop("CustomLayer"), registry.pop("custom_fn")
    custom_objects = {"CustomLayer": CustomLayer, "custom_fn": custom_fn}
    loaded = keras.models.load_model(path, custom_objects=custom_objects)
    np.testing.assert_allclose(loaded.predict(test_input, verbose=0), want, rtol=1e-6)
    with keras.saving.custom_object_scope(custom_objects):
        loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(test_input, verbose=0), want, rtol=1e-6)


def _layers_serialize():
    registered = keras.saving.register_keras_serializable(package="MyLayers", name="KernelMult")(MyDense)
    try:
        layer = registered(units=16, kernel_initializer="ones")
        config = keras.layers.serialize(registered(units=64, nested_model=layer))
        assert config["registered_name"] == "MyLayers>KernelMult"
        new_layer = keras.layers.deserialize(config)
        inner = keras.layers.deserialize(new_layer.nested_model)
        np.testing.assert_array_equal(np.asarray(inner(np.ones((1, 3), "float32"))), np.full((1, 16), 3.0))
    finally:
        keras.saving.get_custom_objects().pop("MyLayers>KernelMult", None)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        _load_three_ways(tmp)
    _layers_serialize()
