"""Image ops with keras.ops.image names, composed from engine ops (gradients through the
engine): pad_images, crop_images, rgb_to_grayscale, rgb_to_hsv, hsv_to_rgb, extract_patches.
Images are rank 3 (one image) or rank 4 (a batch), channels_last unless data_format says
otherwise (the default comes from lamina.config.image_data_format)."""

from __future__ import annotations

from lamina import _core
from lamina.config import standardize_data_format
from lamina.ops._linearize import to_tensor


def _check_rank(images, op: str):
    images = to_tensor(images)
    if len(images.shape) not in (3, 4):
        raise ValueError(f"{op}: expected rank 3 (one image) or rank 4 (a batch), got shape {tuple(images.shape)}")
    return images


def _hw_axes(images, data_format):
    nd = len(images.shape)
    return (nd - 3, nd - 2) if data_format == "channels_last" else (nd - 2, nd - 1)


def _resolve(before, after, target, size, what: str):
    given = [v is not None for v in (before, after, target)]
    if sum(given) != 2:
        raise ValueError(f"{what}: give exactly two of the {what.split('_')[0]} amounts and the target size, "
                         f"got {before}, {after}, {target}")
    if before is None:
        before = target - after - size if what.endswith("padding") else size - target - after
    if after is None:
        after = target - before - size if what.endswith("padding") else size - target - before
    if before < 0 or after < 0:
        raise ValueError(f"{what}: amounts must be >= 0, got {before} and {after} for size {size} and target {target}")
    return before, after


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    """Pads images with zeros to `target_height` x `target_width` or by the given amounts
    (per axis, give two of: padding before, padding after, target size)."""
    images = _check_rank(images, "pad_images")
    fmt = standardize_data_format(data_format)
    ha, wa = _hw_axes(images, fmt)
    top, bottom = _resolve(top_padding, bottom_padding, target_height, images.shape[ha], "height_padding")
    left, right = _resolve(left_padding, right_padding, target_width, images.shape[wa], "width_padding")
    widths = [(0, 0)] * len(images.shape)
    widths[ha], widths[wa] = (top, bottom), (left, right)
    return _core.pad(images, widths)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    """Crops images to `target_height` x `target_width` or by the given amounts (per axis,
    give two of: cropping before, cropping after, target size)."""
    images = _check_rank(images, "crop_images")
    fmt = standardize_data_format(data_format)
    ha, wa = _hw_axes(images, fmt)
    h, w = images.shape[ha], images.shape[wa]
    top, bottom = _resolve(top_cropping, bottom_cropping, target_height, h, "height_cropping")
    left, right = _resolve(left_cropping, right_cropping, target_width, w, "width_cropping")
    start = [0] * len(images.shape)
    shape = list(images.shape)
    start[ha], start[wa] = top, left
    shape[ha], shape[wa] = h - top - bottom, w - left - right
    return _core.slice(images, start, shape)


def _channel_axis(images, fmt):
    return len(images.shape) - 1 if fmt == "channels_last" else len(images.shape) - 3


def rgb_to_grayscale(images, data_format=None):
    """Luma (0.2989 R + 0.5870 G + 0.1140 B) with the channel axis kept (size 1)."""
    images = _check_rank(images, "rgb_to_grayscale")
    fmt = standardize_data_format(data_format)
    ca = _channel_axis(images, fmt)
    if images.shape[ca] not in (1, 3):
        raise ValueError(f"rgb_to_grayscale: expected 1 or 3 channels, got shape {tuple(images.shape)}")
    if images.shape[ca] == 1:
        return images
    x = images if "float" in images.dtype else _core.cast(images, "float32")
    weights = to_tensor([0.2989, 0.5870, 0.1140], x.dtype)
    view = [1] * len(x.shape)
    view[ca] = 3
    gray = _core.sum(_core.multiply(x, _core.reshape(weights, view)), ca, True)
    return gray if gray.dtype == images.dtype else _core.cast(gray, images.dtype)


def _planes(images, op, data_format):
    images = _check_rank(images, op)
    if "float" not in images.dtype:
        raise ValueError(f"{op}: expected a float dtype, got {images.dtype}")
    ca = _channel_axis(images, standardize_data_format(data_format))
    if images.shape[ca] != 3:
        raise ValueError(f"{op}: expected 3 channels, got shape {tuple(images.shape)}")
    return images, ca, [_core.squeeze(p, ca) for p in _core.split(images, 3, ca)]


