"""LSTM and its cell (Keras' gate order i, f, c, o)."""

from __future__ import annotations

import numpy as np

from lamina import _core, activations
from lamina.layers.recurrent.rnn import CellLayer, RecurrentCell, fused_activation_name


class LSTMCell(RecurrentCell):
    """The cell of LSTM: weights `kernel` (input_dim, 4 * units), `recurrent_kernel`
    (units, 4 * units), `bias` (4 * units,), gate blocks i, f, c, o:
    `c = f * c_prev + i * activation(z_c)`, `h = o * activation(c)`. Calling it runs one time
    step: `h, [h, c] = cell(inputs, [h_prev, c_prev])`.

    Args:
        units: the state size.
        activation: default "tanh"; recurrent_activation: default "sigmoid" (each one of tanh,
            sigmoid, relu, hard_sigmoid, linear/None).
        use_bias, kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), the regularizers and constraints: as Keras.
        unit_forget_bias: initialize the forget gate's bias to ones (default True).
        dropout, recurrent_dropout, seed: dropout of the inputs / states in training (masks drawn
            once per sequence; one per gate when recurrent_dropout > 0, as Keras).
    """

    GATES = 4
    OP = "lstm"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self._init_weights_args(activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                                kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                                recurrent_constraint, bias_constraint)
        self.recurrent_activation = activations.get(recurrent_activation)
        fused_activation_name(self.recurrent_activation, type(self).__name__, "recurrent_activation")
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def build(self, input_shape):
        init = None
        if self.use_bias and self.unit_forget_bias:
            u, base = self.units, self.bias_initializer

            def init(shape, dtype=None):
                parts = [np.asarray(base((u,), dtype=dtype)), np.ones((u,), dtype=dtype),
                         np.asarray(base((2 * u,), dtype=dtype))]
                return _core.convert_to_tensor(np.concatenate(parts).astype(dtype))

        self._build_kernels(input_shape[-1], (4 * self.units,), bias_initializer=init)
        self._build_input_shape = tuple(input_shape)

    def _op_kwargs(self):
        owner = type(self).__name__
        return {"activation": fused_activation_name(self.activation, owner, "activation"),
                "recurrent_activation": fused_activation_name(self.recurrent_activation, owner, "recurrent_activation")}

    def get_config(self):
        cfg = self._weight_config()
        cfg["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        cfg["unit_forget_bias"] = self.unit_forget_bias
        return {**super().get_config(), **cfg}


class LSTM(CellLayer):
    """Long Short-Term Memory layer (Hochreiter 1997), as `keras.layers.LSTM`; the whole
    sequence (and its backpropagation through time) runs in one fused engine op.

    Args:
        units, activation ("tanh"), recurrent_activation ("sigmoid"), use_bias,
        kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), unit_forget_bias (True), the regularizers (kernel,
        recurrent, bias, activity) and constraints, dropout, recurrent_dropout, seed: see
        LSTMCell.
        return_sequences, return_state, go_backwards, stateful, unroll: see RNN.

    With `return_state=True` the layer returns `(output, h, c)`. The weights live in
    `layer.cell` (`cell.kernel`, `cell.recurrent_kernel`, `cell.bias`).
    """

    CELL = LSTMCell
    CELL_NAME = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        cell_kwargs = dict(units=units, activation=activation, recurrent_activation=recurrent_activation,
                           use_bias=use_bias, kernel_initializer=kernel_initializer,
                           recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                           unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
                           recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                           bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                           seed=seed)
        super().__init__(cell_kwargs, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)


