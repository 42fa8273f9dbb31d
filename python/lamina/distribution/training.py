"""The hooks `fit`/`evaluate`/`predict` call: each is a no-op unless the model trains under a
distribution with more than one rank.

One training step exchanges one flat float32 buffer: this rank's gradients multiplied by its
number of batch rows, then the change of every metric's state in this step, then its row count.
After the Allreduce (a sum), the gradients divided by the total rows are the gradients of the
global batch (the loss is a mean over rows, so this also holds for sample weights, class weights
and uneven last batches), and the state before the step plus the summed changes is the state of
one process that saw every row.
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np

from lamina import _core
from lamina.distribution import distribution
from lamina.distribution._comm import DistributedError, Progress
from lamina.layers.symbolic import flatten, map_structure
from lamina.models import data_adapter


def active(model):
    """The model's distribution when it spans several ranks, else None."""
    d = getattr(model, "_distribution", None) or distribution()
    return d if d is not None and d.num_replicas > 1 else None


def is_chief(model=None) -> bool:
    """Whether this process writes files and shows progress (rank 0, or no distribution)."""
    d = active(model) if model is not None else distribution()
    return d is None or d.rank == 0


# ----------------------------------------------------------------------------------------------
# metric states: the Python values `reset_state` sets, then the metric's variables


def _state_names(metric) -> list[str]:
    """The attributes `reset_state` sets (the metric's accumulated state), found by running it on
    a copy that records its assignments (with copies of its variables, which it may reset)."""
    cached = getattr(metric, "_lamina_state_names", None)
    if cached is not None:
        return cached
    names: list[str] = []

    class Recorder(type(metric)):
        def __setattr__(self, key, value):
            names.append(key)
            object.__setattr__(self, key, value)

    def detached(value):
        if isinstance(value, _core.Variable):
            return _core.Variable(np.asarray(value), trainable=False)
        if isinstance(value, list) and any(isinstance(v, _core.Variable) for v in value):
            return [detached(v) for v in value]
        return value

    probe = copy.copy(metric)
    for key, value in list(vars(probe).items()):
        object.__setattr__(probe, key, detached(value))
    probe.__class__ = Recorder
    probe.reset_state()
    names = [n for n in dict.fromkeys(names) if isinstance(getattr(metric, n), (int, float, np.ndarray))
             and not isinstance(getattr(metric, n), bool)]
    metric._lamina_state_names = names
    return names


def _metric_state(model) -> np.ndarray:
    parts = []
    for m in model.metrics:
        parts.extend(np.asarray(getattr(m, n), np.float64).ravel() for n in _state_names(m))
        parts.extend(np.asarray(v, np.float64).ravel() for v in m.variables)
    return np.concatenate(parts) if parts else np.zeros(0)


def _set_metric_state(model, flat: np.ndarray) -> None:
    offset = 0

    def take(size):
        nonlocal offset
        offset += size
        return flat[offset - size:offset]

    for m in model.metrics:
        for n in _state_names(m):
            old = getattr(m, n)
            piece = take(np.size(old))
            setattr(m, n, piece.reshape(old.shape).astype(old.dtype) if isinstance(old, np.ndarray) else type(old)(piece[0]))
        for v in m.variables:
            v.assign(take(math.prod(v.shape)).reshape(tuple(v.shape)).astype(str(v.dtype)))


def reduce_metrics(model) -> None:
    """End of `evaluate`: every rank's metrics take the state of all ranks' rows together."""
    d = active(model)
    if d is not None:
        _set_metric_state(model, d._comm.allreduce_sum(_metric_state(model)))


# ----------------------------------------------------------------------------------------------
# data


def _bounds(n: int, parts: int, index: int) -> tuple[int, int]:
    """Row range of piece `index` when `n` rows are split into `parts` nearly equal pieces."""
    base, extra = divmod(n, parts)
    start = index * base + min(index, extra)
    return start, start + base + (1 if index < extra else 0)


