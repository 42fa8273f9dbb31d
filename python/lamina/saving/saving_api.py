"""Saving and loading models: the entry points for every format, and Keras 3's native ones.

- `.keras`: a zip (stored) of config.json, metadata.json and model.weights.h5.
- `.weights.h5`: HDF5 with each object's variables at `<path>/vars/<i>`: the model's layers at
  `layers/<snake_case class name>[_n]`, their sublayers under the attribute that holds them
  (e.g. `layers/lstm/cell/vars`), the optimizer at `optimizer/vars` (see optimizer_state).
- legacy `.h5` / `.hdf5` (Keras 2, and Keras 3's `model.save("m.h5")`): legacy_h5 and
  legacy_h5_weights. Loading tells the formats apart by the file's first bytes.

Weights are checked against the file first and assigned only when all of them fit, so a
failed load never leaves a model half-overwritten. Every file is read through file_checks:
nothing outside it is opened, nothing is read before its declared size is checked, and every
failure is a ValueError (or OSError) naming the file.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile

import numpy as np

from lamina.config import to_snake_case
from lamina.saving import file_checks
from lamina.utils.atomic_write import atomic_write

LAMINA_VERSION = "0.1.0"
KERAS_FORMAT_VERSION = "3.10.0"


def _h5py():
    import h5py

    return h5py


# ------------------------------------------------------------------------------------------------
# object tree: which variables live at which path

def _own_variables(layer) -> list:
    seen, out = set(), []
    for v in layer._trainable_variables + layer._non_trainable_variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def _children(layer) -> list:
    """(path, sublayer) for each sublayer a layer holds, as Keras 3 names them: a functional or
    Sequential model's `layers/<class>[_n]`; for other layers and models, each public attribute
    in sorted order (a subclassed model's `layers` among them), a layer by the attribute's name
    and a list or dict's layers by `<attribute>/<class>[_n]`. A layer reached twice is saved at
    its first path (see variable_paths)."""
    from lamina.layers.layer import Layer
    from lamina.models.functional import Functional
    from lamina.models.model import Model
    from lamina.models.sequential import Sequential

    if isinstance(layer, (Functional, Sequential)) or getattr(layer, "_save_children_as_layers", False):
        return [("layers/" + name, sub) for name, sub in _unique_class_names(layer.layers)]
    attrs = {name: value for name, value in vars(layer).items() if not name.startswith("_")}
    if isinstance(layer, Model):
        attrs["layers"] = layer.layers
    out = []
    for attr in sorted(attrs):
        value = attrs[attr]
        if isinstance(value, Layer):
            out.append((attr, value))
        elif isinstance(value, (list, tuple, dict)):
            items = list(value.values()) if isinstance(value, dict) else list(value)
            out.extend((f"{attr}/{name}", sub) for name, sub in _unique_class_names(
                [item for item in items if isinstance(item, Layer)]))
    # Sublayers held only privately: Keras walks private attributes last.
    reached = {id(sub) for _, sub in out}
    listed = [l for l in layer._layers if id(l) not in reached]
    out.extend(("layers/" + name, sub) for name, sub in _unique_class_names(listed))
    return out


def _unique_class_names(layers) -> list:
    counts: dict = {}
    out = []
    for layer in layers:
        base = to_snake_case(type(layer).__name__)
        n = counts.get(base, 0)
        counts[base] = n + 1
        out.append((base if n == 0 else f"{base}_{n}", layer))
    return out


def variable_paths(model) -> list:
    """(path, variable) for every variable of the model, in Keras' .weights.h5 layout."""
    out, visited = [], {id(model)}

    def walk(layer, prefix):
        for i, v in enumerate(_own_variables(layer)):
            out.append((f"{prefix}vars/{i}", v))
        for name, sub in _children(layer):
            if id(sub) not in visited:
                visited.add(id(sub))
                walk(sub, f"{prefix}{name}/")

    walk(model, "")
    return out


# ------------------------------------------------------------------------------------------------
# weights files

def _write_weights(model, f, include_optimizer: bool = True) -> None:
    from lamina.saving import optimizer_state

    f.create_group("vars").attrs["name"] = model.name
    for path, v in variable_paths(model):
        group, index = path.rsplit("/", 1)
        g = f.require_group(group)
        owner = getattr(v, "_owner", None)
        g.attrs["name"] = owner.name if owner is not None else getattr(v, "name", "")
        g.create_dataset(index, data=np.asarray(v))
    opt = getattr(model, "optimizer", None)
    if include_optimizer and opt is not None:
        g = f.require_group("optimizer/vars")
        g.attrs["name"] = opt.name
        for i, (_, value) in enumerate(optimizer_state.keras_variables(opt, model)):
            g.create_dataset(str(i), data=value)


def _read_weights(model, f, filepath: str, skip_mismatch: bool = False) -> None:
    """Keras 3's native layout: every variable at `<object path>/vars/<i>`. All are checked
    before any is assigned; `skip_mismatch` skips (with a warning) each layer whose variables
    do not all fit, as Keras does."""
    import warnings

    from lamina.saving import optimizer_state

    by_group: dict = {}
    for path, v in variable_paths(model):
        group, index = path.rsplit("/", 1)
        by_group.setdefault(group, []).append((index, v))
    staged = []
    for group, entries in by_group.items():
        owner = getattr(entries[0][1], "_owner", None)
        layer = f"layer '{owner.name}'" if owner is not None else f"'{group}'"
        problems, fits = [], []
        for index, v in entries:
            where = f"{group}/{index}"
            expected = tuple(v.shape)
            if where not in f:
                problems.append(f"{layer}: missing weight '{where}' (variable '{v.name}', expected shape {expected})")
                continue
            stored = file_checks.DatasetRef(f[where], filepath, f"'{where}' of {layer}")
            if stored.shape != expected:
                problems.append(f"{layer}: weight '{where}' (variable '{v.name}') expects shape {expected}, "
                                f"found shape {stored.shape}")
                continue
            fits.append((v, stored.read()))
        if problems and not skip_mismatch:
            raise ValueError(f"{filepath}: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
        if problems:
            warnings.warn(f"{filepath}: skipped loading {layer}: {problems[0]}", stacklevel=3)
            continue
        staged.extend(fits)
    for v, data in staged:
        v.assign(np.asarray(data, dtype=v.dtype))
    opt = getattr(model, "optimizer", None)
    if opt is not None and "optimizer/vars" in f:
        group = f["optimizer/vars"]
        stored = [file_checks.DatasetRef(group[str(i)], filepath, f"'optimizer/vars/{i}'")
                  for i in range(len(group)) if str(i) in group]
        saved_name = file_checks.read_attr(group.attrs, "name", filepath)
        saved_name = saved_name.decode() if isinstance(saved_name, bytes) else saved_name
        optimizer_state.restore(opt, model, stored, filepath, saved_name=saved_name or None)


def save_weights(model, filepath, overwrite: bool = True) -> None:
    filepath = str(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`, got {filepath!r}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(filepath)
    atomic_write(filepath, lambda tmp: _with_h5(tmp, "w", lambda f: _write_weights(model, f)))


def load_weights(model, filepath, skip_mismatch: bool = False, by_name: bool = False, **kwargs) -> None:
    """Loads weights from a `.weights.h5` or `.keras` file (Keras 3's layout, also written by
    Keras 2.13+), or from a legacy `.h5` (Keras 2's `save_weights`, or a full-model file), in
    topological order or, with `by_name=True`, pairing layers by name."""
    filepath = str(filepath)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath!r}")
    with file_checks.named_errors(filepath):
        _load_weights(model, filepath, skip_mismatch, by_name)


def _load_weights(model, filepath: str, skip_mismatch: bool, by_name: bool) -> None:
    kind = file_kind(filepath)
    if kind == "zip":
        if by_name:
            raise ValueError(f"`by_name` only supports loading legacy '.h5' or '.hdf5' files. Received: {filepath}")
        with _open_zip(filepath) as z:
            weights = file_checks.read_zip_member(z, filepath, "model.weights.h5", file_checks.weights_limit(model))
        _with_h5(io.BytesIO(weights), "r", lambda f: _read_weights(model, f, filepath, skip_mismatch),
                 f"{filepath} (model.weights.h5)")
        return
    if kind != "hdf5":
        raise ValueError(f"{filepath}: not a Keras weights file (neither HDF5 nor a .keras zip archive)")

    def read(f):
        from lamina.saving import legacy_h5_weights

        group = f
        if not legacy_h5_weights.is_legacy_weights_group(f) and "model_weights" in f:
            group = f["model_weights"]
        if legacy_h5_weights.is_legacy_weights_group(group):
            staged = legacy_h5_weights.stage_model_weights(group, model, filepath, by_name=by_name,
                                                           skip_mismatch=skip_mismatch)
            legacy_h5_weights.assign(staged)
            return
        if by_name:
            raise ValueError(f"`by_name` only supports loading legacy '.h5' or '.hdf5' files. Received: {filepath}")
        _read_weights(model, f, filepath, skip_mismatch)

    _with_h5(filepath, "r", read)


def file_kind(filepath: str) -> str:
    """The container format from the file's first bytes: "hdf5", "zip" or "other" (HDF5 may
    sit after a user block of 512, 1024, ... bytes)."""
    if os.path.isdir(filepath):
        raise ValueError(f"{filepath} is a directory (a TensorFlow SavedModel?): lamina reads Keras' .keras and .h5 "
                         "files; in TensorFlow, load the model and save it with model.save('model.keras')")
    with open(filepath, "rb") as fh:
        head = fh.read(8)
        if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
            return "zip"
        offset = 0
        while head:
            if head == b"\x89HDF\r\n\x1a\n":
                return "hdf5"
            offset = 512 if offset == 0 else offset * 2
            fh.seek(offset)
            head = fh.read(8)
    return "other"


def _with_h5(target, mode, fn, name: str | None = None):
    """Opens `target` (a path or a file object) with h5py and returns `fn(file)`; a file opened
    for reading is first checked for references to other files (file_checks.check_hdf5)."""
    h5py = _h5py()
    name = name or (target if isinstance(target, str) else "the archive's weights")
    if mode == "r":
        file_checks.check_hdf5_bytes(target, name)
    try:
        f = h5py.File(target, mode)
    except OSError as e:
        if mode != "r":
            raise
        raise ValueError(f"{name}: not a readable HDF5 file (truncated or corrupt?): {e}") from e
    with f:
        try:
            if mode == "r":
                file_checks.check_hdf5(f, name)
            return fn(f)
        except OSError as e:
            if mode != "r":
                raise
            raise ValueError(f"{name}: cannot read the file (truncated or corrupt?): {e}") from e


# ------------------------------------------------------------------------------------------------
# .keras archives

def save_model(model, filepath, overwrite: bool = True, include_optimizer: bool = True, **kwargs) -> None:
    from lamina.saving.serialization import serialize_keras_object

    filepath = str(filepath)
    if filepath.endswith((".h5", ".hdf5")) and not filepath.endswith(".weights.h5"):
        from lamina.saving import legacy_h5

        return legacy_h5.save_model(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer)
    if not filepath.endswith(".keras"):
        raise ValueError(f"Invalid filepath extension for saving {filepath!r}: use `.keras` (or `.h5` for the legacy format; `save_weights` for `.weights.h5`)")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(filepath)
    config = serialize_keras_object(model)
    metadata = {"keras_version": KERAS_FORMAT_VERSION, "lamina_version": LAMINA_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    buffer = io.BytesIO()
    _with_h5(buffer, "w", lambda f: _write_weights(model, f, include_optimizer))

    def write(tmp):
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr("metadata.json", json.dumps(metadata))
            z.writestr("config.json", json.dumps(config))
            z.writestr("model.weights.h5", buffer.getvalue())

    atomic_write(filepath, write)


def _open_zip(filepath: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"{filepath}: not a .keras archive (a zip file) or truncated ({e})") from e


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Loads a model saved with `model.save` by lamina or Keras: a `.keras` archive (Keras 3, or
    Keras 2.13+), or a legacy full-model HDF5 file (Keras 2 or 3). The format is read from the
    file's first bytes.

    Args:
        filepath: the file.
        custom_objects: {name: class or function} for custom layers, losses, Lambda functions...
        compile: whether to compile the model as it was saved (loss, optimizer, metrics,
            optimizer state when it matches).
        safe_mode: refuse Lambda layers holding code (loading would run code from the file).
    """
    filepath = str(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath!r}")
    with file_checks.named_errors(filepath):
        return _load_model(filepath, custom_objects, compile, safe_mode)


def _load_model(filepath: str, custom_objects, compile: bool, safe_mode: bool):
    from lamina.saving.serialization import deserialize_keras_object

    kind = file_kind(filepath)
    if kind == "hdf5":
        from lamina.saving import legacy_h5

        return legacy_h5.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    if kind != "zip":
        raise ValueError(f"{filepath}: not a Keras model file (neither a .keras zip archive nor HDF5)")
    with _open_zip(filepath) as z:
        config = parse_config(file_checks.read_zip_member(z, filepath, "config.json", file_checks.CONFIG_LIMIT),
                              filepath, "config.json")
        model = deserialize_keras_object(config, custom_objects=custom_objects, category="models",
                                         safe_mode=safe_mode)
        # Read once the model is known: it bounds how large the weights may be.
        weights = file_checks.read_zip_member(z, filepath, "model.weights.h5", file_checks.weights_limit(model))
    if compile and config.get("compile_config"):
        compile_saved(model, filepath, lambda: _compile_from_config(model, config["compile_config"], custom_objects))
    _with_h5(io.BytesIO(weights), "r", lambda f: _read_weights(model, f, filepath), f"{filepath} (model.weights.h5)")
    return model


def parse_config(text, filepath: str, what: str) -> dict:
    """A model config from JSON text (str or bytes), which must be an object."""
    try:
        config = json.loads(text)
    except (ValueError, RecursionError) as e:  # JSONDecodeError, UnicodeDecodeError; nesting past the stack
        raise ValueError(f"{filepath}: {what} is not valid JSON (corrupt file?): {type(e).__name__}: {e}") from e
    if not isinstance(config, dict):
        raise ValueError(f"{filepath}: {what} holds a JSON {type(config).__name__}, not a model config object")
    return config


def compile_saved(model, filepath: str, compile_model) -> bool:
    """Compiles as the file says; when it names a loss, metric or optimizer lamina does not have
    (and custom_objects does not give), the model stays uncompiled, with a warning."""
    import warnings

    try:
        compile_model()
        return True
    except ValueError as e:
        model.optimizer, model.compiled = None, False
        warnings.warn(f"{filepath}: the model was loaded but not compiled, because its compile settings name "
                      f"something lamina lacks ({e}); compile it yourself, or pass the object in custom_objects.",
                      stacklevel=3)
        return False


def _compile_from_config(model, cc: dict, custom_objects) -> None:
    from lamina.saving.serialization import deserialize_keras_object

    def de(v, category):
        if isinstance(v, str) and v in (custom_objects or {}):
            return custom_objects[v]
        if isinstance(v, dict) and "class_name" in v:
            return deserialize_keras_object(v, custom_objects=custom_objects, category=category)
        if isinstance(v, list):
            return [de(x, category) for x in v]
        if isinstance(v, dict):
            return {k: de(x, category) for k, x in v.items()}
        return v

    model.compile(optimizer=de(cc.get("optimizer") or "rmsprop", "optimizers"), loss=de(cc.get("loss"), "losses"),
                  loss_weights=cc.get("loss_weights"), metrics=de(cc.get("metrics"), "metrics"),
                  weighted_metrics=de(cc.get("weighted_metrics"), "metrics"))
