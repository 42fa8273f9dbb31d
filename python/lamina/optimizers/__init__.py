"""`lamina.optimizers`: Keras' optimizers with Keras' defaults; each step is one fused
engine call over every parameter."""

from lamina.optimizers import schedules
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.rules import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Ftrl, Nadam, RMSprop
from lamina.optimizers.composed import Adafactor, Lamb, Lion, LossScaleOptimizer

_BY_NAME = {
    "sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta,
    "adamax": Adamax, "nadam": Nadam, "ftrl": Ftrl, "lion": Lion, "lamb": Lamb, "adafactor": Adafactor,
}


def get(identifier):
    """An optimizer from a name ("adam"), a config dict, or an instance (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}; known: {sorted(_BY_NAME)}")
        return cls()
    if isinstance(identifier, dict):
        from lamina.saving.serialization import deserialize_keras_object

        return deserialize_keras_object(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


def serialize(optimizer) -> dict:
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    from lamina.saving.serialization import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl",
           "schedules", "get", "serialize", "deserialize", "Adafactor", "Lamb", "Lion", "LossScaleOptimizer"]
