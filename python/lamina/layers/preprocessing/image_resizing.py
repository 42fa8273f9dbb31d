"""Resizing and CenterCrop, on lamina.ops.image.resize (Keras' jax-backend semantics:
half-pixel centres, edge pixels repeated, no antialiasing)."""

from __future__ import annotations

import numpy as np

from lamina import _core, config as lconfig, ops
from lamina.ops._image_resize import _axes, _resize_images as resize_images
from lamina.layers.layer import Layer


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
