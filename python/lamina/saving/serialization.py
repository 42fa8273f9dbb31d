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


_DEFAULT_SAFE_MODE = [True]  # False after keras.config.enable_unsafe_deserialization()


def set_default_safe_mode(safe_mode: bool) -> None:
    """The safe mode outside any safe_mode_scope (what enable_unsafe_deserialization changes)."""
    _DEFAULT_SAFE_MODE[0] = bool(safe_mode)


@contextlib.contextmanager
def safe_mode_scope(safe_mode: bool):
    """Within the block, deserialization refuses (True) or allows (False) objects holding code."""
    previous = getattr(_SAFE_MODE, "value", _DEFAULT_SAFE_MODE[0])
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

# Keras 3 writes a graph op (`x + y`, an Embedding's `mask_zero` mask) as an operation from
# `keras.src.ops.*`, which lamina replays with an OpLayer.
_KERAS_OPS_MODULE = "keras.src.ops.numpy"
_KERAS_OPS_PREFIX = "keras.src.ops."


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
    from lamina.layers.core.op_layer import OpLayer, keras_op_class
    from lamina.models.functional import Functional

    if isinstance(obj, OpLayer):
        class_name = keras_op_class(obj.op_name)
        return {"module": _KERAS_OPS_MODULE, "class_name": class_name, "config": {"name": obj.name},
                "registered_name": class_name}
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
    from lamina.saving.object_registration import active_custom_objects

    custom_objects = active_custom_objects(custom_objects)
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
    # Before the class lookup: Keras' `Add` op is not its `Add` layer.
    if _is_keras_op(config, custom_objects):
        from lamina.layers.core.op_layer import OpLayer, op_name_from_keras

        return OpLayer(op_name_from_keras(class_name), name=inner.get("name"))
    cls = _find_class(class_name, config, custom_objects, category)
    if cls is None:
        raise ValueError(
            f"Unknown {category or 'object'} class '{class_name}'"
            f"{' (layer ' + repr(inner.get('name')) + ')' if isinstance(inner, dict) and inner.get('name') else ''}: "
            "it is not a lamina built-in; pass the class in `custom_objects` (or register it with "
            "lamina.saving.register_keras_serializable)."
        )
    from lamina.saving import keras_compat

    inner = keras_compat.clean_config(cls, class_name, dict(inner)) if isinstance(inner, dict) else inner
    if getattr(cls, "_requires_unsafe_deserialization", False):
        _check_code_allowed(class_name, inner, custom_objects)
    from_config = cls.from_config
    params = inspect.signature(from_config).parameters
    try:
        if "custom_objects" in params:
            obj = from_config(inner, custom_objects=custom_objects)
        else:
            obj = from_config(inner)
    except TypeError as e:
        name = inner.get("name") if isinstance(inner, dict) else None
        raise ValueError(f"Cannot rebuild {class_name}{f' {name!r}' if name else ''} from its config: {e}") from e
    build = config.get("build_config")
    if build and hasattr(obj, "build") and not getattr(obj, "built", True) and build.get("input_shape") is not None:
        obj.build(_to_tuples(build["input_shape"]))
        obj.built = True
    return obj


def _is_keras_op(config: dict, custom_objects: dict) -> bool:
    """A Keras 3 graph op (`x + y`, an Embedding's mask): module `keras.src.ops.*`, or in a
    legacy `.h5` (which drops modules) a config that is only a name, naming a lamina op."""
    from lamina.layers.core.op_layer import has_op, op_name_from_keras

    class_name = config["class_name"]
    if class_name in custom_objects or config.get("registered_name") in custom_objects:
        return False
    module, inner = config.get("module"), config.get("config")
    if module:
        return module.startswith(_KERAS_OPS_PREFIX)
    return isinstance(inner, dict) and set(inner) == {"name"} and has_op(op_name_from_keras(class_name))


def _check_code_allowed(class_name: str, config, custom_objects) -> None:
    """A Lambda naming a function needs that function in `custom_objects`; one holding code runs
    code from the file, which only `safe_mode=False` allows (as in Keras)."""
    from lamina.saving import keras_compat

    name = config.get("name") if isinstance(config, dict) else None
    if isinstance(config, dict) and not keras_compat.lambda_holds_code(config):
        fn = config["function"]
        if fn not in (custom_objects or {}):
            raise ValueError(f"{class_name} layer '{name}' calls a function named '{fn}': pass it in custom_objects "
                             f"(custom_objects={{'{fn}': {fn}}}); lamina never imports code named by a file.")
        return
    if getattr(_SAFE_MODE, "value", _DEFAULT_SAFE_MODE[0]):
        raise ValueError(
            f"Refusing to deserialize '{class_name}' layer '{name}': it holds Python code, and loading "
            "it would execute code from the file. Pass safe_mode=False if you trust the source."
        )


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


class _NotYet(Exception):
    """A node's input comes from a layer call that has not been replayed yet."""


