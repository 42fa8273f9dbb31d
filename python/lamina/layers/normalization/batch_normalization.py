"""BatchNormalization: normalizes with the batch statistics in training (one fused engine op,
forward and backward) and with moving averages of them at inference, as in Keras 3."""

from __future__ import annotations

from lamina import _core, constraints, initializers, ops, regularizers
from lamina.layers.layer import Layer
from lamina.layers.normalization._common import add_gamma_beta, canonical_axes, check_rank

_RENORM_CLIPPING_KEYS = ("rmax", "rmin", "dmax")


class BatchNormalization(Layer):
    """Layer that normalizes its inputs over the batch.

    In training (`training=True`, as in `fit()`), each channel is normalized with the mean and
    (biased) variance of the current batch: `gamma * (x - mean) / sqrt(var + epsilon) + beta`,
    and the moving statistics are updated:
    `moving_mean = moving_mean * momentum + mean * (1 - momentum)` (same for the variance).
    At inference (the default) the moving statistics are used instead. A frozen layer
    (`trainable = False`) always runs in inference mode and leaves its statistics alone, as in
    Keras 3.

    Args:
        axis: the features axis that is not normalized over (e.g. -1 for channels last, 1
            after a channels-first convolution).
        momentum: momentum of the moving averages (default 0.99).
        epsilon: small float added to the variance (default 1e-3).
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned scale `gamma`.
        beta_initializer, gamma_initializer, moving_mean_initializer,
            moving_variance_initializer: initializers of the four weights.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: optional.
        synchronized: accepted for Keras compatibility (single device: no effect).
        renorm, renorm_clipping, renorm_momentum: Batch Renormalization, as in Keras.

    Call arguments:
        inputs: a tensor of any rank.
        training: whether to use the batch statistics (and update the moving ones).
        mask: optional boolean tensor of the input's shape without the last axis; masked
            positions are left out of the batch statistics.

    Weights, in this order: gamma (if scale), beta (if center), moving_mean, moving_variance.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        # Keras 2 configs store the axis as a one-element list once built.
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise ValueError(f"BatchNormalization normalizes along a single axis; received axis={axis}")
            axis = axis[0]
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"BatchNormalization: `axis` must be an int. Received: axis={axis!r}")
        self.axis = int(axis)
        self.synchronized = bool(synchronized)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        if self.epsilon < 0:
            raise ValueError(f"BatchNormalization: `epsilon` must be non-negative. Received: epsilon={epsilon}")
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

        self.renorm = bool(renorm)
        if self.renorm:
            renorm_clipping = dict(renorm_clipping or {})
            unknown = set(renorm_clipping) - set(_RENORM_CLIPPING_KEYS)
            if unknown:
                raise ValueError(f"Received invalid keys for `renorm_clipping` argument: {renorm_clipping}. "
                                 f"Supported values: {list(_RENORM_CLIPPING_KEYS)}.")
            rmax, rmin, dmax = (renorm_clipping.get(k) for k in _RENORM_CLIPPING_KEYS)
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError(f"rmax should be greater than rmin in the `renorm_clipping` argument. "
                                 f"Received: rmax={rmax}, rmin={rmin}.")
            if dmax is not None and dmax < 0:
                raise ValueError(f"dmax should be non-negative in the `renorm_clipping` argument. Received: dmax={dmax}.")
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum

        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None
        self._reduction_axes = None

    # ----------------------------------------------------------------------------------------
    def build(self, input_shape):
        ndim = len(input_shape)
        (axis,) = canonical_axes(self.axis, ndim, self.name)
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f"BatchNormalization layer '{self.name}': axis {self.axis} of the inputs must have a known "
                             f"size, got input shape {tuple(input_shape)}")
        shape = (int(dim),)
        add_gamma_beta(self, shape, scale=self.scale, center=self.center)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean", initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer, trainable=False)
        if self.renorm:
            variance_init = self.moving_variance_initializer

            def moving_stddev_initializer(shape, dtype=None):
                return ops.sqrt(variance_init(shape, dtype=dtype))

            self.moving_stddev = self.add_weight(shape=shape, name="moving_stddev", initializer=moving_stddev_initializer,
                                                 trainable=False)
            self.renorm_mean = self.add_weight(shape=shape, name="renorm_mean", initializer=self.moving_mean_initializer,
                                               trainable=False)
            self.renorm_stddev = self.add_weight(shape=shape, name="renorm_stddev", initializer=moving_stddev_initializer,
                                                 trainable=False)
        self._ndim = ndim
        self._channel_axis = axis
        self._reduction_axes = [a for a in range(ndim) if a != axis]
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        canonical_axes(self.axis, len(input_shape), self.name)
        return tuple(input_shape)

    # ----------------------------------------------------------------------------------------
    def call(self, inputs, training=False, mask=None):
        self._check_inputs(inputs, mask)
        dtype = self.moving_mean.dtype
        if inputs.dtype != dtype:
            inputs = ops.cast(inputs, dtype)
        if not (training and self.trainable):
            return ops.batch_normalization(inputs, self.moving_mean, self.moving_variance, self._channel_axis,
                                           offset=self.beta, scale=self.gamma, epsilon=self.epsilon)
        if self.renorm:
            mean, variance = self._moments(inputs, mask)
            gamma, beta = self._renorm_transforms(mean, variance)
            outputs = ops.batch_normalization(inputs, mean, variance, self._channel_axis, offset=beta, scale=gamma,
                                              epsilon=self.epsilon)
            self._update_renorm_statistics(mean, variance)
            return outputs
        if mask is None:
            # One fused op: statistics, normalization and (on the tape) the whole backward.
            outputs, mean, variance = ops.batch_norm_train(inputs, self.gamma, self.beta, self._reduction_axes,
                                                           epsilon=self.epsilon)
        else:
            mean, variance = self._moments(inputs, mask)
            outputs = ops.batch_normalization(inputs, mean, variance, self._channel_axis, offset=self.beta,
                                              scale=self.gamma, epsilon=self.epsilon)
        self._update_moving(self.moving_mean, mean, self.momentum)
        self._update_moving(self.moving_variance, variance, self.momentum)
        return outputs

    def _check_inputs(self, inputs, mask):
        shape = tuple(inputs.shape)
        check_rank(self, shape, self._ndim)
        expected = self.moving_mean.shape[0]
        if shape[self._channel_axis] != expected:
            raise ValueError(
                f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected axis {self.axis} of input "
                f"shape to have value {expected}, but received input with shape {shape}"
            )
        if mask is not None and len(mask.shape) != len(shape) - 1:
            raise ValueError("The mask provided should be one dimension less than the inputs. Received: "
                             f"mask.shape={tuple(mask.shape)}, inputs.shape={shape}")

    @staticmethod
    def _update_moving(variable, batch_value, momentum):
        # Detached: the state update is not part of the differentiated computation.
        batch_value = _core.stop_gradient(batch_value)
        variable.assign(ops.add(ops.multiply(variable, momentum), ops.multiply(batch_value, 1.0 - momentum)))

    def _moments(self, inputs, mask):
        """Batch mean and biased variance per channel (differentiable); with a mask, only over
        the unmasked positions, as Keras computes them."""
        if mask is None:
            return ops.moments(inputs, self._reduction_axes)
        weights = ops.cast(ops.broadcast_to(ops.expand_dims(ops.cast(mask, "bool"), -1), tuple(inputs.shape)),
                           inputs.dtype)
        count = ops.add(ops.sum(weights, axis=self._reduction_axes), 1e-7)
        mean = ops.divide(ops.sum(ops.multiply(inputs, weights), axis=self._reduction_axes), count)
        centered = ops.multiply(ops.subtract(inputs, ops.reshape(mean, self._channel_shape())), weights)
        variance = ops.divide(ops.sum(ops.square(centered), axis=self._reduction_axes), count)
        return mean, variance

    def _channel_shape(self):
        shape = [1] * self._ndim
        shape[self._channel_axis] = self.moving_mean.shape[0]
        return tuple(shape)

    # ----------------------------------------------------------------------------------------
    # Batch Renormalization (Ioffe, 2017): the batch statistics are corrected towards moving
    # ones by r = std / renorm_std and d = (mean - renorm_mean) / renorm_std, treated as
    # constants by the gradient.

    def _renorm_transforms(self, mean, variance):
        stddev = ops.sqrt(ops.add(_core.stop_gradient(variance), self.epsilon))
        renorm_stddev = ops.maximum(self.renorm_stddev, self.epsilon ** 0.5)
        r = ops.divide(stddev, renorm_stddev)
        d = ops.divide(ops.subtract(_core.stop_gradient(mean), self.renorm_mean), renorm_stddev)
        clip = self.renorm_clipping
        if clip.get("rmin") is not None:
            r = ops.maximum(r, float(clip["rmin"]))
        if clip.get("rmax") is not None:
            r = ops.minimum(r, float(clip["rmax"]))
        if clip.get("dmax") is not None:
            d = ops.clip(d, -float(clip["dmax"]), float(clip["dmax"]))
        r, d = _core.stop_gradient(r), _core.stop_gradient(d)
        gamma = r if self.gamma is None else ops.multiply(r, self.gamma)
        beta = d if self.gamma is None else ops.multiply(d, self.gamma)
        if self.beta is not None:
            beta = ops.add(beta, self.beta)
        return gamma, beta

    def _update_renorm_statistics(self, mean, variance):
        mean = _core.stop_gradient(mean)
        stddev = ops.sqrt(ops.add(_core.stop_gradient(variance), self.epsilon))
        self._update_moving(self.renorm_mean, mean, self.renorm_momentum)
        self._update_moving(self.renorm_stddev, stddev, self.renorm_momentum)
        self._update_moving(self.moving_mean, mean, self.momentum)
        self._update_moving(self.moving_stddev, stddev, self.momentum)
        # The moving variance follows the moving stddev (ReLU guards against rounding below 0).
        self.moving_variance.assign(ops.relu(ops.subtract(ops.square(self.moving_stddev), self.epsilon)))

    # ----------------------------------------------------------------------------------------
    def get_config(self):
        config = {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
        }
        # Keras >= 3.14 writes the renorm keys always; Keras 3.0-3.13 rejects them when loading,
        # so they are written only when Batch Renormalization is on.
        if self.renorm:
            config.update(renorm=self.renorm, renorm_clipping=self.renorm_clipping, renorm_momentum=self.renorm_momentum)
        return config
