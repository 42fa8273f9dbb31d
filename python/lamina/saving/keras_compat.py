"""Configs written by other Keras versions, made into what lamina's classes take.

Keras 2 and newer Keras 3 releases write config keys lamina's constructors do not have:
`time_major` on recurrent layers, `groups` on DepthwiseConv2D, `input_length` on Embedding,
`fn` on Keras 2's built-in losses, `quantization_config` and initializers' `input_axes` in
Keras 3.15, ... A key lamina lacks is dropped when its value means "feature off" (listed below,
or None/False: a switch that is off), and refused, naming the layer, when it asks for something
lamina does not do. Keras 3 itself refuses several of these Keras 2 files; lamina reads them.

Also here: Keras 2's Lambda config (function as marshalled code in a list) in Keras 3's form,
and a `training_config` (legacy HDF5) as `compile` arguments.
"""

from __future__ import annotations

import inspect

_ANY = object()

# Key -> the values lamina can ignore (when the class has no such argument); why each is safe.
_IGNORABLE = {
    "time_major": (False,),        # Keras 2 RNNs: batch-major inputs, lamina's only layout
    "groups": (1,),                # Keras 2 DepthwiseConv2D / SeparableConv2D / Conv2DTranspose
    "input_length": _ANY,          # Keras 2 Embedding: an input-shape hint, also in batch_input_shape
    "kernel_initializer": _ANY,    # Keras 2 SeparableConv: inherited from Conv, never used
    "kernel_regularizer": _ANY,
    "kernel_constraint": _ANY,
    "jit_compile": _ANY,           # Keras 2 optimizers: a compilation switch
    "is_legacy_optimizer": _ANY,
    "fn": _ANY,                    # Keras 2 built-in losses: the function the class itself wraps
}

# Values Keras 2 wrote that mean what another value means to lamina.
_RENAMED_VALUES = {
    "reduction": {"auto": "sum_over_batch_size"},  # Keras 2 losses: "auto" is the per-batch mean in fit
}

# Arguments lamina's constructors take through **kwargs rather than by name.
_KWARGS_TAKEN = {"batch_input_shape", "batch_shape", "input_shape", "input_dim", "batch_size", "autocast",
                 "activity_regularizer", "implementation", "use_cudnn", "ragged", "optional", "decay"}

_accepted_cache: dict = {}


def _accepted(cls) -> set:
    if cls not in _accepted_cache:
        names = set(_KWARGS_TAKEN)
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is not None and klass is not object:
                try:
                    names |= set(inspect.signature(init).parameters)
                except (TypeError, ValueError):
                    pass
        _accepted_cache[cls] = names
    return _accepted_cache[cls]


def clean_config(cls, class_name: str, config: dict) -> dict:
    """`config` without the keys lamina's `cls` lacks and can ignore; raises for those it cannot."""
    if not isinstance(config, dict) or not (getattr(cls, "__module__", "") or "").startswith("lamina."):
        return config
    accepted = _accepted(cls)
    out = {}
    for key, value in config.items():
        if key in accepted:
            renamed = _RENAMED_VALUES.get(key, {})
            out[key] = renamed.get(value, value) if isinstance(value, str) else value
            continue
        allowed = _IGNORABLE.get(key)
        if allowed is _ANY or (allowed is not None and value in allowed) or (allowed is None and value in (None, False)):
            continue
        if allowed is not None:
            raise ValueError(f"{class_name} '{config.get('name', '?')}': {key}={value!r} is not supported by lamina "
                             f"(it can only ignore {key}={allowed[0]!r})")
        out[key] = value  # unknown: the constructor's error names it
    if class_name == "Lambda":
        out = _lambda_config(out)
    return out


def _lambda_config(config: dict) -> dict:
    """Keras 2 writes a lambda's code as [code, defaults, closure] with function_type "lambda",
    and a named function as its name; Keras 3 writes {"class_name": "__lambda__", ...} and
    {"class_name": "function", "config": name}. lamina takes Keras 3's lambda and a name."""
    config = dict(config)
    fn = config.get("function")
    if isinstance(fn, (list, tuple)):
        config["function"] = {"class_name": "__lambda__",
                              "config": {"code": fn[0], "defaults": fn[1] if len(fn) > 1 else None,
                                         "closure": fn[2] if len(fn) > 2 else None}}
    elif isinstance(fn, dict) and fn.get("class_name") == "function":
        config["function"] = fn.get("config")
    if config.pop("output_shape_type", "raw") != "raw":
        config["output_shape"] = None  # a function of the input shape, stored as code: infer instead
    for key in ("function_type", "module", "output_shape_module"):
        config.pop(key, None)
    return config


