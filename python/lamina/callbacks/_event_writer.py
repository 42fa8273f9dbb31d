"""Event files written by a background thread, so that training never waits on disk or protobuf.

The training thread only appends small records (kind, run, tag, value, step, time) to a list,
handed to the writer thread in chunks (64 records, or after a second, or before anything that
is not a scalar) so that batch-level scalars wake it rarely. That daemon thread builds the
summaries with tensorboardX and writes them with its synchronous EventsWriter, one event file
per run folder (tensorboardX's SummaryWriter would add its own thread and a bounded
multiprocessing queue, which costs about twice the CPU per scalar).
"""

from __future__ import annotations

import functools
import itertools
import os
import queue
import threading
import time

_file_numbers = itertools.count()
_CHUNK, _MAX_DELAY_S = 64, 1.0
_INSTALL_HINT = ("lamina.callbacks.TensorBoard writes event files with tensorboardX, which is not installed: "
                 "pip install 'lamina[tensorboard]' (or pip install tensorboardX)")


def import_tensorboardx():
    """The tensorboardX module, or an ImportError saying what to install."""
    try:
        import tensorboardX
    except ImportError as e:
        raise ImportError(_INSTALL_HINT) from e
    return tensorboardX


@functools.lru_cache(maxsize=1)
def _tensorflow_bins() -> list:
    """TensorFlow's histogram bucket edges: +-1e-12 growing by 10% up to 1e20, and 0."""
    edges = []
    edge = 1e-12
    while edge < 1e20:
        edges.append(edge)
        edge *= 1.1
    return [-e for e in reversed(edges)] + [0.0] + edges


class EventWriter:
    """Writes summaries into `log_dir/<run>` on a background thread.

    Args:
        log_dir: the folder holding one sub-folder per run ("train", "validation", or "").
    """

    def __init__(self, log_dir: str):
        self._tbx = import_tensorboardx()
        self.log_dir = log_dir
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pending: list = []
        self._sent_at = time.monotonic()
        self._writers: dict = {}
        self._error = None
        self._thread = threading.Thread(target=self._work, name="lamina-tensorboard-writer", daemon=True)
        self._thread.start()

    # ---- called on the training thread --------------------------------------------------------
    def _put(self, record: tuple) -> None:
        self._pending.append(record)
        if record[0] != "scalar" or len(self._pending) >= _CHUNK or time.monotonic() - self._sent_at > _MAX_DELAY_S:
            self._send()

    def _send(self) -> None:
        if self._pending:
            self._queue.put(self._pending)
            self._pending = []
        self._sent_at = time.monotonic()

    def scalar(self, run: str, tag: str, value, step: int) -> None:
        self._put(("scalar", run, tag, value, step, time.time()))

    def histogram(self, run: str, tag: str, values, step: int) -> None:
        self._put(("histogram", run, tag, values, step, time.time()))

    def image(self, run: str, tag: str, images, step: int) -> None:
        """`images`: a uint8 array [n, height, width, channels]."""
        self._put(("image", run, tag, images, step, time.time()))

    def summary(self, run: str, summary, step: int) -> None:
        """A ready tensorboardX/TensorBoard Summary proto (hparams, the Keras model JSON)."""
        self._put(("summary", run, None, summary, step, time.time()))

    def graph(self, run: str, graph_def) -> None:
        self._put(("graph", run, None, graph_def, 0, time.time()))

    def flush(self) -> None:
        """Waits until everything written so far is on disk."""
        self._control("flush")
        self._raise_pending()

    def close(self) -> None:
        """Flushes, closes every event file and ends the thread."""
        self._control("close")
        self._thread.join()
        self._raise_pending()

    def _control(self, kind: str) -> None:
        done = threading.Event()
        self._put((kind, None, None, done, 0, 0.0))
        done.wait()

    def _raise_pending(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise RuntimeError(f"TensorBoard: writing events under {self.log_dir} failed: {error!r}") from error

    # ---- the writer thread -------------------------------------------------------------------
    def _writer(self, run: str):
        writer = self._writers.get(run)
        if writer is None:
            from tensorboardX.event_file_writer import EventsWriter

            folder = os.path.join(self.log_dir, run) if run else self.log_dir
            os.makedirs(folder, exist_ok=True)
            # tensorboardX names files by the second and the host: a suffix keeps two writers
            # of one folder within a second (fit then evaluate, two train calls) apart.
            writer = EventsWriter(os.path.join(folder, "events"), f".{os.getpid()}.{next(_file_numbers)}")
            self._writers[run] = writer
        return writer

    def _work(self) -> None:
        while True:
            if self._queue.empty():  # idle: what is written so far becomes visible to TensorBoard
                for writer in self._writers.values():
                    writer.flush()
            for kind, run, tag, value, step, walltime in self._queue.get():
                if kind in ("flush", "close"):
                    for writer in self._writers.values():
                        (writer.flush if kind == "flush" else writer.close)()
                    value.set()
                    if kind == "close":
                        return
                    continue
                try:
                    self._write(kind, run, tag, value, step, walltime)
                except Exception as e:  # a failed write must not stop the training; flush() reports it
                    self._error = self._error or e

    def _write(self, kind, run, tag, value, step, walltime) -> None:
        summaries, event_pb2 = self._tbx.summary, self._tbx.proto.event_pb2
        if kind == "graph":
            event = event_pb2.Event(graph_def=value.SerializeToString())
        else:
            if kind == "scalar":
                value = summaries.scalar(tag, float(value))
            elif kind == "histogram":
                value = summaries.histogram(tag, value, _tensorflow_bins())
            elif kind == "image":
                value = summaries.image(tag, value, dataformats="NHWC")
            event = event_pb2.Event(summary=value, step=int(step))
        event.wall_time = walltime
        self._writer(run).write_event(event)
