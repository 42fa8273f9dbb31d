"""Fused recurrent ops: a whole SimpleRNN / LSTM / GRU sequence (forward and backpropagation
through time) in one engine call, with Keras' weight layouts, gate orders and mask semantics."""

from lamina import _core

simple_rnn = _core.simple_rnn
lstm = _core.lstm
gru = _core.gru

__all__ = ["simple_rnn", "lstm", "gru"]
