"""Follows keras-io examples/vision/autoencoder.py: a convolutional denoising autoencoder
(Conv2D + MaxPooling2D encoder, strided Conv2DTranspose decoder) trained on noisy inputs
against clean targets, with shuffle and validation_data."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None


def noise(array, rng):
    noisy_array = array + 0.4 * rng.normal(loc=0.0, scale=1.0, size=array.shape)
    return np.clip(noisy_array, 0.0, 1.0)


def main():
    rng = np.random.default_rng(23)
    train_data = rng.random((48, 16, 16, 1)).astype("float32")
    noisy_train_data = noise(train_data, rng)
    inputs = layers.Input(shape=(16, 16, 1))
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(inputs)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(8, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2DTranspose(8, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
    autoencoder = keras.Model(inputs, x)
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    history = autoencoder.fit(x=noisy_train_data, y=train_data, epochs=3, batch_size=16, shuffle=True,
                              validation_data=(noisy_train_data[:16], train_data[:16]), verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert autoencoder.predict(noisy_train_data[:2], verbose=0).shape == (2, 16, 16, 1)
