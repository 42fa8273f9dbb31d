"""Follows keras-io guides/custom_train_step_in_tensorflow.py, "Supporting sample_weight &
class_weight" and "Providing your own evaluation step": train_step unpacks a 3-tuple when
sample weights are given; a custom test_step drives evaluate()."""

import numpy as np

import lamina as keras

MISSING = None


class WeightedModel(keras.Model):
    def train_step(self, data):
        if len(data) == 3:
            x, y, sample_weight = data
        else:
            sample_weight = None
            x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        trainable_vars = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, trainable_vars), trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}


class EvalModel(keras.Model):
    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def main():
    rng = np.random.default_rng(2)
    x = rng.random((300, 8))
    y = x[:, :1]
    sw = rng.random((300, 1))
    inputs = keras.Input(shape=(8,))
    model = WeightedModel(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(x, y, sample_weight=sw, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    history = model.fit(x, y, epochs=1, verbose=0)  # the same step without weights
    assert np.isfinite(history.history["loss"][0])

    inputs = keras.Input(shape=(8,))
    evaluator = EvalModel(inputs, keras.layers.Dense(1, kernel_initializer="zeros")(inputs))
    evaluator.compile(loss="mse", metrics=["mae"])
    loss, mae = evaluator.evaluate(x, y, verbose=0)
    # The loss tracker averages the per-batch losses it is given (the last batch is smaller).
    batch_means = [np.mean(y[i:i + 32] ** 2) for i in range(0, 300, 32)]
    np.testing.assert_allclose(loss, np.mean(batch_means), rtol=1e-4)
    np.testing.assert_allclose(mae, np.mean(np.abs(y)), rtol=1e-4)
