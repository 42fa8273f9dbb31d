"""Follows keras-io guides/custom_train_step_in_tensorflow.py, "A first simple example":
a functional-built Model subclass whose train_step unpacks `x, y = data`, uses
`self.compute_loss`, `self.optimizer.apply` and updates every metric in `self.metrics`."""

import numpy as np

import lamina as keras

MISSING = None


class CustomModel(keras.Model):
    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def main():
    rng = np.random.default_rng(0)
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = rng.random((256, 32))
    y = x[:, :1] * 0.5 + 0.1
    history = model.fit(x, y, epochs=3, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 3 and losses[-1] < losses[0], losses
    assert len(history.history) == 2  # loss and the mae metric
