"""Follows keras-io examples/keras_recipes/trainer_pattern.py: a MyTrainer Model subclass that
wraps another model, computes its loss with a loss instance, keeps its own metric list in
`metrics`, and runs the wrapped model in call(); two trainers share one model."""

import numpy as np

import lamina as keras

MISSING = None


class MyTrainer(keras.Model):
    def __init__(self, model):
        super().__init__()
        self.model = model
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy()
        self.accuracy_metric = keras.metrics.SparseCategoricalAccuracy()

    @property
    def metrics(self):
        return [self.accuracy_metric]

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self.model(x, training=True)
            loss = self.loss_fn(y, y_pred)
        trainable_vars = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, trainable_vars), trainable_vars)
        for metric in self.metrics:
            metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self.model(x, training=False)
        for metric in self.metrics:
            metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def call(self, x):
        return self.model(x)


def main():
    rng = np.random.default_rng(26)
    x_train = rng.random((128, 16)).astype("float32")
    y_train = x_train[:, :4].argmax(axis=1)
    model = keras.Sequential([keras.Input(shape=(16,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(4, activation="softmax")])
    trainer_1 = MyTrainer(model)
    trainer_2 = MyTrainer(model)
    trainer_1.compile(optimizer=keras.optimizers.SGD())
    history = trainer_1.fit(x_train, y_train, epochs=3, batch_size=32, validation_data=(x_train, y_train), verbose=0)
    assert set(history.history) == {"sparse_categorical_accuracy", "val_sparse_categorical_accuracy"}
    trainer_2.compile(optimizer=keras.optimizers.Adam(0.01))
    before = trainer_2.evaluate(x_train, y_train, verbose=0, return_dict=True)["sparse_categorical_accuracy"]
    trainer_2.fit(x_train, y_train, epochs=8, batch_size=32, verbose=0)
    after = trainer_2.evaluate(x_train, y_train, verbose=0, return_dict=True)["sparse_categorical_accuracy"]
    assert after > before, (before, after)
    assert trainer_1.predict(x_train[:2], verbose=0).shape == (2, 4)
