"""`train_and_evaluate` with TrainSpec/EvalSpec, and the Exporters it runs after evaluations.

Locally (no cluster), as TF's local run: train until the next evaluation is due, evaluate on
the latest checkpoint, run the exporters, repeat until `max_steps`; then one final evaluation
(when the last one was not at max_steps) and export. An evaluation is due every
`RunConfig.save_checkpoints_steps` steps (TF: at each new checkpoint), and never sooner than
`throttle_secs` after the previous one; `start_delay_secs` only delays distributed evaluators,
so a local run ignores it as TF does.
"""

from __future__ import annotations

import collections
import os
import shutil
import time

import numpy as np

from lamina.estimators import checkpoints

_TRAIN_SPEC = collections.namedtuple("TrainSpec", ["input_fn", "max_steps", "hooks", "saving_listeners"])
_EVAL_SPEC = collections.namedtuple("EvalSpec", ["input_fn", "steps", "name", "hooks", "exporters",
                                                 "start_delay_secs", "throttle_secs"])


class TrainSpec(_TRAIN_SPEC):
    """What train_and_evaluate trains: input_fn, max_steps (None: until the input ends), hooks."""

    def __new__(cls, input_fn, max_steps=None, hooks=None, saving_listeners=None):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn!r}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        return super().__new__(cls, input_fn, max_steps, tuple(hooks or ()), tuple(saving_listeners or ()))


class EvalSpec(_EVAL_SPEC):
    """What train_and_evaluate evaluates: input_fn, steps (None: all of it), name, hooks,
    exporters (run after each evaluation), start_delay_secs and throttle_secs."""

    def __new__(cls, input_fn, steps=100, name=None, hooks=None, exporters=None, start_delay_secs=120,
                throttle_secs=600):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn!r}")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if start_delay_secs < 0:
            raise ValueError(f"Must specify start_delay_secs >= 0, given: {start_delay_secs}")
        if throttle_secs < 0:
            raise ValueError(f"Must specify throttle_secs >= 0, given: {throttle_secs}")
        exporters = () if exporters is None else (tuple(exporters) if isinstance(exporters, (list, tuple))
                                                  else (exporters,))
        names = [e.name for e in exporters]
        if len(set(names)) != len(names):
            raise ValueError(f"`exporters` must have unique names, given: {names}")
        return super().__new__(cls, input_fn, steps, name, tuple(hooks or ()), exporters, start_delay_secs,
                               throttle_secs)


def train_and_evaluate(estimator, train_spec: TrainSpec, eval_spec: EvalSpec):
    """Trains, evaluating (and exporting) every checkpoint interval, as tf.estimator.train_and_evaluate.

    Returns:
        (the last evaluation's metrics, the exporters' results of that evaluation).
    """
    if not isinstance(train_spec, TrainSpec):
        raise TypeError(f"`train_spec` must have type `tf.estimator.TrainSpec`. Got: {type(train_spec)}")
    if not isinstance(eval_spec, EvalSpec):
        raise TypeError(f"`eval_spec` must have type `tf.estimator.EvalSpec`. Got: {type(eval_spec)}")
    config = estimator.__dict__.get("config")
    every = getattr(config, "save_checkpoints_steps", None) or None
    max_steps = train_spec.max_steps
    metrics, exported, last_eval_time, last_eval_step = None, [], None, None

    def step_now():
        latest = estimator.latest_checkpoint()
        return 0 if latest is None else checkpoints.step_of(latest)

    while True:
        start = step_now()
        if max_steps is not None and start >= max_steps:
            break
        steps_to = max_steps if every is None else start + every if max_steps is None else min(start + every,
                                                                                                 max_steps)
        estimator.train(train_spec.input_fn, hooks=list(train_spec.hooks), max_steps=steps_to,
                        saving_listeners=list(train_spec.saving_listeners) or None)
        now, step = time.monotonic(), step_now()
        # Training ends early when its input ends or a hook stops it (early stopping).
        done = every is None or step < steps_to or (max_steps is not None and step >= max_steps)
        if done or last_eval_time is None or now - last_eval_time >= eval_spec.throttle_secs:
            metrics, exported = _evaluate_and_export(estimator, eval_spec, is_final=done)
            last_eval_time, last_eval_step = time.monotonic(), step
        if done:
            break
    if metrics is None or last_eval_step != step_now():
        metrics, exported = _evaluate_and_export(estimator, eval_spec, is_final=True)
    return metrics, exported


