"""Running tf.data's map functions on a pool of threads, and prefetching in the background.

Work that releases the GIL (numpy, lamina ops, Pillow's decoders, file reads) really overlaps;
pure-Python functions take turns on the GIL.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
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
