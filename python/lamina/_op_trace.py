"""Per-op timings of engine calls, at the one place every op passes: the `lamina._core` functions.

While a trace is on, every function of `lamina._core` (and every alias of one in a `lamina.*`
module, such as `lamina.ops.reshape`) is swapped for a timing wrapper; `stop()` puts the
originals back. Nothing is wrapped, so nothing is paid, while no trace is on. Operators on
tensors (`a + b`) are methods of the engine's Tensor type, which cannot be swapped from Python,
so they are not seen.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
import types

from lamina import _core

_ITEMSIZE = {"bool": 1, "int8": 1, "uint8": 1, "int16": 2, "float16": 2, "bfloat16": 2, "int32": 4, "float32": 4,
             "int64": 8, "float64": 8}


def _result_bytes_and_device(result):
    tensors = result if isinstance(result, (list, tuple)) else (result,)
    nbytes, device = 0, None
    for t in tensors:
        if isinstance(t, _core.Tensor):
            nbytes += t.size * _ITEMSIZE.get(str(t.dtype), 4)
            device = device or str(t.device)
    return nbytes, device


_BATCH_TRACK = 0  # the track (tid) of batch spans; op events use their thread's id


class OpTrace:
    """Records one event per engine call between `start()` and `stop()`.

    Each event: op name, device of the result, start and duration (microseconds), bytes of the
    result tensors, and the thread. `mark(name)` adds a span (a batch) on its own track.
    """

    _active = None  # at most one trace at a time: the wrappers are process-wide

    def __init__(self):
        self.events: list = []
        self._swapped: list = []
        self._origin = 0.0

    def start(self) -> None:
        if OpTrace._active is not None:
            raise RuntimeError("an op trace is already running (the TensorBoard profiler traces one range at a time)")
        OpTrace._active = self
        self._origin = time.perf_counter()
        originals = {id(f): (name, f) for name, f in vars(_core).items() if isinstance(f, types.BuiltinFunctionType)}
        wrappers = {key: self._wrap(name, f) for key, (name, f) in originals.items()}
        modules = [m for n, m in list(sys.modules.items()) if (n == "lamina" or n.startswith("lamina.")) and m]
        for module in modules:
            for attr, value in list(vars(module).items()):
                if id(value) in wrappers and originals[id(value)][1] is value:
                    self._swapped.append((module, attr, value))
                    setattr(module, attr, wrappers[id(value)])

    def stop(self) -> list:
        """Restores the engine functions; returns the events."""
        for module, attr, value in self._swapped:
            setattr(module, attr, value)
        self._swapped.clear()
        OpTrace._active = None
        return self.events

    def now_us(self) -> float:
        """Microseconds since start(), the clock of the events."""
        return (time.perf_counter() - self._origin) * 1e6

    def mark(self, name: str, start_us: float, end_us: float) -> None:
        self.events.append({"name": name, "cat": "batch", "ph": "X", "ts": start_us, "dur": end_us - start_us,
                            "pid": os.getpid(), "tid": _BATCH_TRACK, "args": {}})

    def _wrap(self, name, function):
        events, now = self.events, self.now_us

        @functools.wraps(function)
        def timed(*args, **kwargs):
            begin = now()
            result = function(*args, **kwargs)
            end = now()
            nbytes, device = _result_bytes_and_device(result)
            events.append({"name": name, "cat": "op", "ph": "X", "ts": begin, "dur": end - begin, "pid": os.getpid(),
                           "tid": threading.get_ident(), "args": {"device": device or "", "bytes": nbytes}})
            return result

        return timed


def write_chrome_trace(events: list, path: str) -> None:
    """Writes `events` as a Chrome trace (chrome://tracing, ui.perfetto.dev) JSON file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    track_name = {"name": "thread_name", "ph": "M", "pid": os.getpid(), "tid": _BATCH_TRACK, "args": {"name": "batches"}}
    with open(path, "w") as f:
        json.dump({"traceEvents": [track_name, *events], "displayTimeUnit": "ms"}, f)


def op_totals(events: list) -> list:
    """[(op, calls, total microseconds, bytes)] over the op events, most time first."""
    totals: dict = {}
    for e in events:
        if e["cat"] == "op":
            calls, us, nbytes = totals.get(e["name"], (0, 0.0, 0))
            totals[e["name"]] = (calls + 1, us + e["dur"], nbytes + e["args"]["bytes"])
    return sorted(((op, *v) for op, v in totals.items()), key=lambda row: -row[2])
