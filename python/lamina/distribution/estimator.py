"""`RunConfig(train_distribute=strategy)`: a canned estimator's `train` over the MPI ranks.

Every rank reads the same input batches and trains on its slice of each; the gradients of one
step are summed in one Allreduce, weighted by each rank's rows (the heads' losses are means over
the batch rows), so the update is that of one process on the whole batch. Rank 0 alone writes
checkpoints; every rank starts from rank 0's variables.
"""

from __future__ import annotations

import math

import numpy as np

from lamina import _core
from lamina.distribution import DataParallel
from lamina.distribution._comm import DistributedError, Progress
from lamina.distribution.training import _bounds


def resolve(strategy) -> DataParallel | None:
    """The DataParallel behind a RunConfig's train_distribute (None: no strategy)."""
    if strategy is None:
        return None
    extended = getattr(strategy, "extended", strategy)
    if not isinstance(extended, DataParallel):
        raise ValueError(f"train_distribute must be a lamina.distribute.MultiWorkerMirroredStrategy (or a "
                         f"lamina.distribution.DataParallel), got {strategy!r}")
    return extended


class DistributedTraining:
    """One `train` call of an estimator on several ranks."""

    def __init__(self, dist: DataParallel, runtime):
        self.comm = dist._comm
        self.is_chief = dist.rank == 0
        self.runtime = runtime
        self.rows = 0
        self._synchronize()
        runtime.gradient_hook = self._reduce

    def _synchronize(self) -> None:
        named = self.runtime.named_variables()
        signature = [(name, tuple(v.shape), str(v.dtype)) for name, v in sorted(named.items())]
        for rank, other in enumerate(self.comm.allgather(signature)):
            if other != signature:
                raise DistributedError(f"rank {rank} built another estimator than rank {self.comm.rank}: "
                                       f"{sorted(set(other) ^ set(signature))[:4]}")
        for name, v in sorted(named.items()):  # few, small variables: one broadcast each
            v.assign(self.comm.bcast_array(np.asarray(v).copy()).reshape(tuple(v.shape)))
        self.runtime.global_step = int(self.comm.bcast_array(np.array([self.runtime.global_step], np.int64))[0])

    def local(self, batch: dict) -> dict:
        """This rank's rows of a global batch."""
        Progress.step = self.runtime.global_step
        n = len(next(iter(batch.values())))
        lo, hi = _bounds(n, self.comm.size, self.comm.rank)
        self.rows = hi - lo
        lo, hi = (0, 1) if hi == lo else (lo, hi)  # no rows: a stand-in row whose gradients count zero
        return {k: v[lo:hi] for k, v in batch.items()}

    def _reduce(self, grads: list, loss: float) -> tuple[list, float]:
        shapes = [tuple(g.shape) for g in grads]
        flat = np.concatenate([np.asarray(g, np.float32).ravel() for g in grads] + [np.array([loss], np.float32)])
        flat *= self.rows
        summed = self.comm.allreduce_sum(np.concatenate([flat, np.array([self.rows], np.float32)]))  # in place
        summed = summed[:-1] / max(float(summed[-1]), 1.0)
        out, offset = [], 0
        for shape in shapes:
            size = math.prod(shape)
            out.append(_core.convert_to_tensor(summed[offset:offset + size].reshape(shape)))
            offset += size
        return out, float(summed[-1])

    def finish(self) -> None:
        """Waits until rank 0's last checkpoint is written, so the next call of any rank finds it."""
        self.runtime.gradient_hook = None
        self.comm.allreduce_sum(np.zeros(1, np.float32))
