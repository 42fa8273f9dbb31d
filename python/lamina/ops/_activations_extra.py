"""keras.ops.nn activations and helpers composed from engine ops: celu, glu, the shrink
family, hard_tanh, log_sigmoid, sparse_plus, sparse_sigmoid, squareplus, threshold, multi_hot,
normalize, rms_normalization, psnr, depth_to_space and space_to_depth."""

from __future__ import annotations

import math

from lamina import _core
from lamina.ops._linearize import float_tensor, to_tensor


def celu(x, alpha: float = 1.0):
    """Continuously differentiable ELU: max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    x = float_tensor(x)
    neg = _core.multiply(_core.expm1(_core.divide(_core.minimum(x, 0.0), alpha)), alpha)
    return _core.add(_core.relu(x), neg)


def glu(x, axis: int = -1):
    """Gated linear unit: the first half of `axis` times the sigmoid of the second half."""
    x = float_tensor(x)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: axis {axis} must have an even size, got shape {tuple(x.shape)}")
    a, b = _core.split(x, 2, axis)
    return _core.multiply(a, _core.sigmoid(b))


def hard_shrink(x, threshold: float = 0.5):
    """x where |x| > threshold, else 0."""
    x = float_tensor(x)
    return _core.where(_core.greater(_core.abs(x), threshold), x, _core.zeros_like(x))


def soft_shrink(x, threshold: float = 0.5):
    """x - threshold above threshold, x + threshold below -threshold, 0 between."""
    x = float_tensor(x)
    zero = _core.zeros_like(x)
    return _core.where(_core.greater(x, threshold), _core.subtract(x, threshold),
                       _core.where(_core.less(x, -threshold), _core.add(x, threshold), zero))


def tanh_shrink(x):
    """x - tanh(x)."""
    x = float_tensor(x)
    return _core.subtract(x, _core.tanh(x))


def hard_tanh(x):
    """x clipped to [-1, 1]."""
    return _core.clip(float_tensor(x), -1.0, 1.0)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return _core.negative(_core.softplus(_core.negative(float_tensor(x))))


def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, (x + 1)^2 / 4 between."""
    x = float_tensor(x)
    mid = _core.multiply(_core.square(_core.add(x, 1.0)), 0.25)
    return _core.where(_core.less_equal(x, -1.0), _core.zeros_like(x), _core.where(_core.greater_equal(x, 1.0), x, mid))


def sparse_sigmoid(x):
    """0 for x <= -1, 1 for x >= 1, (x + 1) / 2 between."""
    x = float_tensor(x)
    return _core.clip(_core.multiply(_core.add(x, 1.0), 0.5), 0.0, 1.0)


def squareplus(x, b: float = 4):
    """(x + sqrt(x^2 + b)) / 2."""
    x = float_tensor(x)
    return _core.multiply(_core.add(x, _core.sqrt(_core.add(_core.square(x), float(b)))), 0.5)


def threshold(x, threshold, default_value):  # noqa: A002 (keras.ops argument name)
    """x where x > threshold, else default_value."""
    x = float_tensor(x)
    return _core.where(_core.greater(x, threshold), x, _core.full_like(x, default_value))


def sparsemax(x, axis: int = -1):
    """Euclidean projection of x onto the probability simplex along `axis` (sparse softmax)."""
    from lamina.ops._sorting import cumsum, sort

    x = float_tensor(x)
    z = _core.moveaxis(x, axis, -1)
    n = z.shape[-1]
    zs = _core.flip(sort(z, -1), -1)  # descending
    k = _core.arange(1, n + 1, 1, z.dtype)
    csum = cumsum(zs, -1)
    support = _core.cast(_core.greater(_core.add(_core.multiply(k, zs), 1.0), csum), z.dtype)
    k_z = _core.sum(support, -1, True)
    tau = _core.divide(_core.subtract(_core.sum(_core.multiply(zs, support), -1, True), 1.0), k_z)
    return _core.moveaxis(_core.relu(_core.subtract(z, tau)), -1, axis)


def mish(x):
    """x * tanh(softplus(x))."""
    x = float_tensor(x)
    return _core.multiply(x, _core.tanh(_core.softplus(x)))


def multi_hot(inputs, num_classes=None, axis: int = -1, dtype=None, sparse: bool = False, **kwargs):
    """Multi-hot encoding: 1 at every class index present in each row of integer `inputs`."""
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("multi_hot: num_classes is required")
    if sparse:
        raise ValueError("multi_hot: sparse=True is not supported (lamina has no sparse tensors)")
    x = to_tensor(inputs)
    reduce_axis = 1 if len(x.shape) > 1 else 0
    return _core.max(_core.one_hot(x, num_classes, axis, dtype or "float32"), reduce_axis)


