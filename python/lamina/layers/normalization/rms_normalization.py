"""RMSNormalization: scales each sample by the inverse root mean square over `axis`."""

from __future__ import annotations

from lamina import ops
from lamina.layers.layer import Layer
from lamina.layers.normalization._common import canonical_axes, check_rank


class RMSNormalization(Layer):
    """Root-mean-square normalization (Zhang & Sennrich, 2019):
    `x * rsqrt(mean(x ** 2, axis) + epsilon) * scale`, with a learned `scale` shaped like
    the normalized axes.

    Args:
        axis: an int or a list of ints, the axes to normalize over (default -1).
        epsilon: small float added to the mean square (default 1e-6).
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = canonical_axes(self.axis, ndim, self.name)
        shape = tuple(input_shape[a] for a in axes)
        if any(d is None for d in shape):
            raise ValueError(f"RMSNormalization layer '{self.name}': the normalized axes must have known sizes, got "
                             f"input shape {tuple(input_shape)}")
        # As in Keras, the axes are stored as a sorted list once built (negative values kept).
        self.axis = sorted(self.axis) if isinstance(self.axis, (list, tuple)) else [self.axis]
        self.scale = self.add_weight(shape=shape, name="scale", initializer="ones")
        self._axes = axes
        self._ndim = ndim
        self._param_shape = shape
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def call(self, x):
        shape = tuple(x.shape)
        check_rank(self, shape, self._ndim)
        if tuple(shape[a] for a in self._axes) != self._param_shape:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected axes {self.axis} "
                             f"of input shape to have sizes {self._param_shape}, but received input with shape {shape}")
        if x.dtype != self.variable_dtype:
            x = ops.cast(x, self.variable_dtype)
        mean_square = ops.mean(ops.square(x), axis=self._axes, keepdims=True)
        outputs = ops.multiply(x, ops.rsqrt(ops.add(mean_square, self.epsilon)))
        bshape = [1] * self._ndim
        for a, d in zip(self._axes, self._param_shape):
            bshape[a] = d
        return ops.multiply(outputs, ops.reshape(self.scale, tuple(bshape)))

    def compute_output_shape(self, input_shape):
        canonical_axes(self.axis, len(input_shape), self.name)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
