"""3-D windows as 2-D engine ops over depth slices: the engine's conv/pool ops are 1-D and 2-D,
so a 3-D window op gathers, for each depth tap, the input slices every output depth reads,
folds depth into the batch, runs the 2-D op, and combines the taps. Gradients follow from the
gather, reshape and 2-D ops. (A native 3-D engine kernel is still to come.)"""

from __future__ import annotations

import numpy as np

from lamina import _core, ops


def to_channels_last(x, data_format):
    return x if data_format == "channels_last" else ops.transpose(x, (0, 2, 3, 4, 1))


def from_channels_last(x, data_format):
    return x if data_format == "channels_last" else ops.transpose(x, (0, 4, 1, 2, 3))


def depth_plan(depth: int, window: int, stride: int, dilation: int, padding: str):
    """(pad_before, output depth): TensorFlow's "same"/"valid" rule along depth."""
    span = (window - 1) * dilation + 1
    if padding == "same":
        out = -(-depth // stride)
        total = max((out - 1) * stride + span - depth, 0)
        return total // 2, out
    return 0, max((depth - span) // stride + 1, 0)


def fold(x, indices: np.ndarray):
    """Slices `indices` along depth of (B, D, H, W, C), folded into the batch: (B * n, H, W, C)."""
    b, _, h, w, c = x.shape
    slab = ops.take(x, _core.convert_to_tensor(indices.astype("int64")), axis=1)
    return ops.reshape(slab, (b * len(indices), h, w, c))


def unfold(y, batch: int):
    n = y.shape[0] // batch
    return ops.reshape(y, (batch, n) + tuple(y.shape[1:]))


def conv3d(x, kernel, strides, padding, dilation_rate):
    """Channels-last 3-D convolution: one 2-D convolution per depth tap of the kernel."""
    depth = x.shape[1]
    pad, out_depth = depth_plan(depth, kernel.shape[0], strides[0], dilation_rate[0], padding)
    span = (kernel.shape[0] - 1) * dilation_rate[0] + 1
    if padding == "same":
        total = max((out_depth - 1) * strides[0] + span - depth, 0)
        x = ops.pad(x, [(0, 0), (pad, total - pad), (0, 0), (0, 0), (0, 0)])
    out = None
    for tap in range(kernel.shape[0]):
        idx = np.arange(out_depth) * strides[0] + tap * dilation_rate[0]
        y = ops.conv(fold(x, idx), kernel[tap], strides=strides[1:], padding=padding, dilation_rate=dilation_rate[1:])
        out = y if out is None else ops.add(out, y)
    return unfold(out, x.shape[0])


def pool3d(x, pool_size, strides, padding, mode: str):
    """Channels-last 3-D max or average pooling: 2-D pooling of each depth slice, then the depth
    windows (padded cells never win a max and are not counted in an average)."""
    b, depth = x.shape[0], x.shape[1]
    pool2d = ops.max_pool if mode == "max" else ops.average_pool
    planes = unfold(pool2d(fold(x, np.arange(depth)), pool_size[1:], strides=strides[1:], padding=padding), b)
    pad, out_depth = depth_plan(depth, pool_size[0], strides[0], 1, padding)
    out, count = None, np.zeros(out_depth)
    for tap in range(pool_size[0]):
        idx = np.arange(out_depth) * strides[0] + tap - pad
        valid = (idx >= 0) & (idx < depth)
        # A clamped index stays inside its window, so it never changes a max.
        v = ops.take(planes, _core.convert_to_tensor(np.clip(idx, 0, depth - 1).astype("int64")), axis=1)
        if mode == "max":
            out = v if out is None else ops.maximum(out, v)
        else:
            v = ops.multiply(v, _core.convert_to_tensor(valid.astype(x.dtype).reshape(1, -1, 1, 1, 1)))
            out = v if out is None else ops.add(out, v)
            count += valid
    if mode == "average":
        out = ops.divide(out, _core.convert_to_tensor(count.astype(x.dtype).reshape(1, -1, 1, 1, 1)))
    return out


def _transpose_depth_pads(window: int, stride: int, padding: str, output_padding):
    """Padding of the stride-dilated depth axis so that a plain correlation with the flipped
    kernel gives Keras' transposed-convolution output (its jax backend's rule)."""
    if padding == "valid":
        extra = max(window, stride) - window if output_padding is None else output_padding
        return window - 1, window - 1 + extra
    pad = stride + window - 2 if output_padding is None else window + window % 2 - 2 + output_padding
    left = min(pad // 2 + pad % 2, window - 1)
    return left, pad - left


def conv3d_transpose(x, kernel, strides, padding, output_padding, dilation_rate):
    """Channels-last 3-D transposed convolution (kernel `(kd, kh, kw, filters, in)`): depth is
    dilated by the stride, padded, and correlated with the depth-flipped kernel, each depth tap
    a 2-D transposed convolution."""
    b, depth, h, w, c = x.shape
    s, dil, k = strides[0], dilation_rate[0], kernel.shape[0]
    if s > 1:  # insert s - 1 zero slices between input slices
        zeros = ops.zeros((b, depth, s - 1, h, w, c), dtype=x.dtype)
        x = ops.reshape(ops.concatenate([ops.expand_dims(x, 2), zeros], axis=2), (b, depth * s, h, w, c))
        x = ops.take(x, _core.convert_to_tensor(np.arange((depth - 1) * s + 1)), axis=1)
    extent = (k - 1) * dil + 1
    left, right = _transpose_depth_pads(extent, s, padding, None if output_padding is None else output_padding[0])
    x = ops.pad(x, [(0, 0), (left, right), (0, 0), (0, 0), (0, 0)])
    out_depth = x.shape[1] - extent + 1
    hw_padding = None if output_padding is None else output_padding[1:]
    out = None
    for tap in range(k):
        idx = np.arange(out_depth) + tap * dil
        y = ops.conv_transpose(fold(x, idx), kernel[k - 1 - tap], strides=strides[1:], padding=padding,
                               output_padding=hw_padding, dilation_rate=dilation_rate[1:])
        out = y if out is None else ops.add(out, y)
    return unfold(out, b)
