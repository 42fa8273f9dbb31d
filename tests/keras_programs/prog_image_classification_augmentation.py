"""Follows keras-io examples/vision/image_classification_from_scratch.py: a data_augmentation
Sequential of RandomFlip and RandomRotation applied inside the model, Rescaling to [0, 1],
then separable convolutions with residual connections, trained for binary classification."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None


def make_model(input_shape, data_augmentation):
    inputs = keras.Input(shape=input_shape)
    x = data_augmentation(inputs)
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(8, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    previous_block_activation = x
    for size in (8, 16):
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(1, activation=None)(layers.Dropout(0.25)(x))
    return keras.Model(inputs, outputs)


def main():
    data_augmentation = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)])
    model = make_model((16, 16, 3), data_augmentation)
    rng = np.random.default_rng(30)
    images = rng.integers(0, 256, size=(32, 16, 16, 3)).astype("float32")
    labels = rng.integers(0, 2, size=(32, 1)).astype("float32")
    model.compile(optimizer=keras.optimizers.Adam(3e-4), loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(name="acc")])
    history = model.fit(images, labels, epochs=1, batch_size=16, verbose=0)
    assert "acc" in history.history
