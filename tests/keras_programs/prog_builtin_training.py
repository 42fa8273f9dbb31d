"""Follows keras-io guides/training_with_built_in_methods.py, "API overview" and "Custom
losses"/"Custom metrics": fit with validation_data, evaluate and predict; a loss function and
a Loss subclass; a custom Metric (CategoricalTruePositives) keeping a variable made with
add_variable; an add_loss layer; EarlyStopping."""

import numpy as np

import lamina as keras
from lamina import layers, ops

MISSING = None


def custom_mean_squared_error(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


class CustomMSE(keras.losses.Loss):
    def __init__(self, regularization_factor=0.1, name="custom_mse"):
        super().__init__(name=name)
        self.regularization_factor = regularization_factor

    def call(self, y_true, y_pred):
        mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
        reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
        return mse + reg * self.regularization_factor


class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            values = ops.multiply(values, ops.cast(sample_weight, "float32"))
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


class ActivityRegularizationLayer(layers.Layer):
    def call(self, inputs):
        self.add_loss(ops.sum(inputs) * 0.1)
        return inputs


def get_uncompiled_model():
    inputs = keras.Input(shape=(20,), name="digits")
    x = layers.Dense(16, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(16, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def main():
    rng = np.random.default_rng(9)
    x_train = rng.random((200, 20)).astype("float32")
    y_train = rng.integers(10, size=(200,))
    x_val, y_val = x_train[-40:], y_train[-40:]
    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.RMSprop(), loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    history = model.fit(x_train, y_train, batch_size=32, epochs=2, validation_data=(x_val, y_val), verbose=0)
    assert set(history.history) == {"loss", "sparse_categorical_accuracy", "val_loss", "val_sparse_categorical_accuracy"}
    results = model.evaluate(x_val, y_val, batch_size=16, verbose=0)
    assert len(results) == 2
    assert model.predict(x_val[:3], verbose=0).shape == (3, 10)

    y_onehot = keras.utils.to_categorical(y_train, 10)
    for loss in (custom_mean_squared_error, CustomMSE()):
        model = get_uncompiled_model()
        model.compile(optimizer=keras.optimizers.Adam(), loss=loss)
        model.fit(x_train, y_onehot, batch_size=64, epochs=1, verbose=0)

    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(), metrics=[CategoricalTruePositives()])
    # Labels as a column: the metric compares them with a column of predicted classes.
    history = model.fit(x_train, y_train[:, None], batch_size=64, epochs=2, verbose=0)
    tp = history.history["categorical_true_positives"]
    assert all(0 <= v <= 200 and float(v).is_integer() for v in tp), tp

    inputs = keras.Input(shape=(20,), name="digits")
    x = ActivityRegularizationLayer()(layers.Dense(16, activation="relu")(inputs))
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
    model.compile(optimizer="rmsprop", loss=keras.losses.SparseCategoricalCrossentropy())
    model.fit(x_train, y_train, batch_size=64, epochs=1, verbose=0)

    model = get_uncompiled_model()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=10.0, patience=1)
    history = model.fit(x_train, y_train, epochs=10, batch_size=64, validation_split=0.2, callbacks=[stop], verbose=0)
    assert len(history.history["loss"]) == 2  # no epoch improves by 10: stopped after patience
