"""Follows keras-io guides/understanding_masking_and_padding.py, "Padding sequence data":
keras.utils.pad_sequences with "post" padding, then an Embedding(mask_zero=True) + LSTM
model on the padded batch."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None


def main():
    raw_inputs = [[711, 632, 71], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 1253, 927]]
    padded_inputs = keras.utils.pad_sequences(raw_inputs, padding="post")
    assert padded_inputs.tolist()[0] == [711, 632, 71, 0, 0, 0]
    model = keras.Sequential([layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True), layers.LSTM(8)])
    assert tuple(model(padded_inputs).shape) == (3, 8)
