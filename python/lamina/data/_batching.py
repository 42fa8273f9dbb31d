"""Dataset's batching, windowing and grouping methods (tf.data's batch, padded_batch, unbatch,
rebatch, window, group_by_window, bucket_by_sequence_length, rejection_resample)."""

from __future__ import annotations

import itertools
import secrets
from typing import TYPE_CHECKING, Any, Callable, Iterator

import numpy as np

from lamina.data._elements import END as _END
from lamina.data._elements import ElementError, _failed
from lamina.data.structure import call_unpacked, leaves, map_structure, stack, zip_structures

if TYPE_CHECKING:
    from lamina.data.dataset import Dataset


def _dataset():
    from lamina.data.dataset import Dataset

    return Dataset


class BatchingMixin:
    """The batching family of lamina.data.Dataset's methods."""

    def batch(self, batch_size: int, drop_remainder: bool = False, num_parallel_calls=None, deterministic=None,
              name: str | None = None) -> "Dataset":
        """Groups consecutive elements into batches (stacked arrays)."""
        if batch_size <= 0:
            raise ValueError(f"batch: batch_size must be positive, got {batch_size}")
        c = self._cardinality
        card = c if c < 0 else c // batch_size if drop_remainder else -(-c // batch_size)
        if self._on_indices() and not self._batched:
            base = self._index_fn

            def index_fn():
                if c < 0:
                    # An endless (repeat()) or unknown-length stream: take one batch of indices at a time.
                    return _index_chunks(base(), batch_size, drop_remainder)
                idx = np.fromiter(base(), dtype=np.int64)
                stop = len(idx) - (len(idx) % batch_size if drop_remainder else 0)
                return (idx[i:i + batch_size] for i in range(0, stop, batch_size))

            return self._indexed_like(index_fn, card, batched=True)
        return self._batched_by(lambda buf: stack(buf), batch_size, drop_remainder, card)

    def _batched_by(self, combine: Callable[[list], Any], batch_size: int, drop_remainder: bool, card) -> "Dataset":
        make = self._make_iterator

        def emit(buf):
            bad = [e for e in buf if _failed(e)]
            if bad:
                return bad[0]
            try:
                return combine(buf)
            except Exception as exc:  # noqa: BLE001 - an element error, as tf.data reports it
                return ElementError(exc)

        def batches():
            buf = []
            for e in make():
                buf.append(e)
                if len(buf) == batch_size:
                    yield emit(buf)
                    buf = []
            if buf and not drop_remainder:
                yield emit(buf)

        return self._derived(batches, card)

    def padded_batch(self, batch_size: int, padded_shapes=None, padding_values=None, drop_remainder: bool = False,
                     name: str | None = None) -> "Dataset":
        """Batches elements of different shapes, padding each component at the end of every axis
        to `padded_shapes` (None or -1: the longest in the batch) with `padding_values` (0, or
        b"" for strings)."""
        if batch_size <= 0:
            raise ValueError(f"padded_batch: batch_size must be positive, got {batch_size}")
        c = self._cardinality
        card = c if c < 0 else c // batch_size if drop_remainder else -(-c // batch_size)

        def combine(buf):
            shapes = padded_shapes if padded_shapes is not None else map_structure(lambda _: None, buf[0])
            values = padding_values if padding_values is not None else map_structure(lambda _: None, buf[0])
            if not isinstance(values, (tuple, list, dict)) and isinstance(buf[0], (tuple, dict)):
                values = map_structure(lambda _: values, buf[0])
            flat_elems = [leaves(e) for e in buf]
            flat_shapes = _leaf_shapes(shapes, len(flat_elems[0]))
            flat_values = leaves(values)
            out = [_pad_stack([fe[k] for fe in flat_elems], flat_shapes[k], flat_values[k])
                   for k in range(len(flat_elems[0]))]
            it = iter(out)
            return map_structure(lambda _: next(it), buf[0])

        return self._batched_by(combine, batch_size, drop_remainder, card)

    def unbatch(self, name: str | None = None) -> "Dataset":
        """Splits each batch back into its rows."""
        make = self._make_iterator

        def rows():
            for b in make():
                if _failed(b):
                    yield b
                    continue
                n = len(leaves(b)[0])
                for i in range(n):
                    yield map_structure(lambda a: a[i], b)

        return self._derived(rows)

    def rebatch(self, batch_size, drop_remainder: bool = False, name: str | None = None) -> "Dataset":
        """Re-splits batched elements into batches of `batch_size` rows (a list of sizes cycles
        through them), as unbatch().batch() would."""
        sizes = [int(batch_size)] if np.ndim(batch_size) == 0 else [int(s) for s in batch_size]
        if not sizes or min(sizes) < 0:
            raise ValueError(f"rebatch: batch sizes must be non-negative, got {batch_size}")
        rows = self.unbatch()._make_iterator

        def batches():
            it = rows()
            for size in itertools.cycle(sizes):
                buf = list(itertools.islice(it, size))
                if len(buf) < size and (drop_remainder or not buf):
                    return
                yield stack(buf)
                if len(buf) < size:
                    return

        return self._derived(batches)

    def window(self, size: int, shift: int | None = None, stride: int = 1, drop_remainder: bool = False,
               name: str | None = None) -> "Dataset":
        """Windows of `size` elements, starting every `shift` (default `size`), taking every
        `stride`-th element; each window is a Dataset (a tuple/dict of Datasets for structured
        elements), as in tf.data."""
        shift = size if shift is None else shift
        if size <= 0 or shift <= 0 or stride <= 0:
            raise ValueError(f"window: size, shift and stride must be positive, got {size}, {shift}, {stride}")
        make = self._make_iterator
        span = (size - 1) * stride + 1
        c = self._cardinality
        card = c if c < 0 else max(0, (c - span) // shift + 1) if drop_remainder else -(-c // shift)

        def windows():
            buf: list = []
            it = make()
            exhausted = False
            while True:
                while len(buf) < span and not exhausted:
                    e = next(it, _END)
                    if e is _END:
                        exhausted = True
                    else:
                        buf.append(e)
                if not buf:
                    return
                items = buf[:span:stride]
                if len(items) < size and drop_remainder:
                    return
                yield _window_of(items)
                if exhausted and len(buf) <= shift:
                    return
                if len(buf) < shift:
                    # skip the elements between this window's end and the next window's start
                    for _ in range(shift - len(buf)):
                        if next(it, _END) is _END:
                            return
                    buf = []
                else:
                    buf = buf[shift:]

        return self._derived(windows, card)

    def group_by_window(self, key_func: Callable, reduce_func: Callable, window_size: int | None = None,
                        window_size_func: Callable | None = None, name: str | None = None) -> "Dataset":
        """Groups elements by `key_func(element)` (an int64); each group of `window_size` (or
        `window_size_func(key)`) elements becomes `reduce_func(key, Dataset of the group)`. At
        the end, the incomplete groups are reduced in key order."""
        if (window_size is None) == (window_size_func is None):
            raise ValueError("group_by_window: give exactly one of window_size and window_size_func")
        size_of = (lambda k: window_size) if window_size_func is None else (lambda k: int(window_size_func(np.int64(k))))
        make = self._make_iterator

        def reduced(key, items):
            yield from reduce_func(np.int64(key), _dataset()._from_list(items))._make_iterator()

        def grouped():
            groups: dict = {}
            for e in make():
                if _failed(e):
                    yield e
                    continue
                key = int(call_unpacked(key_func, e))
                groups.setdefault(key, []).append(e)
                if len(groups[key]) >= size_of(key):
                    yield from reduced(key, groups.pop(key))
            for key in sorted(groups):
                yield from reduced(key, groups[key])

        return self._derived(grouped)

    def bucket_by_sequence_length(self, element_length_func: Callable, bucket_boundaries, bucket_batch_sizes,
                                  padded_shapes=None, padding_values=None, pad_to_bucket_boundary: bool = False,
                                  no_padding: bool = False, drop_remainder: bool = False,
                                  name: str | None = None) -> "Dataset":
        """Batches elements of similar length together: bucket b holds lengths in
        [bucket_boundaries[b-1], bucket_boundaries[b]) and is batched by bucket_batch_sizes[b],
        padded to the longest in the batch (or to boundary - 1 with `pad_to_bucket_boundary`)."""
        boundaries = [int(b) for b in bucket_boundaries]
        sizes = [int(s) for s in bucket_batch_sizes]
        if len(sizes) != len(boundaries) + 1:
            raise ValueError(f"bucket_by_sequence_length: len(bucket_batch_sizes) must be len(bucket_boundaries) + 1, "
                             f"got {len(sizes)} and {len(boundaries)}")
        edges = np.asarray(boundaries, dtype=np.int64)

        def bucket_of(*args):
            length = int(element_length_func(*args))
            return int(np.searchsorted(edges, length, side="right"))

        def batching(key, group):
            size = sizes[int(key)]
            if no_padding:
                return group.batch(size, drop_remainder=drop_remainder)
            shapes = padded_shapes
            if pad_to_bucket_boundary:
                if int(key) == len(boundaries):
                    raise ValueError("bucket_by_sequence_length: with pad_to_bucket_boundary, every length must be "
                                     f"below the last boundary {boundaries[-1]}")
                first = next(group._make_iterator())
                shapes = map_structure(lambda a: (boundaries[int(key)] - 1,) + (None,) * (np.ndim(a) - 1), first)
            return group.padded_batch(size, shapes, padding_values, drop_remainder)

        return self.group_by_window(bucket_of, batching, window_size_func=lambda k: sizes[int(k)])

    def rejection_resample(self, class_func: Callable, target_dist, initial_dist=None, seed: int | None = None,
                           name: str | None = None) -> "Dataset":
        """(class, element) pairs resampled so classes follow `target_dist`: each element of
        class c is kept with probability target[c] / initial[c] scaled so the largest is 1
        (`initial_dist` is estimated as the pass goes when not given)."""
        target = np.asarray(target_dist, dtype=np.float64)
        make = self._make_iterator
        cell = [seed if seed is not None else secrets.randbits(63), 0]

        def resampled():
            cell[1] += 1
            rng = np.random.default_rng([cell[0], cell[1]])
            counts = np.zeros_like(target)
            for e in make():
                if _failed(e):
                    yield e
                    continue
                c = int(call_unpacked(class_func, e))
                counts[c] += 1
                initial = np.asarray(initial_dist, dtype=np.float64) if initial_dist is not None else counts / counts.sum()
                ratio = np.divide(target, initial, out=np.zeros_like(target), where=initial > 0)
                if rng.random() < ratio[c] / ratio.max():
                    yield (np.int64(c), e)

        return self._derived(resampled, state_cells=(cell,))


def _window_of(items: list):
    first = items[0]
    if isinstance(first, (tuple, dict)):
        return zip_structures(lambda xs: _dataset()._from_list(list(xs)), items)
    return _dataset()._from_list(items)


def _leaf_shapes(shapes, count: int) -> list:
    """The padded shape of each leaf: a shape is a tuple/list of ints or None, so it is a leaf."""
    if shapes is None or (isinstance(shapes, (tuple, list)) and all(s is None or isinstance(s, (int, np.integer))
                                                                      for s in shapes)):
        return [shapes] * count
    if isinstance(shapes, dict):
        return [s for k in shapes for s in _leaf_shapes(shapes[k], 1)]
    return [s for x in shapes for s in _leaf_shapes(x, 1)]


def _pad_stack(arrays: list, shape, value):
    arrays = [np.asarray(a) for a in arrays]
    rank = arrays[0].ndim
    if any(a.ndim != rank for a in arrays):
        raise ValueError(f"padded_batch: components have different ranks {[a.ndim for a in arrays]}")
    longest = [max(a.shape[d] for a in arrays) for d in range(rank)]
    if shape is None:
        target = longest
    else:
        if len(shape) != rank:
            raise ValueError(f"padded_batch: padded shape {tuple(shape)} does not match an element of rank {rank}")
        target = [longest[d] if s is None or s == -1 else int(s) for d, s in enumerate(shape)]
        for d in range(rank):
            if longest[d] > target[d]:
                raise ValueError(f"padded_batch: an element of size {longest[d]} in axis {d} is larger than the "
                                 f"padded shape {tuple(shape)}")
    dtype = arrays[0].dtype
    fill = (b"" if dtype.kind in "SO" else 0) if value is None else value
    out = np.full([len(arrays)] + target, fill, dtype=dtype if dtype.kind != "S" else object)
    for i, a in enumerate(arrays):
        out[(i,) + tuple(slice(0, n) for n in a.shape)] = a
    return out


def _index_chunks(indices: Iterator, size: int, drop_remainder: bool) -> Iterator:
    while True:
        chunk = np.fromiter(itertools.islice(indices, size), dtype=np.int64)
        if len(chunk) == 0 or (drop_remainder and len(chunk) < size):
            return
        yield chunk
        if len(chunk) < size:
            return
