"""ONNX converters for the core, activation, merging, reshaping, normalization and
regularization layers. Each converter takes (graph, layer, inputs, out_shapes) -- inputs are
`Value`s, out_shapes the layer call's symbolic outputs (with `.shape` and `.dtype`) -- and
returns the ONNX names of the outputs.
"""

from __future__ import annotations

import math

import numpy as np

from lamina import activations, layers
from lamina.export.onnx_graph import ExportError, GraphBuilder

CONVERTERS: dict = {}


def converts(*classes):
    def register(fn):
        for cls in classes:
            CONVERTERS[cls] = fn
        return fn

    return register


def weight(variable) -> np.ndarray:
    return np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)


# ---------------------------------------------------------------------------------------------
# activations

_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def apply_activation(g: GraphBuilder, fn, x: str, hint: str, owner) -> str:
    """`fn(x)` for one of Keras' named activations; anything else cannot be exported."""
    a = activations
    if fn is None or fn is a.linear:
        return x
    simple = {a.relu: "Relu", a.sigmoid: "Sigmoid", a.tanh: "Tanh", a.softplus: "Softplus", a.softsign: "Softsign",
              a.exponential: "Exp", a.hard_silu: "HardSwish"}
    if fn in simple:
        return g.op(simple[fn], [x], hint)
    if fn is a.relu6:
        return g.op("Clip", [x, g.const(np.float32(0), f"{hint}/lo"), g.const(np.float32(6), f"{hint}/hi")], hint)
    if fn is a.softmax:
        return g.op("Softmax", [x], hint, axis=-1)
    if fn is a.log_softmax:
        return g.op("LogSoftmax", [x], hint, axis=-1)
    if fn is a.elu:
        return g.op("Elu", [x], hint, alpha=1.0)
    if fn is a.selu:
        return g.op("Selu", [x], hint, alpha=_SELU_ALPHA, gamma=_SELU_SCALE)
    if fn is a.leaky_relu:
        return g.op("LeakyRelu", [x], hint, alpha=0.2)
    if fn is a.hard_sigmoid:
        return g.op("HardSigmoid", [x], hint, alpha=1.0 / 6.0, beta=0.5)
    if fn is a.silu:
        return g.op("Mul", [x, g.op("Sigmoid", [x], hint)], hint)
    if fn is a.gelu:  # exact form: x * (1 + erf(x / sqrt(2))) / 2
        erf = g.op("Erf", [g.op("Mul", [x, g.const(np.float32(1 / math.sqrt(2)), f"{hint}/c")], hint)], hint)
        one_plus = g.op("Add", [erf, g.const(np.float32(1), f"{hint}/one")], hint)
        return g.op("Mul", [g.op("Mul", [x, one_plus], hint), g.const(np.float32(0.5), f"{hint}/half")], hint)
    name = getattr(fn, "__name__", repr(fn))
    raise ExportError(f"Layer '{owner.name}' ({type(owner).__name__}): activation {name!r} has no ONNX export; "
                      "use one of Keras' named activations")


@converts(layers.Activation)
def _activation(g, layer, ins, out_shapes):
    return [apply_activation(g, layer.activation, ins[0].name, layer.name, layer)]


# ---------------------------------------------------------------------------------------------
# core

@converts(layers.Dense)
def _dense(g, layer, ins, out_shapes):
    y = g.op("MatMul", [ins[0].name, g.const(weight(layer.kernel), f"{layer.name}/kernel")], layer.name)
    if layer.bias is not None:
        y = g.op("Add", [y, g.const(weight(layer.bias), f"{layer.name}/bias")], layer.name)
    return [apply_activation(g, layer.activation, y, layer.name, layer)]


@converts(layers.Embedding)
def _embedding(g, layer, ins, out_shapes):
    ids = g.op("Cast", [ins[0].name], layer.name, to=7)  # int64
    # Gather wraps negative ids like numpy, where Keras fails: send them out of range so the
    # runtime fails too instead of answering with another row.
    zero = g.const(np.int64(0), f"{layer.name}/zero")
    out_of_range = g.const(np.int64(layer.input_dim), f"{layer.name}/input_dim")
    ids = g.op("Where", [g.op("Less", [ids, zero], layer.name), out_of_range, ids], layer.name)
    return [g.op("Gather", [g.const(weight(layer.embeddings), f"{layer.name}/embeddings"), ids], layer.name, axis=0)]


