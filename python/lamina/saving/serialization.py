"""Objects to and from Keras 3 configs: `{"module", "class_name", "config", "registered_name"}`.

lamina writes the module names Keras uses (`keras.layers`, `keras.initializers`, ...) so the
configs it saves are Keras' own format; it reads Keras 2's `{"class_name", "config"}` too.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import types

_CUSTOM: dict = {}  # registered name ("package>Name") -> class or function
_SAFE_MODE = threading.local()


@contextlib.contextmanager
def safe_mode_scope(safe_mode: bool):
    """Within the block, deserialization refuses (True) or allows (False) objects holding code."""
    previous = getattr(_SAFE_MODE, "value", True)
    _SAFE_MODE.value = bool(safe_mode)
    try:
        yield
    finally:
        _SAFE_MODE.value = previous

# The Keras module each category of lamina object is written under.
_KERAS_MODULES = {
    "layers": "keras.layers",
    "initializers": "keras.initializers",
    "regularizers": "keras.regularizers",
    "constraints": "keras.constraints",
    "optimizers": "keras.optimizers",
    "schedules": "keras.optimizers.schedules",
    "losses": "keras.losses",
    "metrics": "keras.metrics",
    "activations": "keras.activations",
}


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator registering a custom class or function so saved models can refer to it."""

    def decorator(obj):
        key = f"{package}>{name or obj.__name__}"
        _CUSTOM[key] = obj
        obj._registered_name = key
        return obj

    return decorator


def get_registered_name(obj) -> str:
    return getattr(obj, "_registered_name", None) or getattr(obj, "__name__", type(obj).__name__)


def _category_of(cls) -> str | None:
    module = getattr(cls, "__module__", "") or ""
    if not module.startswith("lamina."):
        return None
    parts = module.split(".")
    if parts[1] == "optimizers" and "schedules" in parts:
        return "schedules"
    return parts[1] if parts[1] in _KERAS_MODULES else None


def _builtin_registry() -> dict:
    """(category, class name) -> lamina class, for every built-in serializable class."""
    if _builtin_registry.cache is not None:
        return _builtin_registry.cache
    import lamina
    from lamina import (activations, constraints, initializers, layers, losses, metrics, optimizers,
                        regularizers)
    from lamina.optimizers import schedules

    reg = {}
    for category, module in (("layers", layers), ("initializers", initializers), ("regularizers", regularizers),
                             ("constraints", constraints), ("optimizers", optimizers), ("schedules", schedules),
                             ("losses", losses), ("metrics", metrics)):
        for attr in dir(module):
            obj = getattr(module, attr)
            if inspect.isclass(obj):
                reg[(category, attr)] = obj
    for name, fn in activations._BY_NAME.items():
        reg[("activations", name)] = fn
    for attr in ("mean_squared_error", "mean_absolute_error", "binary_crossentropy", "categorical_crossentropy",
                 "sparse_categorical_crossentropy", "huber", "log_cosh", "kl_divergence", "poisson", "hinge",
                 "squared_hinge", "cosine_similarity", "mean_absolute_percentage_error", "mean_squared_logarithmic_error"):
        reg[("losses", attr)] = getattr(losses, attr)
    reg[("models", "Sequential")] = lamina.models.Sequential
    reg[("models", "Functional")] = lamina.models.Functional
    reg[("models", "Model")] = lamina.models.Functional
    _builtin_registry.cache = reg
    return reg


_builtin_registry.cache = None


def serialize_keras_object(obj):
    """A JSON-able config for `obj` (Keras 3's format)."""
    from lamina.layers.layer import Layer

    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(o) for o in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, types.FunctionType) or inspect.isbuiltin(obj):
        category = _category_of(obj)
        if category == "activations":
            return obj.__name__
        name = get_registered_name(obj)
        module = _KERAS_MODULES.get(category, getattr(obj, "__module__", None))
        return {"module": module, "class_name": "function", "config": name,
                "registered_name": name if category is None else obj.__name__}
    cls = type(obj)
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no get_config()")
    category = _category_of(cls)
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    if isinstance(obj, Functional) and cls is Functional:
        module, class_name, registered = "keras.src.models.functional", "Functional", "Functional"
    elif isinstance(obj, Sequential) and cls is Sequential:
        module, class_name, registered = "keras", "Sequential", None
    elif category is not None:
        module, class_name, registered = _KERAS_MODULES[category], cls.__name__, None
    else:
        module, class_name, registered = cls.__module__, cls.__name__, get_registered_name(cls)
    out = {"module": module, "class_name": class_name, "config": _plain(obj.get_config()), "registered_name": registered}
    if isinstance(obj, Layer) and obj.built:
        build = obj.get_build_config()
        if build is not None:
            out["build_config"] = _plain(build)
    compile_config = getattr(obj, "_compile_config", None)
    if compile_config is not None and isinstance(obj, Layer):
        out["compile_config"] = _plain({k: serialize_keras_object(v) for k, v in compile_config.items()})
    return out


