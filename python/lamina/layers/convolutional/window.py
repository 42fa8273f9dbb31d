"""Argument checks and window arithmetic shared by the convolution, pooling and reshaping layers.

Output sizes follow TensorFlow's padding rules (as Keras does), so symbolic shapes are known
without running the layer:
- "valid": `(n - window) // stride + 1` cells (an error when the window does not fit),
- "same" and "causal": `ceil(n / stride)` cells,
where `window = (kernel - 1) * dilation + 1`.
"""

from __future__ import annotations

import operator


def standardize_tuple(value, n: int, name: str, allow_zero: bool = False) -> tuple:
    """An int or `n` ints as a tuple of `n` Python ints; each must be positive (or >= 0 with
    `allow_zero`)."""
    message = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    try:
        if isinstance(value, bool):
            raise TypeError
        values = (operator.index(value),) * n if not hasattr(value, "__len__") else tuple(value)
        if len(values) != n or any(isinstance(v, bool) for v in values):
            raise TypeError
        values = tuple(operator.index(v) for v in values)
    except TypeError:
        raise ValueError(message) from None
    floor = 0 if allow_zero else 1
    bad = sorted({v for v in values if v < floor})
    if bad:
        raise ValueError(f"{message}, including values {bad} that do not satisfy `value {'>= 0' if allow_zero else '> 0'}`")
    return values


def standardize_padding(value, allow_causal: bool = False) -> str:
    """"valid" / "same" (and "causal" where allowed), case-insensitive."""
    padding = str(value).lower()
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be one of {allowed}. Received: padding={value!r}")
    return padding


def check_strides_dilation(strides: tuple, dilation_rate: tuple) -> None:
    """Keras refuses strides > 1 together with dilation > 1 (TensorFlow cannot run it)."""
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError("`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                         f"Received: strides={strides} and dilation_rate={dilation_rate}")


def output_length(size, window: int, stride: int, padding: str):
    """Output cells along one axis of a convolution or pooling window (None stays None)."""
    if size is None:
        return None
    if padding == "valid":
        return (size - window) // stride + 1 if size >= window else 0
    return -(-size // stride)


def transpose_output_length(size, window: int, stride: int, padding: str, output_padding):
    """Output cells along one axis of a transposed convolution (Keras' deconv_output_length)."""
    if size is None:
        return None
    if output_padding is None:
        return size * stride + max(window - stride, 0) if padding == "valid" else size * stride
    pad = 0 if padding == "valid" else window // 2
    return (size - 1) * stride + window - 2 * pad + output_padding


def spatial_axes(data_format: str, rank: int) -> list:
    """Indices of the spatial axes of a `(batch, ..., channels)` or `(batch, channels, ...)` input."""
    return list(range(1, 1 + rank)) if data_format == "channels_last" else list(range(2, 2 + rank))


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else 1


def check_rank(layer, shape, rank: int) -> None:
    """Raises a Keras-style error unless the input has `rank` spatial axes."""
    shape = tuple(shape)
    if len(shape) != rank + 2:
        raise ValueError(
            f"Input 0 of layer \"{layer.name}\" ({type(layer).__name__}) is incompatible with the layer: "
            f"expected ndim={rank + 2}, found ndim={len(shape)}. Full shape received: {shape}"
        )


def check_channels(layer, shape, data_format: str, expected: int) -> None:
    """Raises a Keras-style error when the input's channel axis differs from the built one."""
    shape = tuple(shape)
    axis = channel_axis(data_format)
    if shape[axis] != expected:
        raise ValueError(
            f"Input 0 of layer \"{layer.name}\" ({type(layer).__name__}) is incompatible with the layer: "
            f"expected axis {axis} of input shape to have value {expected}, but received input with shape {shape}"
        )


def known_channels(layer, shape, data_format: str) -> int:
    """The channel count of an input shape, which must be known to build the weights."""
    channels = tuple(shape)[channel_axis(data_format)]
    if channels is None:
        raise ValueError(
            f"Layer \"{layer.name}\" ({type(layer).__name__}): the channel dimension of the inputs must be known "
            f"({data_format}), got shape {tuple(shape)}"
        )
    return int(channels)


def windowed_output_shape(layer, input_shape, channels, window_sizes, strides, padding: str, data_format: str,
                          dilation_rate=None) -> tuple:
    """Output shape of a convolution or pooling layer, raising when a window does not fit."""
    input_shape = tuple(input_shape)
    rank = len(window_sizes)
    check_rank(layer, input_shape, rank)
    dilation_rate = dilation_rate or (1,) * rank
    axes = spatial_axes(data_format, rank)
    spatial = []
    for i, axis in enumerate(axes):
        window = (window_sizes[i] - 1) * dilation_rate[i] + 1
        n = output_length(input_shape[axis], window, strides[i], padding)
        if n is not None and n <= 0:
            raise ValueError(
                f"Layer \"{layer.name}\" ({type(layer).__name__}): computed output size would be negative or zero "
                f"for input shape {input_shape}: spatial axis {axis} has {input_shape[axis]} cells, the window "
                f"covers {window} (size {window_sizes[i]}, dilation {dilation_rate[i]}) with padding='{padding}'"
            )
        spatial.append(n)
    if data_format == "channels_last":
        return (input_shape[0], *spatial, channels)
    return (input_shape[0], channels, *spatial)
