"""A small convolutional network on the bundled 8x8 handwritten digits, written as in Keras:
Conv2D / MaxPooling2D / Flatten / Dense, trained with `fit`."""

import numpy as np

import lamina as keras
from lamina import layers
from lamina.datasets import digits

# The images are 8x8 grey levels 0..16: add a channel axis and scale to [0, 1].
(x_train, y_train), (x_test, y_test) = digits.load_data()
x_train = (x_train.reshape(-1, 8, 8, 1) / 16.0).astype(np.float32)
x_test = (x_test.reshape(-1, 8, 8, 1) / 16.0).astype(np.float32)

model = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    layers.Conv2D(16, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dense(64, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
model.summary()

model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=15, validation_split=0.1, verbose=2)

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {accuracy:.4f} (loss {loss:.4f}) on {len(y_test)} images")
