"""Follows keras-io examples/timeseries/timeseries_weather_forecasting.py: standardized
multivariate series windowed by keras.utils.timeseries_dataset_from_array (sequence_length,
sampling_rate, batch_size), an LSTM regressor with an EarlyStopping and a ModelCheckpoint
callback, trained on the windows dataset."""

import os
import tempfile

import numpy as np

import lamina as keras

MISSING = None


def main():
    rng = np.random.default_rng(31)
    features = rng.normal(size=(400, 5)).astype("float32")
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    past, future, step = 24, 6, 2
    x_train = features[: -past - future]
    y_train = features[past + future:, :1]
    dataset_train = keras.utils.timeseries_dataset_from_array(
        x_train, y_train, sequence_length=past // step, sampling_rate=step, batch_size=32)
    for batch in dataset_train.take(1):
        inputs, targets = batch
    assert inputs.numpy().shape == (32, past // step, 5)
    inp = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
    outputs = keras.layers.Dense(1)(keras.layers.LSTM(8)(inp))
    model = keras.Model(inputs=inp, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = keras.callbacks.ModelCheckpoint(monitor="loss", filepath=os.path.join(tmp, "model.weights.h5"),
                                                     save_weights_only=True, save_best_only=True)
        stop = keras.callbacks.EarlyStopping(monitor="loss", min_delta=0, patience=3)
        history = model.fit(dataset_train, epochs=2, callbacks=[stop, checkpoint], verbose=0)
    assert len(history.history["loss"]) == 2
