"""GroupNormalization: per-sample normalization over groups of channels (the engine's fused
layer normalization over the grouped view, then the per-channel gamma and beta)."""

from __future__ import annotations

from lamina import ops
from lamina.layers.layer import Layer
from lamina.layers.normalization._common import (add_gamma_beta, canonical_axes, check_rank, gamma_beta_config,
                                                 set_gamma_beta_arguments)


class GroupNormalization(Layer):
    """Splits the channels (axis `axis`) into `groups` groups and normalizes each sample over
    each group (its channels and every other non-batch axis), then applies per-channel
    `gamma` and `beta`. `groups=1` is layer normalization over all features, `groups=-1` (one
    group per channel) instance normalization.

    Args:
        groups: number of groups; must divide the number of channels (default 32; -1: one
            per channel).
        axis: the channels axis (default -1).
        epsilon: small float added to the variance (default 1e-3).
        center, scale: whether to use `beta` and `gamma` (shape `(channels,)`).
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
            beta_constraint, gamma_constraint: for the two weights.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or isinstance(groups, bool) or (groups <= 0 and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a positive integer (or `-1` for "
                             f"instance normalization). Received: groups={groups}")
        super().__init__(**kwargs)
        self.supports_masking = True
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        set_gamma_beta_arguments(self, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
                                 beta_constraint, gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        (axis,) = canonical_axes(self.axis, ndim, self.name)
        if axis == 0:
            raise ValueError(f"GroupNormalization layer '{self.name}': the channels axis cannot be the batch axis 0")
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension but the layer received an "
                             f"input with shape {tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number of channels ({dim}).")
        if dim % self.groups != 0:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number of channels ({dim}).")
        add_gamma_beta(self, (dim,), scale=self.scale, center=self.center)
        self._ndim = ndim
        self._channel_axis = axis
        self._channels = dim
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def call(self, inputs):
        shape = tuple(inputs.shape)
        check_rank(self, shape, self._ndim)
        a = self._channel_axis
        if shape[a] != self._channels:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected axis {self.axis} "
                             f"of input shape to have value {self._channels}, but received input with shape {shape}")
        if inputs.dtype != self.variable_dtype:
            inputs = ops.cast(inputs, self.variable_dtype)
        # [..., C, ...] -> [..., G, C/G, ...]; normalize over every axis but the batch and G.
        grouped_shape = shape[:a] + (self.groups, self._channels // self.groups) + shape[a + 1:]
        axes = [i for i in range(1, self._ndim + 1) if i != a]
        normalized = ops.layer_normalization(ops.reshape(inputs, grouped_shape), axis=axes, epsilon=self.epsilon)
        outputs = ops.reshape(normalized, shape)
        channel_shape = tuple(self._channels if i == a else 1 for i in range(self._ndim))
        if self.gamma is not None:
            outputs = ops.multiply(outputs, ops.reshape(self.gamma, channel_shape))
        if self.beta is not None:
            outputs = ops.add(outputs, ops.reshape(self.beta, channel_shape))
        return outputs

    def compute_output_shape(self, input_shape):
        canonical_axes(self.axis, len(input_shape), self.name)
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **gamma_beta_config(self),
        }