def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] to hue, saturation, value in [0, 1]."""
    images, ca, (r, g, b) = _planes(images, "rgb_to_hsv", data_format)
    value = _core.maximum(_core.maximum(r, g), b)
    rng = _core.subtract(value, _core.minimum(_core.minimum(r, g), b))
    zero = _core.zeros_like(value)
    safe_value = _core.where(_core.greater(value, 0.0), value, 1.0)
    safe_range = _core.where(_core.greater(rng, 0.0), rng, 1.0)
    sat = _core.where(_core.greater(value, 0.0), _core.divide(rng, safe_value), zero)
    norm = _core.reciprocal(_core.multiply(safe_range, 6.0))
    hue = _core.where(_core.equal(value, g), _core.add(_core.multiply(norm, _core.subtract(b, r)), 2.0 / 6.0),
                      _core.add(_core.multiply(norm, _core.subtract(r, g)), 4.0 / 6.0))
    hue = _core.where(_core.equal(value, r), _core.multiply(norm, _core.subtract(g, b)), hue)
    wrap = _core.cast(_core.less(hue, 0.0), hue.dtype)
    hue = _core.add(_core.where(_core.greater(rng, 0.0), hue, zero), wrap)
    return _core.stack([hue, sat, value], ca)


def hsv_to_rgb(images, data_format=None):
    """Hue, saturation, value in [0, 1] to RGB."""
    images, ca, (h, s, v) = _planes(images, "hsv_to_rgb", data_format)
    dh = _core.multiply(_core.mod(h, 1.0), 6.0)
    dr = _core.clip(_core.subtract(_core.abs(_core.subtract(dh, 3.0)), 1.0), 0.0, 1.0)
    dg = _core.clip(_core.subtract(2.0, _core.abs(_core.subtract(dh, 2.0))), 0.0, 1.0)
    db = _core.clip(_core.subtract(2.0, _core.abs(_core.subtract(dh, 4.0))), 0.0, 1.0)
    one_minus_s = _core.subtract(1.0, s)
    planes = [_core.multiply(v, _core.add(one_minus_s, _core.multiply(s, d))) for d in (dr, dg, db)]
    return _core.stack(planes, ca)


def extract_patches(images, size, strides=None, dilation_rate=1, padding: str = "valid", data_format=None):
    """Patches of `size` (an int or (h, w)) as vectors in the channel axis, ordered by patch row,
    patch column, then channel (a convolution with an identity kernel, as Keras does)."""
    images = _check_rank(images, "extract_patches")
    if not isinstance(size, int) and len(size) != 2:
        raise ValueError(f"extract_patches: size must be an int or a pair, got {size!r} (3-D patches: extract_patches_3d)")
    ph, pw = (size, size) if isinstance(size, int) else size
    fmt = standardize_data_format(data_format)
    x = images if "float" in images.dtype else _core.cast(images, "float32")
    channels = x.shape[_channel_axis(x, fmt)]
    out_dim = ph * pw * channels
    kernel = _core.reshape(_core.eye(out_dim, None, 0, x.dtype), [ph, pw, channels, out_dim])
    single = len(x.shape) == 3
    if single:
        x = _core.expand_dims(x, 0)
    out = _core.conv(x, kernel, strides or size, padding, fmt, dilation_rate)
    return _core.squeeze(out, 0) if single else out


def _depthwise_same(images, kernel_2d, fmt):
    """Each channel convolved (cross-correlation, "same" zero padding) with a 2-D kernel."""
    x = images if "float" in images.dtype else _core.cast(images, "float32")
    channels = x.shape[_channel_axis(x, fmt)]
    k = to_tensor(kernel_2d.astype(x.dtype))
    kernel = _core.tile(_core.reshape(k, [k.shape[0], k.shape[1], 1, 1]), [1, 1, channels, 1])
    return _core.depthwise_conv(x, kernel, 1, "same", fmt)


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Each channel blurred with a normalized Gaussian kernel of `kernel_size` and `sigma`
    (per axis: (x, y)), "same" zero padding."""
    import numpy as np

    images = _check_rank(images, "gaussian_blur")
    fmt = standardize_data_format(data_format)

    def kernel_1d(size, s):
        x = np.arange(size, dtype="float64") - (size - 1) / 2
        k = np.exp(-0.5 * (x / s) ** 2)
        return k / k.sum()

    kernel = np.outer(kernel_1d(kernel_size[1], sigma[1]), kernel_1d(kernel_size[0], sigma[0]))
    single = len(images.shape) == 3
    x = _core.expand_dims(images, 0) if single else images
    out = _depthwise_same(x, kernel, fmt)
    return _core.squeeze(out, 0) if single else out


def sobel_edges(images, data_format=None):
    """Sobel derivatives of each channel of a batch of images, stacked on a new last axis as
    (d/dy, d/dx) ("same" zero padding)."""
    import numpy as np

    images = _check_rank(images, "sobel_edges")
    if len(images.shape) != 4:
        raise ValueError(f"sobel_edges expects a batch of images (rank 4), got shape {tuple(images.shape)}")
    fmt = standardize_data_format(data_format)
    sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], "float64")
    return _core.stack([_depthwise_same(images, sobel_x.T, fmt), _depthwise_same(images, sobel_x, fmt)], -1)


__all__ = ["pad_images", "crop_images", "rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb", "extract_patches",
           "gaussian_blur", "sobel_edges"]