class ShardedAdapter:
    """This rank's slice of every global batch of an adapter (every rank sees the same batches,
    as tf.distribute's DATA auto-sharding with rebatching does)."""

    def __init__(self, adapter, model, comm, training: bool, split_batches: bool, initial_epoch: int = 0):
        self.adapter = adapter
        self.epoch = initial_epoch - 1  # counts the passes, for error messages
        self.model = model
        self.comm = comm
        self.training = training
        self.split_batches = split_batches
        self.local_rows = 0
        self.state_before = None
        self.buffer = None  # the flat gradient + metric-state buffer of the steps
        if isinstance(adapter, data_adapter.ArrayAdapter) and adapter.batch_size < comm.size:
            raise ValueError(f"batch_size={adapter.batch_size} is the global batch, shared by {comm.size} ranks: "
                             f"it must be at least the number of ranks")

    @property
    def num_batches(self):
        return self.adapter.num_batches

    def __getattr__(self, name):
        return getattr(self.adapter, name)

    def _array_batches(self):
        a = self.adapter
        order = np.random.permutation(a.n) if a.shuffle and a.n > 1 else None
        if order is not None:  # one order for all ranks: rank 0's
            order = self.comm.bcast_array(order.astype(np.int64))
        for i in range(a.num_batches):
            start, stop = i * a.batch_size, min((i + 1) * a.batch_size, a.n)
            lo, hi = _bounds(stop - start, self.comm.size, self.comm.rank)
            yield lo, hi, start, order

    def __iter__(self):
        comm = self.comm
        if self.training:
            self.epoch += 1
            Progress.epoch = self.epoch
        if isinstance(self.adapter, data_adapter.ArrayAdapter):
            a = self.adapter
            for step, (lo, hi, start, order) in enumerate(self._array_batches()):
                Progress.step = step
                empty = hi == lo
                if empty and not self.training:
                    continue
                lo, hi = (0, 1) if empty else (lo, hi)
                rows = slice(start + lo, start + hi) if order is None else order[start + lo:start + hi]
                rows_tensor = _core.convert_to_tensor(rows) if order is not None and a._has_tensors else None

                def cut(x):
                    return data_adapter._rows(x, rows, rows_tensor)

                self._note_rows(0 if empty else hi - lo)
                yield (map_structure(cut, a.x), map_structure(cut, a.y) if a.y is not None else None,
                       cut(a.sample_weight))
            return
        for step, batch in enumerate(self.adapter):
            Progress.step = step
            if not self.split_batches:
                self._note_rows(_batch_rows(batch))
                yield batch
                continue
            lo, hi = _bounds(_batch_rows(batch), comm.size, comm.rank)
            empty = hi == lo
            if empty and not self.training:
                continue
            lo, hi = (0, 1) if empty else (lo, hi)
            self._note_rows(0 if empty else hi - lo)
            yield map_structure(lambda t: None if t is None else t[lo:hi], batch)

    def _note_rows(self, rows: int) -> None:
        self.local_rows = rows
        # The metric state before the step (the same on every rank): the step sends its change.
        # A rank with no rows of a (last, small) batch still takes part in the step, on a
        # stand-in row whose gradients count zero and whose metric change is dropped.
        self.state_before = _metric_state(self.model) if self.training else None


def _batch_rows(batch) -> int:
    leaves = [t for t in flatten(batch[0]) if t is not None]
    return int(leaves[0].shape[0]) if leaves else 0


def prepare(model, adapter, training: bool, initial_epoch: int = 0):
    """`fit`/`evaluate`: this rank's view of the batches (the adapter itself without distribution)."""
    d = active(model)
    if d is None or isinstance(adapter, ShardedAdapter):
        return adapter
    sharded = ShardedAdapter(adapter, model, d._comm, training, d.auto_shard_dataset, initial_epoch)
    if training:
        model._lamina_sharded = sharded  # reduce_step reads this rank's rows of the current batch
        _synchronize_model(model, sharded, d._comm)
    return sharded


