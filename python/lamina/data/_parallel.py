"""Running tf.data's map functions on a pool of threads, and prefetching in the background.

Work that releases the GIL (numpy, lamina ops, Pillow's decoders, file reads) really overlaps;
pure-Python functions take turns on the GIL.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import itertools
import os
import queue
import threading
from typing import Callable, Iterator

AUTOTUNE = -1


def cpu_budget() -> int:
    """The cores this process may use (its affinity mask, not the whole machine)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS and Windows have no affinity mask
        return max(1, os.cpu_count() or 1)


def resolve_parallelism(num_parallel_calls, what: str) -> int:
    """tf.data's num_parallel_calls: None is sequential, AUTOTUNE is one thread per usable core
    (never more, so the threads do not fight the training step for cores)."""
    if num_parallel_calls is None:
        return 1
    n = int(num_parallel_calls)
    if n == AUTOTUNE:
        return cpu_budget()
    if n <= 0:
        raise ValueError(f"{what}: num_parallel_calls must be positive or lamina.data.AUTOTUNE, got {n}")
    return n


def parallel_map(items: Iterator, fn: Callable, workers: int, deterministic: bool) -> Iterator:
    """`fn` over `items` on `workers` threads, with up to 2*workers calls in flight; results come
    in input order unless `deterministic` is False (then as they finish)."""
    pool = cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lamina-data-map")
    in_flight = 2 * workers
    try:
        if deterministic:
            pending: collections.deque = collections.deque()
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= in_flight:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        else:
            running: set = set()
            for item in items:
                running.add(pool.submit(fn, item))
                if len(running) >= in_flight:
                    done, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                    for f in done:
                        yield f.result()
            while running:
                done, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for f in done:
                    yield f.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


# Map functions handed to forked workers: a child inherits this table at fork, so functions
# (lambdas and closures included) need no pickling; only elements and results are pickled.
_PROCESS_FNS: dict = {}


def _call_registered(key: int, item):
    return _PROCESS_FNS[key](item)


def process_map(items: Iterator, fn: Callable, workers: int, deterministic: bool) -> Iterator:
    """`fn` over `items` in `workers` forked processes, up to 2*workers calls in flight; in input
    order unless `deterministic` is False."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        raise RuntimeError("lamina.data worker_processes needs the 'fork' start method (Linux or macOS)")
    key = next(_KEYS)
    _PROCESS_FNS[key] = fn
    try:
        pool = multiprocessing.get_context("fork").Pool(workers)
    finally:
        del _PROCESS_FNS[key]  # the children have their copy
    try:
        pending: collections.deque = collections.deque()
        for item in items:
            pending.append(pool.apply_async(_call_registered, (key, item)))
            if len(pending) >= 2 * workers:
                yield from _take_one(pending, deterministic)
        while pending:
            yield from _take_one(pending, deterministic)
    finally:
        pool.terminate()


def _take_one(pending: collections.deque, deterministic: bool) -> Iterator:
    if not deterministic:
        for i, r in enumerate(pending):
            if r.ready():
                del pending[i]
                yield r.get()
                return
    yield pending.popleft().get()


_KEYS = itertools.count()
_END = object()


def prefetched(make: Callable[[], Iterator], size: int) -> Iterator:
    """The elements of `make()`, produced up to `size` ahead in a background thread."""
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
            q.put(_Raised(exc))

    t = threading.Thread(target=worker, daemon=True, name="lamina-data-prefetch")
    t.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item
    finally:
        stop.set()


class _Raised:
    def __init__(self, exc):
        self.exc = exc
