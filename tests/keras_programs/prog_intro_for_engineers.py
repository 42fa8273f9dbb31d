"""Follows keras-io guides/intro_to_keras_for_engineers.py: the same convnet written as a
Sequential, a functional and a subclassed model; compiled with a SparseCategoricalCrossentropy
loss and accuracy metric, trained with fit() and callbacks (ModelCheckpoint, EarlyStopping),
evaluated, saved and reloaded; a custom layer built from keras.ops."""

import os
import tempfile

import numpy as np

import lamina as keras
from lamina import layers, ops

MISSING = None


class MyDense(layers.Layer):
    def __init__(self, units, activation=None, name=None):
        super().__init__(name=name)
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer=keras.initializers.GlorotNormal(),
                                 name="kernel", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer=keras.initializers.Zeros(), name="bias",
                                 trainable=True)

    def call(self, inputs):
        return self.activation(ops.matmul(inputs, self.w) + self.b)


class MyModel(keras.Model):
    def __init__(self, num_classes):
        super().__init__()
        self.conv_base = keras.Sequential([layers.Conv2D(4, 3, activation="relu"), layers.GlobalAveragePooling2D()])
        self.dp = layers.Dropout(0.5)
        self.top = MyDense(num_classes, activation="softmax")

    def call(self, x):
        return self.top(self.dp(self.conv_base(x)))


def main():
    num_classes, input_shape = 10, (10, 10, 1)
    rng = np.random.default_rng(32)
    x_train = rng.random((64, 10, 10, 1)).astype("float32")
    y_train = rng.integers(num_classes, size=(64,))
    sequential = keras.Sequential([keras.layers.Input(shape=input_shape), layers.Conv2D(4, 3, activation="relu"),
                                   layers.GlobalAveragePooling2D(), layers.Dropout(0.5),
                                   layers.Dense(num_classes, activation="softmax")])
    inputs = keras.layers.Input(shape=input_shape)
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(4, 3, activation="relu")(inputs))
    functional = keras.Model(inputs, MyDense(num_classes, activation="softmax")(layers.Dropout(0.5)(x)))
    for model in (sequential, functional, MyModel(num_classes)):
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(),
                      optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                      metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")])
        with tempfile.TemporaryDirectory() as tmp:
            callbacks = [keras.callbacks.ModelCheckpoint(filepath=os.path.join(tmp, "model_at_epoch_{epoch}.keras")),
                         keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)]
            model.fit(x_train, y_train, batch_size=16, epochs=2, validation_split=0.25, callbacks=callbacks, verbose=0)
            assert sorted(os.listdir(tmp)) == ["model_at_epoch_1.keras", "model_at_epoch_2.keras"]
        score = model.evaluate(x_train, y_train, verbose=0)
        assert len(score) == 2
        assert model.predict(x_train[:3], verbose=0).shape == (3, num_classes)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "final_model.keras")
        sequential.save(path)
        reloaded = keras.saving.load_model(path)
        np.testing.assert_allclose(reloaded.predict(x_train[:4], verbose=0), sequential.predict(x_train[:4], verbose=0),
                                   rtol=1e-6)
