"""TimeDistributed: applies a layer to every time slice of its inputs."""

from __future__ import annotations

from lamina import ops
from lamina.layers.layer import Layer


class TimeDistributed(Layer):
    """Applies `layer` to every temporal slice of an input, as `keras.layers.TimeDistributed`:
    inputs [batch, timesteps, ...] give outputs [batch, timesteps, ...layer output...].

    lamina folds the time axis into the batch axis and calls the wrapped layer once (one
    engine call per op for the whole sequence, not one per time step); the wrapped layer must
    treat the samples of a batch independently, as per-step layers (Dense, Conv2D, ...) do.

    Args:
        layer: the layer to apply; its weights are shared across time steps.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    @staticmethod
    def _child_shape(input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(
                "`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, "
                f"received: {input_shape}"
            )
        return (input_shape[0],) + input_shape[2:]

    def build(self, input_shape):
        child = self._child_shape(input_shape)
        if not self.layer.built:
            self.layer.build(child)
            self.layer.built = True
        self._build_input_shape = tuple(input_shape)
        self.built = True

    def call(self, inputs, training=None, mask=None):
        shape = tuple(inputs.shape)
        self._child_shape(shape)
        batch, steps = shape[0], shape[1]
        if mask is not None and tuple(mask.shape[:2]) != (batch, steps):
            raise ValueError(
                f"`TimeDistributed` Layer should be passed a `mask` of shape ({batch}, {steps}, ...), "
                f"received: mask.shape={tuple(mask.shape)}"
            )
        folded = ops.reshape(inputs, (batch * steps,) + shape[2:])
        kwargs = {}
        if self.layer._call_has_training:
            kwargs["training"] = training
        if mask is not None and self.layer._call_has_mask:
            kwargs["mask"] = ops.reshape(mask, (batch * steps,) + tuple(mask.shape[2:]))
        y = self.layer(folded, **kwargs)
        return ops.reshape(y, (batch, steps) + tuple(y.shape[1:]))

    def compute_output_shape(self, input_shape):
        child_out = self.layer.compute_output_shape(self._child_shape(input_shape))
        return (input_shape[0], input_shape[1]) + tuple(child_out[1:])

    def get_config(self):
        from lamina.saving.serialization import serialize_keras_object

        return {**super().get_config(), "layer": serialize_keras_object(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.saving.serialization import deserialize_keras_object

        config = dict(config)
        layer = deserialize_keras_object(config.pop("layer"), custom_objects=custom_objects, category="layers")
        return cls(layer, **config)
