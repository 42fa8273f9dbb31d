"""Follows keras-io guides/training_with_built_in_methods.py, "Custom losses" and "Passing data
to multi-input, multi-output models": labels kept as float32 and one-hot encoded with
ops.one_hot for a custom MSE loss; then an image + timeseries model with a score and a class
output, compiled with per-output losses, per-output metric lists (MeanAbsolutePercentageError,
MeanAbsoluteError, CategoricalAccuracy) and loss_weights, fit on lists and on dicts."""

import numpy as np

import lamina as keras
from lamina import layers, ops

MISSING = None


def custom_mean_squared_error(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


def _float_labels_one_hot(rng):
    x_train = rng.random((96, 20)).astype("float32")
    y_train = x_train[:, :4].argmax(axis=1).astype("float32")
    inputs = keras.Input(shape=(20,), name="digits")
    outputs = layers.Dense(4, activation="softmax", name="predictions")(layers.Dense(16, activation="relu")(inputs))
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=custom_mean_squared_error)
    y_train_one_hot = ops.one_hot(y_train, num_classes=4)
    np.testing.assert_array_equal(np.asarray(y_train_one_hot).argmax(axis=1), y_train)
    history = model.fit(x_train, y_train_one_hot, batch_size=32, epochs=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def _multi_output(rng):
    image_input = keras.Input(shape=(12, 12, 3), name="img_input")
    timeseries_input = keras.Input(shape=(None, 5), name="ts_input")
    x1 = layers.GlobalMaxPooling2D()(layers.Conv2D(3, 3)(image_input))
    x2 = layers.GlobalMaxPooling1D()(layers.Conv1D(3, 3)(timeseries_input))
    x = layers.concatenate([x1, x2])
    score_output = layers.Dense(1, name="score_output")(x)
    class_output = layers.Dense(5, name="class_output")(x)
    model = keras.Model(inputs=[image_input, timeseries_input], outputs=[score_output, class_output])
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={"score_output": keras.losses.MeanSquaredError(), "class_output": keras.losses.CategoricalCrossentropy()},
        metrics={"score_output": [keras.metrics.MeanAbsolutePercentageError(), keras.metrics.MeanAbsoluteError()],
                 "class_output": [keras.metrics.CategoricalAccuracy()]},
        loss_weights={"score_output": 2.0, "class_output": 1.0},
    )
    img_data = rng.random((40, 12, 12, 3))
    ts_data = rng.random((40, 8, 5))
    score_targets = rng.random((40, 1)) + 0.5
    class_targets = rng.random((40, 5))
    history = model.fit([img_data, ts_data], [score_targets, class_targets], batch_size=16, epochs=1, verbose=0)
    # The keys Keras 3.15 logs for this compile (checked with real Keras on the guide's model).
    assert set(history.history) == {"loss", "score_output_loss", "class_output_loss",
                                    "score_output_mean_absolute_percentage_error",
                                    "score_output_mean_absolute_error", "class_output_categorical_accuracy"}
    score = model.predict([img_data, ts_data], verbose=0)[0]
    mape = 100 * np.mean(np.abs(score - score_targets) / np.abs(score_targets))
    logs = model.evaluate([img_data, ts_data], [score_targets, class_targets], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["score_output_mean_absolute_percentage_error"], mape, rtol=1e-4)
    model.fit({"img_input": img_data, "ts_input": ts_data},
              {"score_output": score_targets, "class_output": class_targets}, batch_size=16, epochs=1, verbose=0)


def main():
    rng = np.random.default_rng(32)
    _float_labels_one_hot(rng)
    _multi_output(rng)
