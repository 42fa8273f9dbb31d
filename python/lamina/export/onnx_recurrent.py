"""ONNX converters for SimpleRNN, LSTM, GRU and Bidirectional.

Keras' weights map onto ONNX's RNN/LSTM/GRU operators: kernels are transposed, LSTM's gate
blocks i, f, c, o become ONNX's i, o, f, c (GRU's z, r, h and its reset_after are ONNX's order
and `linear_before_reset`). A mask from `Embedding(mask_zero=True)` becomes `sequence_lens`,
which is exact only for right-padded rows: a row whose mask is not right padding (or is empty)
answers NaN in every output of the layer, never a wrong number.
"""

from __future__ import annotations

import numpy as np

from lamina import activations, layers
from lamina.export.onnx_graph import ExportError, GraphBuilder, Value
from lamina.export.onnx_layers import converts, weight
from lamina.layers.recurrent.gru import GRUCell
from lamina.layers.recurrent.lstm import LSTMCell
from lamina.layers.recurrent.simple_rnn import SimpleRNNCell

# ONNX activation name, with (alpha, beta) for those that take them.
_ACTIVATIONS = {activations.tanh: ("Tanh", None), activations.sigmoid: ("Sigmoid", None),
                activations.relu: ("Relu", None), activations.hard_sigmoid: ("HardSigmoid", (1.0 / 6.0, 0.5)),
                activations.linear: ("Affine", (1.0, 0.0))}


def _gate_blocks(matrix: np.ndarray, order: list, units: int) -> np.ndarray:
    """Reorders the gate blocks along the last axis."""
    return np.concatenate([matrix[..., k * units:(k + 1) * units] for k in order], axis=-1)


def _cell_weights(cell) -> tuple[str, list, np.ndarray, np.ndarray, np.ndarray, dict]:
    """(ONNX op, activations, W, R, B, extra attributes) of one direction."""
    units = cell.units
    kernel, recurrent = weight(cell.kernel), weight(cell.recurrent_kernel)
    if isinstance(cell, LSTMCell):
        op, order, acts = "LSTM", [0, 3, 1, 2], [cell.recurrent_activation, cell.activation, cell.activation]
    elif isinstance(cell, GRUCell):
        op, order, acts = "GRU", [0, 1, 2], [cell.recurrent_activation, cell.activation]
    else:
        op, order, acts = "RNN", [0], [cell.activation]
    gates = len(order)
    w = _gate_blocks(kernel, order, units).T
    r = _gate_blocks(recurrent, order, units).T
    b = np.zeros(2 * gates * units, dtype=np.float32)
    extra = {}
    if isinstance(cell, GRUCell):
        extra["linear_before_reset"] = int(cell.reset_after)
    if cell.bias is not None:
        bias = weight(cell.bias)
        if bias.ndim == 2:  # GRU reset_after: row 0 input bias, row 1 recurrent bias
            b = np.concatenate([_gate_blocks(bias[0], order, units), _gate_blocks(bias[1], order, units)])
        else:
            b[:gates * units] = _gate_blocks(bias, order, units)
    return op, acts, w, r, b, extra


def _activation_attrs(layer, acts) -> dict:
    # ONNX hands the alpha/beta lists out in order to the activations that take them only.
    names, alphas, betas = [], [], []
    for fn in acts:
        if fn not in _ACTIVATIONS:
            raise ExportError(f"Layer '{layer.name}': activation {getattr(fn, '__name__', fn)!r} has no ONNX "
                              "recurrent equivalent")
        name, params = _ACTIVATIONS[fn]
        names.append(name)
        if params is not None:
            alphas.append(params[0])
            betas.append(params[1])
    attrs = {"activations": names}
    if alphas:
        attrs.update(activation_alpha=alphas, activation_beta=betas)
    return attrs


def _sequence_lens(g: GraphBuilder, mask: str, hint: str) -> tuple[str, str]:
    """(sequence_lens int32 [batch], valid bool [batch]): valid rows are right padded, non-empty."""
    ones = g.op("Cast", [mask], hint, to=6)  # int32
    lens = g.reduce("ReduceSum", ones, [1], hint, keepdims=0)
    # Right padding <=> the last unmasked step is step len-1: max((t+1) * mask[t]) == len.
    steps = g.op("Shape", [mask], hint, start=1, end=2)
    positions = g.op("Range", [g.const(np.int32(1), f"{hint}/one"),
                               g.op("Add", [g.op("Cast", [g.op("Squeeze", [steps], hint)], hint, to=6),
                                            g.const(np.int32(1), f"{hint}/one")], hint),
                               g.const(np.int32(1), f"{hint}/step")], hint)
    last = g.reduce("ReduceMax", g.op("Mul", [ones, positions], hint), [1], hint, keepdims=0)
    valid = g.op("And", [g.op("Equal", [last, lens], hint),
                         g.op("Greater", [lens, g.const(np.int32(0), f"{hint}/zero")], hint)], hint)
    return lens, valid


def _poison(g: GraphBuilder, y: str, valid: str, ndim: int, hint: str) -> str:
    """y with NaN in the rows that are not valid."""
    nan = g.op("Where", [valid, g.const(np.float32(0), f"{hint}/zero"), g.const(np.float32(np.nan), f"{hint}/nan")],
               hint)
    nan = g.op("Unsqueeze", [nan, g.ints(list(range(1, ndim)), f"{hint}/axes")], hint)
    return g.op("Add", [y, nan], hint)


