"""SimpleRNN and its cell: h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)."""

from __future__ import annotations

from lamina.layers.recurrent.rnn import CellLayer, RecurrentCell


class SimpleRNNCell(RecurrentCell):
    """The cell of SimpleRNN: weights `kernel` (input_dim, units), `recurrent_kernel`
    (units, units) and `bias` (units,). Calling it runs one time step:
    `output, new_state = cell(inputs, state)`.

    Args:
        units: the state size.
        activation: default "tanh" (one of tanh, sigmoid, relu, hard_sigmoid, linear/None).
        use_bias, kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), kernel/recurrent/bias regularizers and constraints: as Keras.
        dropout, recurrent_dropout: fractions of the inputs / states dropped in training (one
            mask per sequence). seed: seed of the dropout masks.
    """

    GATES = 1
    OP = "simple_rnn"

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self._init_weights_args(activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                                kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                                recurrent_constraint, bias_constraint)
        self.state_size = self.units

    def build(self, input_shape):
        self._build_kernels(input_shape[-1], (self.units,))
        self._build_input_shape = tuple(input_shape)

    def _op_kwargs(self):
        from lamina.layers.recurrent.rnn import fused_activation_name

        return {"activation": fused_activation_name(self.activation, type(self).__name__, "activation")}

    def get_config(self):
        return {**super().get_config(), **self._weight_config()}


class SimpleRNN(CellLayer):
    """Fully-connected RNN where the output is fed back as the next input, as
    `keras.layers.SimpleRNN`; the whole sequence runs in one fused engine op.

    Args:
        units, activation ("tanh"), use_bias, kernel_initializer ("glorot_uniform"),
        recurrent_initializer ("orthogonal"), bias_initializer ("zeros"), the regularizers
        (kernel, recurrent, bias, activity) and constraints, dropout, recurrent_dropout, seed:
        see SimpleRNNCell.
        return_sequences, return_state, go_backwards, stateful, unroll: see RNN.

    The weights live in `layer.cell` (`cell.kernel`, `cell.recurrent_kernel`, `cell.bias`).
    """

    CELL = SimpleRNNCell
    CELL_NAME = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, unroll=False,
                 seed=None, **kwargs):
        cell_kwargs = dict(units=units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                           recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                           bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                           recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
                           recurrent_dropout=recurrent_dropout, seed=seed)
        super().__init__(cell_kwargs, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
