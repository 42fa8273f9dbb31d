"""`lamina.data.Dataset`: input pipelines in the spirit of tf.data.

In-memory sources (`from_tensor_slices`) keep a stream of row indices, so shuffle, batch,
take, skip and repeat work on index arrays and each batch is one vectorized gather; only
`map`/`filter` call Python per element (or per batch, after `batch`). Elements are numpy
arrays in the structure of the source (tuples and dicts are kept).
"""

from __future__ import annotations

import itertools
import queue
import threading
from typing import Any, Callable, Iterator

import numpy as np


def _map_structure(fn, s):
    if isinstance(s, tuple):
        return tuple(_map_structure(fn, x) for x in s)
    if isinstance(s, list):
        return [_map_structure(fn, x) for x in s]
    if isinstance(s, dict):
        return {k: _map_structure(fn, v) for k, v in s.items()}
    return fn(s)


def _slices_structure(fn, s):
    """Like _map_structure, but as tf.data reads a source: tuples and dicts are structure, while
    a list is one tensor (its items stacked), as `tf.convert_to_tensor` makes of it."""
    if isinstance(s, tuple):
        return tuple(_slices_structure(fn, x) for x in s)
    if isinstance(s, dict):
        return {k: _slices_structure(fn, v) for k, v in s.items()}
    return fn(s)


def _leaves(s) -> list:
    if isinstance(s, (tuple, list)):
        return [l for x in s for l in _leaves(x)]
    if isinstance(s, dict):
        return [l for k in s for l in _leaves(s[k])]
    return [s]


def _stack(elements: list):
    first = elements[0]
    if isinstance(first, tuple):
        return tuple(_stack([e[i] for e in elements]) for i in range(len(first)))
    if isinstance(first, list):
        return [_stack([e[i] for e in elements]) for i in range(len(first))]
    if isinstance(first, dict):
        return {k: _stack([e[k] for e in elements]) for k in first}
    return np.stack([np.asarray(e) for e in elements])


class ElementArray(np.ndarray):
    """A numpy array that is also an element of a Dataset: `.numpy()` gives the plain array."""

    def numpy(self) -> np.ndarray:
        return self.view(np.ndarray)


def _as_element_array(leaf):
    return np.asarray(leaf).view(ElementArray) if isinstance(leaf, (np.ndarray, np.generic, int, float, bool)) else leaf


