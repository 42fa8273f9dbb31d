"""The random image augmentation layers: a random transform per image in training, the
identity at inference, as in Keras 3.

The random draws come from lamina.random (seeded like Keras layers: `seed`); the geometric
transforms sample the images with one engine gather per corner (bilinear) or one (nearest).
"""

from __future__ import annotations

import math

import numpy as np

from lamina import _core, config as lconfig, ops, random
from lamina.layers.layer import Layer, _current_context
from lamina.layers.preprocessing.image_resizing import _image_output_shape, resize_images

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")


def _factor_pair(name: str, factor, bounds=(-1.0, 1.0)):
    """A number f to (-f, f) clipped to bounds, or a pair sorted; Keras' factor convention."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(f"{name}: `factor` should be a number or two numbers in {list(bounds)}, got {factor}")
        return tuple(sorted(factor))
    if not isinstance(factor, (int, float)) or not bounds[0] <= factor <= bounds[1]:
        raise ValueError(f"{name}: `factor` should be a number or two numbers in {list(bounds)}, got {factor}")
    f = abs(factor)
    return max(-f, bounds[0]), f


class _RandomImageLayer(Layer):
    """Shared: the training switch, the seed and the data format."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.data_format = data_format or lconfig.image_data_format()
        self._rng = random.SeedGenerator(seed)
        self.supports_masking = False
        self.built = True

    def __call__(self, *args, **kwargs):
        # Keras: with no training flag given and none from an enclosing call, these layers use
        # their call default, training=True (predict/evaluate pass False).
        ctx = _current_context()
        if kwargs.get("training") is None and (ctx is None or ctx.training is None):
            kwargs["training"] = True
        return super().__call__(*args, **kwargs)

    def _draw(self, shape, low, high):
        return np.asarray(random.uniform(shape, minval=low, maxval=high, seed=self._rng))

    def call(self, inputs, training=True):
        if inputs.dtype != self.dtype:
            inputs = ops.cast(inputs, self.dtype)
        if not training:
            return inputs
        batched = len(inputs.shape) == 4
        x = inputs if batched else ops.expand_dims(inputs, 0)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        y = self._augment(x)
        if self.data_format == "channels_first":
            y = ops.transpose(y, (0, 3, 1, 2))
        return y if batched else ops.squeeze(y, 0)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "seed": self.seed}


