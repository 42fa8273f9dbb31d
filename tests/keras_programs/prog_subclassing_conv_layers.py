"""Follows keras-io examples/keras_recipes/subclassing_conv_layers.py: weight-standardized
convolutions written as Conv2D subclasses, one overriding convolution_op(inputs, kernel), one
calling self.convolution_op from its own call(); a Sequential opening with
keras.layers.InputLayer(input_shape=...) (deprecated in Keras 3, still taken with a warning);
an MNIST-shaped classifier trained with categorical crossentropy."""

import warnings

import numpy as np

import lamina as keras
from lamina import layers, ops

MISSING = None


class StandardizedConv2DWithOverride(layers.Conv2D):
    def convolution_op(self, inputs, kernel):
        mean, var = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
        return ops.conv(inputs, (kernel - mean) / ops.sqrt(var + 1e-10), padding="valid", strides=list(self.strides))


class StandardizedConv2DWithCall(layers.Conv2D):
    def call(self, inputs):
        mean, var = ops.moments(self.kernel, axes=[0, 1, 2], keepdims=True)
        result = self.convolution_op(inputs, (self.kernel - mean) / ops.sqrt(var + 1e-10))
        if self.use_bias:
            result = result + self.bias
        return result


def main():
    num_classes = 10
    rng = np.random.default_rng(34)
    x_train = np.expand_dims(rng.integers(0, 256, size=(96, 14, 14)).astype("float32") / 255, -1)
    y_train = keras.utils.to_categorical(rng.integers(0, num_classes, size=(96,)), num_classes)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        input_layer = keras.layers.InputLayer(input_shape=(14, 14, 1))
    assert any("input_shape" in str(w.message) for w in caught)
    model = keras.Sequential([
        input_layer,
        StandardizedConv2DWithCall(8, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        StandardizedConv2DWithOverride(16, kernel_size=(3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=2, validation_split=0.1, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    # The standardized kernel is what the override convolves with: its output is invariant to
    # shifting and scaling the kernel, unlike a plain Conv2D's.
    conv = model.layers[2]
    features = np.asarray(model.layers[1](model.layers[0](x_train[:4])))
    before = np.asarray(conv(features))
    conv.kernel.assign(np.asarray(conv.kernel) * 3.0 + 0.5)
    np.testing.assert_allclose(np.asarray(conv(features)), before, rtol=1e-3, atol=1e-4)
