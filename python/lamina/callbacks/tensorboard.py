"""TensorBoard: Keras' callback, writing the same runs and tags without TensorFlow (tensorboardX)."""

from __future__ import annotations

import os
import socket
import time
import warnings

import numpy as np

from lamina.callbacks._event_writer import EventWriter, import_tensorboardx
from lamina.callbacks.callback import Callback

TRAIN, VALIDATION, SESSION = "train", "validation", ""


class TensorBoard(Callback):
    """Writes logs for TensorBoard: the same run folders, tags and steps as Keras' callback.

    Under `log_dir`, the `train` run gets `epoch_loss`, `epoch_<metric>`, `epoch_learning_rate`
    (and `epoch_steps_per_second`) at each epoch (step = epoch index), `batch_<metric>` every
    `update_freq` batches (step = the global batch count, from 1), weight histograms
    `<model>/<layer>/<weight>/histogram` (and images) every `histogram_freq` epochs, and the
    model graph; the `validation` run gets the validation `epoch_<metric>` and
    `evaluation_<metric>_vs_iterations` (step = optimizer iterations) after every evaluation.
    Events are written by a background thread.

    Unlike Keras on TensorFlow, epoch-level and evaluation summaries are written whatever
    `update_freq` is (Keras drops those that fall on a batch count that is not a multiple of
    an integer `update_freq`).

    Args:
        log_dir: the folder to write into (one sub-folder per run).
        histogram_freq: every how many epochs to write weight histograms (0: never).
        write_graph: write the model's JSON config (tag `keras`, as Keras does: TensorBoard's
            "conceptual graph") and its layer graph as a GraphDef (the op graph of the Graphs
            tab, one node per layer call, which Keras 3 does not write).
        write_images: with histograms, also write each weight as an image.
        write_steps_per_second: also write training steps per second (epoch and batch level).
        update_freq: "epoch", "batch" (= 1) or an integer N: batch-level scalars every N batches.
        profile_batch: a batch number or a pair (start, stop) of global batch numbers (from 1)
            whose engine calls are timed; each range is written as a Chrome trace JSON file under
            `log_dir/train/plugins/profile/` and as a per-op table in TensorBoard's Text tab.
            0 disables profiling. The timings are taken where Python calls the engine (each
            `lamina._core` function, so `gradient` is one span for the whole backward pass);
            an engine-side hook with per-kernel timings is still to come.
        embeddings_freq: every how many epochs to save the weights for the embedding projector
            (`train/keras_embedding.ckpt-<epoch>.weights.h5`, as Keras).
        embeddings_metadata: a file name, or a dict from Embedding layer names to file names,
            written into `projector_config.pbtxt`.
        hparams: optional dict of hyperparameters (str, bool, int or float values), written as
            the HParams session of this log_dir, so TensorBoard's HParams tab shows them beside
            the `train` and `validation` scalars of the same run. Give each trial its own
            log_dir and point TensorBoard at the folder above them.
    """

    _chief_only = True  # under data parallelism only rank 0 writes the event files

    def __init__(self, log_dir="logs", histogram_freq: int = 0, write_graph: bool = True, write_images: bool = False,
                 write_steps_per_second: bool = False, update_freq="epoch", profile_batch=0, embeddings_freq: int = 0,
                 embeddings_metadata=None, hparams: dict | None = None):
        super().__init__()
        import_tensorboardx()  # fail here, with what to install, rather than at the first epoch
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        if update_freq != "epoch" and update_freq != "batch" and not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive integer, got {update_freq!r}")
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self.hparams = _check_hparams(hparams)
        self._start_batch, self._stop_batch = _profile_range(profile_batch)
        self._writer = None
        self._trace = None
        self._batch_mark = 0.0
        self._training = False
        self._global_train_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0

    # ---- writer lifetime -----------------------------------------------------------------------
    def set_model(self, model) -> None:
        super().set_model(model)
        if self._writer is None:
            self._writer = EventWriter(self.log_dir)
            if self.write_graph:
                self._write_graph()
            if self.embeddings_freq:
                self._write_projector_config()

    def _close(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()

    def on_train_begin(self, logs=None):
        self._training = True
        self._global_train_batch = 0
        if self.hparams:
            self._write_hparams_session_start()

    def on_train_end(self, logs=None):
        self._training = False
        if self._trace is not None:
            self._stop_trace()
        if self.hparams:
            self._write_hparams_session_end()
        self._close()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and logs:
            step = _iterations(optimizer)
            for name, value in logs.items():
                self._scalar(VALIDATION, f"evaluation_{name}_vs_iterations", value, step)
        if not self._training:
            self._close()  # a standalone evaluate ends here: its events go to disk now

    # ---- batches ---------------------------------------------------------------------------------
    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.perf_counter()
        if self._global_train_batch == self._start_batch:
            self._start_trace()
        if self._trace is not None:
            self._batch_mark = self._trace.now_us()

    def on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.update_freq != "epoch" and step % self.update_freq == 0:
            if self.write_steps_per_second:
                self._writer.scalar(TRAIN, "batch_steps_per_second",
                                    1.0 / max(time.perf_counter() - self._batch_start_time, 1e-9), step)
            if isinstance(logs, dict):
                for name, value in logs.items():
                    self._scalar(TRAIN, f"batch_{name}", value, step)
        if self._trace is not None:
            self._trace.mark(f"train batch {step}", self._batch_mark, self._trace.now_us())
            if step >= self._stop_batch:
                self._stop_trace()

    # ---- epochs ----------------------------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start_iterations = _iterations(self.model.optimizer)
            self._epoch_start_time = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        train["learning_rate"] = float(self.model.optimizer.learning_rate)
        if self.write_steps_per_second:
            done = _iterations(self.model.optimizer) - self._epoch_start_iterations
            train["steps_per_second"] = done / max(time.perf_counter() - self._epoch_start_time, 1e-9)
        for name, value in train.items():
            self._scalar(TRAIN, f"epoch_{name}", value, epoch)
        for name, value in logs.items():
            if name.startswith("val_"):
                self._scalar(VALIDATION, f"epoch_{name[4:]}", value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self.model.save_weights(os.path.join(self.log_dir, TRAIN, f"keras_embedding.ckpt-{epoch}.weights.h5"))

    def _scalar(self, run: str, tag: str, value, step: int) -> None:
        if np.ndim(value) == 0:  # per-threshold metrics (arrays) have no scalar curve
            self._writer.scalar(run, tag, value, step)

    # ---- weights ---------------------------------------------------------------------------------
    def _write_weights(self, epoch: int) -> None:
        prefix = self.model.name
        for layer in self.model.layers:
            for weight in layer.weights:
                path = weight.path.replace(":", "_")
                name = path if path.startswith(prefix + "/") else f"{prefix}/{path}"
                values = np.array(weight)  # a copy: the writer thread reads it after training goes on
                self._writer.histogram(TRAIN, f"{name}/histogram", values, epoch)
                if self.write_images:
                    image = _weight_as_image(values)
                    if image is not None:
                        self._writer.image(TRAIN, f"{name}/image", image, epoch)

    # ---- graph, projector, hparams ---------------------------------------------------------------
    def _write_graph(self) -> None:
        from lamina.callbacks._tensorboard_graph import keras_model_summary, layer_graph_def

        try:
            graph_def = layer_graph_def(self.model)
        except Exception as e:  # a model that cannot be walked must not stop the training
            warnings.warn(f"TensorBoard: could not describe the layers of model '{self.model.name}' as a graph: {e}")
            return
        self._writer.graph(TRAIN, graph_def)
        summary = keras_model_summary(self.model)
        if summary is not None:
            self._writer.summary(TRAIN, summary, 0)

    def _write_projector_config(self) -> None:
        from lamina.callbacks._tensorboard_graph import projector_config

        text = projector_config(self.model, self.embeddings_metadata)
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as f:
            f.write(text)

    def _write_hparams_session_start(self) -> None:
        from tensorboardX.summary import hparams as hparams_summaries

        _, start, _ = hparams_summaries(self.hparams, {})
        self._writer.summary(SESSION, start, 0)

    def _write_hparams_session_end(self) -> None:
        from tensorboardX.summary import hparams as hparams_summaries

        _, _, end = hparams_summaries(self.hparams, {})
        self._writer.summary(SESSION, end, 0)

    # ---- profiling -------------------------------------------------------------------------------
    def _start_trace(self) -> None:
        from lamina._op_trace import OpTrace

        self._trace = OpTrace()
        self._trace.start()

    def _stop_trace(self) -> None:
        from lamina._op_trace import op_totals, write_chrome_trace

        events = self._trace.stop()
        self._trace = None
        stamp = time.strftime("%Y_%m_%d_%H_%M_%S")
        path = os.path.join(self.log_dir, TRAIN, "plugins", "profile", stamp,
                            f"{socket.gethostname()}.batches_{self._start_batch}_{self._stop_batch}.trace.json")
        write_chrome_trace(events, path)
        rows = "\n".join(f"| {op} | {calls} | {us:.1f} | {nbytes} |" for op, calls, us, nbytes in op_totals(events))
        text = (f"Engine calls of batches {self._start_batch} to {self._stop_batch}; Chrome trace: `{path}`\n\n"
                f"| op | calls | total us | result bytes |\n| --- | --- | --- | --- |\n{rows}")
        tbx = import_tensorboardx()
        self._writer.summary(TRAIN, tbx.summary.text(f"profile/batches_{self._start_batch}_{self._stop_batch}", text),
                             self._stop_batch)


def _iterations(optimizer) -> int:
    return int(np.asarray(optimizer.iterations))


def _weight_as_image(w: np.ndarray):
    """A weight as Keras shows it: [1, n, 1, 1] for a vector, [1, h, w, 1] for a matrix (wide
    side across), one image per output channel for a 3-D kernel, a 4-D weight as it is when its
    last axis can be colour channels; None for shapes it cannot show.
    Values are clipped to [0, 1] and scaled as tf.summary.image does for floats."""
    w = np.floor(np.clip(np.squeeze(w), 0.0, 1.0) * 255.5).astype(np.uint8)
    if w.ndim == 1:
        return w.reshape(1, w.shape[0], 1, 1)
    if w.ndim == 2:
        if w.shape[0] > w.shape[1]:
            w = w.T
        return w.reshape(1, w.shape[0], w.shape[1], 1)
    if w.ndim == 3:
        w = np.transpose(w, (2, 0, 1))  # channels_last: one image per output channel
        return w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
    return w if w.ndim == 4 and w.shape[-1] in (1, 3, 4) else None


def _profile_range(profile_batch) -> tuple:
    message = ("profile_batch must be a non-negative integer or 2-tuple of positive integers (a range of batches "
               f"to profile), got {profile_batch!r}")
    if isinstance(profile_batch, str):
        try:
            profile_batch = [int(p) for p in profile_batch.split(",")]
        except ValueError:
            raise ValueError(message) from None
    if isinstance(profile_batch, int) and not isinstance(profile_batch, bool):
        start = stop = profile_batch
    elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
        start, stop = (int(p) for p in profile_batch)
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


def _check_hparams(hparams):
    if hparams is None:
        return None
    if not isinstance(hparams, dict):
        raise TypeError(f"TensorBoard: hparams must be a dict of name -> value, got {type(hparams).__name__}")
    for name, value in hparams.items():
        if not isinstance(value, (bool, int, float, str)):
            raise TypeError(f"TensorBoard: hyperparameter {name!r} must be a bool, int, float or str, got {value!r}")
    return dict(hparams)
