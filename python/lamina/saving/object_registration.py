"""Custom objects for deserialization, as keras.saving names them: the global registry
(`get_custom_objects`, filled by `register_keras_serializable`), scoped additions
(`custom_object_scope`) and lookup (`get_registered_object`).

Lookup order, as in Keras: the `custom_objects` passed to a call, then the innermost scope,
then the global registry.
"""

from __future__ import annotations

import threading

from lamina.saving.serialization import _CUSTOM

_SCOPES = threading.local()


def get_custom_objects() -> dict:
    """The global dict of custom objects (keys: registered names, or any names you add)."""
    return _CUSTOM


class CustomObjectScope:
    """Within the block, deserialization also finds these custom objects by name.

    Args:
        custom_objects: a dict of name -> class or function (several dicts are merged).

    Example:
        with CustomObjectScope({"MyLayer": MyLayer}):
            model = load_model("model.keras")
    """

    def __init__(self, custom_objects: dict | None = None, *more: dict):
        self.custom_objects = dict(custom_objects or {})
        for extra in more:
            self.custom_objects.update(extra or {})

    def __enter__(self) -> "CustomObjectScope":
        stack = getattr(_SCOPES, "stack", None)
        if stack is None:
            stack = _SCOPES.stack = []
        stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc) -> None:
        _SCOPES.stack.pop()


custom_object_scope = CustomObjectScope


def active_custom_objects(custom_objects: dict | None = None) -> dict:
    """The custom objects visible now: the global registry, the open scopes (inner last), then
    `custom_objects` (later entries win)."""
    merged = dict(_CUSTOM)
    for scope in getattr(_SCOPES, "stack", None) or []:
        merged.update(scope)
    merged.update(custom_objects or {})
    return merged


def get_registered_object(name: str, custom_objects: dict | None = None, module_objects: dict | None = None):
    """The class or function registered under `name` (in custom_objects, an open scope, the
    global registry, then module_objects), or None."""
    found = active_custom_objects(custom_objects).get(name)
    if found is None and module_objects:
        found = module_objects.get(name)
    return found


__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_object"]
