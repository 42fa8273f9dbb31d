"""Follows keras-io guides/functional_api.py, "Mix-and-match API styles": a subclassed layer
that unrolls a recurrence over the time axis with two Dense projections and hands the stacked
features to a functional model, used eagerly and inside a functional model with a fixed
batch_shape; plus a functional model built on a custom layer with get_config, rebuilt with
Model.from_config and custom_objects."""

import numpy as np

import lamina as keras
from lamina import layers, ops

MISSING = None
UNITS, TIMESTEPS, INPUT_DIM, BATCH = 8, 5, 3, 4


def make_classifier():
    inputs = keras.Input((TIMESTEPS, UNITS))
    outputs = layers.Dense(1)(layers.GlobalAveragePooling1D()(inputs))
    return keras.Model(inputs, outputs)


class CustomRNN(layers.Layer):
    def __init__(self, classifier):
        super().__init__()
        self.units = UNITS
        self.projection_1 = layers.Dense(units=UNITS, activation="tanh")
        self.projection_2 = layers.Dense(units=UNITS, activation="tanh")
        self.classifier = classifier

    def call(self, inputs):
        outputs = []
        state = ops.zeros(shape=(inputs.shape[0], self.units))
        for t in range(inputs.shape[1]):
            x = inputs[:, t, :]
            h = self.projection_1(x)
            y = h + self.projection_2(state)
            state = y
            outputs.append(y)
        features = ops.stack(outputs, axis=1)
        return self.classifier(features)


class CustomDense(layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def main():
    rnn = CustomRNN(make_classifier())
    assert tuple(rnn(ops.zeros((1, TIMESTEPS, INPUT_DIM))).shape) == (1, 1)
    inputs = keras.Input(batch_shape=(BATCH, TIMESTEPS, INPUT_DIM))
    x = layers.Conv1D(UNITS, 3, padding="same")(inputs)
    model = keras.Model(inputs, CustomRNN(make_classifier())(x))
    data = np.random.default_rng(33).random((BATCH, TIMESTEPS, INPUT_DIM)).astype("float32")
    assert model.predict(data, verbose=0).shape == (BATCH, 1)
    model.compile("adam", "mse")
    model.fit(data, np.zeros((BATCH, 1), "float32"), batch_size=BATCH, verbose=0)

    inputs = keras.Input((4,))
    model = keras.Model(inputs, CustomDense(10)(inputs))
    new_model = keras.Model.from_config(model.get_config(), custom_objects={"CustomDense": CustomDense})
    assert [type(l).__name__ for l in new_model.layers] == ["InputLayer", "CustomDense"]
    assert new_model.output_shape == (None, 10)
