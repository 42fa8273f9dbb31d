"""GRU and its cell (Keras' gate order z, r, h; reset_after=True by default)."""

from __future__ import annotations

from lamina import activations
from lamina.layers.recurrent.rnn import CellLayer, RecurrentCell, fused_activation_name


class GRUCell(RecurrentCell):
    """The cell of GRU: weights `kernel` (input_dim, 3 * units), `recurrent_kernel`
    (units, 3 * units), gate blocks z, r, h; `h = z * h_prev + (1 - z) * hh`.
    With `reset_after=True` (default) `bias` has shape (2, 3 * units) (row 0 input bias, row 1
    recurrent bias) and `hh = activation(x W_h + b_h + r * (h_prev U_h + b_rec_h))`; with
    `reset_after=False` `bias` has shape (3 * units,) and `hh = activation(x W_h + (r * h_prev) U_h + b_h)`.

    Args: as LSTMCell (without unit_forget_bias), plus `reset_after`.
    """

    GATES = 3
    OP = "gru"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 reset_after=True, seed=None, **kwargs):
        super().__init__(units, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self._init_weights_args(activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                                kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                                recurrent_constraint, bias_constraint)
        self.recurrent_activation = activations.get(recurrent_activation)
        fused_activation_name(self.recurrent_activation, type(self).__name__, "recurrent_activation")
        self.reset_after = bool(reset_after)
        self.state_size = self.units

    def build(self, input_shape):
        bias_shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._build_kernels(input_shape[-1], bias_shape)
        self._build_input_shape = tuple(input_shape)

    def _op_kwargs(self):
        owner = type(self).__name__
        return {"activation": fused_activation_name(self.activation, owner, "activation"),
                "recurrent_activation": fused_activation_name(self.recurrent_activation, owner, "recurrent_activation"),
                "reset_after": self.reset_after}

    def get_config(self):
        cfg = self._weight_config()
        cfg["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        cfg["reset_after"] = self.reset_after
        return {**super().get_config(), **cfg}


class GRU(CellLayer):
    """Gated Recurrent Unit (Cho et al. 2014), as `keras.layers.GRU`; the whole sequence (and its
    backpropagation through time) runs in one fused engine op.

    Args:
        units, activation ("tanh"), recurrent_activation ("sigmoid"), use_bias,
        kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), the regularizers (kernel, recurrent, bias, activity) and
        constraints, dropout, recurrent_dropout, seed, reset_after (True): see GRUCell.
        return_sequences, return_state, go_backwards, stateful, unroll: see RNN.

    The weights live in `layer.cell` (`cell.kernel`, `cell.recurrent_kernel`, `cell.bias`).
    """

    CELL = GRUCell
    CELL_NAME = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, reset_after=True, **kwargs):
        cell_kwargs = dict(units=units, activation=activation, recurrent_activation=recurrent_activation,
                           use_bias=use_bias, kernel_initializer=kernel_initializer,
                           recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                           bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                           recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
                           recurrent_dropout=recurrent_dropout, reset_after=reset_after, seed=seed)
        super().__init__(cell_kwargs, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
