"""LayerNormalization: per-sample normalization over the feature axes, one fused engine op."""

from __future__ import annotations

import warnings

from lamina import ops
from lamina.layers.layer import Layer
from lamina.layers.normalization._common import (add_gamma_beta, canonical_axes, check_rank, gamma_beta_config,
                                                 set_gamma_beta_arguments)


class LayerNormalization(Layer):
    """Normalizes each sample over `axis` to zero mean and unit variance, then scales by
    `gamma` and shifts by `beta` (one value per entry of the normalized axes).

    Args:
        axis: an int or a list of ints, the axes to normalize over (default -1).
        epsilon: small float added to the variance (default 1e-3).
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned scale `gamma`.
        rms_scaling: deprecated Keras option: `x / sqrt(var(x) + epsilon) * gamma`, no centering
            and no beta (Keras' own definition, kept for loading old models).
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
            beta_constraint, gamma_constraint: for the two weights.

    Weights, in this order: gamma (if scale), beta (if center).
    """

    _lean_call = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument scales the input by the "
                          "variance, not the root mean square. For RMS normalization, use "
                          "`lamina.layers.RMSNormalization` instead.", stacklevel=2)
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', but received: {axis!r}")
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        set_gamma_beta_arguments(self, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
                                 beta_constraint, gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        # As in Keras, the axes are stored sorted and non-negative once built.
        self.axis = canonical_axes(self.axis, ndim, self.name)
        shape = tuple(input_shape[a] for a in self.axis)
        if any(d is None for d in shape):
            raise ValueError(f"LayerNormalization layer '{self.name}': the normalized axes {self.axis} must have known "
                             f"sizes, got input shape {tuple(input_shape)}")
        # rms_scaling always scales and never centers (Keras' definition).
        add_gamma_beta(self, shape, scale=self.scale or self.rms_scaling, center=self.center and not self.rms_scaling)
        self._ndim = ndim
        self._param_shape = shape
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def call(self, inputs):
        shape = tuple(inputs.shape)
        check_rank(self, shape, self._ndim)
        got = tuple(shape[a] for a in self.axis)
        if got != self._param_shape:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected axes {self.axis} "
                             f"of input shape to have sizes {self._param_shape}, but received input with shape {shape}")
        dtype = self.variable_dtype
        if inputs.dtype != dtype:
            inputs = ops.cast(inputs, dtype)
        if self.rms_scaling:
            return self._rms_scaled(inputs)
        return ops.layer_normalization(inputs, self.gamma, self.beta, axis=self.axis, epsilon=self.epsilon)

    def _rms_scaled(self, inputs):
        _, variance = ops.moments(inputs, self.axis, keepdims=True)
        outputs = ops.multiply(inputs, ops.rsqrt(ops.add(variance, self.epsilon)))
        if self.gamma is not None:
            outputs = ops.multiply(outputs, ops.reshape(self.gamma, self._broadcast_shape()))
        return outputs

    def _broadcast_shape(self):
        shape = [1] * self._ndim
        for a, d in zip(self.axis, self._param_shape):
            shape[a] = d
        return tuple(shape)

    def compute_output_shape(self, input_shape):
        canonical_axes(self.axis, len(input_shape), self.name)
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            **gamma_beta_config(self),
        }
