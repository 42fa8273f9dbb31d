"""`lamina.data.Dataset`: tf.data's input pipelines.

In-memory sources (`from_tensor_slices`) keep a stream of row indices, so shuffle, batch,
take, skip and repeat work on index arrays and each batch is one vectorized gather; other
sources stream elements through Python generators. `map` and `interleave` run on a pool of
threads when `num_parallel_calls` is given. Elements are numpy arrays in the structure of the
source (tuples and dicts are kept); iterating yields them with `.numpy()`.

An error raised for one element (by a map function, or a corrupt record) travels down the
pipeline as an `ElementError` in place of that element, so `ignore_errors()` can skip it and
carry on, as tf.data does; iterating raises it.
"""

from __future__ import annotations

import glob as _glob
import itertools
import os
import secrets
from typing import Callable, Iterator

import numpy as np

from lamina.data import _parallel
from lamina.data._batching import BatchingMixin
from lamina.data._elements import END as _END
from lamina.data._elements import INFINITE, UNKNOWN, ElementError, _failed, _guarded, _raise_failed
from lamina.data.options import Options
from lamina.data.structure import (as_element_array, as_numpy, as_tensor, call_unpacked, leaves, map_structure,
                                   merge_specs, slices_structure, spec_of)

class Dataset(BatchingMixin):
    """A re-iterable sequence of elements. Build one with `from_tensor_slices`, `range`,
    `from_generator`, `list_files`, `TextLineDataset`, `TFRecordDataset`..., then chain
    transformations, as with tf.data.Dataset."""

    def __init__(self, make_iterator: Callable[[], Iterator], cardinality: int | None = UNKNOWN,
                 inputs: tuple = (), state_cells: tuple = (), source=None, index_fn=None, batched: bool = False,
                 options: Options | None = None):
        self._make_iterator = make_iterator
        self._cardinality = UNKNOWN if cardinality is None else int(cardinality)
        # Mutable per-pipeline state (shuffle seeds and epoch counters) that a checkpoint saves.
        self._state_cells = tuple(c for d in inputs for c in d._state_cells) + tuple(state_cells)
        self._options = Options()
        for d in inputs:
            self._options = self._options.merge(d._options)
        if options is not None:
            self._options = self._options.merge(options)
        # For in-memory sources: the arrays and a function producing the index stream.
        self._source = source
        self._index_fn = index_fn
        self._batched = batched

    def _derived(self, make, cardinality=UNKNOWN, state_cells=()) -> "Dataset":
        return Dataset(make, cardinality, inputs=(self,), state_cells=state_cells)

    # ---------------------------------------------------------------------------------------
    # sources

    @staticmethod
    def from_tensor_slices(tensors, name: str | None = None) -> "Dataset":
        """One element per row of `tensors` (an array, or a tuple/dict of arrays with the same
        first dimension). As in tf.data, a Python list is one array, not a structure."""
        arrays = slices_structure(as_tensor, tensors)
        scalars = [a for a in leaves(arrays) if a.ndim == 0]
        if scalars:
            raise ValueError(f"from_tensor_slices: every component needs a first dimension to slice, got a scalar "
                             f"{scalars[0]!r}")
        sizes = {len(a) for a in leaves(arrays)}
        if len(sizes) != 1:
            raise ValueError(f"from_tensor_slices: all arrays need the same first dimension, got sizes {sorted(sizes)}")
        n = sizes.pop()
        return Dataset._indexed(arrays, lambda: iter(np.arange(n)), n, batched=False)

    @staticmethod
    def from_tensors(tensors, name: str | None = None) -> "Dataset":
        """A dataset of exactly one element."""
        element = slices_structure(as_tensor, tensors)
        return Dataset(lambda: iter([element]), 1)

    @staticmethod
    def _from_list(elements: list) -> "Dataset":
        return Dataset(lambda: iter(elements), len(elements))

    @staticmethod
    def from_generator(generator: Callable, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name: str | None = None) -> "Dataset":
        """Elements from calling `generator(*args)` anew for each pass."""
        if not callable(generator):
            raise TypeError("from_generator needs a callable that returns a generator (pass the function, not a generator object)")
        args = tuple(args or ())
        dtypes = None
        if output_signature is not None:
            dtypes = map_structure(lambda s: getattr(s, "dtype", None), output_signature)

        def make():
            for e in generator(*args):
                yield slices_structure(as_tensor, e) if dtypes is None else _with_dtypes(e, dtypes)

        return Dataset(make, UNKNOWN)

    @staticmethod
    def range(*args, output_type=np.int64, name: str | None = None) -> "Dataset":
        """`range(stop)`, `range(start, stop[, step])` as int64 scalars."""
        r = range(*args)
        dtype = np.dtype(getattr(output_type, "as_numpy_dtype", output_type))
        return Dataset(lambda: (np.asarray(i, dtype) for i in r), len(r))

    @staticmethod
    def counter(start: int = 0, step: int = 1, dtype=np.int64, name: str | None = None) -> "Dataset":
        """start, start + step, ... forever."""
        dt = np.dtype(getattr(dtype, "as_numpy_dtype", dtype))
        return Dataset(lambda: (np.asarray(v, dt) for v in itertools.count(start, step)), INFINITE)

    @staticmethod
    def random(seed: int | None = None, rerandomize_each_iteration: bool | None = None,
               name: str | None = None) -> "Dataset":
        """Endless pseudorandom int64 values (numpy's generator, so not tf's numbers)."""
        cell = [seed if seed is not None else secrets.randbits(63), 0]

        def make():
            cell[1] += 1
            rng = np.random.default_rng([cell[0], cell[1] if rerandomize_each_iteration else 0])
            while True:
                for v in rng.integers(0, 2**63 - 1, size=256, dtype=np.int64):
                    yield np.int64(v)

        return Dataset(make, INFINITE, state_cells=(cell,))

    @staticmethod
    def list_files(file_pattern, shuffle: bool | None = None, seed: int | None = None,
                   name: str | None = None) -> "Dataset":
        """The file names matching a glob pattern (or a list of patterns), as bytes; sorted,
        then shuffled each epoch unless `shuffle=False` (tf.data's default is to shuffle)."""
        patterns = [file_pattern] if isinstance(file_pattern, (str, bytes, os.PathLike)) else list(file_pattern)
        patterns = [os.fsdecode(p) for p in patterns]
        files = sorted({f for p in patterns for f in _glob.glob(p)})
        if not files:
            raise FileNotFoundError(f"list_files: no files matched pattern: {', '.join(patterns)}")
        ds = Dataset.from_tensor_slices(np.array([os.fsencode(f) for f in files], dtype=object))
        if shuffle is None or shuffle:
            ds = ds.shuffle(len(files), seed=seed)
        return ds

    @staticmethod
    def zip(*args, datasets=None, name: str | None = None) -> "Dataset":
        """Elements of several datasets side by side (a tuple, or the structure given), until the
        shortest ends."""
        if datasets is None:
            datasets = args[0] if len(args) == 1 and not isinstance(args[0], Dataset) else tuple(args)
        parts = leaves(datasets)
        if not parts or not all(isinstance(d, Dataset) for d in parts):
            raise TypeError(f"zip: expected datasets (or a tuple/dict of datasets), got {datasets!r}")
        cards = [d._cardinality for d in parts]
        finite = [c for c in cards if c >= 0]
        card = min(finite) if finite else (INFINITE if all(c == INFINITE for c in cards) else UNKNOWN)
        if UNKNOWN in cards and finite:
            card = UNKNOWN

        def make():
            its = [d._make_iterator() for d in parts]
            for values in zip(*its):
                bad = [v for v in values if _failed(v)]
                if bad:
                    yield bad[0]
                    continue
                flat = iter(values)
                yield map_structure(lambda _: next(flat), datasets)

        return Dataset(make, card, inputs=tuple(parts))

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed: int | None = None, stop_on_empty_dataset: bool = False,
                             rerandomize_each_iteration: bool | None = None) -> "Dataset":
        """Each element from a dataset drawn at random with probabilities `weights` (uniform by
        default); an exhausted dataset drops out (or ends the pass with `stop_on_empty_dataset`)."""
        datasets = list(datasets)
        if not datasets:
            raise ValueError("sample_from_datasets: `datasets` must be a non-empty list")
        w = np.full(len(datasets), 1.0 / len(datasets)) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != (len(datasets),):
            raise ValueError(f"sample_from_datasets: {len(datasets)} datasets but weights of shape {w.shape}")
        cell = [seed if seed is not None else secrets.randbits(63), 0]

        def make():
            cell[1] += 1
            rng = np.random.default_rng([cell[0], cell[1] if rerandomize_each_iteration else 0])
            its = [d._make_iterator() for d in datasets]
            live = w.copy()
            while live.sum() > 0:
                i = int(rng.choice(len(its), p=live / live.sum()))
                e = next(its[i], _END)
                if e is _END:
                    if stop_on_empty_dataset:
                        return
                    live[i] = 0.0
                    continue
                yield e

        return Dataset(make, UNKNOWN, inputs=tuple(datasets), state_cells=(cell,))

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset: "Dataset", stop_on_empty_dataset: bool = True) -> "Dataset":
        """Element k comes from `datasets[c]`, where c is element k of `choice_dataset` (int64)."""
        datasets = list(datasets)
        if not datasets:
            raise ValueError("choose_from_datasets: `datasets` must be a non-empty list")

        def make():
            its = [d._make_iterator() for d in datasets]
            done = [False] * len(its)
            for c in choice_dataset._make_iterator():
                i = int(c)
                if not 0 <= i < len(its):
                    raise ValueError(f"choose_from_datasets: choice {i} is out of range for {len(its)} datasets")
                e = _END if done[i] else next(its[i], _END)
                if e is _END:
                    done[i] = True
                    if stop_on_empty_dataset:
                        return
                    continue
                yield e

        return Dataset(make, UNKNOWN, inputs=tuple(datasets) + (choice_dataset,))

    @staticmethod
    def load(path: str, element_spec=None, compression: str | None = None, reader_func=None) -> "Dataset":
        """A dataset written by `Dataset.save(path)`."""
        from lamina.data import persistence

        return persistence.load(path, compression)

    @staticmethod
    def _indexed(arrays, index_fn, cardinality, batched, state_cells=(), inputs=()) -> "Dataset":
        def gather(idx):
            return map_structure(lambda a: a[idx], arrays)

        if batched:
            make = lambda: (gather(ix) for ix in index_fn())  # noqa: E731
        else:
            make = lambda: (gather(int(i)) for i in index_fn())  # noqa: E731
        return Dataset(make, cardinality, inputs=inputs, state_cells=state_cells, source=arrays,
                       index_fn=index_fn, batched=batched)

    def _on_indices(self) -> bool:
        return self._source is not None and self._index_fn is not None

    def _indexed_like(self, index_fn, cardinality, batched=None, state_cells=()) -> "Dataset":
        return Dataset._indexed(self._source, index_fn, cardinality, self._batched if batched is None else batched,
                                state_cells=state_cells, inputs=(self,))

    # ---------------------------------------------------------------------------------------
    # reordering and slicing

    def shuffle(self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool = True,
                name: str | None = None) -> "Dataset":
        """Shuffles with a buffer of `buffer_size` elements (buffer >= size is a full shuffle).
        Without a seed one is drawn once per dataset, so a checkpointed iterator resumes in the
        same order."""
        buffer_size = int(buffer_size)
        if buffer_size == _parallel.AUTOTUNE:
            buffer_size = 1024
        if buffer_size <= 0:
            raise ValueError(f"shuffle: buffer_size must be positive, got {buffer_size}")
        cell = [seed if seed is not None else secrets.randbits(63), 0]

        def rng():
            cell[1] += 1
            return np.random.default_rng([cell[0], cell[1] if reshuffle_each_iteration else 0])

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

        n = self._cardinality
        if self._on_indices() and not self._batched:
            base = self._index_fn

            def index_fn():
                r = rng()
                if 0 <= n <= buffer_size:
                    return iter(r.permutation(np.fromiter(base(), dtype=np.int64)))
                return buffered(base(), r)

            return self._indexed_like(index_fn, n, state_cells=(cell,))
        make = self._make_iterator
        return self._derived(lambda: buffered(make(), rng()), n, state_cells=(cell,))

    def repeat(self, count: int | None = None, name: str | None = None) -> "Dataset":
        """Repeats the dataset `count` times (forever when None or -1)."""
        forever = count is None or count < 0
        c = self._cardinality
        card = (0 if c == 0 else INFINITE if forever or c == INFINITE else
                UNKNOWN if c == UNKNOWN else c * count)

        def repeated(make):
            def gen():
                i = 0
                while forever or i < count:
                    empty = True
                    for e in make():
                        empty = False
                        yield e
                    if empty:  # tf.data: repeating an empty dataset ends instead of spinning
                        return
                    i += 1
            return gen

        if self._on_indices():
            return self._indexed_like(repeated(self._index_fn), card)
        return self._derived(repeated(self._make_iterator), card)

    def take(self, count: int, name: str | None = None) -> "Dataset":
        """The first `count` elements (all when count is -1)."""
        if count < 0:
            return self
        c = self._cardinality
        card = count if c == INFINITE else min(count, c) if c >= 0 else UNKNOWN
        if self._on_indices():
            base = self._index_fn
            return self._indexed_like(lambda: itertools.islice(base(), 0, count), card)
        make = self._make_iterator
        return self._derived(lambda: itertools.islice(make(), 0, count), card)

    def skip(self, count: int, name: str | None = None) -> "Dataset":
        """All but the first `count` elements (none when count is -1)."""
        c = self._cardinality
        if count < 0:
            return self.take(0)
        card = max(c - count, 0) if c >= 0 else c
        if self._on_indices():
            base = self._index_fn
            return self._indexed_like(lambda: itertools.islice(base(), count, None), card)
        make = self._make_iterator
        return self._derived(lambda: itertools.islice(make(), count, None), card)

    def shard(self, num_shards: int, index: int, name: str | None = None) -> "Dataset":
        """Every `num_shards`-th element starting at `index` (element i goes to shard
        i % num_shards), as tf.data's shard."""
        if num_shards <= 0 or not 0 <= index < num_shards:
            raise ValueError(f"shard: need num_shards > 0 and 0 <= index < num_shards, got "
                             f"num_shards={num_shards}, index={index}")
        c = self._cardinality
        card = (c - index + num_shards - 1) // num_shards if c >= 0 else c
        card = max(card, 0) if c >= 0 else c
        if self._on_indices():
            base = self._index_fn
            return self._indexed_like(lambda: itertools.islice(base(), index, None, num_shards), card)
        make = self._make_iterator
        return self._derived(lambda: itertools.islice(make(), index, None, num_shards), card)

    def concatenate(self, dataset: "Dataset", name: str | None = None) -> "Dataset":
        """This dataset's elements, then `dataset`'s."""
        a, b = self._cardinality, dataset._cardinality
        card = INFINITE if INFINITE in (a, b) else UNKNOWN if UNKNOWN in (a, b) else a + b
        first, second = self._make_iterator, dataset._make_iterator
        return Dataset(lambda: itertools.chain(first(), second()), card, inputs=(self, dataset))

    def enumerate(self, start: int = 0, name: str | None = None) -> "Dataset":
        """(index, element) pairs, the index an int64 counting from `start`."""
        # tf.data counts with range(start, int64 max), hence its cardinality for endless inputs
        return Dataset.zip((Dataset.range(start, np.iinfo(np.int64).max), self))

    def take_while(self, predicate: Callable, name: str | None = None) -> "Dataset":
        """Elements until the first for which `predicate` is False."""
        make = self._make_iterator
        return self._derived(lambda: itertools.takewhile(lambda e: _failed(e) or bool(call_unpacked(predicate, e)),
                                                         make()))

    def filter(self, predicate: Callable, name: str | None = None) -> "Dataset":
        """The elements for which `predicate` is True."""
        make = self._make_iterator

        def kept():
            for e in make():
                if _failed(e):
                    yield e
                    continue
                try:
                    keep = bool(np.asarray(call_unpacked(predicate, e)))
                except Exception as exc:  # noqa: BLE001 - an element error, as in map
                    yield ElementError(exc)
                    continue
                if keep:
                    yield e

        return self._derived(kept)

    def unique(self, name: str | None = None) -> "Dataset":
        """Each distinct element once, in order of first appearance (scalar ints or strings)."""
        make = self._make_iterator

        def distinct():
            seen = set()
            for e in make():
                if _failed(e):
                    yield e
                    continue
                a = np.asarray(e)
                if a.ndim != 0 or a.dtype.kind not in "iuSOU":
                    raise TypeError(f"unique: elements must be int or string scalars, got dtype {a.dtype} shape {a.shape}")
                key = a.item()
                if key not in seen:
                    seen.add(key)
                    yield e

        return self._derived(distinct)

    # ---------------------------------------------------------------------------------------
    # per-element functions

    def map(self, map_func: Callable, num_parallel_calls: int | None = None, deterministic: bool | None = None,
            name: str | None = None) -> "Dataset":
        """Applies `map_func` to each element (a tuple is unpacked into arguments, as in tf.data).
        With `num_parallel_calls` (or AUTOTUNE) the calls run on that many threads, in input
        order unless `deterministic=False`."""
        make = self._make_iterator
        workers = self._workers(num_parallel_calls, "map")
        ordered = self._deterministic(deterministic)
        fn = lambda e: _guarded(map_func, e)  # noqa: E731
        if workers == 1:
            return self._derived(lambda: (fn(e) for e in make()), self._cardinality)
        processes = self._options.worker_processes
        if processes:
            return self._derived(lambda: _parallel.process_map(make(), fn, int(processes), ordered), self._cardinality)
        return self._derived(lambda: _parallel.parallel_map(make(), fn, workers, ordered), self._cardinality)

    def _workers(self, num_parallel_calls, what: str) -> int:
        if num_parallel_calls == _parallel.AUTOTUNE and self._options.threading.private_threadpool_size:
            return int(self._options.threading.private_threadpool_size)
        return _parallel.resolve_parallelism(num_parallel_calls, what)

    def _deterministic(self, deterministic: bool | None) -> bool:
        if deterministic is not None:
            return bool(deterministic)
        return self._options.deterministic is not False

    def flat_map(self, map_func: Callable, name: str | None = None) -> "Dataset":
        """Maps each element to a dataset and chains their elements."""
        return self.interleave(map_func, cycle_length=1, block_length=1)

    def interleave(self, map_func: Callable, cycle_length: int | None = None, block_length: int | None = None,
                   num_parallel_calls: int | None = None, deterministic: bool | None = None,
                   name: str | None = None) -> "Dataset":
        """Maps each element to a dataset and interleaves them: `cycle_length` open at a time,
        `block_length` consecutive elements from each in turn (tf.data's order). With
        `num_parallel_calls`, each open dataset is read ahead in its own thread, so reading and
        decoding files overlap; the order stays tf.data's."""
        cycle = _parallel.cpu_budget() if cycle_length is None or cycle_length == _parallel.AUTOTUNE else int(cycle_length)
        block = 1 if block_length is None else int(block_length)
        if cycle <= 0 or block <= 0:
            raise ValueError(f"interleave: cycle_length and block_length must be positive, got {cycle}, {block}")
        parallel = num_parallel_calls is not None
        make = self._make_iterator

        def open_one(element):
            ds = call_unpacked(map_func, element)
            if not isinstance(ds, Dataset):
                raise TypeError(f"interleave/flat_map: map_func must return a Dataset, got {type(ds).__name__}")
            return _parallel.prefetched(ds._make_iterator, 2 * block) if parallel else ds._make_iterator()

        def interleaved():
            inputs = make()
            slots: list = [None] * cycle
            open_count, end_of_input, i, in_block = 0, False, 0, 0
            while not end_of_input or open_count:
                if slots[i] is not None:
                    e = next(slots[i], _END)
                    if e is not _END:
                        yield e
                        in_block += 1
                        if in_block == block:
                            i, in_block = (i + 1) % cycle, 0
                        continue
                    slots[i] = None
                    open_count -= 1
                    i, in_block = (i + 1) % cycle, 0
                elif not end_of_input:
                    element = next(inputs, _END)
                    if element is _END:
                        end_of_input = True
                    elif _failed(element):
                        yield element
                    else:
                        slots[i] = open_one(element)
                        open_count += 1
                else:
                    i, in_block = (i + 1) % cycle, 0

        return self._derived(interleaved)

    def scan(self, initial_state, scan_func: Callable, name: str | None = None) -> "Dataset":
        """Running state: `scan_func(state, element)` returns (new_state, output_element)."""
        make = self._make_iterator

        def scanned():
            state = initial_state
            for e in make():
                if _failed(e):
                    yield e
                    continue
                state, out = scan_func(state, *e) if isinstance(e, tuple) else scan_func(state, e)
                yield out

        return self._derived(scanned, self._cardinality)

    def reduce(self, initial_state, reduce_func: Callable):
        """Folds every element into a state: `reduce_func(state, element)`; returns the state."""
        state = initial_state
        for e in self._make_iterator():
            e = _raise_failed(e)
            state = reduce_func(state, *e) if isinstance(e, tuple) else reduce_func(state, e)
        return map_structure(np.asarray, state)

    def apply(self, transformation_func: Callable[["Dataset"], "Dataset"]) -> "Dataset":
        """`transformation_func(self)`, to chain custom transformations."""
        return transformation_func(self)

    def ignore_errors(self, log_warning: bool = False, name: str | None = None) -> "Dataset":
        """Drops the elements whose production raised an error (a failing map function, a corrupt
        record). `skipped_count` says how many were dropped so far, `skipped_errors` the last
        few errors."""
        make = self._make_iterator
        ds = self._derived(None, self._cardinality if self._cardinality == INFINITE else UNKNOWN)
        ds.skipped_count = 0
        ds.skipped_errors = []

        def kept():
            for e in make():
                if _failed(e):
                    ds.skipped_count += 1
                    ds.skipped_errors = (ds.skipped_errors + [e.exc])[-10:]
                    if log_warning:
                        import warnings

                        warnings.warn(f"ignore_errors: skipped an element: {e.exc}")
                    continue
                yield e

        ds._make_iterator = kept
        return ds

    # ---------------------------------------------------------------------------------------
    # performance and persistence

    def prefetch(self, buffer_size: int = 1, name: str | None = None) -> "Dataset":
        """Prepares up to `buffer_size` elements ahead in a background thread (AUTOTUNE: 2)."""
        make = self._make_iterator
        size = 2 if buffer_size is None or buffer_size == _parallel.AUTOTUNE else int(buffer_size)
        if size == 0:
            return self
        if size < 0:
            raise ValueError(f"prefetch: buffer_size must be >= 0 or AUTOTUNE, got {buffer_size}")
        return self._derived(lambda: _parallel.prefetched(make, size), self._cardinality)

    def cache(self, filename: str = "", name: str | None = None) -> "Dataset":
        """Keeps the elements of the first complete pass (in memory, or in files at `filename`)
        and replays them on later passes."""
        make = self._make_iterator
        if filename:
            from lamina.data import persistence

            return self._derived(lambda: persistence.cached_pass(make, filename, None), self._cardinality)
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

        return self._derived(cached, self._cardinality)

    def snapshot(self, path: str, compression: str | None = "AUTO", reader_func=None, shard_func=None,
                 name: str | None = None) -> "Dataset":
        """Writes the elements of the first complete pass under `path`; later passes (also in
        other processes) read them from there instead of recomputing."""
        from lamina.data import persistence

        make = self._make_iterator
        return self._derived(lambda: persistence.cached_pass(make, path, compression), self._cardinality)

    def save(self, path: str, compression: str | None = None, shard_func=None, checkpoint_args=None) -> None:
        """Writes every element under the directory `path` (read back with `Dataset.load`)."""
        from lamina.data import persistence

        persistence.save(self._make_iterator(), path, compression)

    def with_options(self, options: Options, name: str | None = None) -> "Dataset":
        """The same dataset with `options` merged into its pipeline's options."""
        ds = Dataset(self._make_iterator, self._cardinality, inputs=(self,), options=options, source=self._source,
                     index_fn=self._index_fn, batched=self._batched)
        return ds

    def options(self) -> Options:
        """The pipeline's options (merged from every input and `with_options`)."""
        return self._options

    # ---------------------------------------------------------------------------------------
    # consuming

    def __iter__(self):
        """A checkpointable iterator; elements answer `.numpy()` as tf.data's eager tensors do."""
        from lamina.data.iterator import Iterator as DatasetIterator

        return DatasetIterator(self, lambda e: map_structure(as_element_array, e))

    def as_numpy_iterator(self):
        """The elements as numpy arrays (scalar strings as bytes); checkpointable as `iter()`."""
        from lamina.data.iterator import Iterator as DatasetIterator

        return DatasetIterator(self, lambda e: map_structure(as_numpy, e))

    def get_single_element(self, name: str | None = None):
        """The one element of a dataset that has exactly one."""
        it = self._make_iterator()
        first = next(it, _END)
        if first is _END:
            raise ValueError("get_single_element: the dataset is empty")
        if next(it, _END) is not _END:
            raise ValueError("get_single_element: the dataset has more than one element")
        return map_structure(as_element_array, _raise_failed(first))

    @property
    def element_spec(self):
        """The structure of TensorSpecs (shape, dtype) of the elements, from the first two
        elements (axes that differ between them are None)."""
        first = list(itertools.islice(self._make_iterator(), 2))
        if not first:
            raise ValueError("element_spec: the dataset is empty, so lamina cannot see its elements' shapes")
        specs = [map_structure(spec_of, _raise_failed(e)) for e in first]
        if isinstance(specs[0], Dataset):
            return specs[0]
        return specs[0] if len(specs) == 1 else merge_specs(*specs)

    def cardinality(self) -> int:
        """The number of elements; INFINITE_CARDINALITY (-1) or UNKNOWN_CARDINALITY (-2)."""
        return self._cardinality

    def __len__(self) -> int:
        if self._cardinality == INFINITE:
            raise TypeError("The dataset is infinite.")
        if self._cardinality < 0:
            raise TypeError("The dataset length is unknown.")
        return self._cardinality

    def __bool__(self) -> bool:
        return True




def _with_dtypes(element, dtypes):
    """An element of from_generator in its output_signature's dtypes (a list is one tensor)."""
    if isinstance(dtypes, tuple):
        return tuple(_with_dtypes(e, d) for e, d in zip(element, dtypes))
    if isinstance(dtypes, dict):
        return {k: _with_dtypes(element[k], d) for k, d in dtypes.items()}
    return _with_dtype(element, dtypes)


def _with_dtype(value, dtype):
    if dtype is None:
        return np.asarray(value)
    dt = getattr(dtype, "as_numpy_dtype", dtype)
    if dt in (str, bytes) or np.dtype(dt).kind in "SUO":
        return value.encode() if isinstance(value, str) else value
    return np.asarray(value, dtype=dt)
