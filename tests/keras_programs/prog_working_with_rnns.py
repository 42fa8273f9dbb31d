"""Follows keras-io guides/working_with_rnns.py: Embedding + LSTM classifiers, GRU with
return_sequences into SimpleRNN, LSTM return_state passing the encoder state to a decoder as
initial_state, Bidirectional LSTMs, the RNN layer wrapping a cell, and batches of variable
length sequences from separate calls."""

import numpy as np

import lamina as keras
from lamina import layers

MISSING = None


def main():
    rng = np.random.default_rng(15)
    model = keras.Sequential([keras.Input(shape=(None,)), layers.Embedding(input_dim=100, output_dim=8),
                              layers.LSTM(16), layers.Dense(10)])
    assert model.predict(rng.integers(100, size=(4, 7)), verbose=0).shape == (4, 10)

    model = keras.Sequential([keras.Input(shape=(None,)), layers.Embedding(input_dim=100, output_dim=8),
                              layers.GRU(16, return_sequences=True), layers.SimpleRNN(8), layers.Dense(10)])
    assert model.predict(rng.integers(100, size=(4, 7)), verbose=0).shape == (4, 10)

    encoder_vocab, decoder_vocab = 50, 40
    encoder_input = keras.Input(shape=(None,))
    encoder_embedded = layers.Embedding(input_dim=encoder_vocab, output_dim=8)(encoder_input)
    output, state_h, state_c = layers.LSTM(16, return_state=True, name="encoder")(encoder_embedded)
    encoder_state = [state_h, state_c]
    decoder_input = keras.Input(shape=(None,))
    decoder_embedded = layers.Embedding(input_dim=decoder_vocab, output_dim=8)(decoder_input)
    decoder_output = layers.LSTM(16, name="decoder")(decoder_embedded, initial_state=encoder_state)
    output = layers.Dense(10)(decoder_output)
    seq2seq = keras.Model([encoder_input, decoder_input], output)
    seq2seq.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    enc = rng.integers(encoder_vocab, size=(32, 6))
    dec = rng.integers(decoder_vocab, size=(32, 5))
    history = seq2seq.fit([enc, dec], rng.integers(10, size=(32,)), batch_size=16, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2

    model = keras.Sequential([keras.Input(shape=(5, 10)), layers.Bidirectional(layers.LSTM(8, return_sequences=True)),
                              layers.Bidirectional(layers.LSTM(4)), layers.Dense(10)])
    assert model.output_shape == (None, 10)
    assert model.layers[0].output.shape == (None, 5, 16)

    rnn = keras.Sequential([keras.Input(shape=(None, 6)), layers.RNN(layers.LSTMCell(8)), layers.Dense(2)])
    for steps in (3, 9):  # any sequence length, one model
        assert rnn.predict(rng.random((2, steps, 6)).astype("float32"), verbose=0).shape == (2, 2)
