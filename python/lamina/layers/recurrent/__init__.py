"""Recurrent layers: SimpleRNN, LSTM, GRU (and their cells), RNN, Bidirectional,
TimeDistributed. The time loops run inside the engine's fused recurrent ops."""

from lamina.layers.recurrent.bidirectional import Bidirectional
from lamina.layers.recurrent.gru import GRU, GRUCell
from lamina.layers.recurrent.lstm import LSTM, LSTMCell
from lamina.layers.recurrent.rnn import RNN
from lamina.layers.recurrent.simple_rnn import SimpleRNN, SimpleRNNCell
from lamina.layers.recurrent.time_distributed import TimeDistributed

__all__ = ["RNN", "SimpleRNN", "SimpleRNNCell", "LSTM", "LSTMCell", "GRU", "GRUCell", "Bidirectional", "TimeDistributed"]