def lambda_holds_code(config: dict) -> bool:
    """Whether rebuilding this (cleaned) Lambda config would run code from the file."""
    fn = config.get("function") if isinstance(config, dict) else None
    return not isinstance(fn, str)


# ------------------------------------------------------------------------------------------------
# training_config (legacy HDF5) -> compile arguments

def _metric_from_legacy(value, custom_objects=None):
    """Keras 2 writes compiled metrics as MeanMetricWrapper configs (`{"name": "cls_accuracy",
    "fn": "categorical_accuracy"}`); the name, less an output prefix, is what was asked for."""
    from lamina import metrics as metrics_module

    if isinstance(value, list):
        return [_metric_from_legacy(v, custom_objects) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _metric_from_legacy(v, custom_objects) for k, v in value.items()}
    if isinstance(value, dict) and value.get("class_name") == "MeanMetricWrapper":
        cfg = value.get("config", {})
        name, fn = cfg.get("name") or "", cfg.get("fn")
        candidates = [name] + [name.split("_", k)[-1] for k in range(1, name.count("_") + 1)] + [fn]
        for c in candidates:
            if c in (custom_objects or {}):
                return custom_objects[c]
            if isinstance(c, str) and c:
                try:
                    metrics_module.get(c)
                    return c
                except ValueError:
                    continue
        raise ValueError(f"Unknown metric {name!r} (fn {fn!r}) in the file's training_config")
    return value


def _optimizer_from_legacy(config: dict, custom_objects):
    from lamina.saving.serialization import deserialize_keras_object

    config = dict(config)
    name = config.get("class_name", "")
    # tf.keras 2.11+ registered its new optimizers as "Custom>Adam".
    if name.startswith("Custom>") and name not in (custom_objects or {}):
        from lamina.saving.serialization import _CUSTOM

        if name not in _CUSTOM:
            config["class_name"] = name.split(">", 1)[1]
    return deserialize_keras_object(config, custom_objects=custom_objects, category="optimizers")


def compile_args(training_config: dict, custom_objects=None) -> dict:
    """`compile` arguments from a legacy HDF5 `training_config` (Keras 2 or 3)."""
    from lamina.saving.serialization import deserialize_keras_object

    custom_objects = custom_objects or {}

    def loss(value):
        if isinstance(value, str) and value in custom_objects:
            return custom_objects[value]
        if isinstance(value, dict) and "class_name" in value:
            return deserialize_keras_object(value, custom_objects=custom_objects, category="losses")
        if isinstance(value, list):
            return [loss(v) for v in value]
        if isinstance(value, dict):
            return {k: loss(v) for k, v in value.items()}
        return value

    def metrics(value):
        if isinstance(value, str) and value in custom_objects:
            return custom_objects[value]
        value = _metric_from_legacy(value, custom_objects)
        if isinstance(value, dict) and "class_name" in value:
            return deserialize_keras_object(value, custom_objects=custom_objects, category="metrics")
        if isinstance(value, list):
            return [metrics(v) for v in value]
        if isinstance(value, dict):
            return {k: metrics(v) for k, v in value.items()}
        return value

    optimizer = training_config.get("optimizer_config")
    return {
        "optimizer": _optimizer_from_legacy(optimizer, custom_objects) if optimizer else "rmsprop",
        "loss": loss(training_config.get("loss")),
        "loss_weights": training_config.get("loss_weights"),
        "metrics": _flatten_single_output(metrics(training_config.get("metrics"))),
        "weighted_metrics": _flatten_single_output(metrics(training_config.get("weighted_metrics"))),
    }


def _flatten_single_output(value):
    # Keras 2 writes one list of metrics per output ([[m1, m2]]) even for a single output.
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        return value[0]
    return value
