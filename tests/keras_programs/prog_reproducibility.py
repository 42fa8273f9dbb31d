"""Follows keras-io examples/keras_recipes/reproducibility_recipes.py: keras.utils.
set_random_seed makes initializers, Dropout and shuffling repeat exactly; initializers with a
seed give the same values each time; two identical runs train to identical weights."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None


def train_model(x, y):
    keras.utils.set_random_seed(812)
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(16, activation="relu"), layers.Dropout(0.5),
                              layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, batch_size=8, epochs=2, shuffle=True, verbose=0)
    return model.get_weights()


def main():
    rng = np.random.default_rng(28)
    x, y = rng.random((40, 8)).astype("float32"), rng.random((40, 1)).astype("float32")
    first, second = train_model(x, y), train_model(x, y)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)

    initializer = keras.initializers.GlorotUniform(seed=42)
    np.testing.assert_array_equal(np.array(initializer(shape=(2, 2))), np.array(initializer(shape=(2, 2))))

    keras.utils.set_random_seed(1)
    a = np.array(layers.Dropout(0.5)(np.ones((4, 4), "float32"), training=True))
    keras.utils.set_random_seed(1)
    b = np.array(layers.Dropout(0.5)(np.ones((4, 4), "float32"), training=True))
    np.testing.assert_array_equal(a, b)
