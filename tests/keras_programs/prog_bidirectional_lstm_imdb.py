"""Follows keras-io examples/nlp/bidirectional_lstm_imdb.py: integer token sequences padded to
a fixed length, Embedding into two stacked Bidirectional LSTMs, a sigmoid output trained with
binary crossentropy and accuracy, validation_data."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None


def main():
    max_features, maxlen = 200, 20
    rng = np.random.default_rng(20)
    x_train = rng.integers(1, max_features, size=(64, maxlen))
    y_train = (x_train[:, :3].mean(axis=1) > max_features / 2).astype("float32")
    x_val, y_val = x_train[:16], y_train[:16]
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(max_features, 16)(inputs)
    x = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(8))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=16, epochs=2, validation_data=(x_val, y_val), verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert model.predict(x_val, verbose=0).shape == (16, 1)