def embedding_mask(g, layer, ins) -> str | None:
    """The bool mask `ids != 0` of an Embedding with mask_zero, or None."""
    if not layer.mask_zero:
        return None
    zero = g.const(np.zeros((), dtype=np.dtype(ins[0].dtype)), f"{layer.name}/mask_zero")
    return g.op("Not", [g.op("Equal", [ins[0].name, zero], layer.name)], f"{layer.name}/mask")


_IDENTITY = (layers.Dropout, layers.Identity, layers.GaussianNoise, layers.GaussianDropout, layers.AlphaDropout,
             layers.SpatialDropout1D, layers.SpatialDropout2D, layers.SpatialDropout3D, layers.ActivityRegularization)


@converts(*_IDENTITY)
def _identity(g, layer, ins, out_shapes):
    # Inference-time identity: dropout and noise layers act only in training.
    return [g.op("Identity", [ins[0].name], layer.name)]


@converts(layers.Flatten)
def _flatten(g, layer, ins, out_shapes):
    x = ins[0].name
    if layer.data_format == "channels_first" and ins[0].ndim > 2:
        x = g.transpose(x, [0] + list(range(2, ins[0].ndim)) + [1], layer.name)
    return [g.reshape(x, [0, -1], layer.name)]


@converts(layers.Reshape)
def _reshape(g, layer, ins, out_shapes):
    return [g.reshape(ins[0].name, [0, *layer.target_shape], layer.name)]


@converts(layers.Permute)
def _permute(g, layer, ins, out_shapes):
    return [g.transpose(ins[0].name, (0,) + tuple(layer.dims), layer.name)]


@converts(layers.RepeatVector)
def _repeat_vector(g, layer, ins, out_shapes):
    x = g.op("Unsqueeze", [ins[0].name, g.ints([1], f"{layer.name}/axis")], layer.name)
    return [g.op("Expand", [x, g.ints([1, layer.n, 1], f"{layer.name}/shape")], layer.name)]


# ---------------------------------------------------------------------------------------------
# merging

def _fold(g, op_type, names, hint):
    y = names[0]
    for n in names[1:]:
        y = g.op(op_type, [y, n], hint)
    return y


@converts(layers.Add, layers.Subtract, layers.Multiply, layers.Average, layers.Maximum, layers.Minimum)
def _elementwise_merge(g, layer, ins, out_shapes):
    names = [v.name for v in ins]
    if isinstance(layer, layers.Subtract):
        return [g.op("Sub", names, layer.name)]
    if isinstance(layer, layers.Average):
        total = _fold(g, "Add", names, layer.name)
        return [g.op("Div", [total, g.const(np.float32(len(names)), f"{layer.name}/n")], layer.name)]
    op_type = {layers.Add: "Add", layers.Multiply: "Mul", layers.Maximum: "Max", layers.Minimum: "Min"}[type(layer)]
    return [_fold(g, op_type, names, layer.name)]


@converts(layers.Concatenate)
def _concatenate(g, layer, ins, out_shapes):
    return [g.op("Concat", [v.name for v in ins], layer.name, axis=layer.axis % ins[0].ndim)]


def _l2_normalize(g, x, axis, hint):
    square_sum = g.reduce("ReduceSum", g.op("Mul", [x, x], hint), [axis], hint)
    norm = g.op("Sqrt", [g.op("Max", [square_sum, g.const(np.float32(1e-12), f"{hint}/eps")], hint)], hint)
    return g.op("Div", [x, norm], hint)


