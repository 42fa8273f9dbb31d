"""`lamina.activations`: activation functions by Keras name, each one engine op."""

from __future__ import annotations

from lamina import ops


def linear(x):
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras' relu: `x` above `threshold` (0 at or below it), clipped to [0, max_value], minus
    `negative_slope * relu(threshold - x)`."""
    if negative_slope != 0.0 and max_value is None and threshold == 0.0:
        return ops.leaky_relu(x, negative_slope=negative_slope)
    if threshold != 0.0:
        y = ops.where(ops.greater(x, threshold), x, ops.zeros_like(x))
    elif max_value == 6.0:
        y, max_value = ops.relu6(x), None
    else:
        y = ops.relu(x)
    if max_value is not None:
        y = ops.clip(y, 0.0, max_value)
    if negative_slope != 0.0:
        y = ops.subtract(y, ops.multiply(ops.relu(ops.subtract(threshold, x)), negative_slope))
    return y


def relu6(x):
    return ops.relu6(x)


def sigmoid(x):
    return ops.sigmoid(x)


def tanh(x):
    return ops.tanh(x)


def softmax(x, axis=-1):
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return ops.log_softmax(x, axis=axis)


def elu(x, alpha=1.0):
    return ops.elu(x, alpha=alpha)


def selu(x):
    return ops.selu(x)


def gelu(x, approximate=False):
    return ops.gelu(x, approximate=approximate)


def softplus(x):
    return ops.softplus(x)


def softsign(x):
    return ops.softsign(x)


def silu(x):
    return ops.silu(x)


swish = silu


def hard_sigmoid(x):
    return ops.hard_sigmoid(x)


def hard_silu(x):
    return ops.hard_silu(x)


hard_swish = hard_silu


def leaky_relu(x, negative_slope=0.2):
    return ops.leaky_relu(x, negative_slope=negative_slope)


def exponential(x):
    return ops.exp(x)


_BY_NAME = {f.__name__: f for f in (linear, relu, relu6, sigmoid, tanh, softmax, log_softmax, elu, selu, gelu,
                                     softplus, softsign, silu, hard_sigmoid, hard_silu, leaky_relu, exponential)}
_BY_NAME.update({"swish": silu, "hard_swish": hard_silu})


def get(identifier):
    """An activation function from a name (None means linear) or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier.lower())
        if fn is None:
            raise ValueError(f"Could not interpret activation function identifier: {identifier!r}; known: {sorted(_BY_NAME)}")
        return fn
    if isinstance(identifier, dict):
        from lamina.saving.serialization import deserialize_keras_object

        return deserialize_keras_object(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(activation) -> str:
    name = getattr(activation, "__name__", None)
    if name in _BY_NAME and _BY_NAME[name] is activation:
        return name
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(activation)


# The rest of Keras' activations, composed from engine ops in lamina.ops.
from lamina.ops._activations_extra import (celu, glu, hard_shrink, hard_tanh, log_sigmoid, mish,  # noqa: E402
                                           soft_shrink, sparse_plus, sparse_sigmoid, sparsemax, squareplus,
                                           tanh_shrink, threshold)

_BY_NAME.update({f.__name__: f for f in (celu, glu, hard_shrink, hard_tanh, log_sigmoid, mish, soft_shrink, sparse_plus,
                                         sparse_sigmoid, sparsemax, squareplus, tanh_shrink, threshold)})


def deserialize(config, custom_objects=None):
    """An activation function from its serialized form (a name or a Keras config dict)."""
    if isinstance(config, str):
        if custom_objects and config in custom_objects:
            return custom_objects[config]
        return get(config)
    from lamina.saving.serialization import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)
