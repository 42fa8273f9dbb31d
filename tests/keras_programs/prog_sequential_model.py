"""Follows keras-io guides/sequential_model.py: a Sequential built incrementally with add(),
models that build on first call (no input shape), pop(), feature extraction through
`model.inputs` and `layer.output`, and freezing all layers but the last for transfer."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None


def main():
    model = keras.Sequential()
    model.add(layers.Dense(2, activation="relu"))
    model.add(layers.Dense(3, activation="relu"))
    model.add(layers.Dense(4))
    model.pop()
    assert len(model.layers) == 2 and not model.weights  # no input shape yet: not built
    y = model(np.ones((3, 3), "float32"))
    assert tuple(y.shape) == (3, 3) and len(model.weights) == 4

    model = keras.Sequential()
    model.add(keras.Input(shape=(250, 250, 3)))
    model.add(layers.Conv2D(4, 5, strides=2, activation="relu"))
    model.add(layers.Conv2D(4, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))
    assert model.output_shape == (None, 40, 40, 4)
    model.add(layers.GlobalMaxPooling2D())
    model.add(layers.Dense(10))

    initial_model = keras.Sequential([
        keras.Input(shape=(20, 20, 3)),
        layers.Conv2D(4, 5, strides=2, activation="relu"),
        layers.Conv2D(4, 3, activation="relu", name="my_intermediate_layer"),
        layers.Conv2D(4, 3, activation="relu"),
    ])
    feature_extractor = keras.Model(inputs=initial_model.inputs,
                                    outputs=initial_model.get_layer(name="my_intermediate_layer").output)
    features = feature_extractor(np.ones((1, 20, 20, 3), "float32"))
    assert tuple(features.shape) == (1, 6, 6, 4)

    transfer = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(8, activation="relu"),
                                 layers.Dense(8, activation="relu"), layers.Dense(10)])
    for layer in transfer.layers[:-1]:
        layer.trainable = False
    assert len(transfer.trainable_weights) == 2
    transfer.compile(optimizer="sgd", loss="mse")
    frozen = np.array(transfer.layers[0].kernel)
    rng = np.random.default_rng(7)
    transfer.fit(rng.random((32, 784)), rng.random((32, 10)), verbose=0)
    np.testing.assert_array_equal(np.array(transfer.layers[0].kernel), frozen)
