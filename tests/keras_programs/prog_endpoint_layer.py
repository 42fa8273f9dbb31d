"""Follows keras-io examples/keras_recipes/endpoint_layer_pattern.py: a LogisticEndpoint layer
taking targets, logits and sample weights as inputs, computing its loss with add_loss and
an accuracy with a metric it owns; the model is compiled without a loss and fit on a dict of
inputs with no separate targets."""

import numpy as np

import lamina as keras
from lamina import ops

MISSING = None


class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_metric = keras.metrics.BinaryAccuracy(name="accuracy")

    def call(self, logits, targets=None, sample_weight=None):
        if targets is not None:
            loss = self.loss_fn(targets, logits, sample_weight)
            self.add_loss(loss)
            self.accuracy_metric.update_state(targets, ops.sigmoid(logits), sample_weight)
        return ops.softmax(logits)


def main():
    inputs = keras.Input((4,), name="inputs")
    targets = keras.Input((8,), name="targets")
    logits = keras.layers.Dense(8)(inputs)
    sample_weight = keras.Input((1,), name="sample_weight")
    preds = LogisticEndpoint()(logits, targets, sample_weight)
    model = keras.Model([inputs, targets, sample_weight], preds)
    assert any(m.name == "accuracy" for m in model.metrics)
    rng = np.random.default_rng(25)
    data = {"inputs": rng.random((16, 4)).astype("float32"), "targets": rng.random((16, 8)).astype("float32"),
            "sample_weight": rng.random((16, 1)).astype("float32")}
    model.compile(keras.optimizers.Adam(1e-3))
    history = model.fit(data, epochs=2, verbose=0)
    assert history.history["loss"][-1] > 0
    assert "accuracy" in history.history
