"""Follows keras-io examples/keras_recipes/antirectifier.py: a custom layer with a build()
creating its kernel, a call() centering the inputs and concatenating their positive and
negative parts, get_config for serialization, used in a Sequential classifier."""

import numpy as np

import lamina as keras
from lamina import layers, ops

MISSING = None


class Antirectifier(layers.Layer):
    def __init__(self, initializer="he_normal", **kwargs):
        super().__init__(**kwargs)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        output_dim = input_shape[-1]
        self.kernel = self.add_weight(shape=(output_dim * 2, output_dim), initializer=self.initializer,
                                      name="kernel", trainable=True)

    def call(self, inputs):
        inputs -= ops.mean(inputs, axis=-1, keepdims=True)
        pos = ops.relu(inputs)
        neg = ops.relu(-inputs)
        concatenated = ops.concatenate([pos, neg], axis=-1)
        return ops.matmul(concatenated, self.kernel)

    def get_config(self):
        base_config = super().get_config()
        config = {"initializer": keras.initializers.serialize(self.initializer)}
        return dict(list(base_config.items()) + list(config.items()))


def main():
    rng = np.random.default_rng(24)
    x_train = rng.random((96, 20)).astype("float32")
    y_train = rng.integers(10, size=(96,))
    model = keras.Sequential([
        keras.Input(shape=(20,)),
        layers.Dense(16),
        Antirectifier(),
        layers.Dense(16),
        Antirectifier(),
        layers.Dropout(0.5),
        layers.Dense(10),
    ])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.RMSprop(), metrics=[keras.metrics.SparseCategoricalAccuracy()])
    history = model.fit(x_train, y_train, batch_size=32, epochs=2, validation_split=0.15, verbose=0)
    assert len(history.history["val_loss"]) == 2
    config = model.layers[1].get_config()
    clone = Antirectifier.from_config(config)
    assert isinstance(clone.initializer, type(model.layers[1].initializer))