class RandomFlip(_RandomImageLayer):
    """Flips each image horizontally and/or vertically with probability 1/2 (training only).

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (default).
        seed: the random seed. data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, mode: str = "horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode argument {mode}")
        self.mode = mode

    def _augment(self, x):
        n = x.shape[0]
        for axis, on in ((2, "horizontal" in self.mode), (1, "vertical" in self.mode)):
            if on:
                flip = _core.convert_to_tensor((self._draw((n, 1, 1, 1), 0.0, 1.0) > 0.5))
                x = ops.where(flip, ops.flip(x, axis=axis), x)
        return x

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class RandomBrightness(_RandomImageLayer):
    """Adds a random delta, `factor` times the value range, to each image (training only).

    Args:
        factor: a number f for deltas in [-f, f], or a pair (lower, upper), within [-1, 1].
        value_range: the images' value range (default (0, 255)); results are clipped to it.
        seed: the random seed.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair("RandomBrightness", factor)
        self.value_range = value_range

    def _augment(self, x):
        lo, hi = self.value_range
        delta = self._draw((x.shape[0], 1, 1, 1), *self.factor) * (hi - lo)
        return ops.clip(ops.add(x, _core.convert_to_tensor(delta.astype(x.dtype))), lo, hi)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomContrast(_RandomImageLayer):
    """Scales each image's deviation from its per-channel mean by a random factor in
    `[1 - lower, 1 + upper]` (training only), clipped to `value_range`.

    Args:
        factor: a number f in [0, 1] (factor pair (0, f), as in Keras) or a pair.
        value_range: default (0, 255). seed: the random seed.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair("RandomContrast", factor, (0.0, 1.0))
        self.value_range = value_range

    def _augment(self, x):
        f = _core.convert_to_tensor(self._draw((x.shape[0], 1, 1, 1), 1.0 - self.factor[0], 1.0 + self.factor[1])
                                    .astype(x.dtype))
        mean = ops.mean(x, axis=(1, 2), keepdims=True)
        return ops.clip(ops.add(ops.multiply(ops.subtract(x, mean), f), mean), *self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomCrop(_RandomImageLayer):
    """Crops a random `(height, width)` window (the same for the whole batch) in training; the
    identity at inference, as in Keras 3. In training, images not larger than the window are
    cropped at the centre box of the target aspect ratio and resized to `(height, width)`.

    Args:
        height, width: the output size in training. seed: the random seed.
    """

    def __init__(self, height: int, width: int, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height, self.width = height, width

    def call(self, inputs, training=True):
        if inputs.dtype != self.dtype:
            inputs = ops.cast(inputs, self.dtype)
        if not training:
            return inputs
        rank = len(inputs.shape)
        h_axis = rank - 3 if self.data_format == "channels_last" else rank - 2
        h, w = inputs.shape[h_axis], inputs.shape[h_axis + 1]
        if h > self.height and w > self.width:
            top = int(self._draw((), 0.0, float(h - self.height + 1)))
            left = int(self._draw((), 0.0, float(w - self.width + 1)))
        else:
            ch = max(min(h, int(float(w * self.height) / self.width)), 1)
            cw = max(min(w, int(float(h * self.width) / self.height)), 1)
            top, left = int(float(h - ch) / 2), int(float(w - cw) / 2)
        out = ops.take(inputs, _core.convert_to_tensor(np.arange(top, min(top + self.height, h))), axis=h_axis)
        out = ops.take(out, _core.convert_to_tensor(np.arange(left, min(left + self.width, w))), axis=h_axis + 1)
        if out.shape[h_axis] != self.height or out.shape[h_axis + 1] != self.width:
            out = resize_images(out, (self.height, self.width), data_format=self.data_format)
        return out

    def compute_output_shape(self, input_shape):
        return _image_output_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


def _fill_index(i: np.ndarray, size: int, mode: str) -> np.ndarray:
    """Integer source indices mapped into [0, size) by the fill mode (constant: clamped here,
    masked by the caller)."""
    if mode == "reflect":  # d c b a | a b c d | d c b a
        period = 2 * size
        i = np.mod(i, period)
        return np.where(i >= size, period - 1 - i, i)
    if mode == "wrap":
        return np.mod(i, size)
    return np.clip(i, 0, size - 1)


def sample_images(x, src_y: np.ndarray, src_x: np.ndarray, interpolation: str, fill_mode: str, fill_value: float):
    """Images (N, H, W, C) sampled at source coordinates (N, H, W) (pixel centres at integers)."""
    n, h, w, c = x.shape
    flat = ops.reshape(x, (n * h * w, c))
    base = (np.arange(n) * h * w)[:, None, None]
    corners = []
    if interpolation == "nearest":
        corners.append((np.floor(src_y + 0.5).astype("int64"), np.floor(src_x + 0.5).astype("int64"),
                        np.ones_like(src_y)))
    else:
        y0, x0 = np.floor(src_y).astype("int64"), np.floor(src_x).astype("int64")
        fy, fx = src_y - y0, src_x - x0
        for dy, dx, wt in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx), (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
            corners.append((y0 + dy, x0 + dx, wt))
    out = None
    for yi, xi, wt in corners:
        if fill_mode == "constant":
            inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
        idx = base + _fill_index(yi, h, fill_mode) * w + _fill_index(xi, w, fill_mode)
        v = ops.take(flat, _core.convert_to_tensor(idx.reshape(-1)), axis=0)
        v = ops.reshape(v, (n, h, w, c))
        if fill_mode == "constant":
            v = ops.where(_core.convert_to_tensor(inside[..., None]), v, float(fill_value))
        term = ops.multiply(v, _core.convert_to_tensor(wt[..., None].astype(x.dtype)))
        out = term if out is None else ops.add(out, term)
    return out


class _AffineLayer(_RandomImageLayer):
    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if fill_mode not in _FILL_MODES:
            raise ValueError(f"{type(self).__name__}: unknown `fill_mode` {fill_mode}. Expected one of {_FILL_MODES}.")
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"{type(self).__name__}: unknown `interpolation` {interpolation}; expected 'bilinear' "
                             "or 'nearest'")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, fill_value

    def _augment(self, x):
        n, h, w, _ = x.shape
        yy, xx = np.meshgrid(np.arange(h, dtype="float64"), np.arange(w, dtype="float64"), indexing="ij")
        src_y, src_x = self._source(n, h, w, yy[None], xx[None])
        return sample_images(x, src_y, src_x, self.interpolation, self.fill_mode, self.fill_value)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "fill_value": self.fill_value}


class RandomRotation(_AffineLayer):
    """Rotates each image by a random angle, `factor` times 2 pi, about its centre (training only).

    Args:
        factor: a number f for angles in [-f, f] * 2 pi, or a pair (lower, upper).
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest"; fill_value for "constant".
        interpolation: "bilinear" (default) or "nearest". seed: the random seed.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = _factor_pair("RandomRotation", factor)

    def _source(self, n, h, w, yy, xx):
        angle = (self._draw((n,), *self.factor) * 2 * math.pi)[:, None, None]
        cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
        cos, sin = np.cos(angle), np.sin(angle)
        dy, dx = yy - cy, xx - cx
        return cy + cos * dy - sin * dx, cx + sin * dy + cos * dx

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor)
        return config


class RandomZoom(_AffineLayer):
    """Zooms each image by a random amount (training only): a factor in `[lower, upper]` makes
    the sampled window `1 + factor` times the image (positive zooms out, negative zooms in).

    Args:
        height_factor: a number or pair in [-1, 1]; negative zooms in.
        width_factor: the same for the width; None keeps the aspect ratio.
        fill_mode, interpolation, seed, fill_value: as in RandomRotation.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _factor_pair("RandomZoom", height_factor)
        self._w = None if width_factor is None else _factor_pair("RandomZoom", width_factor)

    def _source(self, n, h, w, yy, xx):
        zy = 1.0 + self._draw((n,), *self._h)[:, None, None]
        zx = zy if self._w is None else 1.0 + self._draw((n,), *self._w)[:, None, None]
        cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
        return cy + (yy - cy) * zy, cx + (xx - cx) * zx

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config


class RandomTranslation(_AffineLayer):
    """Shifts each image by a random fraction of its height and width (training only).

    Args:
        height_factor, width_factor: a number f for shifts in [-f, f] of the size, or a pair.
        fill_mode, interpolation, seed, fill_value: as in RandomRotation.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _factor_pair("RandomTranslation", height_factor)
        self._w = _factor_pair("RandomTranslation", width_factor)

    def _source(self, n, h, w, yy, xx):
        ty = self._draw((n,), *self._h)[:, None, None] * h
        tx = self._draw((n,), *self._w)[:, None, None] * w
        return yy - ty, xx - tx

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return config
