"""clone_model and model_from_json: new models from an existing one's architecture."""

from __future__ import annotations

import json


def model_from_json(json_string: str, custom_objects=None):
    """A new (untrained) model from `model.to_json()` output."""
    from lamina.saving.serialization import deserialize_keras_object

    return deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects, category="models")


def clone_model(model, input_tensors=None, clone_function=None):
    """A model with the same architecture and freshly initialized weights (layers re-created
    from their configs, so nothing is shared with the original)."""
    from lamina.saving.serialization import deserialize_keras_object, serialize_keras_object

    if clone_function is not None or input_tensors is not None:
        raise NotImplementedError("clone_model: clone_function and input_tensors are not supported yet")
    config = serialize_keras_object(model)
    return deserialize_keras_object(config, category="models")