class Dataset:
    """A re-iterable sequence of elements. Build one with `from_tensor_slices`,
    `from_generator` or `range`, then chain transformations."""

    def __init__(self, make_iterator: Callable[[], Iterator], cardinality: int | None = None,
                 source=None, index_fn: Callable[[], Iterator] | None = None, batched: bool = False):
        self._make_iterator = make_iterator
        self._cardinality = cardinality
        # For in-memory sources: the arrays and a function producing the index stream.
        self._source = source
        self._index_fn = index_fn
        self._batched = batched

    # ---------------------------------------------------------------------------------------
    # sources

    @staticmethod
    def from_tensor_slices(tensors) -> "Dataset":
        """One element per row of `tensors` (an array, or a tuple/dict of arrays with the same
        first dimension). As in tf.data, a Python list is one array, not a structure."""
        arrays = _slices_structure(np.asarray, tensors)
        scalars = [a for a in _leaves(arrays) if a.ndim == 0]
        if scalars:
            raise ValueError(f"from_tensor_slices: every component needs a first dimension to slice, got a scalar "
                             f"{scalars[0]!r}")
        sizes = {len(a) for a in _leaves(arrays)}
        if len(sizes) != 1:
            raise ValueError(f"from_tensor_slices: all arrays need the same first dimension, got sizes {sorted(sizes)}")
        n = sizes.pop()
        return Dataset._indexed(arrays, lambda: iter(np.arange(n)), n, batched=False)

    @staticmethod
    def from_tensors(tensors) -> "Dataset":
        """A dataset of exactly one element."""
        element = _map_structure(np.asarray, tensors)
        return Dataset(lambda: iter([element]), 1)

    @staticmethod
    def from_generator(generator: Callable, output_signature=None, output_types=None, output_shapes=None, args=None) -> "Dataset":
        """Elements from calling `generator(*args)` anew for each pass."""
        if not callable(generator):
            raise TypeError("from_generator needs a callable that returns a generator (pass the function, not a generator object)")
        args = tuple(args or ())
        return Dataset(lambda: iter(generator(*args)), None)

    @staticmethod
    def range(*args) -> "Dataset":
        r = range(*args)
        return Dataset(lambda: iter(np.int64(i) for i in r), len(r))

    @staticmethod
    def _indexed(arrays, index_fn, cardinality, batched) -> "Dataset":
        def gather(idx):
            return _map_structure(lambda a: a[idx], arrays)

        if batched:
            make = lambda: (gather(ix) for ix in index_fn())  # noqa: E731
        else:
            make = lambda: (gather(int(i)) for i in index_fn())  # noqa: E731
        return Dataset(make, cardinality, source=arrays, index_fn=index_fn, batched=batched)

    # ---------------------------------------------------------------------------------------
    # transformations

    def _on_indices(self) -> bool:
        return self._source is not None and self._index_fn is not None

    def shuffle(self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool = True) -> "Dataset":
        """Shuffles with a buffer of `buffer_size` elements (buffer >= size is a full shuffle)."""
        if buffer_size <= 0:
            raise ValueError(f"shuffle: buffer_size must be positive, got {buffer_size}")
        epoch = [0]

        def rng():
            epoch[0] += 1
            if seed is None:
                return np.random.default_rng()
            return np.random.default_rng([seed, epoch[0] if reshuffle_each_iteration else 0])

        def buffered(items: Iterator, r) -> Iterator:
            buf = []
            for item in items:
                if len(buf) < buffer_size:
                    buf.append(item)
                    continue
                j = int(r.integers(len(buf)))
                yield buf[j]
                buf[j] = item
            while buf:
                yield buf.pop(int(r.integers(len(buf))))

        if self._on_indices() and not self._batched:
            base = self._index_fn
            n = self._cardinality

            def index_fn():
                r = rng()
                if n is not None and buffer_size >= n:
                    return iter(r.permutation(np.fromiter(base(), dtype=np.int64)))
                return buffered(base(), r)

            return Dataset._indexed(self._source, index_fn, self._cardinality, batched=False)
        make = self._make_iterator
        return Dataset(lambda: buffered(make(), rng()), self._cardinality)

    def batch(self, batch_size: int, drop_remainder: bool = False, num_parallel_calls=None, deterministic=None) -> "Dataset":
        """Groups consecutive elements into batches (stacked arrays)."""
        if batch_size <= 0:
            raise ValueError(f"batch: batch_size must be positive, got {batch_size}")
        card = None
        if self._cardinality is not None:
            card = self._cardinality // batch_size if drop_remainder else -(-self._cardinality // batch_size)
        if self._on_indices() and not self._batched:
            base = self._index_fn

            finite = self._cardinality is not None

            def index_fn():
                if not finite:
                    # An endless (repeat()) or unknown-length stream: take one batch of indices at a time.
                    return _index_chunks(base(), batch_size, drop_remainder)
                idx = np.fromiter(base(), dtype=np.int64)
                stop = len(idx) - (len(idx) % batch_size if drop_remainder else 0)
                return (idx[i:i + batch_size] for i in range(0, stop, batch_size))

            return Dataset._indexed(self._source, index_fn, card, batched=True)
        make = self._make_iterator

        def batches():
            buf = []
            for e in make():
                buf.append(e)
                if len(buf) == batch_size:
                    yield _stack(buf)
                    buf = []
            if buf and not drop_remainder:
                yield _stack(buf)

        return Dataset(batches, card)

    def unbatch(self) -> "Dataset":
        make = self._make_iterator

        def rows():
            for b in make():
                n = len(_leaves(b)[0])
                for i in range(n):
                    yield _map_structure(lambda a: a[i], b)

        return Dataset(rows, None)

    def map(self, map_func: Callable, num_parallel_calls=None, deterministic=None) -> "Dataset":
        """Applies `map_func` to each element (tuples are unpacked into arguments, as in tf.data)."""
        make = self._make_iterator

        def mapped():
            for e in make():
                yield map_func(*e) if isinstance(e, tuple) else map_func(e)

        return Dataset(mapped, self._cardinality)

    def filter(self, predicate: Callable) -> "Dataset":
        make = self._make_iterator

        def kept():
            for e in make():
                if bool(predicate(*e) if isinstance(e, tuple) else predicate(e)):
                    yield e

        return Dataset(kept, None)

    def repeat(self, count: int | None = None) -> "Dataset":
        """Repeats the dataset `count` times (forever when None)."""
        card = None if count is None or self._cardinality is None else self._cardinality * count
        if self._on_indices():
            base = self._index_fn

            def index_fn():
                i = 0
                while count is None or i < count:
                    yield from base()
                    i += 1

            return Dataset._indexed(self._source, index_fn, card, batched=self._batched)
        make = self._make_iterator

        def repeated():
            i = 0
            while count is None or i < count:
                yield from make()
                i += 1

        return Dataset(repeated, card)

    def take(self, count: int) -> "Dataset":
        card = count if self._cardinality is None else min(count, self._cardinality)
        if count < 0:
            return self
        if self._on_indices():
            base = self._index_fn
            return Dataset._indexed(self._source, lambda: _islice(base(), 0, count), card, batched=self._batched)
        make = self._make_iterator
        return Dataset(lambda: _islice(make(), 0, count), card if self._cardinality is not None else None)

    def skip(self, count: int) -> "Dataset":
        card = None if self._cardinality is None else max(self._cardinality - count, 0)
        if self._on_indices():
            base = self._index_fn
            return Dataset._indexed(self._source, lambda: _islice(base(), count, None), card, batched=self._batched)
        make = self._make_iterator
        return Dataset(lambda: _islice(make(), count, None), card)

    def shard(self, num_shards: int, index: int) -> "Dataset":
        """Every `num_shards`-th element, starting at element `index` (tf.data's shard), so that
        `num_shards` workers each read a distinct part of the data.

        Args:
            num_shards: how many shards the data is split into (> 0).
            index: which shard this is, in `[0, num_shards)`.
        """
        num_shards, index = int(num_shards), int(index)
        if num_shards <= 0:
            raise ValueError(f"Dataset.shard: num_shards must be > 0, got {num_shards}")
        if not 0 <= index < num_shards:
            raise ValueError(f"Dataset.shard: index must be in [0, num_shards={num_shards}), got {index}")
        card = self._cardinality
        if card is not None and card >= 0:
            card = card // num_shards + (1 if index < card % num_shards else 0)
        if self._on_indices():
            base = self._index_fn
            return Dataset._indexed(self._source, lambda: itertools.islice(base(), index, None, num_shards), card,
                                    batched=self._batched)
        make = self._make_iterator
        return Dataset(lambda: itertools.islice(make(), index, None, num_shards), card)

    def prefetch(self, buffer_size: int = 1) -> "Dataset":
        """Prepares up to `buffer_size` elements ahead in a background thread."""
        make = self._make_iterator
        size = max(1, int(buffer_size) if buffer_size and buffer_size > 0 else 2)
        return Dataset(lambda: _prefetched(make, size), self._cardinality)

    def cache(self, filename: str = "") -> "Dataset":
        make = self._make_iterator
        store: list = []
        complete = [False]

        def cached():
            if complete[0]:
                yield from store
                return
            store.clear()
            for e in make():
                store.append(e)
                yield e
            complete[0] = True

        return Dataset(cached, self._cardinality)

    # ---------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator:
        # Elements answer `.numpy()` as tf.data's eager tensors do (`for x, y in ds: x.numpy()`).
        for element in self._make_iterator():
            yield _map_structure(_as_element_array, element)

    def as_numpy_iterator(self) -> Iterator:
        """The elements as plain numpy arrays."""
        return self._make_iterator()

    def cardinality(self) -> int:
        """The number of elements, or -2 when unknown (tf.data.UNKNOWN_CARDINALITY)."""
        return self._cardinality if self._cardinality is not None else -2

    def __len__(self) -> int:
        if self._cardinality is None:
            raise TypeError("The dataset length is unknown.")
        return self._cardinality


def _index_chunks(indices: Iterator, size: int, drop_remainder: bool) -> Iterator:
    import itertools

    while True:
        chunk = np.fromiter(itertools.islice(indices, size), dtype=np.int64)
        if len(chunk) == 0 or (drop_remainder and len(chunk) < size):
            return
        yield chunk
        if len(chunk) < size:
            return


def _islice(it: Iterator, start: int, stop: int | None) -> Iterator:
    import itertools

    return itertools.islice(it, start, stop)


_END = object()


def _prefetched(make: Callable[[], Iterator], size: int) -> Iterator:
    q: queue.Queue = queue.Queue(maxsize=size)
    stop = threading.Event()

    def worker():
        try:
            for e in make():
                while not stop.is_set():
                    try:
                        q.put(e, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(_END)
        except BaseException as exc:  # surfaced in the consuming thread
            q.put(exc)

    t = threading.Thread(target=worker, daemon=True)
    t.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