def _plain(value):
    """Tuples to lists and nested objects to configs, so the result is JSON."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "get_config") or isinstance(value, types.FunctionType):
        return serialize_keras_object(value)
    if hasattr(value, "item") and hasattr(value, "dtype") and getattr(value, "shape", None) == ():
        return value.item()
    return value


def _category_from_module(module: str | None) -> str | None:
    if not module:
        return None
    if module in ("keras", "keras.models") or module.startswith("keras.src.models") or module.startswith("keras.src.engine"):
        return "models"
    for category, km in _KERAS_MODULES.items():
        if module == km or module.startswith(km + ".") or module.startswith(f"keras.src.{category}"):
            return "schedules" if "schedules" in module else category
    return None


def deserialize_keras_object(config, custom_objects=None, category: str | None = None, safe_mode: bool | None = None):
    """Rebuilds an object from a Keras 3 config, a Keras 2 `{"class_name", "config"}` dict, or
    a plain name. `custom_objects` maps class or function names to user classes/functions."""
    if safe_mode is not None:
        with safe_mode_scope(safe_mode):
            return deserialize_keras_object(config, custom_objects, category)
    custom_objects = custom_objects or {}
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        if config in custom_objects:
            return custom_objects[config]
        if category == "activations" or category is None:
            from lamina import activations

            return activations.get(config)
        return config
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot deserialize {config!r}: expected a dict with a 'class_name'")
    class_name = config["class_name"]
    inner = config.get("config", {})
    if class_name == "function":
        name = inner if isinstance(inner, str) else config.get("registered_name")
        fn = custom_objects.get(name) or _CUSTOM.get(config.get("registered_name") or "")
        if fn is None:
            cat = _category_from_module(config.get("module")) or category or "activations"
            fn = _builtin_registry().get((cat, name))
        if fn is None:
            raise ValueError(f"Unknown function '{name}' in the config; pass it in custom_objects")
        return fn
    if class_name == "__keras_tensor__":
        raise ValueError("a __keras_tensor__ reference can only appear inside a functional model's nodes")
    cls = _find_class(class_name, config, custom_objects, category)
    if cls is None:
        raise ValueError(
            f"Unknown {category or 'object'} class '{class_name}'"
            f"{' (layer ' + repr(inner.get('name')) + ')' if isinstance(inner, dict) and inner.get('name') else ''}: "
            "it is not a lamina built-in; pass the class in `custom_objects` (or register it with "
            "lamina.saving.register_keras_serializable)."
        )
    if getattr(cls, "_requires_unsafe_deserialization", False) and getattr(_SAFE_MODE, "value", True):
        raise ValueError(
            f"Refusing to deserialize '{class_name}' layer '{inner.get('name')}': it holds Python code, and loading "
            "it would execute code from the file. Pass safe_mode=False if you trust the source."
        )
    inner = dict(inner) if isinstance(inner, dict) else inner
    from_config = cls.from_config
    params = inspect.signature(from_config).parameters
    if "custom_objects" in params:
        obj = from_config(inner, custom_objects=custom_objects)
    else:
        obj = from_config(inner)
    build = config.get("build_config")
    if build and hasattr(obj, "build") and not getattr(obj, "built", True) and build.get("input_shape") is not None:
        obj.build(_to_tuples(build["input_shape"]))
        obj.built = True
    return obj


def _to_tuples(shape):
    if isinstance(shape, list) and (not shape or not isinstance(shape[0], (list, dict))):
        return tuple(shape)
    if isinstance(shape, list):
        return [_to_tuples(s) for s in shape]
    return shape


def _find_class(class_name, config, custom_objects, category):
    if class_name in custom_objects:
        return custom_objects[class_name]
    registered = config.get("registered_name")
    if registered and registered in custom_objects:
        return custom_objects[registered]
    if registered and registered in _CUSTOM:
        return _CUSTOM[registered]
    reg = _builtin_registry()
    cat = _category_from_module(config.get("module")) or category
    if cat is not None and (cat, class_name) in reg:
        return reg[(cat, class_name)]
    for order in ("layers", "models", "initializers", "regularizers", "constraints", "optimizers", "schedules",
                  "losses", "metrics"):
        if (order, class_name) in reg:
            return reg[(order, class_name)]
    return None


# ------------------------------------------------------------------------------------------------
# functional models

def serialize_layer_with_nodes(layer, model) -> dict:
    """A layer's config inside a functional model's config, with its inbound nodes."""
    from lamina.layers.symbolic import KerasTensor, map_structure

    cfg = serialize_keras_object(layer)
    cfg["name"] = layer.name
    nodes = []
    for node in layer._inbound_nodes:
        if node not in model._nodes:
            continue

        def tensor_ref(v):
            if isinstance(v, KerasTensor):
                src, node_index, tensor_index = v._keras_history
                src_node = src._inbound_nodes[node_index]
                return {"class_name": "__keras_tensor__",
                        "config": {"shape": list(v.shape), "dtype": v.dtype,
                                   "keras_history": [src.name, model._node_index_in_model(src, src_node), tensor_index]}}
            return _plain(v)

        nodes.append({"args": map_structure(tensor_ref, list(node.call_args)),
                      "kwargs": map_structure(tensor_ref, dict(node.call_kwargs))})
    cfg["inbound_nodes"] = nodes
    return cfg


def functional_from_config(cls, config: dict, custom_objects=None):
    """Rebuilds a functional model: creates each layer, then replays its calls in order."""
    from lamina.layers.input_layer import InputLayer

    layers = {}
    outputs_by_layer: dict = {}
    pending = []
    for lc in config["layers"]:
        layer = deserialize_keras_object(lc, custom_objects=custom_objects, category="layers")
        name = lc.get("name") or lc.get("config", {}).get("name")
        layers[name] = layer
        outputs_by_layer[name] = []
        if isinstance(layer, InputLayer):
            outputs_by_layer[name].append([layer._output_tensor])
        else:
            for node in _normalize_nodes(lc.get("inbound_nodes", [])):
                pending.append((name, node))

    def lookup(ref):
        name, node_index, tensor_index = ref
        produced = outputs_by_layer.get(name)
        if produced is None or node_index >= len(produced):
            raise KeyError(name)
        return produced[node_index][tensor_index]

    def resolve(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            return lookup(value["config"]["keras_history"])
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    progress = True
    while pending and progress:
        progress = False
        remaining = []
        for name, node in pending:
            try:
                args = resolve(node["args"])
                kwargs = resolve(node["kwargs"])
            except KeyError:
                remaining.append((name, node))
                continue
            if len(args) == 1 and isinstance(args[0], list) and len(args[0]) == 1 and _is_tensor(args[0][0]):
                args = [args[0][0]]
            out = layers[name](*args, **kwargs)
            from lamina.layers.symbolic import flatten

            outputs_by_layer[name].append(flatten(out))
            progress = True
        pending = remaining
    if pending:
        raise ValueError(f"Could not rebuild the model graph: layers {[n for n, _ in pending]} have unresolved inputs")

    def io(refs):
        if isinstance(refs, dict):
            return {k: io(v) for k, v in refs.items()}
        if refs and isinstance(refs[0], (list, tuple)) and not isinstance(refs[0][0], (list, tuple)) and isinstance(refs[0][0], str):
            return [lookup(r) for r in refs]
        if refs and isinstance(refs[0], str):
            return lookup(refs)
        return [io(r) for r in refs]

    inputs = io(config["input_layers"])
    outputs = io(config["output_layers"])
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    if isinstance(outputs, list) and len(outputs) == 1:
        outputs = outputs[0]
    return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))


def _is_tensor(v) -> bool:
    from lamina.layers.symbolic import KerasTensor

    return isinstance(v, KerasTensor)


def _normalize_nodes(nodes) -> list:
    """Keras 3 nodes are {"args", "kwargs"}; Keras 2 nodes are [[layer, node, tensor, kwargs], ...]."""
    out = []
    for node in nodes:
        if isinstance(node, dict):
            out.append({"args": node.get("args", []), "kwargs": node.get("kwargs", {})})
            continue
        refs = [{"class_name": "__keras_tensor__", "config": {"keras_history": [r[0], r[1], r[2]]}} for r in node]
        kwargs = node[0][3] if node and len(node[0]) > 3 and isinstance(node[0][3], dict) else {}
        out.append({"args": [refs[0]] if len(refs) == 1 else [refs], "kwargs": kwargs})
    return out
