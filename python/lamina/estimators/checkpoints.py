"""Checkpoints in a model_dir, written so that a crash or Ctrl-C never leaves a half-written
latest checkpoint.

A checkpoint is `model.ckpt-<global_step>.npz`: every variable by name (model weights,
optimizer slots, global_step). It is written to a temporary file, flushed to disk and then
renamed into place (an atomic step); only after that is the `checkpoint` index file (TF's
text format naming the latest and all kept checkpoints) replaced the same way. A reader uses
the index, and if the index is missing or names a file that cannot be read, the newest
readable `model.ckpt-*.npz`.
"""

from __future__ import annotations

import os
import re

import numpy as np

from lamina.utils.atomic_write import atomic_write

INDEX = "checkpoint"
_PATTERN = re.compile(r"^model\.ckpt-(\d+)\.npz$")


def path_for(model_dir: str, step: int) -> str:
    return os.path.join(model_dir, f"model.ckpt-{int(step)}.npz")


def _atomic_write(path: str, write) -> None:
    """`write(file object)` fills `path` through the one atomic writer lamina's saves share."""

    def fill(tmp):
        with open(tmp, "wb") as f:
            write(f)

    atomic_write(path, fill)


def _steps_on_disk(model_dir: str) -> list:
    if not os.path.isdir(model_dir):
        return []
    steps = []
    for name in os.listdir(model_dir):
        m = _PATTERN.match(name)
        if m:
            steps.append(int(m.group(1)))
    return sorted(steps)


def _read_index(model_dir: str) -> list:
    """The checkpoint paths the index lists (oldest first), the latest last."""
    try:
        with open(os.path.join(model_dir, INDEX), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return []
    latest = re.findall(r'^model_checkpoint_path: "(.*)"$', text, flags=re.M)
    listed = re.findall(r'^all_model_checkpoint_paths: "(.*)"$', text, flags=re.M)
    if latest and latest[0] not in listed:
        listed.append(latest[0])
    return listed


def latest_checkpoint(model_dir: str | None) -> str | None:
    """The path of the newest complete checkpoint in `model_dir`, or None."""
    if not model_dir or not os.path.isdir(model_dir):
        return None
    listed = _read_index(model_dir)
    if listed:
        path = os.path.join(model_dir, os.path.basename(listed[-1]))
        if os.path.exists(path):
            return path
    steps = _steps_on_disk(model_dir)
    return path_for(model_dir, steps[-1]) if steps else None


def step_of(path: str) -> int:
    m = _PATTERN.match(os.path.basename(path))
    if not m:
        raise ValueError(f"{path} is not a checkpoint file (model.ckpt-<step>.npz)")
    return int(m.group(1))


def resolve(path: str) -> str:
    """A checkpoint file from a file path, a prefix without .npz, or a model_dir."""
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"No checkpoint found in {path}")
        return latest
    if not path.endswith(".npz") and os.path.exists(path + ".npz"):
        return path + ".npz"
    if not os.path.exists(path):
        raise ValueError(f"Checkpoint {path} does not exist")
    return path


def load(path: str) -> dict:
    """name -> numpy array of the checkpoint at `path`."""
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def save(model_dir: str, step: int, values: dict, keep_checkpoint_max: int | None) -> str:
    """Writes the checkpoint of `step`, updates the index, then drops the checkpoints beyond
    `keep_checkpoint_max` (None or 0 keeps all). Returns the new path."""
    os.makedirs(model_dir, exist_ok=True)
    path = path_for(model_dir, step)
    _atomic_write(path, lambda f: np.savez(f, **values))
    kept = [s for s in _steps_on_disk(model_dir) if s <= step]
    if keep_checkpoint_max:
        kept = kept[-int(keep_checkpoint_max):]
    names = [os.path.basename(path_for(model_dir, s)) for s in kept]
    text = f'model_checkpoint_path: "{os.path.basename(path)}"\n' + "".join(
        f'all_model_checkpoint_paths: "{n}"\n' for n in names)
    _atomic_write(os.path.join(model_dir, INDEX), lambda f: f.write(text.encode("utf-8")))
    for s in _steps_on_disk(model_dir):
        if s not in kept:
            try:
                os.remove(path_for(model_dir, s))
            except OSError:
                pass
    return path


def remove_all(model_dir: str) -> None:
    """Removes the checkpoints and index of `model_dir` (nothing else)."""
    for s in _steps_on_disk(model_dir):
        os.remove(path_for(model_dir, s))
    index = os.path.join(model_dir, INDEX)
    if os.path.exists(index):
        os.remove(index)