def functional_from_config(cls, config: dict, custom_objects=None):
    """Rebuilds a functional model: creates each layer, then replays its calls, each layer's in
    the order saved (a later call of a shared layer may depend on an earlier one's output).

    Node indices follow the writer's conventions. Keras 3 counts a layer's calls within the
    model, except that `input_layers`/`output_layers` count one more for a nested functional
    model. Keras 2 counts one more everywhere for a nested model that starts with an InputLayer
    (its first node, linking its own inputs to outputs, is not in the outer model).
    """
    from lamina.layers.input_layer import InputLayer
    from lamina.layers.symbolic import flatten
    from lamina.models.functional import Functional

    layer_configs = config["layers"]
    keras2 = any(isinstance(node, list) for lc in layer_configs for node in lc.get("inbound_nodes", []) or [])
    layers, offset, produced, queue, order = {}, {}, {}, {}, []
    for lc in layer_configs:
        name = lc.get("name") or lc.get("config", {}).get("name")
        # Replaying the calls builds each layer; a saved build_config adds nothing and, from
        # Keras 2, can list all of a call's inputs (an RNN's states too) as if they were one.
        lc = {k: v for k, v in lc.items() if k != "build_config"}
        layer = deserialize_keras_object(lc, custom_objects=custom_objects, category="layers")
        layers[name] = layer
        order.append(name)
        produced[name] = [[layer._output_tensor]] if isinstance(layer, InputLayer) else []
        offset[name] = _keras2_first_node(lc) if keras2 else 0
        queue[name] = [] if isinstance(layer, InputLayer) else _normalize_nodes(lc.get("inbound_nodes") or [])
    names = set(layers)
    if keras2:
        for name in order:
            queue[name] = [_keras2_kwargs_refs(node, names) for node in queue[name]]

    def lookup(ref, in_io: bool = False):
        name, node_index, tensor_index = ref[0], int(ref[1]), int(ref[2])
        if name not in layers:
            raise ValueError(f"Could not rebuild model '{config.get('name')}': a node refers to unknown layer '{name}'")
        layer = layers[name]
        if isinstance(layer, InputLayer):
            node_index = 0
        elif keras2:
            node_index -= offset[name]
        elif in_io and isinstance(layer, Functional):
            node_index = max(node_index - 1, 0)
        if node_index >= len(produced[name]):
            raise _NotYet(name)
        return produced[name][node_index][tensor_index]

    def resolve(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            return lookup(value["config"]["keras_history"])
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    progress = True
    while progress and any(queue.values()):
        progress = False
        for name in order:
            while queue[name]:
                node = queue[name][0]
                try:
                    args, kwargs = resolve(node["args"]), resolve(node["kwargs"])
                except _NotYet:
                    break
                if len(args) == 1 and isinstance(args[0], list) and len(args[0]) == 1 and _is_tensor(args[0][0]):
                    args = [args[0][0]]
                if keras2 and _is_recurrent(layers[name]) and isinstance(args[0], list) and len(args[0]) > 1:
                    # Keras 2 saves `rnn(x, initial_state=[h, c])` as a call on [x, h, c].
                    args, kwargs = [args[0][0]], dict(kwargs, initial_state=args[0][1:])
                out = layers[name](*args, **kwargs)
                produced[name].append(flatten(out))
                queue[name].pop(0)
                progress = True
    stuck = [name for name in order if queue[name]]
    if stuck:
        raise ValueError(f"Could not rebuild model '{config.get('name')}': layers {stuck} have inputs that no layer "
                         "call produces (the graph has a cycle or a node index is out of range)")

    def io(refs):
        if isinstance(refs, dict):
            return {k: io(v) for k, v in refs.items()}
        if _is_ref(refs):
            try:
                return lookup(refs, in_io=True)
            except _NotYet as e:
                raise ValueError(f"Could not rebuild model '{config.get('name')}': its inputs/outputs name node "
                                 f"{refs[1]} of layer '{e}', which was never called") from None
        return [io(r) for r in refs]

    inputs = io(config["input_layers"])
    outputs = io(config["output_layers"])
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    if isinstance(outputs, list) and len(outputs) == 1:
        outputs = outputs[0]
    return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))


def _is_ref(value) -> bool:
    return (isinstance(value, (list, tuple)) and len(value) in (3, 4) and isinstance(value[0], str)
            and all(isinstance(v, int) for v in value[1:3]))


def _keras2_first_node(layer_config: dict) -> int:
    """1 for a nested model whose own first node Keras 2 left out of the outer config: a
    functional model, or a Sequential built from an InputLayer."""
    class_name = layer_config.get("class_name")
    if class_name in ("Functional", "Model"):
        return 1
    if class_name == "Sequential":
        inner = layer_config.get("config", {})
        layers = inner.get("layers", []) if isinstance(inner, dict) else inner
        return int(bool(layers) and layers[0].get("class_name") == "InputLayer")
    return 0


def _keras2_kwargs_refs(node: dict, layer_names: set) -> dict:
    """Keras 2 writes a tensor passed by keyword (e.g. `initial_state`) as [layer, node, tensor]."""

    def convert(v):
        if _is_ref(v) and len(v) == 3 and v[0] in layer_names:
            return {"class_name": "__keras_tensor__", "config": {"keras_history": list(v)}}
        if isinstance(v, list):
            return [convert(x) for x in v]
        if isinstance(v, dict) and v.get("class_name") != "__keras_tensor__":
            return {k: convert(x) for k, x in v.items()}
        return v

    return {"args": node["args"], "kwargs": convert(node["kwargs"])}


def _is_recurrent(layer) -> bool:
    from lamina.layers.recurrent import RNN, Bidirectional

    return isinstance(layer, (RNN, Bidirectional))


def _is_tensor(v) -> bool:
    from lamina.layers.symbolic import KerasTensor

    return isinstance(v, KerasTensor)


def _normalize_nodes(nodes) -> list:
    """Keras 3 nodes are {"args", "kwargs"}; Keras 2 nodes are [[layer, node, tensor, kwargs], ...]."""
    out = []
    for node in nodes:
        if isinstance(node, dict):
            out.append({"args": node.get("args", []), "kwargs": node.get("kwargs", {}) or {}})
            continue
        refs = [{"class_name": "__keras_tensor__", "config": {"keras_history": [r[0], r[1], r[2]]}} for r in node]
        kwargs = node[-1][3] if node and len(node[-1]) > 3 and isinstance(node[-1][3], dict) else {}
        out.append({"args": [refs[0]] if len(refs) == 1 else [refs], "kwargs": dict(kwargs)})
    return out