@converts(layers.Dot)
def _dot(g, layer, ins, out_shapes):
    a, b = ins
    axes = layer.axes if isinstance(layer.axes, (list, tuple)) else (layer.axes, layer.axes)
    ax, bx = axes[0] % a.ndim, axes[1] % b.ndim
    if any(d is None for d in a.shape[1:] + b.shape[1:]):
        raise ExportError(f"Layer '{layer.name}' (Dot): inputs {a.shape} and {b.shape} need known sizes past the batch")
    an, bn = a.name, b.name
    if layer.normalize:
        an, bn = _l2_normalize(g, an, ax, layer.name), _l2_normalize(g, bn, bx, layer.name)
    # As Keras: contracted axis of a last, of b first after the batch; a batched matmul.
    a_perm = [i for i in range(a.ndim) if i != ax] + [ax]
    b_perm = [0, bx] + [i for i in range(1, b.ndim) if i != bx]
    a3 = g.reshape(g.transpose(an, a_perm, layer.name), [0, -1, a.shape[ax]], layer.name)
    b3 = g.reshape(g.transpose(bn, b_perm, layer.name), [0, b.shape[bx], -1], layer.name)
    out = g.op("MatMul", [a3, b3], layer.name)
    return [g.reshape(out, [0, *out_shapes[0].shape[1:]], layer.name)]


# ---------------------------------------------------------------------------------------------
# normalization

@converts(layers.BatchNormalization)
def _batch_norm(g, layer, ins, out_shapes):
    axis = layer._channel_axis
    mean = weight(layer.moving_mean).astype(np.float64)
    var = weight(layer.moving_variance).astype(np.float64)
    gamma = weight(layer.gamma).astype(np.float64) if layer.gamma is not None else 1.0
    beta = weight(layer.beta).astype(np.float64) if layer.beta is not None else 0.0
    scale = gamma / np.sqrt(var + layer.epsilon)
    shift = beta - mean * scale
    shape = [1] * ins[0].ndim
    shape[axis] = -1
    y = g.op("Mul", [ins[0].name, g.const(scale.reshape(shape), f"{layer.name}/scale")], layer.name)
    return [g.op("Add", [y, g.const(shift.reshape(shape), f"{layer.name}/shift")], layer.name)]


def _moments(g, x, axes, hint):
    mean = g.reduce("ReduceMean", x, axes, hint)
    centered = g.op("Sub", [x, mean], hint)
    var = g.reduce("ReduceMean", g.op("Mul", [centered, centered], hint), axes, hint)
    return centered, var


def _param(layer, variable, ndim, axes, hint, g):
    shape = [1] * ndim
    values = weight(variable)
    for a, d in zip(sorted(axes), values.shape if values.ndim == len(axes) else (values.size,)):
        shape[a] = d
    return g.const(values.reshape(shape), f"{layer.name}/{hint}")


@converts(layers.LayerNormalization)
def _layer_norm(g, layer, ins, out_shapes):
    x, axes, eps = ins[0].name, list(layer.axis), g.const(np.float32(layer.epsilon), f"{layer.name}/epsilon")
    centered, var = _moments(g, x, axes, layer.name)
    if layer.rms_scaling:
        y = g.op("Div", [x, g.op("Sqrt", [g.op("Add", [var, eps], layer.name)], layer.name)], layer.name)
    else:
        y = g.op("Div", [centered, g.op("Sqrt", [g.op("Add", [var, eps], layer.name)], layer.name)], layer.name)
    if layer.gamma is not None:
        y = g.op("Mul", [y, _param(layer, layer.gamma, ins[0].ndim, axes, "gamma", g)], layer.name)
    if layer.beta is not None and not layer.rms_scaling:
        y = g.op("Add", [y, _param(layer, layer.beta, ins[0].ndim, axes, "beta", g)], layer.name)
    return [y]