def normalize(x, axis: int = -1, order: int = 2, epsilon: float | None = None):
    """x divided by its `order`-norm along `axis` (norms below epsilon count as epsilon)."""
    from lamina.config import epsilon as default_epsilon
    from lamina.ops._decompositions import norm

    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: order must be an int >= 1, got {order!r}")
    x = float_tensor(x)
    if len(x.shape) == 0:
        x = _core.expand_dims(x, 0)
    eps = default_epsilon() if epsilon is None else epsilon
    if order == 2:
        inv_norm = _core.minimum(_core.rsqrt(_core.sum(_core.square(x), axis, True)), 1.0 / eps)
        return _core.multiply(x, inv_norm)
    return _core.divide(x, _core.maximum(norm(x, order, axis, True), eps))


def rms_normalization(x, scale=None, axis: int = -1, epsilon: float | None = None):
    """x / sqrt(mean(x^2 over axis) + epsilon), times `scale`."""
    from lamina.config import epsilon as default_epsilon

    x = float_tensor(x)
    eps = default_epsilon() if epsilon is None else epsilon
    out = _core.multiply(x, _core.rsqrt(_core.add(_core.mean(_core.square(x), axis, True), eps)))
    return out if scale is None else _core.multiply(out, scale)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio in dB: 20 log10(max_val) - 10 log10(mean squared error)."""
    x1, x2 = float_tensor(x1), float_tensor(x2)
    if tuple(x1.shape) != tuple(x2.shape):
        raise ValueError(f"psnr: shapes differ, {tuple(x1.shape)} and {tuple(x2.shape)}")
    mse = _core.mean(_core.square(_core.subtract(x1, x2)))
    return _core.subtract(20.0 * math.log10(max_val), _core.multiply(_core.log(mse), 10.0 / math.log(10.0)))


def depth_to_space(x, block_size: int, data_format: str = "channels_last"):
    """Moves blocks of channels into spatial blocks of size block_size x block_size (4-D input).

    Channels split as (block row, block column, channel) for channels_last and as (channel,
    block row, block column) for channels_first (PyTorch's pixel shuffle), as in Keras.
    """
    x = to_tensor(x)
    b = block_size
    c = x.shape[1] if data_format == "channels_first" else x.shape[3]
    if c % (b * b):
        raise ValueError(f"depth_to_space: channels ({c}) must be divisible by block_size^2 ({b * b})")
    if data_format == "channels_first":
        n, c, h, w = x.shape
        y = _core.reshape(x, [n, c // (b * b), b, b, h, w])
        return _core.reshape(_core.transpose(y, [0, 1, 4, 2, 5, 3]), [n, c // (b * b), h * b, w * b])
    n, h, w, c = x.shape
    y = _core.reshape(x, [n, h, w, b, b, c // (b * b)])
    return _core.reshape(_core.transpose(y, [0, 1, 3, 2, 4, 5]), [n, h * b, w * b, c // (b * b)])


def space_to_depth(x, block_size: int, data_format: str = "channels_last"):
    """Moves spatial blocks of size block_size x block_size into channels (4-D input); the
    inverse of depth_to_space."""
    x = to_tensor(x)
    b = block_size
    h, w = (x.shape[2], x.shape[3]) if data_format == "channels_first" else (x.shape[1], x.shape[2])
    if h % b or w % b:
        raise ValueError(f"space_to_depth: height and width ({h}, {w}) must be divisible by block_size {b}")
    if data_format == "channels_first":
        n, c, h, w = x.shape
        y = _core.reshape(x, [n, c, h // b, b, w // b, b])
        return _core.reshape(_core.transpose(y, [0, 1, 3, 5, 2, 4]), [n, c * b * b, h // b, w // b])
    n, h, w, c = x.shape
    y = _core.reshape(x, [n, h // b, b, w // b, b, c])
    return _core.reshape(_core.transpose(y, [0, 1, 3, 2, 4, 5]), [n, h // b, w // b, b * b * c])


__all__ = [
    "celu", "glu", "hard_shrink", "soft_shrink", "tanh_shrink", "hard_tanh", "log_sigmoid", "sparse_plus",
    "sparse_sigmoid", "squareplus", "threshold", "multi_hot", "normalize", "rms_normalization", "psnr",
    "depth_to_space", "space_to_depth", "sparsemax", "mish",
]
