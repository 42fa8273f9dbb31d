"""keras.ops.image.resize with Keras' jax-backend semantics (half-pixel centres, edge pixels
repeated, no antialiasing); the Resizing, CenterCrop and random augmentation layers use it."""

from __future__ import annotations

import numpy as np

from lamina import _core, config as lconfig
from lamina.ops._linearize import to_tensor


def _axes(images, data_format):
    """The height and width axes of a batched (rank 4) or single (rank 3) image tensor."""
    rank = len(images.shape)
    if rank not in (3, 4):
        raise ValueError(f"Image resizing needs a rank 3 (H, W, C) or rank 4 (N, H, W, C) tensor, "
                         f"got shape {tuple(images.shape)}")
    return (rank - 3, rank - 2) if data_format == "channels_last" else (rank - 2, rank - 1)


def _resize_axis(x, axis: int, new: int, interpolation: str):
    old = x.shape[axis]
    if old == new:
        return x
    centres = (np.arange(new) + 0.5) * (old / new)
    if interpolation == "nearest":
        idx = np.minimum(np.floor(centres), old - 1).astype("int64")
        return _core.take(x, _core.convert_to_tensor(idx), axis=axis)
    pos = np.clip(centres - 0.5, 0.0, old - 1)
    lo = np.floor(pos).astype("int64")
    hi = np.minimum(lo + 1, old - 1)
    shape = [1] * len(x.shape)
    shape[axis] = new
    frac = _core.convert_to_tensor((pos - lo).astype(x.dtype).reshape(shape))
    a = _core.take(x, _core.convert_to_tensor(lo), axis=axis)
    b = _core.take(x, _core.convert_to_tensor(hi), axis=axis)
    return _core.add(a, _core.multiply(_core.subtract(b, a), frac))


def _resize_images(images, size, interpolation: str = "bilinear", crop_to_aspect_ratio: bool = False,
                  pad_to_aspect_ratio: bool = False, fill_value: float = 0.0, data_format: str | None = None):
    """Resizes images to `size = (height, width)` with "bilinear" or "nearest" interpolation,
    optionally centre-cropping or padding first to the target aspect ratio."""
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"resize: interpolation {interpolation!r} is not supported by lamina yet "
                         "(supported: 'bilinear', 'nearest')")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True")
    data_format = data_format or lconfig.image_data_format()
    h_axis, w_axis = _axes(images, data_format)
    height, width = images.shape[h_axis], images.shape[w_axis]
    th, tw = int(size[0]), int(size[1])
    if images.dtype not in ("float32", "float64"):
        images = _core.cast(images, "float32")
    if crop_to_aspect_ratio:
        ch = max(min(height, int(float(width * th) / tw)), 1)
        cw = max(min(width, int(float(height * tw) / th)), 1)
        h0, w0 = int(float(height - ch) / 2), int(float(width - cw) / 2)
        images = _core.take(images, _core.convert_to_tensor(np.arange(h0, h0 + ch)), axis=h_axis)
        images = _core.take(images, _core.convert_to_tensor(np.arange(w0, w0 + cw)), axis=w_axis)
    elif pad_to_aspect_ratio:
        ph = max(height, int(float(width * th) / tw))
        pw = max(width, int(float(height * tw) / th))
        pad = [(0, 0)] * len(images.shape)
        pad[h_axis] = ((ph - height) // 2, ph - height - (ph - height) // 2)
        pad[w_axis] = ((pw - width) // 2, pw - width - (pw - width) // 2)
        images = _core.pad(images, pad, constant_values=fill_value)
    images = _resize_axis(images, h_axis, th, interpolation)
    return _resize_axis(images, w_axis, tw, interpolation)


def resize(images, size, interpolation: str = "bilinear", antialias: bool = False, crop_to_aspect_ratio: bool = False,
           pad_to_aspect_ratio: bool = False, fill_mode: str = "constant", fill_value: float = 0.0,
           data_format: str | None = None):
    """Resizes images to `size = (height, width)`, as `keras.ops.image.resize`.

    Args:
        images: a rank 3 (one image) or rank 4 (a batch) tensor or array.
        size: `(height, width)` of the result.
        interpolation: "bilinear" or "nearest".
        antialias: only False is supported (Keras' default).
        crop_to_aspect_ratio: centre-crop to the target aspect ratio first.
        pad_to_aspect_ratio: pad (with `fill_value`) to the target aspect ratio first.
        fill_mode: only "constant" (Keras' only mode for padding).
        fill_value: the padding value.
        data_format: "channels_last" or "channels_first" (default: lamina.config.image_data_format()).
    """
    if antialias:
        raise ValueError("resize: antialias=True is not supported by lamina yet")
    if fill_mode != "constant":
        raise ValueError(f"resize: fill_mode must be 'constant', got {fill_mode!r}")
    return _resize_images(to_tensor(images), size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio,
                          fill_value, data_format)


__all__ = ["resize"]
