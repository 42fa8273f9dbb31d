"""tf.distribute's spelling of data parallelism: `MultiWorkerMirroredStrategy` and its scope.

    strategy = lamina.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        model = make_model()
        model.compile(...)
    model.fit(x, y, batch_size=global_batch)

It is `lamina.distribution.DataParallel` under another name: models compiled inside the scope
train data-parallel over the MPI ranks of `mpirun -n N`.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from lamina import distribution as _distribution


class MultiWorkerMirroredStrategy:
    """Synchronous data parallelism over the ranks of an MPI job (one replica per rank).

    Args:
        cluster_resolver, communication_options: accepted for TensorFlow compatibility (MPI
            provides the cluster).
    """

    def __init__(self, cluster_resolver=None, communication_options=None):
        self.extended = _distribution.DataParallel()

    @property
    def num_replicas_in_sync(self) -> int:
        """How many ranks train together."""
        return self.extended.num_replicas

    @contextlib.contextmanager
    def scope(self) -> Iterator["MultiWorkerMirroredStrategy"]:
        """Models compiled inside train with this strategy (their `fit` may be called outside)."""
        previous = _distribution.distribution()
        _distribution.set_distribution(self.extended)
        try:
            yield self
        finally:
            _distribution.set_distribution(previous)



__all__ = ["MultiWorkerMirroredStrategy"]
