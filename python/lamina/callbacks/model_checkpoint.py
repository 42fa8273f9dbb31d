"""ModelCheckpoint: saves the model (`.keras`) or its weights (`.weights.h5`) during training.

Files go through lamina.saving, which writes a temporary file beside the target and renames it,
so an interrupted save never leaves a truncated checkpoint.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from lamina.callbacks._monitor import check_mode
from lamina.callbacks.callback import Callback


class ModelCheckpoint(Callback):
    """Save the model or its weights at some frequency.

    Args:
        filepath: where to save; may hold format fields filled from the epoch (1-based) and the
            logs, e.g. `"ckpt-{epoch:02d}-{val_loss:.2f}.keras"`. Must end in `.keras`, or in
            `.weights.h5` when `save_weights_only=True`.
        monitor: the log key compared when `save_best_only=True`.
        verbose: 1 prints a message each time the callback saves (or decides not to).
        save_best_only: only save when the monitored value improves on the best seen.
        save_weights_only: save only the weights (`model.save_weights`) instead of the model.
        mode: "min", "max" or "auto" ("max" for keys containing "acc", else "min").
        save_freq: "epoch", or an integer number of batches between saves.
        initial_value_threshold: the best value to beat at the start (save_best_only).
    """

    _chief_only = True  # under data parallelism only rank 0 runs it

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.monitor = monitor
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.best = initial_value_threshold
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        mode = check_mode(mode, "ModelCheckpoint")
        if mode == "auto":
            mode = "max" if "acc" in self.monitor or self.monitor.startswith("fmeasure") else "min"
        if mode == "min":
            self.monitor_op = np.less
            if self.best is None:
                self.best = np.inf
        else:
            self.monitor_op = np.greater
            if self.best is None:
                self.best = -np.inf
        if save_freq != "epoch" and not (isinstance(save_freq, int) and not isinstance(save_freq, bool)):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or integer values")
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in "
                    f"`.weights.h5` (Keras weights format). Received: filepath={self.filepath}"
                )
        elif not self.filepath.endswith(".keras"):
            raise ValueError(
                f"The filepath provided must end in `.keras` (Keras model format). Received: filepath={self.filepath}"
            )

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch) -> bool:
        if self.save_freq == "epoch":
            return False
        # A batch index at or below the last one seen means a new epoch started.
        added = batch + 1 if batch <= self._last_batch_seen else batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self, epoch, batch, logs) -> None:
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IOError(
                "Please specify a non-directory filepath for ModelCheckpoint. "
                f"Filepath used is an existing directory: {filepath}"
            )
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.", stacklevel=2)
                return
            if np.ndim(current) > 0:
                warnings.warn(
                    f"Can save best model only when `monitor` is a scalar value. Received: {current}. Skipping.",
                    stacklevel=2,
                )
                return
            if not self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving model to {filepath}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _get_file_path(self, epoch, batch, logs) -> str:
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}') from e
