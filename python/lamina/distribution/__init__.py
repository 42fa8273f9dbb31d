"""Data-parallel training across processes and machines over MPI (Keras 3's `keras.distribution`).

Launch `mpirun -n N python train.py`; each MPI rank is one device of the data-parallel mesh:

    import lamina as keras
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    model.fit(x, y, batch_size=256)   # 256 is the global batch: each rank takes 256 / N rows

Rank 0 broadcasts the initial weights and optimizer state at the start of `fit`; each rank
computes the gradients of its slice of every global batch; one Allreduce over a flat buffer
sums them (weighted by each rank's share of the batch rows) together with the metric states,
so the update, the loss and the metrics are those of one process training on the global batch.
Rank 0 alone shows the progress bar and writes checkpoints and CSV logs. The same script runs
unchanged with N = 1 and without mpi4py installed. `lamina.distribute.MultiWorkerMirroredStrategy`
(tf.distribute's spelling) is the same mechanism.
"""

from __future__ import annotations

from lamina.distribution._comm import DistributedError, world

_GLOBAL = None


class DataParallel:
    """Data parallelism over the ranks of an MPI job: the model is replicated on every rank and
    each global batch is split across them.

    Args:
        devices: the ranks to use, as `list_devices()` names them; None (the default) uses all.
            Only all ranks are supported.
        device_mesh: accepted for Keras compatibility; must be None or span all ranks.
        auto_shard_dataset: whether batches from datasets and generators are split by rank (True:
            every rank reads the same batches and keeps its slice, as tf.distribute's DATA
            auto-sharding does). False: each rank's input already is its own shard (for example
            `dataset.shard(num_ranks, rank)`), and its batches are this rank's rows.
    """

    def __init__(self, devices=None, device_mesh=None, auto_shard_dataset: bool = True):
        self._comm = world()
        everyone = list_devices()
        if devices is not None and list(devices) != everyone:
            raise ValueError(f"DataParallel: only all ranks can be used ({everyone}), got devices={devices!r}")
        if device_mesh is not None and getattr(device_mesh, "devices", None) is not None and \
                len(list(device_mesh.devices)) != len(everyone):
            raise ValueError("DataParallel: the device mesh must span all ranks")
        self.auto_shard_dataset = bool(auto_shard_dataset)

    @property
    def num_replicas(self) -> int:
        """How many ranks train together."""
        return self._comm.size

    @property
    def rank(self) -> int:
        """This process's rank (0 is the chief)."""
        return self._comm.rank

    def __repr__(self) -> str:
        return f"<DataParallel rank={self.rank} num_replicas={self.num_replicas}>"


def list_devices(device_type: str | None = None) -> list[str]:
    """The devices of the data-parallel mesh: one `"cpu:<rank>"` per MPI rank (one without MPI).

    Args:
        device_type: None or "cpu" (lamina's ranks compute on CPUs).
    """
    if device_type not in (None, "cpu", "CPU"):
        return []
    return [f"cpu:{r}" for r in range(world().size)]


def set_distribution(value: DataParallel | None) -> None:
    """Makes `value` the distribution every later `fit`/`evaluate`/`predict` uses (None: none)."""
    global _GLOBAL
    if value is not None and not isinstance(value, DataParallel):
        raise TypeError(f"set_distribution expects a lamina.distribution.DataParallel or None, got {value!r}")
    _GLOBAL = value


def distribution() -> DataParallel | None:
    """The distribution set with `set_distribution` (or entered with a strategy's scope), or None."""
    return _GLOBAL


def initialize() -> None:
    """Starts the communicator now (MPI_Init): optional, it starts on first use otherwise."""
    world()


__all__ = ["DataParallel", "DistributedError", "distribution", "initialize", "list_devices", "set_distribution"]
