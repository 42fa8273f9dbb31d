"""Follows keras-io guides/serialization_and_saving.py: model.save / keras.models.load_model
of a .keras file with a registered custom layer and a custom function, custom_objects,
get_config/from_config and to_json/model_from_json round trips, and save_weights /
load_weights into a fresh model."""

import os
import tempfile

import numpy as np

import lamina as keras
from lamina import layers, ops

MISSING = None


@keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
def custom_fn(x):
    return x ** 2


@keras.saving.register_keras_serializable(package="MyLayers")
class CustomLayer(keras.layers.Layer):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class UnregisteredScale(keras.layers.Layer):
    def __init__(self, scale=2.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, x):
        return ops.multiply(x, self.scale)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def get_model():
    inputs = keras.Input(shape=(4,))
    x = CustomLayer(0.5, name="custom")(inputs)
    x = layers.Dense(3, activation=custom_fn)(x)
    outputs = UnregisteredScale(3.0)(layers.Dense(2)(x))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mean_squared_error")
    return model


def main():
    rng = np.random.default_rng(17)
    x, y = rng.random((16, 4)).astype("float32"), rng.random((16, 2)).astype("float32")
    model = get_model()
    model.fit(x, y, verbose=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "custom_model.keras")
        model.save(path)
        reconstructed = keras.models.load_model(path, custom_objects={"UnregisteredScale": UnregisteredScale})
        np.testing.assert_allclose(model.predict(x, verbose=0), reconstructed.predict(x, verbose=0), rtol=1e-6)
        reconstructed.fit(x, y, verbose=0)  # compiled from the file

        weights_path = os.path.join(tmp, "model.weights.h5")
        model.save_weights(weights_path)
        fresh = get_model()
        fresh.load_weights(weights_path)
        np.testing.assert_allclose(model.predict(x, verbose=0), fresh.predict(x, verbose=0), rtol=1e-6)

    config = model.get_config()
    new_model = keras.Model.from_config(config, custom_objects={"UnregisteredScale": UnregisteredScale})
    new_model.set_weights(model.get_weights())
    np.testing.assert_allclose(model.predict(x, verbose=0), new_model.predict(x, verbose=0), rtol=1e-6)

    seq = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="d")])
    json_config = seq.to_json()
    same = keras.models.model_from_json(json_config)
    assert [l.name for l in same.layers] == ["d"] and same.output_shape == (None, 2)
    assert keras.saving.get_registered_name(CustomLayer) == "MyLayers>CustomLayer"
