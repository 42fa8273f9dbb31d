"""Dataset.save/load, snapshot and file-backed cache: elements written as numpy .npy records
(no pickle) in one stream, with the element structure in JSON beside it."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from typing import Callable, Iterator

import numpy as np

from lamina.data.structure import leaves

_ELEMENTS = "elements.npys"
_META = "dataset_spec.json"


def _structure_of(e):
    if isinstance(e, tuple):
        return {"tuple": [_structure_of(x) for x in e]}
    if isinstance(e, list):
        return {"list": [_structure_of(x) for x in e]}
    if isinstance(e, dict):
        return {"dict": {k: _structure_of(v) for k, v in e.items()}}
    return None


def _rebuild(structure, it):
    if structure is None:
        return next(it)
    if "tuple" in structure:
        return tuple(_rebuild(s, it) for s in structure["tuple"])
    if "list" in structure:
        return [_rebuild(s, it) for s in structure["list"]]
    return {k: _rebuild(s, it) for k, s in structure["dict"].items()}


def _write_leaf(f, leaf) -> None:
    """A leaf as .npy records, without pickles: numbers as one array; strings (bytes, which
    numpy's S dtype would cut at trailing NULs) as their lengths, then their bytes."""
    a = leaf if isinstance(leaf, bytes) else np.asarray(leaf)
    if isinstance(a, bytes) or a.dtype.kind in "SO":
        items = [a] if isinstance(a, bytes) else [bytes(x) for x in a.ravel().tolist()]
        shape = [-1] if isinstance(a, bytes) else list(a.shape)  # -1: a scalar bytes object
        np.save(f, np.array([1] + shape, dtype=np.int64), allow_pickle=False)
        np.save(f, np.array([len(x) for x in items], dtype=np.int64), allow_pickle=False)
        np.save(f, np.frombuffer(b"".join(items), dtype=np.uint8), allow_pickle=False)
    else:
        np.save(f, np.array([0], dtype=np.int64), allow_pickle=False)
        np.save(f, a, allow_pickle=False)


def _read_leaf(f):
    kind = np.load(f, allow_pickle=False)
    if kind[0] == 0:
        return np.load(f, allow_pickle=False)
    lengths, buf = np.load(f, allow_pickle=False), np.load(f, allow_pickle=False).tobytes()
    ends = np.cumsum(lengths)
    items = [buf[e - n:e] for n, e in zip(lengths.tolist(), ends.tolist())]
    if list(kind[1:]) == [-1]:
        return items[0]
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(tuple(kind[1:]))


def _open(path: str, mode: str, compression: str | None):
    if compression in (None, "", "NONE", "AUTO"):
        return open(path, mode)
    if compression == "GZIP":
        return gzip.open(path, mode)
    raise ValueError(f"Dataset.save/load: compression must be None or 'GZIP', got {compression!r}")


def _write(elements: Iterator, directory: str, compression: str | None) -> Iterator:
    """Writes each element into `directory` as it passes through; completes the directory only
    when the stream ends (an interrupted pass leaves nothing readable)."""
    from lamina.data._elements import _raise_failed

    tmp = directory.rstrip("/") + ".incomplete"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    structure, count = None, 0
    with _open(os.path.join(tmp, _ELEMENTS), "wb", compression) as f:
        for e in elements:
            e = _raise_failed(e)
            if count == 0:
                structure = _structure_of(e)
            for leaf in leaves(e):
                _write_leaf(f, leaf)
            count += 1
            yield e
    with open(os.path.join(tmp, _META), "w") as f:
        json.dump({"structure": structure, "count": count, "compression": compression}, f)
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(tmp, directory)


def _read(directory: str) -> Iterator:
    with open(os.path.join(directory, _META)) as f:
        meta = json.load(f)
    with _open(os.path.join(directory, _ELEMENTS), "rb", meta["compression"]) as f:
        n_leaves = len(leaves(_rebuild(meta["structure"], iter(range(10**6))))) if meta["count"] else 0
        for _ in range(meta["count"]):
            values = [_read_leaf(f) for _ in range(n_leaves)]
            yield _rebuild(meta["structure"], iter(values))


def save(elements: Iterator, path: str, compression: str | None) -> None:
    for _ in _write(elements, path, compression):
        pass


def load(path: str, compression: str | None = None):
    from lamina.data.dataset import Dataset

    meta_path = os.path.join(path, _META)
    if not os.path.isfile(meta_path):
        raise FileNotFoundError(f"Dataset.load: {path} holds no saved dataset (no {_META}); write one with Dataset.save")
    with open(meta_path) as f:
        count = json.load(f)["count"]
    return Dataset(lambda: _read(path), count)


def cached_pass(make: Callable[[], Iterator], path: str, compression: str | None) -> Iterator:
    """Reads the elements saved under `path` if a complete pass is there, else computes them and
    saves them as they go."""
    if os.path.isfile(os.path.join(path, _META)):
        return _read(path)
    return _write(make(), path, compression)
