"""ProgbarLogger: a tqdm bar per epoch with live metrics (verbose=1), or one line per epoch
(verbose=2)."""

from __future__ import annotations

import sys
import time

from lamina.callbacks.callback import Callback


def _format(logs: dict) -> str:
    return " - ".join(f"{k}: {v:.4f}" if isinstance(v, float) else f"{k}: {v}" for k, v in logs.items())


class ProgbarLogger(Callback):
    _chief_only = True  # under data parallelism only rank 0 shows progress

    def __init__(self, mode: str = "train"):
        super().__init__()
        self.mode = mode
        self._bar = None
        self._start = 0.0
        self._steps_done = 0

    def _open(self, total, desc):
        verbose = self.params.get("verbose", 1)
        self._start = time.perf_counter()
        self._steps_done = 0
        if verbose == 1:
            from tqdm.auto import tqdm

            # In evaluate/predict the bar only appears when the loop is slow enough to need it.
            delay = 0.0 if self.mode == "train" else 1.0
            self._bar = tqdm(total=total, desc=desc, unit="step", file=sys.stdout, leave=True, delay=delay,
                             dynamic_ncols=True, mininterval=0.1)

    def _advance(self, logs):
        self._steps_done += 1
        if self._bar is not None:
            self._bar.update(1)
            if logs:
                self._bar.set_postfix_str(_format(logs), refresh=False)

    def _close(self, logs, prefix=""):
        verbose = self.params.get("verbose", 1)
        elapsed = time.perf_counter() - self._start
        per_step = elapsed / max(self._steps_done, 1)
        if self._bar is not None:
            if logs:
                self._bar.set_postfix_str(_format(logs) + f" - {per_step * 1e3:.1f}ms/step", refresh=False)
            self._bar.close()
            self._bar = None
        elif verbose == 2 and self.mode == "train":
            print(f"{prefix}{self._steps_done}/{self._steps_done} - {elapsed:.1f}s - {per_step * 1e3:.1f}ms/step - {_format(logs)}", flush=True)

    def on_epoch_begin(self, epoch, logs=None):
        epochs = self.params.get("epochs", 1)
        self._epoch = epoch
        self._open(self.params.get("steps"), f"Epoch {epoch + 1}/{epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._advance(logs)

    def on_epoch_end(self, epoch, logs=None):
        self._close(logs or {}, prefix=f"Epoch {epoch + 1}/{self.params.get('epochs', 1)}: ")

    def on_test_begin(self, logs=None):
        if self.mode == "test":
            self._open(self.params.get("steps"), "Evaluate")

    def on_test_batch_end(self, batch, logs=None):
        if self.mode == "test":
            self._advance(logs)

    def on_test_end(self, logs=None):
        if self.mode == "test":
            self._close(logs or {})

    def on_predict_begin(self, logs=None):
        self._open(self.params.get("steps"), "Predict")

    def on_predict_batch_end(self, batch, logs=None):
        self._advance(None)

    def on_predict_end(self, logs=None):
        self._close({})
