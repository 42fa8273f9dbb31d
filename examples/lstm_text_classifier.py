"""An LSTM text classifier, Keras-style: Embedding(mask_zero=True) -> LSTM -> Dense.

The task is generated here (no download): sequences of word ids of varying length, padded
with 0, labelled by whether the "positive" words outnumber the "negative" ones, so the model
has to read the whole sequence.
"""

import numpy as np

import lamina as keras
from lamina import layers

VOCAB, MAXLEN = 50, 20


def make_data(n, rng):
    lengths = rng.integers(5, MAXLEN + 1, n)
    x = np.zeros((n, MAXLEN), dtype="int32")
    for i, length in enumerate(lengths):
        x[i, :length] = rng.integers(1, VOCAB, length)
    positive = ((x >= 1) & (x < 10)).sum(1)
    negative = ((x >= 10) & (x < 19)).sum(1)
    y = (positive > negative).astype("int32")
    return x, y


def main() -> None:
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    x_train, y_train = make_data(4000, rng)
    x_test, y_test = make_data(1000, rng)

    model = keras.Sequential([
        keras.Input(shape=(MAXLEN,), dtype="int32"),
        layers.Embedding(VOCAB, 16, mask_zero=True),
        layers.LSTM(32),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.005), loss="binary_crossentropy", metrics=["accuracy"])
    model.summary()
    model.fit(x_train, y_train, batch_size=64, epochs=8, validation_split=0.1, verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"LSTM text classifier: test accuracy {accuracy:.4f} (majority class {max(y_test.mean(), 1 - y_test.mean()):.4f})")


if __name__ == "__main__":
    main()
