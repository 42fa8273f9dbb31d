"""Follows keras-io guides/custom_train_step_in_tensorflow.py, "Going lower-level": compile()
only configures the optimizer; the model keeps its own loss tracker and MAE metric, lists them
in a `metrics` property so fit() resets them each epoch, and computes its own loss."""

import numpy as np

import lamina as keras

MISSING = None


class CustomModel(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
        trainable_vars = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, trainable_vars), trainable_vars)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]


def main():
    rng = np.random.default_rng(1)
    inputs = keras.Input(shape=(16,))
    model = CustomModel(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="adam")
    x = rng.random((200, 16))
    y = x.sum(axis=1, keepdims=True) / 16
    history = model.fit(x, y, epochs=4, batch_size=20, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    # Each epoch's value is that epoch's mean: the trackers were reset between epochs.
    assert model.loss_tracker.count == 10
