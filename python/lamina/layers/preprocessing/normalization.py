"""Normalization: feature-wise standardization with statistics set or learnt by `adapt`."""

from __future__ import annotations

import numpy as np

from lamina import _core, ops
from lamina.layers.layer import Layer

_EPSILON = 1e-7  # keras.backend.epsilon()


def iterate_batches(data):
    """Batches of arrays from an array, a lamina tensor, a lamina Dataset or any iterable of
    batches (an `(x, y)` tuple gives its x)."""
    if isinstance(data, (np.ndarray, _core.Tensor, _core.Variable)):
        yield np.asarray(data)
        return
    if not hasattr(data, "__iter__"):
        raise TypeError(f"adapt() supports numpy arrays, lamina tensors, datasets and iterables of batches; "
                        f"received {type(data).__name__}")
    seen = False
    for batch in data:
        seen = True
        yield np.asarray(batch[0] if isinstance(batch, tuple) else batch)
    if not seen:
        raise ValueError("adapt() received an empty iterable (no batches)")


class Normalization(Layer):
    """Shifts and scales inputs to mean 0 and variance 1 per feature: `(x - mean) / sqrt(var)`.

    Args:
        axis: the axis (or axes) that keep separate statistics (default -1, the features);
            None for one mean and variance over everything.
        mean, variance: the statistics, if known (both or neither); otherwise `adapt` learns them.
        invert: apply the inverse, `mean + x * sqrt(var)`.

    The learnt statistics are non-trainable weights `mean`, `variance` and `count`, as in Keras.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        self.input_mean, self.input_variance, self.invert = mean, variance, invert
        self.supports_masking = True
        if (mean is None) != (variance is None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be set. "
                             f"Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError("When setting values directly, `mean` and `variance` must have the same shape. "
                                 f"Received: mean shape {np.shape(mean)} and variance shape {np.shape(variance)}")
            if np.ndim(mean) > len(self.axis):
                raise ValueError(f"The rank of `mean` must be less than or equal to the number of axes "
                                 f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis {self.axis}")

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Normalization: all `axis` values must be in the range [-ndim, ndim). Received inputs "
                             f"with ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for a in self._keep_axis:
            if input_shape[a] is None:
                raise ValueError(f"Normalization: the kept axis {a} must have a known size; inputs.shape={tuple(input_shape)}")
        self._reduce_axis = tuple(a for a in range(ndim) if a not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[a] if a in self._keep_axis else 1 for a in range(ndim))
        stats_shape = tuple(input_shape[a] for a in self._keep_axis)
        self._build_input_shape = tuple(input_shape)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=stats_shape, initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=stats_shape, initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32", initializer="zeros", trainable=False)
        else:
            self._fixed = tuple(_core.convert_to_tensor(self._expand(np.asarray(v, dtype=self.dtype), ndim))
                                for v in (self.input_mean, self.input_variance))
        self.built = True

    def _expand(self, value, ndim):
        """A given mean/variance (scalar, or the kept axes' trailing sizes) to the broadcast shape."""
        shape = [1] * ndim
        for i in range(1, value.ndim + 1):
            shape[self._keep_axis[-i]] = value.shape[-i]
        return np.broadcast_to(value.reshape(shape), self._broadcast_shape).copy()

    def adapt(self, data) -> None:
        """Learns the mean and variance of `data` (array, tensor, dataset or iterable of batches),
        combining batches exactly (Chan's parallel update, as Keras)."""
        batches = iterate_batches(data)
        first = next(batches)
        if not self.built:
            self.build(first.shape)
        elif any(first.shape[a] != self._build_input_shape[a] for a in self._keep_axis):
            raise ValueError(f"The layer was built with input_shape={self._build_input_shape}, but adapt() is being "
                             f"called with data with an incompatible shape, data.shape={first.shape}")
        if self.input_mean is not None:
            raise ValueError("Normalization: adapt() cannot change a mean and variance given to the constructor")
        total_mean = total_var = None
        total = 0
        for batch in _chain(first, batches):
            batch = batch.astype("float64")
            count = int(np.prod([batch.shape[a] for a in self._reduce_axis])) if self._reduce_axis else 1
            mean, var = batch.mean(axis=self._reduce_axis), batch.var(axis=self._reduce_axis)
            if total_mean is None:
                total_mean, total_var, total = mean, var, count
                continue
            total += count
            w = count / total
            new_mean = total_mean * (1 - w) + mean * w
            total_var = (total_var + (total_mean - new_mean) ** 2) * (1 - w) + (var + (mean - new_mean) ** 2) * w
            total_mean = new_mean
        self.adapt_mean.assign(np.asarray(total_mean, dtype=self.dtype))
        self.adapt_variance.assign(np.asarray(total_var, dtype=self.dtype))

    def call(self, inputs):
        if self.input_mean is None:
            mean = ops.reshape(self.adapt_mean, self._broadcast_shape)
            variance = ops.reshape(self.adapt_variance, self._broadcast_shape)
        else:
            mean, variance = self._fixed
        if inputs.dtype != self.dtype:
            inputs = ops.cast(inputs, self.dtype)
        std = ops.maximum(ops.sqrt(variance), _EPSILON)
        if self.invert:
            return ops.add(mean, ops.multiply(inputs, std))
        return ops.divide(ops.subtract(inputs, mean), std)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(), "variance": np.array(self.input_variance).tolist()}


def _chain(first, rest):
    yield first
    yield from rest
