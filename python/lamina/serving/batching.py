"""Server-side batching as TF Serving does it: concurrent requests are merged into one engine
call of at most `max_batch_size` rows, waiting at most `batch_timeout_micros` for a batch to
fill. The settings come from a `--batching_parameters_file` in TF Serving's text format:

    max_batch_size { value: 32 }
    batch_timeout_micros { value: 1000 }
    max_enqueued_batches { value: 100 }
    num_batch_threads { value: 1 }
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass

import numpy as np

from lamina.serving.servable import RequestError

log = logging.getLogger("lamina.serve")
_FIELD = re.compile(r"^\s*(\w+)\s*\{\s*value\s*:\s*(\w+)\s*\}\s*$")


@dataclass
class BatchingParameters:
    """TF Serving's BatchingParameters (its defaults where a field is absent).

    `max_enqueued_batches` bounds the queue (beyond it requests get 503). `num_batch_threads`
    is read for compatibility: batches run one at a time on the engine's thread, since the
    engine parallelizes each call itself.
    """

    max_batch_size: int = 1000
    batch_timeout_micros: int = 0
    max_enqueued_batches: int = 1000000
    num_batch_threads: int = 1
    pad_variable_length_inputs: bool = False

    @classmethod
    def parse(cls, text: str, source: str = "batching parameters") -> "BatchingParameters":
        params = cls()
        for lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            m = _FIELD.match(line)
            if not m:
                raise ValueError(f"{source}:{lineno}: expected `name {{ value: N }}`, got {raw.strip()!r}")
            key, value = m.groups()
            if key not in cls.__dataclass_fields__:
                raise ValueError(f"{source}:{lineno}: unknown batching parameter {key!r}; known: "
                                 f"{', '.join(cls.__dataclass_fields__)}")
            if key == "pad_variable_length_inputs":
                if value not in ("true", "false"):
                    raise ValueError(f"{source}:{lineno}: {key} must be true or false, got {value!r}")
                params.pad_variable_length_inputs = value == "true"
                continue
            if not value.isdigit() or (int(value) <= 0 and key != "batch_timeout_micros"):
                raise ValueError(f"{source}:{lineno}: {key} must be a positive integer, got {value!r}")
            setattr(params, key, int(value))
        if params.pad_variable_length_inputs:
            raise ValueError(f"{source}: pad_variable_length_inputs is not supported (padding changes results "
                             "of models without masks)")
        return params


@dataclass
class _Task:
    servable: object
    arrays: list
    rows: int
    future: asyncio.Future


class Batcher:
    """Merges concurrent predict calls on the same model version and input shapes."""

    def __init__(self, params: BatchingParameters, run_in_engine):
        self.params = params
        self._run = run_in_engine  # async fn(callable) -> result, off the event loop
        self._queue: asyncio.Queue = asyncio.Queue(maxsize=params.max_enqueued_batches * params.max_batch_size)
        self._worker: asyncio.Task | None = None

    def start(self) -> None:
        self._worker = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    async def predict(self, servable, arrays: list) -> list:
        rows = arrays[0].shape[0]
        if rows > self.params.max_batch_size:
            raise RequestError(f"Task size {rows} is larger than maximum batch size {self.params.max_batch_size}")
        future = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait(_Task(servable, arrays, rows, future))
        except asyncio.QueueFull:
            raise OverflowError("The batch scheduling queue is full") from None
        return await future

    async def _loop(self) -> None:
        while True:
            first = await self._queue.get()
            tasks = [first]
            rows = first.rows
            deadline = asyncio.get_running_loop().time() + self.params.batch_timeout_micros / 1e6
            while rows < self.params.max_batch_size:
                timeout = deadline - asyncio.get_running_loop().time()
                try:
                    task = self._queue.get_nowait() if timeout <= 0 else await asyncio.wait_for(self._queue.get(), timeout)
                except (asyncio.QueueEmpty, asyncio.TimeoutError):
                    break
                tasks.append(task)
                rows += task.rows
            await self._run_groups(tasks)

    async def _run_groups(self, tasks: list) -> None:
        # Only requests for the same version with the same per-row shapes merge; the rows of a
        # merged batch never exceed max_batch_size (a task that does not fit waits for the next).
        groups: dict = {}
        for t in tasks:
            key = (id(t.servable), tuple(a.shape[1:] for a in t.arrays))
            groups.setdefault(key, []).append(t)
        for group in groups.values():
            batch, size = [], 0
            for t in group:
                if size + t.rows > self.params.max_batch_size and batch:
                    await self._run_batch(batch)
                    batch, size = [], 0
                batch.append(t)
                size += t.rows
            await self._run_batch(batch)

    async def _run_batch(self, batch: list) -> None:
        servable = batch[0].servable
        merged = [np.concatenate(parts) for parts in zip(*(t.arrays for t in batch))]
        try:
            start = time.perf_counter()
            outputs = await self._run(lambda: servable.predict(merged))
            log.debug("batch of %d request(s): %.0f us", len(batch), (time.perf_counter() - start) * 1e6)
        except Exception as e:
            if len(batch) > 1:  # one request's failure must not fail the others: run each alone
                for t in batch:
                    await self._run_batch([t])
            elif not batch[0].future.done():
                batch[0].future.set_exception(e)
            return
        start = 0
        for t in batch:
            if not t.future.done():
                t.future.set_result([o[start:start + t.rows] for o in outputs])
            start += t.rows
