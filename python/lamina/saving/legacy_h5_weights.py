"""Weights in the legacy HDF5 layout of Keras 2 and 3.

A weights group (the file root of `save_weights("w.h5")`, or `/model_weights` of a full-model
file) names the model's layers in its `layer_names` attribute, in `model.layers` order; each
layer's group lists its weights in `weight_names` (trainable weights, then non-trainable ones),
each a path to a dataset under the layer's group. Name lists over HDF5's 64 KiB attribute limit
are split into `layer_names0`, `layer_names1`, ...; files from h5py 2 hold them as bytes.

Loading pairs the model's layers that have weights with the file's layers that list weights,
by position (Keras' topological loading) or by name (`by_name=True`), and a layer's weights by
position. Nested models are the exception: how Keras flattens their weights depends on which
sublayers are frozen, so their weights are matched to sublayers by the layer names in the
weight paths. Everything is checked before anything is assigned.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from lamina.saving import file_checks

# Keras' limit on the size of one name-list attribute (HDF5's object header is 64 KiB).
HDF5_OBJECT_HEADER_LIMIT = 64512


# ------------------------------------------------------------------------------------------------
# name lists

def _text(value) -> str:
    return value.decode("utf8") if isinstance(value, (bytes, np.bytes_)) else str(value)


def read_name_list(attrs, name: str, filepath: str) -> list:
    """A name-list attribute as a list of str: whole or split into name0, name1, ...; str or bytes."""
    if name in attrs:
        chunks = [file_checks.read_attr(attrs, name, filepath)]
    else:
        chunks, i = [], 0
        while f"{name}{i}" in attrs:
            chunks.append(file_checks.read_attr(attrs, f"{name}{i}", filepath))
            i += 1
    out = []
    for chunk in chunks:
        values = np.atleast_1d(np.asarray(chunk))
        if values.dtype.kind == "f" and values.size == 0:  # Keras stores an empty list as an empty float array
            continue
        if values.dtype.kind not in "SUO":
            raise ValueError(f"{filepath}: the '{name}' attribute holds {values.dtype} values, not names (corrupt file?)")
        out.extend(_text(v) for v in values)
    return out


def write_name_list(attrs, name: str, names: list) -> None:
    """Stores names as Keras does: fixed-width bytes, split into name0, name1, ... when the
    array would pass the attribute size limit."""
    data = [n.encode("utf8") for n in names]
    too_long = [n for n in data if len(n) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise ValueError(f"Cannot save names longer than {HDF5_OBJECT_HEADER_LIMIT} bytes in HDF5: {too_long[0][:80]!r}...")
    if not data:
        attrs[name] = np.zeros((0,), dtype=np.float64)
        return
    array = np.asarray(data)
    chunks = 1
    while any(c.nbytes > HDF5_OBJECT_HEADER_LIMIT for c in np.array_split(array, chunks)):
        chunks += 1
    if chunks == 1:
        attrs[name] = array
    else:
        for i, chunk in enumerate(np.array_split(array, chunks)):
            attrs[f"{name}{i}"] = chunk


# ------------------------------------------------------------------------------------------------
# which weights a layer has, in Keras' legacy order, and their names

def legacy_weights(layer) -> list:
    return layer.trainable_weights + layer.non_trainable_weights


def _is_model(layer) -> bool:
    from lamina.models.model import Model

    return isinstance(layer, Model)


def weight_paths(layer) -> dict:
    """id(variable) -> its path under the layer, layer names joined by '/' down to the layer
    that owns it (`lstm/lstm_cell/kernel`, `bilstm/forward_lstm/lstm_cell/kernel`), as Keras 3
    names them."""
    paths: dict = {}

    def walk(current, prefix):
        for v in current._trainable_variables + current._non_trainable_variables:
            paths.setdefault(id(v), f"{prefix}/{v.name}")
        for sub in current._layers:
            walk(sub, f"{prefix}/{sub.name}")

    walk(layer, layer.name)
    return paths


def write_layer_weights(group, layer) -> None:
    weights = legacy_weights(layer)
    paths = weight_paths(layer)
    names, used = [], set()
    for v in weights:
        name = paths.get(id(v), f"{layer.name}/{v.name}")
        base, n = name, 1
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        names.append(name)
        group.create_dataset(name, data=np.asarray(v))
    write_name_list(group.attrs, "weight_names", names)


def write_model_weights(group, model) -> None:
    """The layout of Keras 3's `save_weights_to_hdf5_group`, which Keras 2 and 3 both read."""
    from lamina.saving.saving_api import KERAS_FORMAT_VERSION

    write_name_list(group.attrs, "layer_names", [layer.name for layer in model.layers])
    group.attrs["backend"] = "lamina"
    group.attrs["keras_version"] = KERAS_FORMAT_VERSION
    for layer in sorted(model.layers, key=lambda l: l.name):
        write_layer_weights(group.create_group(layer.name), layer)
    top = group.create_group("top_level_model_weights")
    write_name_list(top.attrs, "weight_names", [])


# ------------------------------------------------------------------------------------------------
# reading

class _Context:
    """What every check needs: the file for messages and how mismatches are treated."""

    def __init__(self, filepath: str, skip_mismatch: bool):
        self.filepath = filepath
        self.skip_mismatch = skip_mismatch
        self.staged: list = []

    def mismatch(self, message: str) -> None:
        if not self.skip_mismatch:
            raise ValueError(f"{self.filepath}: {message}")
        warnings.warn(f"{self.filepath}: skipped: {message}", stacklevel=4)