def _synchronize_model(model, sharded: ShardedAdapter, comm) -> None:
    """Checks that every rank has the same model, optimizer and data layout, then copies rank 0's
    weights and optimizer state to all ranks."""
    Progress.phase = "start of fit"
    if not model.weights:  # a model built on its first call: build it on the first rows
        adapter = sharded.adapter
        if isinstance(adapter, data_adapter.ArrayAdapter):
            x = map_structure(lambda a: data_adapter._rows(a, slice(0, 1), None), adapter.x)
        elif getattr(adapter, "_reiterable", False):
            x = next(iter(adapter))[0]
        else:
            raise DistributedError("Under DataParallel, a model that builds on its first batch needs array or "
                                   "dataset input (not a one-shot generator), or build it before fit")
        model(x, training=False)
    weights = model.weights
    model.optimizer.build(model.trainable_weights)
    state = weights + list(model.optimizer.variables)
    batches = sharded.num_batches
    signature = {"variables": [(getattr(v, "name", "?"), tuple(v.shape), str(v.dtype)) for v in state],
                 "optimizer": type(model.optimizer).__name__, "steps per epoch": batches}
    if isinstance(sharded.adapter, data_adapter.ArrayAdapter):
        signature["input shapes"] = [tuple(np.shape(t))[1:] for t in flatten(sharded.adapter.x) if t is not None]
    everyone = comm.allgather(signature)
    for rank, other in enumerate(everyone):
        for key in signature:
            if other[key] != everyone[0][key]:
                raise DistributedError(f"rank {rank} and rank 0 differ in their {key} at the first step of fit: "
                                       f"{_first_difference(other[key], everyone[0][key])}. Every rank must build "
                                       f"the same model and read data of the same shapes.")
    for dtype in sorted({str(v.dtype) for v in state}):
        group = [v for v in state if str(v.dtype) == dtype]
        flat = comm.bcast_array(np.concatenate([np.asarray(v).ravel() for v in group]))
        offset = 0
        for v in group:
            size = int(np.prod(v.shape))
            v.assign(flat[offset:offset + size].reshape(tuple(v.shape)))
            offset += size
    synchronized = [layer.name for layer in model._flatten_layers(include_self=False)
                    if getattr(layer, "synchronized", False)]
    if synchronized and comm.rank == 0:
        warnings.warn(f"BatchNormalization(synchronized=True) in {synchronized}: lamina does not synchronize batch "
                      f"statistics across ranks yet; each rank normalizes with its own batch's statistics",
                      stacklevel=3)
    Progress.phase = "training"


def _first_difference(a, b) -> str:
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{len(a)} against {len(b)} entries"
        for x, y in zip(a, b):
            if x != y:
                return f"{x} against {y}"
    return f"{a} against {b}"


# ----------------------------------------------------------------------------------------------
# one step


def reduce_step(model, grads: list, logs: dict):
    """`train_step`: the gradients and logs of the global batch, from one Allreduce of this rank's
    gradients (times its rows), its metric-state change and its rows. Afterwards every rank's
    metrics hold the state of all rows so far, so all logs and callbacks see global values."""
    d = active(model)
    if d is None:
        return grads, logs
    sharded = getattr(model, "_lamina_sharded", None)
    if sharded is None:
        raise NotImplementedError("Under a DataParallel distribution, train with fit(); train_on_batch and custom "
                                  "loops calling train_step do not split batches or synchronize weights")
    rows = sharded.local_rows
    after = _metric_state(model)
    before = sharded.state_before
    if before is None or before.size != after.size:
        # The compiled metrics were built on this step, the first after a reset: all zeros before.
        before = np.zeros_like(after)
    change = after - before if rows else np.zeros_like(after)
    sizes = [math.prod(g.shape) for g in grads]
    n = sum(sizes)
    buffer = sharded.buffer
    if buffer is None or buffer.size != n + after.size + 1:  # one buffer, reused every step
        buffer = sharded.buffer = np.empty(n + after.size + 1, np.float32)
    offset = 0
    for g, size in zip(grads, sizes):
        np.multiply(np.asarray(g).reshape(-1), rows, out=buffer[offset:offset + size])
        offset += size
    buffer[n:-1] = change
    buffer[-1] = rows
    d._comm.allreduce_sum(buffer)
    buffer[:n] *= 1.0 / max(float(buffer[-1]), 1.0)
    out, offset = [], 0
    for g, size in zip(grads, sizes):
        out.append(_core.convert_to_tensor(buffer[offset:offset + size].reshape(tuple(g.shape))))
        offset += size
    _set_metric_state(model, before + buffer[n:-1].astype(np.float64))
    return out, model.get_metrics_result()


def predict(model, x, predict_fn):
    """`predict` on arrays: each rank predicts a contiguous part of the rows and every rank gets
    the whole result, in order. Returns None when `predict_fn` should run as usual."""
    d = active(model)
    if d is None or not data_adapter.is_array_like(x) or getattr(model, "_lamina_predicting", False):
        return None
    comm = d._comm
    n = data_adapter._num_rows([map_structure(np.asarray, x)])
    lo, hi = _bounds(n, comm.size, comm.rank)
    model._lamina_predicting = True
    try:
        Progress.phase = "predict"
        mine = predict_fn(map_structure(lambda a: a[lo:hi], x)) if hi > lo else None
    finally:
        model._lamina_predicting = False
    pieces = [p for p in comm.allgather(mine) if p is not None]
    first = pieces[0]
    if isinstance(first, np.ndarray):
        return np.concatenate(pieces, axis=0)
    merged = [np.concatenate([flatten(p)[i] for p in pieces], axis=0) for i in range(len(flatten(first)))]
    it = iter(merged)
    return map_structure(lambda _: next(it), first)
