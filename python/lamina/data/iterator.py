"""Checkpointable iteration over a Dataset.

An iterator's state is its position (elements produced so far) and the pipeline's random state
as it was when the pass began (each shuffle's seed and epoch count). Restoring rebuilds the
pass with that random state and replays it up to the position, so a resumed job sees exactly
the remaining elements in the same shuffled order, through Python map functions and parallel
maps alike (parallel maps are ordered unless deterministic=False, which a resume cannot
reproduce). The replay recomputes the skipped elements: it costs time, not correctness.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Callable

from lamina.data._elements import _failed


class Iterator:
    """What `iter(dataset)` returns: the elements, plus `get_state`/`set_state` (a JSON-able
    dict) and `save(path)`/`restore(path)` to resume mid-epoch."""

    def __init__(self, dataset, convert: Callable):
        self._dataset = dataset
        self._convert = convert
        self._start(copy.deepcopy([list(c) for c in dataset._state_cells]), 0)

    def _start(self, cells: list, position: int) -> None:
        live = self._dataset._state_cells
        if len(cells) != len(live):
            raise ValueError(f"Iterator.set_state: the state has {len(cells)} random-state entries but this "
                             f"pipeline has {len(live)}; restore into the same pipeline that was saved")
        for cell, saved in zip(live, cells):
            cell[:] = saved
        self._initial_cells = copy.deepcopy(cells)
        self._it = self._dataset._make_iterator()
        self._position = 0
        for _ in range(position):
            if next(self._it, _DONE) is _DONE:
                raise ValueError(f"Iterator.set_state: the pipeline ended before position {position}; restore into "
                                 f"the same pipeline that was saved")
            self._position += 1

    def __iter__(self) -> "Iterator":
        return self

    def __next__(self):
        e = next(self._it)
        self._position += 1
        if _failed(e):
            raise e.exc
        return self._convert(e)

    def get_state(self) -> dict:
        """The position and random state, as a JSON-able dict."""
        return {"format": "lamina.data.Iterator/1", "position": self._position, "random_state": self._initial_cells}

    def set_state(self, state: dict) -> None:
        """Continues from a state that `get_state` returned (for the same pipeline)."""
        if state.get("format") != "lamina.data.Iterator/1":
            raise ValueError(f"Iterator.set_state: not an iterator state: {state!r:.200}")
        self._start(copy.deepcopy(state["random_state"]), int(state["position"]))

    def save(self, path: str) -> None:
        """Writes the state as JSON to `path` (atomically, so a crash never leaves half a file)."""
        tmp = f"{path}.tmp"
        with open(tmp, "w") as f:
            json.dump(self.get_state(), f)
        os.replace(tmp, path)

    def restore(self, path: str) -> None:
        """Continues from the state saved at `path`."""
        with open(path) as f:
            self.set_state(json.load(f))


_DONE = object()


def _callback_base():
    from lamina.callbacks import Callback

    return Callback


class IteratorCheckpoint(_callback_base()):
    """A fit callback that saves an input iterator's state to `filepath` (JSON), every epoch or
    every `save_freq` batches, so a restarted job resumes mid-epoch with the same batches. Save
    the weights alongside (ModelCheckpoint) and, on restart, call `iterator.restore(filepath)`
    and fit with `initial_epoch`:

        it = iter(dataset.repeat())
        if os.path.exists("input.json"):
            it.restore("input.json")
        model.fit(it, steps_per_epoch=100, epochs=10, initial_epoch=done,
                  callbacks=[ModelCheckpoint(...), lamina.data.IteratorCheckpoint(it, "input.json")])

    Args:
        iterator: the `lamina.data.Iterator` that fit reads (from `iter(dataset)`).
        filepath: where the state is written (atomically).
        save_freq: "epoch", or a number of batches.
    """

    def __init__(self, iterator: Iterator, filepath: str, save_freq="epoch"):
        super().__init__()
        if not isinstance(iterator, Iterator):
            raise TypeError(f"IteratorCheckpoint needs the iterator fit reads (iter(dataset)), got {type(iterator).__name__}")
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"IteratorCheckpoint: save_freq must be 'epoch' or a positive int, got {save_freq!r}")
        self.iterator, self.filepath, self.save_freq = iterator, filepath, save_freq
        self._batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if self.save_freq != "epoch" and self._batches % self.save_freq == 0:
            self.iterator.save(self.filepath)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self.iterator.save(self.filepath)
