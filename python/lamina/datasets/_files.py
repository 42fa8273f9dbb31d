"""Reading the standard published files of MNIST-style and CIFAR-10 datasets from disk."""

from __future__ import annotations

import gzip
import os

import numpy as np


def cache_dir(name: str) -> str:
    return os.path.join(os.path.expanduser(os.environ.get("LAMINA_HOME", "~/.lamina")), "datasets", name)


def missing(name: str, where: str, files: list[str], source: str) -> FileNotFoundError:
    listed = "\n  ".join(files)
    return FileNotFoundError(
        f"{name} is not bundled with lamina and lamina downloads nothing. Put the standard files\n  {listed}\n"
        f"in {where} (or pass load_data(path=...) pointing at that folder). They are published at {source}."
    )


def read_idx(path: str) -> np.ndarray:
    """Reads an IDX file (the MNIST format), gzipped or not."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path} is truncated: expected {int(np.prod(dims))} values, found {body.size}")
    return body.reshape(dims)


def find(folder: str, names: list[str]) -> str | None:
    for n in names:
        for candidate in (n, n + ".gz"):
            p = os.path.join(folder, candidate)
            if os.path.exists(p):
                return p
    return None


def load_idx_dataset(name: str, path: str | None, source: str):
    folder = path or cache_dir(name)
    stems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    found = [find(folder, [s, s.replace("-idx", ".idx")]) for s in stems]
    if any(f is None for f in found):
        raise missing(name, folder, [s + ".gz" for s in stems], source)
    xtr, ytr, xte, yte = (read_idx(f) for f in found)
    return (xtr, ytr), (xte, yte)