def _read_layer_group(group, name: str, filepath: str) -> list:
    """(weight name, DatasetRef) for each weight a file layer lists: declared, not read yet."""
    if name not in group:
        raise ValueError(f"{filepath}: layer_names lists '{name}', but the file has no group for it (corrupt file?)")
    layer_group = group[name]
    out = []
    for wname in read_name_list(layer_group.attrs, "weight_names", filepath):
        if wname not in layer_group:
            raise ValueError(f"{filepath}: layer '{name}' lists weight '{wname}', but the file has no such dataset "
                             "(truncated or corrupt file?)")
        out.append((wname, file_checks.DatasetRef(layer_group[wname], filepath, f"'{wname}' of layer '{name}'")))
    return out


def _shapes(stored) -> list:
    return [a.shape for a in stored]


def _stage_positional(ctx: _Context, layer, fname: str, values: list, count_is_fatal: bool) -> None:
    variables = legacy_weights(layer)
    if len(values) != len(variables):
        message = (f"layer '{layer.name}' expects {len(variables)} weights with shapes "
                   f"{[tuple(v.shape) for v in variables]}, but the file's layer '{fname}' has {len(values)} "
                   f"with shapes {_shapes(a for _, a in values)}")
        if count_is_fatal:
            raise ValueError(f"{ctx.filepath}: {message}")
        ctx.mismatch(message)
        return
    paths = weight_paths(layer)
    for v, (wname, stored) in zip(variables, values):
        if tuple(v.shape) != stored.shape:
            ctx.mismatch(f"layer '{layer.name}': weight '{paths.get(id(v), v.name)}' expects shape {tuple(v.shape)}, "
                         f"but the file's '{fname}/{wname}' has shape {stored.shape}")
            continue
        ctx.staged.append((v, stored.read()))


def _weighted_leaves(model, chain=()) -> list:
    """(chain of layer names below `model`, layer) for every non-model layer with weights."""
    out = []
    for sub in model.layers:
        if _is_model(sub):
            out.extend(_weighted_leaves(sub, chain + (sub.name,)))
        elif legacy_weights(sub):
            out.append((chain + (sub.name,), sub))
    return out


def _match_score(chain: tuple, parts: list) -> int:
    """How many trailing names of `chain` appear, in a row, among the path's layer names."""
    for k in range(len(chain), 0, -1):
        tail = list(chain[-k:])
        if any(parts[i:i + k] == tail for i in range(len(parts) - k + 1)):
            return k
    return 0


def _stage_nested(ctx: _Context, model, fname: str, values: list) -> None:
    leaves = _weighted_leaves(model)
    grouped: dict = {id(layer): [] for _, layer in leaves}
    for wname, array in values:
        parts = re.sub(r":\d+$", "", wname).split("/")[:-1]
        scores = [(_match_score(chain, parts), layer) for chain, layer in leaves]
        best = max((s for s, _ in scores), default=0)
        hits = [layer for s, layer in scores if s == best and best > 0]
        if len(hits) != 1:
            what = "matches no layer" if not hits else f"matches several layers {[l.name for l in hits]}"
            ctx.mismatch(f"nested model '{model.name}': the file's weight '{fname}/{wname}' {what} of it "
                         f"(its layers with weights: {[l.name for _, l in leaves]})")
            continue
        grouped[id(hits[0])].append((wname, array))
    for _, layer in leaves:
        _stage_positional(ctx, layer, fname, grouped[id(layer)], count_is_fatal=not ctx.skip_mismatch)


def _stage_layer(ctx: _Context, layer, fname: str, values: list, count_is_fatal: bool) -> None:
    if _is_model(layer):
        _stage_nested(ctx, layer, fname, values)
    else:
        _stage_positional(ctx, layer, fname, values, count_is_fatal=count_is_fatal)


def stage_model_weights(group, model, filepath: str, by_name: bool = False, skip_mismatch: bool = False) -> list:
    """(variable, array) pairs for every weight the file gives the model, all checked; raises
    (naming the file, layer and shapes) on the first mismatch unless `skip_mismatch`, which skips
    mismatching weights (and, by name, mismatching layers) with a warning."""
    ctx = _Context(filepath, skip_mismatch)
    file_layers = read_name_list(group.attrs, "layer_names", filepath)
    if by_name:
        index: dict = {}
        for layer in model.layers:
            index.setdefault(layer.name, []).append(layer)
        for fname in file_layers:
            values = _read_layer_group(group, fname, filepath)
            for layer in index.get(fname, []):
                _stage_layer(ctx, layer, fname, values, count_is_fatal=not skip_mismatch)
        return ctx.staged
    model_layers = [layer for layer in model.layers if legacy_weights(layer)]
    file_values = [(fname, _read_layer_group(group, fname, filepath)) for fname in file_layers]
    file_values = [(fname, values) for fname, values in file_values if values]
    if len(model_layers) != len(file_values):
        raise ValueError(
            f"{filepath}: layer count mismatch: the model has {len(model_layers)} layers with weights "
            f"{[l.name for l in model_layers]}, the file has {len(file_values)} {[n for n, _ in file_values]}"
        )
    for layer, (fname, values) in zip(model_layers, file_values):
        _stage_layer(ctx, layer, fname, values, count_is_fatal=True)
    return ctx.staged


def assign(staged: list) -> None:
    for v, array in staged:
        v.assign(np.asarray(array, dtype=v.dtype))


def is_legacy_weights_group(group) -> bool:
    return any(k == "layer_names" or re.fullmatch(r"layer_names\d+", k) for k in group.attrs)
