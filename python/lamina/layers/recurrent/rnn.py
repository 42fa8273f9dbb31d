"""The base of lamina's recurrent layers: `RNN(cell)` runs one of the built-in cells
(SimpleRNNCell, LSTMCell, GRUCell) over a whole sequence with the cell's fused engine op, so the
time loop (forward and backpropagation through time) never returns to Python."""

from __future__ import annotations

import numpy as np

from lamina import _core, activations, ops
from lamina.layers.layer import Layer

def _as_list(state_size) -> list:
    return [int(state_size)] if isinstance(state_size, (int, np.integer)) else [int(s) for s in state_size]


# The activations the fused recurrent kernels implement.
FUSED_ACTIVATIONS = ("tanh", "sigmoid", "relu", "hard_sigmoid", "linear")


def fused_activation_name(fn, owner: str, argument: str) -> str:
    """The engine name of a built-in activation, or a clear error for any other."""
    name = getattr(fn, "__name__", None)
    if name in FUSED_ACTIVATIONS and activations.get(name) is fn:
        return name
    raise ValueError(
        f"{owner}: {argument}={activations.serialize(fn)!r} is not supported by lamina's fused recurrent kernels; "
        f"use one of {', '.join(FUSED_ACTIVATIONS)}"
    )


class RecurrentCell(Layer):
    """What SimpleRNNCell, LSTMCell and GRUCell share: dropout masks drawn once per sequence
    (Keras' DropoutRNNCell), the engine op that runs a whole sequence, and a one-step `call`
    (a sequence of length 1 through the same op).

    Subclasses set `GATES`, `OP` (the engine op's name) and `state_size`, and implement
    `build` and `_op_kwargs`.
    """

    GATES = 1
    OP = ""

    def __init__(self, units, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        if not isinstance(units, (int, np.integer)) or int(units) <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, got {units}.")
        self.units = int(units)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        from lamina import random

        self._seed_generator = random.SeedGenerator(seed) if hasattr(random, "SeedGenerator") else None
        self.output_size = self.units

    # Keras' implementation=1 (one mask per gate) whenever recurrent dropout is on.
    @property
    def _masks_per_gate(self) -> int:
        return self.GATES if self.recurrent_dropout > 0 else 1

    def _draw_mask(self, batch: int, width: int, rate: float):
        from lamina import random

        count = self._masks_per_gate
        shape = (count, batch, width) if count > 1 else (batch, width)
        ones = _core.convert_to_tensor(np.ones(shape, dtype=self.compute_dtype))
        return random.dropout(ones, rate, seed=self._seed_generator)

    def dropout_masks(self, batch: int, features: int, training: bool):
        """(input mask, recurrent mask) for one sequence, or None where not in use."""
        dm = rm = None
        if training and 0.0 < self.dropout < 1.0:
            dm = self._draw_mask(batch, features, self.dropout)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            rm = self._draw_mask(batch, self.units, self.recurrent_dropout)
        return dm, rm

    def run_sequence(self, sequences, states, mask=None, go_backwards=False, return_sequences=True,
                     zero_output_for_mask=False, training=False):
        """Runs the fused op over `sequences` [batch, timesteps, features]; returns
        (outputs, *final_states). `states` is a list of [batch, units] tensors or None."""
        if not self.built:
            self.build(tuple(sequences.shape[:1]) + tuple(sequences.shape[2:]))
            self.built = True
        dm, rm = self.dropout_masks(sequences.shape[0], sequences.shape[-1], training)
        states = list(states) if states is not None else [None] * len(_as_list(self.state_size))
        op = getattr(ops, self.OP)
        return op(sequences, *states, self.kernel, self.recurrent_kernel, self.bias, mask=mask,
                  return_sequences=return_sequences, go_backwards=go_backwards,
                  zero_output_for_mask=zero_output_for_mask, dropout_mask=dm, recurrent_dropout_mask=rm,
                  **self._op_kwargs())

    def call(self, inputs, states, training=False):
        """One time step: `inputs` [batch, features] and the states; returns (output, new_states)."""
        nested = isinstance(states, (list, tuple))
        state_list = list(states) if nested else [states]
        result = self.run_sequence(ops.expand_dims(inputs, 1), state_list, return_sequences=False, training=training)
        output, new_states = result[0], list(result[1:])
        if len(new_states) == 1 and not nested:
            return output, new_states[0]
        return output, new_states

    def get_initial_state(self, batch_size=None):
        return [_core.convert_to_tensor(np.zeros((batch_size, d), dtype=self.compute_dtype))
                for d in _as_list(self.state_size)]

    def _op_kwargs(self) -> dict:
        raise NotImplementedError

    def _weight_config(self) -> dict:
        from lamina import constraints, initializers, regularizers

        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }

    def _init_weights_args(self, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                           kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                           recurrent_constraint, bias_constraint):
        from lamina import constraints, initializers, regularizers

        self.activation = activations.get(activation)
        fused_activation_name(self.activation, type(self).__name__, "activation")
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _build_kernels(self, input_dim, bias_shape, bias_initializer=None):
        if input_dim is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the last dimension of the inputs must be known")
        g = self.GATES
        self.kernel = self.add_weight(shape=(input_dim, g * self.units), name="kernel", initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, g * self.units), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=bias_shape, name="bias", initializer=bias_initializer or self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True


