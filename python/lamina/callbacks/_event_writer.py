"""Event files written by a background thread, so that training never waits on disk or protobuf.

The training thread only puts small records (run, kind, tag, value, step) on a queue; one
daemon thread turns them into tensorboardX calls, one tensorboardX SummaryWriter per run folder.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time

_file_numbers = itertools.count()
_INSTALL_HINT = ("lamina.callbacks.TensorBoard writes event files with tensorboardX, which is not installed: "
                 "pip install 'lamina[tensorboard]' (or pip install tensorboardX)")


def import_tensorboardx():
    """The tensorboardX module, or an ImportError saying what to install."""
    try:
        import tensorboardX
    except ImportError as e:
        raise ImportError(_INSTALL_HINT) from e
    return tensorboardX


class EventWriter:
    """Writes summaries into `log_dir/<run>` on a background thread.

    Args:
        log_dir: the folder holding one sub-folder per run ("train", "validation", or "").
    """

    def __init__(self, log_dir: str):
        self._tbx = import_tensorboardx()
        self.log_dir = log_dir
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._writers: dict = {}
        self._error = None
        self._thread = threading.Thread(target=self._work, name="lamina-tensorboard-writer", daemon=True)
        self._thread.start()

    # ---- called on the training thread: each is one queue.put -------------------------------
    def scalar(self, run: str, tag: str, value, step: int) -> None:
        self._queue.put(("scalar", run, tag, value, step, time.time()))

    def histogram(self, run: str, tag: str, values, step: int) -> None:
        self._queue.put(("histogram", run, tag, values, step, time.time()))

    def image(self, run: str, tag: str, images, step: int) -> None:
        """`images`: a float array [n, height, width, 1] (Keras' layout for weights as images)."""
        self._queue.put(("image", run, tag, images, step, time.time()))

    def summary(self, run: str, summary, step: int) -> None:
        """A ready tensorboardX/TensorBoard Summary proto (hparams, the Keras model JSON)."""
        self._queue.put(("summary", run, None, summary, step, time.time()))

    def graph(self, run: str, graph_def) -> None:
        self._queue.put(("graph", run, None, graph_def, 0, time.time()))

    def flush(self) -> None:
        """Waits until everything queued so far is on disk."""
        done = threading.Event()
        self._queue.put(("flush", None, None, done, 0, 0.0))
        done.wait()
        self._raise_pending()

    def close(self) -> None:
        """Flushes, closes every event file and ends the thread."""
        done = threading.Event()
        self._queue.put(("close", None, None, done, 0, 0.0))
        done.wait()
        self._thread.join()
        self._raise_pending()

    def _raise_pending(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise RuntimeError(f"TensorBoard: writing events under {self.log_dir} failed: {error!r}") from error

    # ---- the writer thread -------------------------------------------------------------------
    def _writer(self, run: str):
        writer = self._writers.get(run)
        if writer is None:
            # tensorboardX names files by the second and the host: a suffix keeps two writers
            # of one folder within a second (fit then evaluate, two train calls) apart.
            writer = self._tbx.SummaryWriter(os.path.join(self.log_dir, run) if run else self.log_dir,
                                             flush_secs=30, filename_suffix=f".{os.getpid()}.{next(_file_numbers)}")
            self._writers[run] = writer
        return writer

    def _work(self) -> None:
        while True:
            kind, run, tag, value, step, walltime = self._queue.get()
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
        writer = self._writer(run)
        if kind == "scalar":
            writer.add_scalar(tag, float(value), step, walltime=walltime)
        elif kind == "histogram":
            writer.add_histogram(tag, value, step, walltime=walltime)
        elif kind == "image":
            writer.add_images(tag, value, step, walltime=walltime, dataformats="NHWC")
        elif kind == "summary":
            writer._get_file_writer().add_summary(value, step, walltime=walltime)
        elif kind == "graph":
            event = self._tbx.proto.event_pb2.Event(graph_def=value.SerializeToString(), wall_time=walltime)
            writer._get_file_writer().add_event(event)
