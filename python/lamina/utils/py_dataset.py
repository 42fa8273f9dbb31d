"""PyDataset (and its Keras 2 name Sequence): a dataset defined by `__len__` (batches per
epoch) and `__getitem__` (one batch), which `fit`, `evaluate` and `predict` accept."""

from __future__ import annotations


class PyDataset:
    """Base class for datasets that return whole batches by index.

    Subclasses implement `__len__` (the number of batches) and `__getitem__(index)` (a batch:
    `x`, `(x, y)` or `(x, y, sample_weight)`), and may override `on_epoch_end`. lamina reads
    batches in order on the calling thread; `workers`, `use_multiprocessing` and
    `max_queue_size` are kept for Keras' signature.

    Args:
        workers: the number of workers Keras would use.
        use_multiprocessing: whether Keras would use processes.
        max_queue_size: the prefetch queue size Keras would use.
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    @property
    def workers(self) -> int:
        return getattr(self, "_workers", 1)

    @property
    def use_multiprocessing(self) -> bool:
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self) -> int:
        return getattr(self, "_max_queue_size", 10)

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index) returning a batch")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__ (the number of batches)")

    @property
    def num_batches(self) -> int | None:
        """The number of batches per epoch (len(self))."""
        try:
            return len(self)
        except NotImplementedError:
            return None

    def cardinality(self) -> int:
        """The number of batches, or -2 when unknown (so fit can size its progress bar)."""
        n = self.num_batches
        return -2 if n is None else n

    def on_epoch_begin(self) -> None:
        """Called before each epoch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch (e.g. to reshuffle)."""

    def __iter__(self):
        # One epoch: every batch in order, then on_epoch_end.
        self.on_epoch_begin()
        for i in range(len(self)):
            yield self[i]
        self.on_epoch_end()


Sequence = PyDataset