@converts(layers.GroupNormalization)
def _group_norm(g, layer, ins, out_shapes):
    v, a = ins[0], layer._channel_axis
    if any(d is None for d in v.shape[1:]):
        raise ExportError(f"Layer '{layer.name}' (GroupNormalization): input {v.shape} needs known sizes past the "
                          "batch")
    grouped = [0, *v.shape[1:a], layer.groups, layer._channels // layer.groups, *v.shape[a + 1:]]
    x = g.reshape(v.name, grouped, layer.name)
    axes = [i for i in range(1, v.ndim + 1) if i != a]
    centered, var = _moments(g, x, axes, layer.name)
    eps = g.const(np.float32(layer.epsilon), f"{layer.name}/epsilon")
    y = g.op("Div", [centered, g.op("Sqrt", [g.op("Add", [var, eps], layer.name)], layer.name)], layer.name)
    y = g.reshape(y, [0, *v.shape[1:]], layer.name)
    if layer.gamma is not None:
        y = g.op("Mul", [y, _param(layer, layer.gamma, v.ndim, [a], "gamma", g)], layer.name)
    if layer.beta is not None:
        y = g.op("Add", [y, _param(layer, layer.beta, v.ndim, [a], "beta", g)], layer.name)
    return [y]


@converts(layers.UnitNormalization)
def _unit_norm(g, layer, ins, out_shapes):
    axes = layer.axis if isinstance(layer.axis, (list, tuple)) else [layer.axis]
    axes = [ax % ins[0].ndim for ax in axes]
    x = ins[0].name
    square_sum = g.reduce("ReduceSum", g.op("Mul", [x, x], layer.name), axes, layer.name)
    floor = g.const(np.float32(1e-12), f"{layer.name}/eps")
    return [g.op("Div", [x, g.op("Sqrt", [g.op("Max", [square_sum, floor], layer.name)], layer.name)], layer.name)]


@converts(layers.RMSNormalization)
def _rms_norm(g, layer, ins, out_shapes):
    x = ins[0].name
    mean_square = g.reduce("ReduceMean", g.op("Mul", [x, x], layer.name), layer._axes, layer.name)
    eps = g.const(np.float32(layer.epsilon), f"{layer.name}/epsilon")
    y = g.op("Div", [x, g.op("Sqrt", [g.op("Add", [mean_square, eps], layer.name)], layer.name)], layer.name)
    return [g.op("Mul", [y, _param(layer, layer.scale, ins[0].ndim, layer._axes, "scale", g)], layer.name)]


# ---------------------------------------------------------------------------------------------
# reshaping

def _spatial_axes(data_format: str, rank: int) -> list:
    return list(range(1, rank + 1)) if data_format == "channels_last" else list(range(2, rank + 2))


@converts(layers.ZeroPadding1D, layers.ZeroPadding2D)
def _zero_padding(g, layer, ins, out_shapes):
    pairs = [tuple(layer.padding)] if isinstance(layer, layers.ZeroPadding1D) else [tuple(p) for p in layer.padding]
    data_format = getattr(layer, "data_format", "channels_last")
    begins, ends = [0] * ins[0].ndim, [0] * ins[0].ndim
    for axis, (lo, hi) in zip(_spatial_axes(data_format, len(pairs)), pairs):
        begins[axis], ends[axis] = lo, hi
    return [g.op("Pad", [ins[0].name, g.ints(begins + ends, f"{layer.name}/pads")], layer.name)]


@converts(layers.Cropping1D, layers.Cropping2D)
def _cropping(g, layer, ins, out_shapes):
    pairs = [tuple(layer.cropping)] if isinstance(layer, layers.Cropping1D) else [tuple(p) for p in layer.cropping]
    data_format = getattr(layer, "data_format", "channels_last")
    axes = _spatial_axes(data_format, len(pairs))
    starts = [lo for lo, _ in pairs]
    ends = [-hi if hi else np.iinfo(np.int64).max for _, hi in pairs]
    return [g.op("Slice", [ins[0].name, g.ints(starts, f"{layer.name}/starts"), g.ints(ends, f"{layer.name}/ends"),
                           g.ints(axes, f"{layer.name}/axes")], layer.name)]


@converts(layers.UpSampling1D, layers.UpSampling2D)
def _up_sampling(g, layer, ins, out_shapes):
    if getattr(layer, "interpolation", "nearest") != "nearest":
        raise ExportError(f"Layer '{layer.name}' (UpSampling2D): interpolation {layer.interpolation!r} has no exact "
                          "ONNX export; only 'nearest' is exported")
    sizes = [layer.size] if isinstance(layer, layers.UpSampling1D) else list(layer.size)
    axes = _spatial_axes(getattr(layer, "data_format", "channels_last"), len(sizes))
    scales = np.ones(ins[0].ndim, dtype=np.float32)
    scales[axes] = sizes
    # Output cell i copies input cell floor(i / size): each cell repeated `size` times, as Keras.
    return [g.op("Resize", [ins[0].name, "", g.const(scales, f"{layer.name}/scales")], layer.name, mode="nearest",
                 coordinate_transformation_mode="asymmetric", nearest_mode="floor")]
