"""Follows keras-io guides/understanding_masking_and_padding.py: Embedding(mask_zero=True)
and Masking making masks that an LSTM consumes, the mask read from `embedded._keras_mask`
and `layer.compute_mask`, a layer that splits and propagates masks (compute_mask), a
custom mask-generating embedding, a pass-through layer with supports_masking, and a
TemporalSoftmax whose call receives the mask."""

import numpy as np

import lamina as keras
from lamina import layers, ops

MISSING = None


class TemporalSplit(keras.layers.Layer):
    def call(self, inputs):
        return ops.split(inputs, 2, axis=1)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        return ops.split(mask, 2, axis=1)


class CustomEmbedding(keras.layers.Layer):
    def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.mask_zero = mask_zero

    def build(self, input_shape):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim), initializer="random_normal")

    def call(self, inputs):
        return ops.take(self.embeddings, ops.cast(inputs, "int32"), axis=0)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)


class MyActivation(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return ops.relu(inputs)


class TemporalSoftmax(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        assert mask is not None
        broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
        inputs_exp = ops.exp(inputs) * broadcast_float_mask
        inputs_sum = ops.sum(inputs_exp * broadcast_float_mask, axis=-1, keepdims=True)
        return inputs_exp / inputs_sum


def main():
    raw_inputs = [[711, 632, 71], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 1253, 927]]
    padded_inputs = np.zeros((3, 6), "int64")
    for i, seq in enumerate(raw_inputs):
        padded_inputs[i, -len(seq):] = seq  # "pre" padding, as pad_sequences does by default

    embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
    masked_output = embedding(padded_inputs)
    expected = padded_inputs != 0
    np.testing.assert_array_equal(np.array(masked_output._keras_mask), expected)

    masking_layer = layers.Masking()
    unmasked_embedding = ops.cast(np.tile(np.expand_dims(padded_inputs, axis=-1), [1, 1, 10]), "float32")
    np.testing.assert_array_equal(np.array(masking_layer(unmasked_embedding)._keras_mask), expected)

    model = keras.Sequential([layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True), layers.LSTM(32)])
    assert tuple(model(padded_inputs).shape) == (3, 32)

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    functional = keras.Model(inputs, layers.LSTM(32)(x))
    assert functional.predict(padded_inputs, verbose=0).shape == (3, 32)
    np.testing.assert_array_equal(np.array(embedding.compute_mask(padded_inputs)), expected)

    first_half, second_half = TemporalSplit()(masked_output)
    np.testing.assert_array_equal(np.array(first_half._keras_mask), expected[:, :3])
    np.testing.assert_array_equal(np.array(second_half._keras_mask), expected[:, 3:])

    layer = CustomEmbedding(10, 32, mask_zero=True)
    x = np.random.default_rng(13).integers(0, 10, size=(3, 10))
    np.testing.assert_array_equal(np.array(layer.compute_mask(x)), x != 0)

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    x = MyActivation()(x)
    assert x._keras_mask is not None
    outputs = layers.LSTM(8)(x)
    assert keras.Model(inputs, outputs).predict(padded_inputs, verbose=0).shape == (3, 8)

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=10, output_dim=32, mask_zero=True)(inputs)
    x = layers.Dense(1)(x)
    outputs = TemporalSoftmax()(x)
    model = keras.Model(inputs, outputs)
    y = model(np.random.default_rng(14).integers(0, 10, size=(4, 20)))
    assert tuple(y.shape) == (4, 20, 1)