def _evaluate_and_export(estimator, eval_spec, is_final):
    metrics = estimator.evaluate(eval_spec.input_fn, steps=eval_spec.steps, hooks=list(eval_spec.hooks) or None,
                                 name=eval_spec.name)
    checkpoint = estimator.latest_checkpoint()
    base = os.path.join(estimator._model_dir(create=False), "export")
    results = [exporter.export(estimator, os.path.join(base, exporter.name), checkpoint, metrics, is_final)
               for exporter in eval_spec.exporters]
    return metrics, results


# ------------------------------------------------------------------------------------------------
class Exporter:
    """Base class: `export(estimator, export_path, checkpoint_path, eval_result, is_the_final_export)`."""

    @property
    def name(self) -> str:
        raise NotImplementedError

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        raise NotImplementedError


class _SavedModelExporter(Exporter):
    def __init__(self, name, serving_input_receiver_fn, assets_extra=None, as_text=False):
        if not name:
            raise ValueError("`name` must be a non-empty string")
        self._name, self._serving_fn = name, serving_input_receiver_fn
        self._assets_extra, self._as_text = assets_extra, as_text

    @property
    def name(self) -> str:
        return self._name

    def _write(self, estimator, export_path, checkpoint_path) -> str:
        # train_and_evaluate exports right after evaluating the latest checkpoint: the model in memory.
        if checkpoint_path is not None and checkpoint_path != estimator.latest_checkpoint():
            raise ValueError(f"{self.name}: lamina exports the latest checkpoint only, not {checkpoint_path}")
        return estimator.export_saved_model(export_path, self._serving_fn, assets_extra=self._assets_extra,
                                            as_text=self._as_text)


def _versions(export_path) -> list:
    if not os.path.isdir(export_path):
        return []
    return sorted((d for d in os.listdir(export_path) if d.isdigit()), key=int)


def _garbage_collect(export_path, keep) -> None:
    if keep is None:
        return
    for old in _versions(export_path)[:-keep]:
        shutil.rmtree(os.path.join(export_path, old), ignore_errors=True)


class FinalExporter(_SavedModelExporter):
    """Exports once, after the final evaluation."""

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        if not is_the_final_export:
            return None
        return self._write(estimator, export_path, checkpoint_path)


class LatestExporter(_SavedModelExporter):
    """Exports after every evaluation, keeping the `exports_to_keep` newest versions."""

    def __init__(self, name, serving_input_receiver_fn, assets_extra=None, as_text=False, exports_to_keep=5):
        super().__init__(name, serving_input_receiver_fn, assets_extra, as_text)
        if exports_to_keep is not None and exports_to_keep <= 0:
            raise ValueError("`exports_to_keep`, if provided, must be a positive number. Got %s" % exports_to_keep)
        self._keep = exports_to_keep

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        path = self._write(estimator, export_path, checkpoint_path)
        _garbage_collect(export_path, self._keep)
        return path


def _loss_smaller(best_eval_result, current_eval_result) -> bool:
    """TF's default compare_fn: the current model is better when its `loss` is smaller."""
    for result in (best_eval_result, current_eval_result):
        if not result or "loss" not in result:
            raise ValueError("best_eval_result and current_eval_result need a 'loss' key to be compared")
    return current_eval_result["loss"] < best_eval_result["loss"]


class BestExporter(_SavedModelExporter):
    """Exports when an evaluation is the best so far (by `compare_fn`, default smaller loss),
    keeping the `exports_to_keep` newest best versions.

    Args:
        name, serving_input_receiver_fn, assets_extra, as_text: as the other exporters.
        event_file_pattern: TF's; the best result of an earlier run is not read back here.
        compare_fn: (best_eval_result, current_eval_result) -> True when current is better.
        exports_to_keep: how many versions to keep (None: all).
    """

    def __init__(self, name="best_exporter", serving_input_receiver_fn=None, event_file_pattern="eval/*.tfevents.*",
                 compare_fn=_loss_smaller, assets_extra=None, as_text=False, exports_to_keep=5):
        super().__init__(name, serving_input_receiver_fn, assets_extra, as_text)
        if not callable(compare_fn):
            raise ValueError("`compare_fn` must be callable")
        if exports_to_keep is not None and exports_to_keep <= 0:
            raise ValueError("`exports_to_keep`, if provided, must be a positive number. Got %s" % exports_to_keep)
        self._compare, self._keep = compare_fn, exports_to_keep
        self._best = None

    def export(self, estimator, export_path, checkpoint_path, eval_result, is_the_final_export):
        if self._best is not None and not self._compare(best_eval_result=self._best, current_eval_result=eval_result):
            return None
        self._best = {k: np.asarray(v) for k, v in eval_result.items()}
        path = self._write(estimator, export_path, checkpoint_path)
        _garbage_collect(export_path, self._keep)
        return path
