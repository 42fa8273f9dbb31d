"""Follows keras-io guides/training_with_built_in_methods.py, "Using a PyDataset for
training": a keras.utils.PyDataset subclass with __len__ and __getitem__ returning batches,
passed to fit() with its own batching and epoch-end hook."""

import math

import numpy as np

import lamina as keras

MISSING = None


def main():
    class ExamplePyDataset(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x = x
            self.y = y
            self.batch_size = batch_size
            self.epochs_seen = 0

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, idx):
            batch_x = self.x[idx * self.batch_size: (idx + 1) * self.batch_size]
            batch_y = self.y[idx * self.batch_size: (idx + 1) * self.batch_size]
            return batch_x, batch_y

        def on_epoch_end(self):
            self.epochs_seen += 1

    rng = np.random.default_rng(34)
    train = ExamplePyDataset(rng.random((50, 6)).astype("float32"), rng.integers(3, size=(50,)), batch_size=16)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and train.epochs_seen == 2
