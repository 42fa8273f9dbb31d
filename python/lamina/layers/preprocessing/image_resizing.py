"""Resizing and CenterCrop, and the image resize they share (Keras' jax-backend semantics:
half-pixel centres, edge pixels repeated, no antialiasing)."""

from __future__ import annotations

import numpy as np

from lamina import _core, config as lconfig, ops
from lamina.layers.layer import Layer


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
        return ops.take(x, _core.convert_to_tensor(idx), axis=axis)
    pos = np.clip(centres - 0.5, 0.0, old - 1)
    lo = np.floor(pos).astype("int64")
    hi = np.minimum(lo + 1, old - 1)
    shape = [1] * len(x.shape)
    shape[axis] = new
    frac = _core.convert_to_tensor((pos - lo).astype(x.dtype).reshape(shape))
    a = ops.take(x, _core.convert_to_tensor(lo), axis=axis)
    b = ops.take(x, _core.convert_to_tensor(hi), axis=axis)
    return ops.add(a, ops.multiply(ops.subtract(b, a), frac))


def resize_images(images, size, interpolation: str = "bilinear", crop_to_aspect_ratio: bool = False,
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
        images = ops.cast(images, "float32")
    if crop_to_aspect_ratio:
        ch = max(min(height, int(float(width * th) / tw)), 1)
        cw = max(min(width, int(float(height * tw) / th)), 1)
        h0, w0 = int(float(height - ch) / 2), int(float(width - cw) / 2)
        images = ops.take(images, _core.convert_to_tensor(np.arange(h0, h0 + ch)), axis=h_axis)
        images = ops.take(images, _core.convert_to_tensor(np.arange(w0, w0 + cw)), axis=w_axis)
    elif pad_to_aspect_ratio:
        ph = max(height, int(float(width * th) / tw))
        pw = max(width, int(float(height * tw) / th))
        pad = [(0, 0)] * len(images.shape)
        pad[h_axis] = ((ph - height) // 2, ph - height - (ph - height) // 2)
        pad[w_axis] = ((pw - width) // 2, pw - width - (pw - width) // 2)
        images = ops.pad(images, pad, constant_values=fill_value)
    images = _resize_axis(images, h_axis, th, interpolation)
    return _resize_axis(images, w_axis, tw, interpolation)


def _image_output_shape(input_shape, height, width, data_format):
    shape = list(input_shape)
    h_axis = len(shape) - 3 if data_format == "channels_last" else len(shape) - 2
    shape[h_axis], shape[h_axis + 1] = height, width
    return tuple(shape)


class Resizing(Layer):
    """Resizes images to `(height, width)`.

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default) or "nearest".
        crop_to_aspect_ratio: centre-crop to the target aspect ratio first (no distortion).
        pad_to_aspect_ratio: pad (with `fill_value`) to the target aspect ratio first.
        fill_mode: "constant" (the only mode Keras uses here). fill_value: the padding value.
        antialias: accepted for Keras compatibility; True raises (not supported yet).
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, height: int, width: int, interpolation: str = "bilinear", crop_to_aspect_ratio: bool = False,
                 pad_to_aspect_ratio: bool = False, fill_mode: str = "constant", fill_value: float = 0.0,
                 antialias: bool = False, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if antialias:
            raise NotImplementedError("Resizing: antialias=True is not supported by lamina yet")
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"Resizing: interpolation {interpolation!r} is not supported by lamina yet "
                             "(supported: 'bilinear', 'nearest')")
        self.height, self.width, self.interpolation = height, width, interpolation
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = crop_to_aspect_ratio, pad_to_aspect_ratio
        self.fill_mode, self.fill_value, self.antialias = fill_mode, fill_value, bool(antialias)
        self.data_format = data_format or lconfig.image_data_format()
        self.built = True

    def call(self, inputs):
        out = resize_images(inputs, (self.height, self.width), self.interpolation, self.crop_to_aspect_ratio,
                            self.pad_to_aspect_ratio, self.fill_value, self.data_format)
        return out if out.dtype == self.dtype else ops.cast(out, self.dtype)

    def compute_output_shape(self, input_shape):
        return _image_output_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation, "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias, "data_format": self.data_format}


class CenterCrop(Layer):
    """Crops the centre `(height, width)` of images; an image smaller than that is
    centre-cropped to the target aspect ratio and resized (bilinear) instead, as in Keras.

    Args:
        height, width: the output size.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, height: int, width: int, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = height, width
        self.data_format = data_format or lconfig.image_data_format()
        self.built = True

    def call(self, inputs):
        if inputs.dtype != self.dtype:
            inputs = ops.cast(inputs, self.dtype)
        h_axis, w_axis = _axes(inputs, self.data_format)
        dh, dw = inputs.shape[h_axis] - self.height, inputs.shape[w_axis] - self.width
        if dh >= 0 and dw >= 0:
            out = ops.take(inputs, _core.convert_to_tensor(np.arange(dh // 2, dh // 2 + self.height)), axis=h_axis)
            return ops.take(out, _core.convert_to_tensor(np.arange(dw // 2, dw // 2 + self.width)), axis=w_axis)
        return resize_images(inputs, (self.height, self.width), "bilinear", crop_to_aspect_ratio=True,
                             data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return _image_output_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width, "data_format": self.data_format}