def _hold_last_output(g: GraphBuilder, y: str, lens: str, hint: str) -> str:
    """Keras without zero_output_for_mask repeats the last valid output over the padding."""
    steps = g.op("Squeeze", [g.op("Shape", [y], hint, start=1, end=2)], hint)
    t = g.op("Range", [g.const(np.int64(0), f"{hint}/zero"), steps, g.const(np.int64(1), f"{hint}/one")], hint)
    last = g.op("Sub", [g.op("Cast", [lens], hint, to=7), g.const(np.int64(1), f"{hint}/one")], hint)
    last = g.op("Max", [last, g.const(np.int64(0), f"{hint}/zero")], hint)
    idx = g.op("Min", [g.op("Unsqueeze", [t, g.ints([0], f"{hint}/axis")], hint),
                       g.op("Unsqueeze", [last, g.ints([1], f"{hint}/axis")], hint)], hint)
    idx = g.op("Expand", [g.op("Unsqueeze", [idx, g.ints([2], f"{hint}/axis")], hint), g.op("Shape", [y], hint)], hint)
    return g.op("GatherElements", [y, idx], hint, axis=1)


def convert_rnn(g: GraphBuilder, layer, seq: Value, initial_state: list | None) -> list:
    """The outputs of an RNN layer (output, then the final states when return_state)."""
    cell = layer.cell
    if not isinstance(cell, (SimpleRNNCell, LSTMCell, GRUCell)):
        raise ExportError(f"Layer '{layer.name}': only SimpleRNN, LSTM and GRU cells export to ONNX, got "
                          f"{type(cell).__name__}")
    if layer.stateful:
        raise ExportError(f"Layer '{layer.name}': a stateful RNN keeps state between calls, which ONNX cannot hold")
    op, acts, w, r, b, extra = _cell_weights(cell)
    hint, units = layer.name, cell.units
    x = g.transpose(seq.name, [1, 0, 2], hint)  # ONNX: [steps, batch, features]
    inputs = [x, g.const(w[None], f"{hint}/W"), g.const(r[None], f"{hint}/R"), g.const(b[None], f"{hint}/B")]
    lens = valid = None
    if seq.mask is not None:
        lens, valid = _sequence_lens(g, seq.mask, hint)
    inputs.append(lens or "")
    for state in initial_state or []:
        inputs.append(g.op("Unsqueeze", [state.name, g.ints([0], f"{hint}/axis")], hint))
    n_out = 3 if op == "LSTM" else 2
    outs = g.op(op, inputs, hint, outputs=n_out, hidden_size=units,
                direction="reverse" if layer.go_backwards else "forward", **_activation_attrs(layer, acts), **extra)
    zero = g.ints([0], f"{hint}/axis0")
    states = [g.op("Squeeze", [s, zero], hint) for s in outs[1:]]
    if layer.return_sequences:
        y = g.transpose(g.op("Squeeze", [outs[0], g.ints([1], f"{hint}/axis1")], hint), [1, 0, 2], hint)
        if layer.go_backwards:
            # Keras returns the outputs in the order it computed them. Masked, it met the
            # padding first, where the outputs are zeros, as ONNX's past sequence_lens.
            y = g.flip_axis(y, 1, hint)
        elif lens is not None and not layer.zero_output_for_mask:
            y = _hold_last_output(g, y, lens, hint)
    else:
        y = states[0]
    results = [y] + (states if layer.return_state else [])
    if valid is not None:
        results = [_poison(g, t, valid, 3 if (k == 0 and layer.return_sequences) else 2, hint)
                   for k, t in enumerate(results)]
    return results


def _states_of(kwargs_or_args) -> list | None:
    state = kwargs_or_args
    if state is None:
        return None
    return list(state) if isinstance(state, (list, tuple)) else [state]


@converts(layers.RNN, layers.SimpleRNN, layers.LSTM, layers.GRU)
def _rnn(g, layer, ins, out_shapes, initial_state=None):
    return convert_rnn(g, layer, ins[0], _states_of(initial_state))


@converts(layers.Bidirectional)
def _bidirectional(g, layer, ins, out_shapes, initial_state=None):
    states = _states_of(initial_state)
    half = len(states) // 2 if states else 0
    forward = convert_rnn(g, layer.forward_layer, ins[0], states[:half] if states else None)
    backward = convert_rnn(g, layer.backward_layer, ins[0], states[half:] if states else None)
    y, y_rev = forward[0], backward[0]
    if layer.return_sequences:
        y_rev = g.flip_axis(y_rev, 1, layer.name)
    mode = layer.merge_mode
    if mode == "concat":
        merged = [g.op("Concat", [y, y_rev], layer.name, axis=-1)]
    elif mode == "sum":
        merged = [g.op("Add", [y, y_rev], layer.name)]
    elif mode == "ave":
        merged = [g.op("Mul", [g.op("Add", [y, y_rev], layer.name), g.const(np.float32(0.5), f"{layer.name}/half")],
                       layer.name)]
    elif mode == "mul":
        merged = [g.op("Mul", [y, y_rev], layer.name)]
    else:
        merged = [y, y_rev]
    return merged + forward[1:] + backward[1:]
