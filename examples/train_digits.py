"""lamina's main job: a Keras-style MLP trained end to end on the bundled handwritten digits.

The same script runs under Keras after `import keras as lamina` (with keras.datasets swapped
for the digits loader), which is the point: the API is Keras', the engine is lamina's.
"""

import time

import numpy as np

import lamina as keras
from lamina import layers
from lamina.datasets import digits


def main() -> None:
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16.0
    x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16.0

    model = keras.Sequential([
        keras.Input(shape=(64,)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()

    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=32, epochs=40, validation_split=0.1, verbose=2)
    elapsed = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    predicted = np.argmax(model.predict(x_test, verbose=0), axis=1)
    assert np.isclose(np.mean(predicted == y_test), accuracy)
    print(f"\ndigits MLP: test accuracy {accuracy:.4f} (loss {loss:.4f}) on {len(y_test)} images; "
          f"{len(history.epoch)} epochs of {len(x_train)} images in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
