"""Follows keras-io examples/timeseries/timeseries_classification_from_scratch.py: univariate
series reshaped to (samples, timesteps, 1), a fully convolutional network of Conv1D,
BatchNormalization and ReLU layers with GlobalAveragePooling1D, ModelCheckpoint saving the
best model, ReduceLROnPlateau and EarlyStopping, then load_model of the checkpoint."""

import os
import tempfile

import numpy as np

import lamina as keras

MISSING = "the ReLU layer (keras.layers.ReLU)"


def make_model(input_shape, num_classes):
    input_layer = keras.layers.Input(input_shape)
    x = input_layer
    for _ in range(3):
        x = keras.layers.Conv1D(filters=8, kernel_size=3, padding="same")(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
    gap = keras.layers.GlobalAveragePooling1D()(x)
    output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)
    return keras.models.Model(inputs=input_layer, outputs=output_layer)


def main():
    rng = np.random.default_rng(19)
    x_train = rng.normal(size=(64, 50))
    y_train = (x_train[:, :25].mean(axis=1) > 0).astype("int64")
    x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
    model = make_model(input_shape=x_train.shape[1:], num_classes=2)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "best_model.keras")
        callbacks = [
            keras.callbacks.ModelCheckpoint(path, save_best_only=True, monitor="val_loss"),
            keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=0.0001),
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, verbose=0),
        ]
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
        history = model.fit(x_train, y_train, batch_size=16, epochs=3, callbacks=callbacks, validation_split=0.2,
                            verbose=0)
        assert "val_sparse_categorical_accuracy" in history.history
        best = keras.models.load_model(path)
        loss, acc = best.evaluate(x_train, y_train, verbose=0)
        assert 0.0 <= acc <= 1.0
