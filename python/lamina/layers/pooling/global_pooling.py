"""Global pooling layers: GlobalAveragePooling1D/2D and GlobalMaxPooling1D/2D, one engine
reduction over the spatial axes."""

from __future__ import annotations

from lamina import ops
from lamina.config import standardize_data_format
from lamina.layers.convolutional import window
from lamina.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Reduces every spatial axis (the base of the global pooling layers).

    Args:
        pool_dimensions: the number of spatial axes (1 or 2).
        data_format: "channels_last" or "channels_first"; None means the global default.
        keepdims: keep the spatial axes with size 1 (default False: output `(batch, channels)`).
    """

    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.pool_dimensions = pool_dimensions
        self.data_format = standardize_data_format(data_format)
        self.keepdims = bool(keepdims)

    def build(self, input_shape):
        window.check_rank(self, input_shape, self.pool_dimensions)
        self.built = True

    def _reduce(self, inputs, reduction):
        window.check_rank(self, inputs.shape, self.pool_dimensions)
        return reduction(inputs, axis=window.spatial_axes(self.data_format, self.pool_dimensions), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        window.check_rank(self, input_shape, self.pool_dimensions)
        ones = (1,) * self.pool_dimensions if self.keepdims else ()
        if self.data_format == "channels_last":
            return (input_shape[0], *ones, input_shape[-1])
        return (input_shape[0], input_shape[1], *ones)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling1D(BaseGlobalPooling):
    """The mean over the steps of `(batch, steps, channels)` inputs. With a mask (from an
    Embedding with mask_zero, say), only the unmasked steps are averaged."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return self._reduce(inputs, ops.mean)
        window.check_rank(self, inputs.shape, 1)
        steps = 1 if self.data_format == "channels_last" else 2
        keep = ops.expand_dims(ops.cast(mask, "bool"), 2 if self.data_format == "channels_last" else 1)
        total = ops.sum(ops.where(keep, inputs, 0.0), axis=steps, keepdims=self.keepdims)
        count = ops.sum(ops.cast(keep, inputs.dtype), axis=steps, keepdims=self.keepdims)
        return ops.divide(total, count)

    def compute_mask(self, inputs, previous_mask=None):
        return None


class GlobalAveragePooling2D(BaseGlobalPooling):
    """The mean over the height and width of `(batch, height, width, channels)` inputs."""

    _lean_call = True

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        return self._reduce(inputs, ops.mean)


class GlobalMaxPooling1D(BaseGlobalPooling):
    """The maximum over the steps of `(batch, steps, channels)` inputs."""

    _lean_call = True

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        return self._reduce(inputs, ops.max)


class GlobalMaxPooling2D(BaseGlobalPooling):
    """The maximum over the height and width of `(batch, height, width, channels)` inputs."""

    _lean_call = True

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        return self._reduce(inputs, ops.max)


GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
