"""Follows keras-io examples/vision/mnist_convnet.py: scale images to [0, 1], add the channel
axis with np.expand_dims, one-hot labels with keras.utils.to_categorical, a Sequential
convnet with Dropout, categorical crossentropy with accuracy, validation_split, and
evaluate returning [loss, accuracy]."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None


def main():
    num_classes = 10
    input_shape = (14, 14, 1)
    rng = np.random.default_rng(18)
    x_train = rng.integers(0, 256, size=(96, 14, 14)).astype("uint8")
    y_train = rng.integers(0, num_classes, size=(96,))
    x_train = x_train.astype("float32") / 255
    x_train = np.expand_dims(x_train, -1)
    y_train = keras.utils.to_categorical(y_train, num_classes)
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=2, validation_split=0.1, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    score = model.evaluate(x_train, y_train, verbose=0)
    assert len(score) == 2 and 0.0 <= score[1] <= 1.0
