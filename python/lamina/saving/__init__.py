"""`lamina.saving`: Keras-format model files and object (de)serialization."""

from lamina.saving.saving_api import load_model, load_weights, save_model, save_weights
from lamina.saving.serialization import (deserialize_keras_object, get_registered_name, register_keras_serializable,
                                         serialize_keras_object)

__all__ = ["load_model", "save_model", "load_weights", "save_weights", "serialize_keras_object",
           "deserialize_keras_object", "register_keras_serializable", "get_registered_name"]
from lamina.saving.object_registration import (CustomObjectScope, custom_object_scope, get_custom_objects,  # noqa: E402
                                               get_registered_object)

__all__ += ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_object"]
