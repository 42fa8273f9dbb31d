"""Follows keras-io guides/training_with_built_in_methods.py, "Using sample weighting and
class weighting", "Passing data to multi-input, multi-output models" and "Training & evaluation
using tf.data Datasets": class_weight, sample_weight (also inside a Dataset), a two-input
two-output model with per-output losses, metrics and loss_weights, and Dataset input."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None


def get_compiled_model():
    inputs = keras.Input(shape=(20,), name="digits")
    x = layers.Dense(16, activation="relu")(inputs)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
    return model


def main():
    rng = np.random.default_rng(10)
    x_train = rng.random((160, 20)).astype("float32")
    y_train = rng.integers(10, size=(160,))

    class_weight = {i: 1.0 for i in range(10)}
    class_weight[5] = 2.0
    model = get_compiled_model()
    model.fit(x_train, y_train, class_weight=class_weight, batch_size=32, epochs=1, verbose=0)

    sample_weight = np.ones(shape=(len(y_train),))
    sample_weight[y_train == 5] = 2.0
    model = get_compiled_model()
    model.fit(x_train, y_train, sample_weight=sample_weight, batch_size=32, epochs=1, verbose=0)

    train_dataset = keras.data.Dataset.from_tensor_slices((x_train, y_train, sample_weight))
    train_dataset = train_dataset.shuffle(buffer_size=64).batch(32)
    model = get_compiled_model()
    history = model.fit(train_dataset, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2

    val_dataset = keras.data.Dataset.from_tensor_slices((x_train[:40], y_train[:40])).batch(16)
    model = get_compiled_model()
    model.fit(keras.data.Dataset.from_tensor_slices((x_train, y_train)).batch(32), epochs=1,
              validation_data=val_dataset, validation_steps=2, verbose=0)
    loss, acc = model.evaluate(val_dataset, verbose=0)
    assert 0.0 <= acc <= 1.0

    image_input = keras.Input(shape=(8, 8, 3), name="img_input")
    timeseries_input = keras.Input(shape=(None, 4), name="ts_input")
    x1 = layers.GlobalMaxPooling2D()(layers.Conv2D(3, 3)(image_input))
    x2 = layers.GlobalMaxPooling1D()(layers.Conv1D(3, 3)(timeseries_input))
    x = layers.concatenate([x1, x2])
    score_output = layers.Dense(1, name="score_output")(x)
    class_output = layers.Dense(5, name="class_output")(x)
    model = keras.Model(inputs=[image_input, timeseries_input], outputs=[score_output, class_output])
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={"score_output": keras.losses.MeanSquaredError(),
              "class_output": keras.losses.CategoricalCrossentropy(from_logits=True)},
        metrics={"score_output": [keras.metrics.MeanAbsoluteError()],
                 "class_output": [keras.metrics.CategoricalAccuracy()]},
        loss_weights={"score_output": 2.0, "class_output": 1.0},
    )
    img_data = rng.random((32, 8, 8, 3)).astype("float32")
    ts_data = rng.random((32, 10, 4)).astype("float32")
    score_targets = rng.random((32, 1)).astype("float32")
    class_targets = rng.random((32, 5)).astype("float32")
    model.fit([img_data, ts_data], [score_targets, class_targets], batch_size=16, epochs=1, verbose=0)
    dataset = keras.data.Dataset.from_tensor_slices(
        ({"img_input": img_data, "ts_input": ts_data}, {"score_output": score_targets, "class_output": class_targets}))
    history = model.fit(dataset.shuffle(32).batch(8), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
