"""ONNX converters for convolutions (plain, transposed, depthwise, separable) and pooling.

ONNX convolves channels-first tensors: a channels_last layer is wrapped in two Transposes
(ONNX Runtime's optimizer cancels the pairs between consecutive layers). Keras' "same"
padding puts the odd cell at the end, which is ONNX's SAME_UPPER.
"""

from __future__ import annotations

import numpy as np

from lamina import layers
from lamina.export.onnx_graph import ExportError
from lamina.export.onnx_layers import apply_activation, converts, weight


def _to_channels_first(g, layer, x: str, ndim: int) -> str:
    if layer.data_format == "channels_first":
        return x
    return g.transpose(x, [0, ndim - 1] + list(range(1, ndim - 1)), layer.name)


def _to_channels_last(g, layer, y: str, ndim: int) -> str:
    if layer.data_format == "channels_first":
        return y
    return g.transpose(y, [0] + list(range(2, ndim)) + [1], layer.name)


def _padding_attrs(layer, kernel_size, dilation) -> dict:
    if layer.padding == "valid":
        return {"pads": [0] * (2 * len(kernel_size))}
    if layer.padding == "causal":  # all the padding before the first step
        return {"pads": [(kernel_size[0] - 1) * dilation[0], 0]}
    if all(d == 1 for d in dilation):
        return {"auto_pad": "SAME_UPPER"}
    # ONNX Runtime has no SAME_UPPER with dilation; Keras allows dilation only with stride 1,
    # where "same" pads extent - 1 cells, the odd one at the end.
    totals = [(k - 1) * d for k, d in zip(kernel_size, dilation)]
    return {"pads": [t // 2 for t in totals] + [t - t // 2 for t in totals]}


def _conv_kernel(kernel: np.ndarray) -> np.ndarray:
    """Keras (*window, in, out) -> ONNX (out, in, *window)."""
    rank = kernel.ndim - 2
    return kernel.transpose([rank + 1, rank] + list(range(rank)))


def _depthwise_kernel(kernel: np.ndarray) -> np.ndarray:
    """Keras (*window, channels, multiplier) -> ONNX (channels * multiplier, 1, *window), output
    channel c * multiplier + m as in Keras."""
    rank = kernel.ndim - 2
    window, channels, multiplier = kernel.shape[:rank], kernel.shape[rank], kernel.shape[rank + 1]
    flat = kernel.reshape(*window, channels * multiplier)
    return flat.transpose([rank] + list(range(rank)))[:, None]


def _finish(g, layer, y: str, ndim: int) -> str:
    if layer.bias is not None:
        bias = weight(layer.bias).reshape([-1] + [1] * (ndim - 2))
        y = g.op("Add", [y, g.const(bias, f"{layer.name}/bias")], layer.name)
    y = _to_channels_last(g, layer, y, ndim)
    return apply_activation(g, layer.activation, y, layer.name, layer)


@converts(layers.Conv1D, layers.Conv2D)
def _conv(g, layer, ins, out_shapes):
    ndim = ins[0].ndim
    x = _to_channels_first(g, layer, ins[0].name, ndim)
    y = g.op("Conv", [x, g.const(_conv_kernel(weight(layer.kernel)), f"{layer.name}/kernel")], layer.name,
             strides=list(layer.strides), dilations=list(layer.dilation_rate), group=layer.groups,
             **_padding_attrs(layer, layer.kernel_size, layer.dilation_rate))
    return [_finish(g, layer, y, ndim)]


@converts(layers.DepthwiseConv1D, layers.DepthwiseConv2D)
def _depthwise(g, layer, ins, out_shapes):
    ndim = ins[0].ndim
    x = _to_channels_first(g, layer, ins[0].name, ndim)
    kernel = weight(layer.kernel)
    y = g.op("Conv", [x, g.const(_depthwise_kernel(kernel), f"{layer.name}/depthwise")], layer.name,
             strides=list(layer.strides), dilations=list(layer.dilation_rate), group=kernel.shape[-2],
             **_padding_attrs(layer, layer.kernel_size, layer.dilation_rate))
    return [_finish(g, layer, y, ndim)]


@converts(layers.SeparableConv1D, layers.SeparableConv2D)
def _separable(g, layer, ins, out_shapes):
    ndim = ins[0].ndim
    x = _to_channels_first(g, layer, ins[0].name, ndim)
    depthwise = weight(layer.depthwise_kernel)
    y = g.op("Conv", [x, g.const(_depthwise_kernel(depthwise), f"{layer.name}/depthwise")], layer.name,
             strides=list(layer.strides), dilations=list(layer.dilation_rate), group=depthwise.shape[-2],
             **_padding_attrs(layer, layer.kernel_size, layer.dilation_rate))
    y = g.op("Conv", [y, g.const(_conv_kernel(weight(layer.pointwise_kernel)), f"{layer.name}/pointwise")], layer.name)
    return [_finish(g, layer, y, ndim)]


def _transpose_pads(layer) -> tuple[list, list, list]:
    """ONNX (pads begin, pads end, output_padding) giving Keras' conv_transpose output.

    Keras pads the stride-dilated input by (left, right) before a plain convolution with the
    flipped kernel; ONNX crops `pads` from a full transposed convolution and appends
    `output_padding` cells at the end, i.e. it pads by (k-1-begin, k-1-end+output_padding).
    """
    begins, ends, extras = [], [], []
    for i, (k, s, d) in enumerate(zip(layer.kernel_size, layer.strides, layer.dilation_rate)):
        extent = (k - 1) * d + 1
        out_pad = None if layer.output_padding is None else layer.output_padding[i]
        if layer.padding == "valid":
            left = extent - 1
            right = extent - 1 + (max(extent, s) - extent if out_pad is None else out_pad)
        else:
            pad_len = s + extent - 2 if out_pad is None else extent + extent % 2 - 2 + out_pad
            left = min(pad_len // 2 + pad_len % 2, extent - 1)
            right = pad_len - left
        begin = extent - 1 - left
        end = max(extent - 1 - right, 0)
        begins.append(begin)
        ends.append(end)
        extras.append(right - (extent - 1) + end)
    return begins, ends, extras


@converts(layers.Conv1DTranspose, layers.Conv2DTranspose)
def _conv_transpose(g, layer, ins, out_shapes):
    ndim = ins[0].ndim
    begins, ends, extras = _transpose_pads(layer)
    if any(e >= max(s, d) for e, s, d in zip(extras, layer.strides, layer.dilation_rate)):
        raise ExportError(f"Layer '{layer.name}' ({type(layer).__name__}): padding {layer.padding!r} with "
                          f"output_padding {layer.output_padding} has no ONNX ConvTranspose equivalent")
    x = _to_channels_first(g, layer, ins[0].name, ndim)
    kernel = weight(layer.kernel)  # (*window, out, in) -> ONNX (in, out, *window)
    rank = kernel.ndim - 2
    kernel = kernel.transpose([rank + 1, rank] + list(range(rank)))
    y = g.op("ConvTranspose", [x, g.const(kernel, f"{layer.name}/kernel")], layer.name, strides=list(layer.strides),
             dilations=list(layer.dilation_rate), pads=begins + ends, output_padding=extras)
    return [_finish(g, layer, y, ndim)]


@converts(layers.MaxPooling1D, layers.MaxPooling2D, layers.AveragePooling1D, layers.AveragePooling2D)
def _pool(g, layer, ins, out_shapes):
    ndim = ins[0].ndim
    x = _to_channels_first(g, layer, ins[0].name, ndim)
    attrs = {"kernel_shape": list(layer.pool_size), "strides": list(layer.strides)}
    attrs.update({"auto_pad": "SAME_UPPER"} if layer.padding == "same" else {"pads": [0] * (2 * len(layer.pool_size))})
    op_type = "MaxPool" if layer.pool_mode == "max" else "AveragePool"
    y = g.op(op_type, [x], layer.name, **attrs)  # AveragePool leaves padding out of the count, as Keras
    return [_to_channels_last(g, layer, y, ndim)]


@converts(layers.GlobalAveragePooling1D, layers.GlobalAveragePooling2D, layers.GlobalMaxPooling1D,
          layers.GlobalMaxPooling2D)
def _global_pool(g, layer, ins, out_shapes):
    rank = layer.pool_dimensions
    axes = list(range(1, rank + 1)) if layer.data_format == "channels_last" else list(range(2, rank + 2))
    op_type = "ReduceMax" if isinstance(layer, (layers.GlobalMaxPooling1D, layers.GlobalMaxPooling2D)) else "ReduceMean"
    return [g.reduce(op_type, ins[0].name, axes, layer.name, keepdims=int(layer.keepdims))]


def masked_global_average(g, layer, value) -> str:
    """GlobalAveragePooling1D over the unmasked steps only, as Keras does with a mask."""
    steps = 1 if layer.data_format == "channels_last" else 2
    keep = g.op("Cast", [value.mask], layer.name, to=1)
    keep = g.op("Unsqueeze", [keep, g.ints([2 if steps == 1 else 1], f"{layer.name}/axis")], layer.name)
    total = g.reduce("ReduceSum", g.op("Mul", [value.name, keep], layer.name), [steps], layer.name,
                     keepdims=int(layer.keepdims))
    count = g.reduce("ReduceSum", keep, [steps], layer.name, keepdims=int(layer.keepdims))
    return g.op("Div", [total, count], layer.name)