class RNN(Layer):
    """A recurrent layer running a built-in cell over sequences, as `keras.layers.RNN`.

    Args:
        cell: a SimpleRNNCell, LSTMCell or GRUCell (lamina runs these with fused engine ops;
            other cells are not supported).
        return_sequences: return the whole output sequence (default: the last output).
        return_state: also return the final states.
        go_backwards: process the sequence backwards and return the reversed sequence.
        stateful: reuse each batch's final states as the next batch's initial states (the
            batch size must be fixed); `reset_states()` zeroes them.
        unroll: accepted for compatibility and ignored (the loop runs in the engine).
        zero_output_for_mask: masked time steps output zeros instead of the previous output.

    Call arguments: `sequences` [batch, timesteps, features], `initial_state` (a list of
    [batch, units] tensors), `mask` [batch, timesteps] (taken from the inputs' `_keras_mask`
    when not given, e.g. after `Embedding(mask_zero=True)`), `training`.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            raise ValueError("lamina's RNN takes one cell; stack recurrent layers with return_sequences=True instead")
        if not isinstance(cell, RecurrentCell):
            raise ValueError(
                f"RNN: lamina runs recurrent loops in its engine and supports its built-in cells "
                f"(SimpleRNNCell, LSTMCell, GRUCell); got {type(cell).__name__}"
            )
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.state_size = _as_list(cell.state_size)
        self.states = None

    # ----------------------------------------------------------------------------------------

    def build(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        if len(sequences_shape) != 3:
            raise ValueError(
                f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected ndim=3, found "
                f"ndim={len(sequences_shape)}. Full shape received: {sequences_shape}"
            )
        if not self.cell.built:
            self.cell.build((sequences_shape[0], sequences_shape[-1]))
            self.cell.built = True
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(
                    "When using `stateful=True` in a RNN, the batch size must be static. Found dynamic batch size: "
                    f"sequence.shape={sequences_shape}"
                )
            self._create_state_variables(sequences_shape[0])
        self._build_input_shape = sequences_shape
        self.built = True

    def _create_state_variables(self, batch_size):
        # Not weights: plain attributes, so they are neither trained nor saved (as in Keras).
        object.__setattr__(self, "states", [
            _core.Variable(np.zeros((batch_size, d), dtype=self.compute_dtype), trainable=False, name="rnn_state")
            for d in self.state_size
        ])

    def reset_state(self):
        if self.states is not None:
            for v in self.states:
                v.assign(np.zeros(tuple(v.shape), dtype=self.compute_dtype))

    reset_states = reset_state

    def get_initial_state(self, batch_size):
        return self.cell.get_initial_state(batch_size)

    # ----------------------------------------------------------------------------------------

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if not isinstance(sequences, _core.Tensor):
            sequences = _core.convert_to_tensor(np.asarray(sequences, dtype=self.compute_dtype))
        if sequences.ndim != 3:
            raise ValueError(
                f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected ndim=3, found "
                f"ndim={sequences.ndim}. Full shape received: {tuple(sequences.shape)}"
            )
        if sequences.dtype != self.compute_dtype:
            sequences = ops.cast(sequences, self.compute_dtype)
        if initial_state is None and self.stateful:
            initial_state = self.states
        states = None
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(states) != len(self.state_size):
                raise ValueError(
                    f"Layer {self.name} expects {len(self.state_size)} initial state(s), but it received "
                    f"{len(states)} initial state(s)."
                )
            states = [s if isinstance(s, _core.Tensor) and s.dtype == self.compute_dtype
                      else ops.cast(_core.convert_to_tensor(s), self.compute_dtype) for s in states]
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        result = self.cell.run_sequence(sequences, states, mask=mask, go_backwards=self.go_backwards,
                                        return_sequences=self.return_sequences,
                                        zero_output_for_mask=self.zero_output_for_mask, training=bool(training))
        output, final_states = result[0], list(result[1:])
        if self.stateful:
            for var, value in zip(self.states, final_states):
                var.assign(_core.stop_gradient(value))
        if self.return_state:
            return (output, *final_states)
        return output

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, length = sequences_shape[0], sequences_shape[1]
        output = (batch, length, self.cell.output_size) if self.return_sequences else (batch, self.cell.output_size)
        if self.return_state:
            return (output, *[(batch, d) for d in self.state_size])
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    # ----------------------------------------------------------------------------------------

    def _rnn_config(self) -> dict:
        return {
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }

    def get_config(self):
        from lamina.saving.serialization import serialize_keras_object

        return {**super().get_config(), **self._rnn_config(), "cell": serialize_keras_object(self.cell)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.saving.serialization import deserialize_keras_object

        config = dict(config)
        cell = deserialize_keras_object(config.pop("cell"), custom_objects=custom_objects, category="layers")
        return cls(cell, **config)


class CellLayer(RNN):
    """SimpleRNN / LSTM / GRU: an RNN that builds its own cell from the layer's arguments and
    exposes the cell's settings as properties, with Keras' flat config."""

    CELL = None
    CELL_NAME = ""

    def __init__(self, cell_kwargs: dict, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, activity_regularizer=None, **kwargs):
        kwargs.pop("use_cudnn", None)
        implementation = kwargs.pop("implementation", None)
        cell = self.CELL(**cell_kwargs, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                         name=self.CELL_NAME, **({"implementation": implementation} if implementation else {}))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll, activity_regularizer=activity_regularizer, **kwargs)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def __getattr__(self, name):
        # units, activation, kernel_initializer, dropout, ...: the cell's settings, as in Keras.
        if name in _CELL_PROPERTIES:
            cell = self.__dict__.get("cell")
            if cell is not None:
                return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self):
        config = {**Layer.get_config(self), **self._rnn_config(), **self.cell.get_config()}
        for key in ("name", "trainable", "dtype"):
            config[key] = Layer.get_config(self)[key]
        from lamina import regularizers

        config["activity_regularizer"] = regularizers.serialize(self._activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


_CELL_PROPERTIES = {
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
    "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed", "unit_forget_bias",
    "reset_after",
}
