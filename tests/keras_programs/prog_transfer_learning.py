"""Follows keras-io guides/transfer_learning.py: trainable and non-trainable weights of Dense
and BatchNormalization, setting layer.trainable = False moving weights to
non_trainable_weights and keeping them fixed through fit, recursive freezing of a nested
model, a frozen base called with training=False inside a new model, then fine-tuning after
unfreezing with a recompile at a low learning rate."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None


def main():
    layer = layers.Dense(3)
    layer.build((None, 4))
    assert len(layer.weights) == 2 and len(layer.trainable_weights) == 2 and not layer.non_trainable_weights
    bn = layers.BatchNormalization()
    bn.build((None, 4))
    assert len(bn.weights) == 4 and len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2
    layer.trainable = False
    assert not layer.trainable_weights and len(layer.non_trainable_weights) == 2

    layer1 = layers.Dense(3, activation="relu")
    layer2 = layers.Dense(3, activation="sigmoid")
    model = keras.Sequential([keras.Input(shape=(3,)), layer1, layer2])
    layer1.trainable = False
    initial_layer1_weights_values = layer1.get_weights()
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.random((2, 3)), np.random.random((2, 3)), verbose=0)
    for a, b in zip(initial_layer1_weights_values, layer1.get_weights()):
        np.testing.assert_array_equal(a, b)

    inner_model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(3, activation="relu"),
                                    layers.Dense(3, activation="relu")])
    model = keras.Sequential([keras.Input(shape=(3,)), inner_model, layers.Dense(3, activation="sigmoid")])
    model.trainable = False
    assert not inner_model.trainable and all(not l.trainable for l in inner_model.layers)

    base_model = keras.Sequential([keras.Input(shape=(8, 8, 3)), layers.Conv2D(4, 3, activation="relu"),
                                   layers.BatchNormalization(), layers.GlobalAveragePooling2D()], name="base")
    base_model.trainable = False
    inputs = keras.Input(shape=(8, 8, 3))
    x = base_model(inputs, training=False)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    assert len(model.trainable_weights) == 2
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy()])
    rng = np.random.default_rng(16)
    images = rng.random((32, 8, 8, 3)).astype("float32")
    labels = rng.integers(2, size=(32, 1)).astype("float32")
    bn = base_model.layers[1]
    frozen_stats = [np.array(bn.moving_mean), np.array(bn.moving_variance)]
    model.fit(images, labels, epochs=1, batch_size=16, verbose=0)
    for a, b in zip(frozen_stats, [bn.moving_mean, bn.moving_variance]):
        np.testing.assert_array_equal(a, np.array(b))  # inference mode: statistics unchanged

    base_model.trainable = True
    model.compile(optimizer=keras.optimizers.Adam(1e-5), loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy()])
    assert len(model.trainable_weights) == 2 + 4
    kernel = np.array(base_model.layers[0].kernel)
    model.fit(images, labels, epochs=1, batch_size=16, verbose=0)
    assert not np.array_equal(kernel, np.array(base_model.layers[0].kernel))
    for a, b in zip(frozen_stats, [bn.moving_mean, bn.moving_variance]):
        np.testing.assert_array_equal(a, np.array(b))  # still called with training=False
