"""Follows keras-io examples/timeseries/timeseries_anomaly_detection.py: overlapping windows of
a normalized series, a Conv1D / Conv1DTranspose reconstruction autoencoder trained with
validation_split and EarlyStopping(restore_best_weights=True), and a threshold on the
reconstruction error (the largest training MAE) flagging anomalous windows."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None
TIME_STEPS = 16


def create_sequences(values, time_steps=TIME_STEPS):
    return np.stack([values[i: i + time_steps] for i in range(len(values) - time_steps + 1)])


def main():
    t = np.arange(400, dtype="float32")
    series = np.sin(t / 8.0)[:, None]
    mean, std = series.mean(), series.std()
    x_train = create_sequences((series - mean) / std)
    model = keras.Sequential([
        layers.Input(shape=(x_train.shape[1], x_train.shape[2])),
        layers.Conv1D(filters=8, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.Dropout(rate=0.2),
        layers.Conv1D(filters=4, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.Conv1DTranspose(filters=4, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.Dropout(rate=0.2),
        layers.Conv1DTranspose(filters=8, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss="mse")
    history = model.fit(x_train, x_train, epochs=6, batch_size=64, validation_split=0.1, verbose=0,
                        callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, mode="min",
                                                                 restore_best_weights=True)])
    assert history.history["loss"][-1] < history.history["loss"][0]
    x_train_pred = model.predict(x_train, verbose=0)
    train_mae_loss = np.mean(np.abs(x_train_pred - x_train), axis=1)
    threshold = np.max(train_mae_loss)
    x_test = x_train.copy()
    x_test[5, 3:6] += 20.0  # a spike
    test_mae_loss = np.mean(np.abs(model.predict(x_test, verbose=0) - x_test), axis=1).reshape((-1))
    anomalies = test_mae_loss > threshold
    assert anomalies[5] and anomalies.sum() >= 1
