"""Follows keras-io guides/making_new_layers_and_models_via_subclassing.py: a Linear layer
with add_weight, deferred weight creation in build(), a layer with a non-trainable weight,
recursively composed layers (MLPBlock), add_loss() from call, and get_config/from_config."""

import numpy as np

import lamina as keras
from lamina import layers, ops

MISSING = None


class Linear(keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class ComputeSum(keras.layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

    def call(self, inputs):
        self.total.assign(self.total + ops.sum(inputs, axis=0))
        return self.total


class MLPBlock(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = Linear(8)
        self.linear_2 = Linear(8)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = ops.relu(self.linear_1(inputs))
        x = ops.relu(self.linear_2(x))
        return self.linear_3(x)


class ActivityRegularizationLayer(keras.layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.sum(inputs))
        return inputs


class OuterLayer(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.activity_reg = ActivityRegularizationLayer(1e-2)

    def call(self, inputs):
        return self.activity_reg(inputs)


def main():
    x = np.ones((2, 2), "float32")
    linear_layer = Linear(4)
    assert tuple(linear_layer(x).shape) == (2, 4)
    assert [tuple(w.shape) for w in linear_layer.weights] == [(2, 4), (4,)]

    my_sum = ComputeSum(2)
    my_sum(x)
    np.testing.assert_allclose(np.array(my_sum(x)), [4.0, 4.0])
    assert len(my_sum.weights) == 1 and len(my_sum.non_trainable_weights) == 1 and not my_sum.trainable_weights

    mlp = MLPBlock()
    assert tuple(mlp(ops.ones(shape=(3, 64))).shape) == (3, 1)
    assert len(mlp.weights) == 6 and len(mlp.trainable_weights) == 6

    layer = OuterLayer()
    assert len(layer.losses) == 0
    layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1
    layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1  # losses are reset at the start of each top-level call

    inputs = keras.Input(shape=(3,))
    outputs = ActivityRegularizationLayer()(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.random((2, 3)), np.random.random((2, 3)), verbose=0)

    config = Linear(64).get_config()
    new_layer = Linear.from_config(config)
    assert new_layer.units == 64
