"""TensorBoard summaries in model_dir, as TensorFlow's Estimators wrote them.

Training writes `loss` at the first step of each `train` call and then every
`save_summary_steps` steps, and `global_step/sec` every `log_step_count_steps` steps (from the
second trigger of a call on, as TF's StepCounterHook); evaluation writes each metric (not
`global_step`) into `eval` or `eval_<name>` at the global step. tensorboardX writes them; without
it, estimators train as before and say once how to get the summaries.
"""

from __future__ import annotations

import time
import warnings

_warned_missing = False


def _event_writer(model_dir):
    global _warned_missing
    if model_dir is None:
        return None
    from lamina.callbacks._event_writer import EventWriter

    try:
        return EventWriter(model_dir)
    except ImportError:
        if not _warned_missing:
            _warned_missing = True
            warnings.warn("Estimator summaries for TensorBoard (loss, global_step/sec, evaluation metrics) need "
                          "tensorboardX: pip install 'lamina[tensorboard]'", stacklevel=4)
        return None


class TrainSummaries:
    """The summaries of one `train` call (TF's SummarySaverHook and StepCounterHook).

    Args:
        model_dir: the estimator's folder (None: nothing is written).
        save_summary_steps: every how many steps `loss` is written (None or 0: never).
        log_step_count_steps: every how many steps `global_step/sec` is written (None or 0: never).
    """

    def __init__(self, model_dir, save_summary_steps, log_step_count_steps):
        self._every_loss, self._every_rate = save_summary_steps or 0, log_step_count_steps or 0
        self._writer = _event_writer(model_dir) if (self._every_loss or self._every_rate) else None
        self._last_loss_step = None
        self._last_rate = None  # (global step, time) of the last step-counter trigger

    def after_step(self, global_step: int, loss: float) -> None:
        if self._writer is None:
            return
        if self._every_loss and (self._last_loss_step is None or global_step >= self._last_loss_step + self._every_loss):
            self._last_loss_step = global_step
            self._writer.scalar("", "loss", loss, global_step)
        if self._every_rate and (self._last_rate is None or global_step >= self._last_rate[0] + self._every_rate):
            now = time.perf_counter()
            if self._last_rate is not None:
                steps, seconds = global_step - self._last_rate[0], now - self._last_rate[1]
                self._writer.scalar("", "global_step/sec", steps / max(seconds, 1e-9), global_step)
            self._last_rate = (global_step, now)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def write_evaluation(model_dir, name, metrics: dict) -> None:
    """Writes an evaluation's metrics into model_dir/eval (or eval_<name>) at its global step."""
    writer = _event_writer(model_dir)
    if writer is None:
        return
    step = int(metrics["global_step"])
    run = "eval" if not name else f"eval_{name}"
    for key, value in metrics.items():
        if key != "global_step":
            writer.scalar(run, key, value, step)
    writer.close()
