"""tf.estimator.experimental's early stopping: hooks that stop training when an evaluation
metric stops improving or crosses a threshold.

TF read the evaluations back from the event files in `eval_dir`. lamina's hooks read the
evaluations the same Estimator object ran (`train_and_evaluate` evaluates in-process), by
evaluation name: `eval_dir` may name `estimator.eval_dir(name)` to choose the evaluation.
"""

from __future__ import annotations

import os
import operator

from lamina.estimators.hooks import SecondOrStepTimer, SessionRunArgs, SessionRunHook


class _StopOnPredicateHook(SessionRunHook):
    def __init__(self, should_stop_fn, run_every_secs=60, run_every_steps=None):
        if not callable(should_stop_fn):
            raise TypeError("`should_stop_fn` must be callable.")
        self._should_stop_fn = should_stop_fn
        self._timer = SecondOrStepTimer(every_secs=run_every_secs, every_steps=run_every_steps)

    def begin(self):
        self._timer.reset()

    def before_run(self, run_context):
        return SessionRunArgs("global_step")

    def after_run(self, run_context, run_values):
        step = int(run_values.results) + 1
        if self._timer.should_trigger_for_step(step):
            self._timer.update_last_triggered_step(step)
            if self._should_stop_fn():
                run_context.request_stop()


def make_early_stopping_hook(estimator, should_stop_fn, run_every_secs=60, run_every_steps=None):
    """A hook that calls `should_stop_fn()` every `run_every_secs` seconds (or
    `run_every_steps` steps) and stops training when it returns True.

    Args:
        estimator: the Estimator being trained (kept for TF's signature).
        should_stop_fn: a function of no arguments returning a bool.
        run_every_secs, run_every_steps: how often (give run_every_secs=None with steps).
    """
    if run_every_secs is not None and run_every_steps is not None:
        raise ValueError("Only one of `run_every_secs` and `run_every_steps` can be set, got "
                         f"run_every_secs={run_every_secs} and run_every_steps={run_every_steps}")
    return _StopOnPredicateHook(should_stop_fn, run_every_secs, run_every_steps)


def read_eval_metrics(estimator, eval_dir=None) -> dict:
    """{global step: metrics} of the evaluations `estimator` ran (of the evaluation whose
    folder is `eval_dir`, default the unnamed one)."""
    runs = estimator.__dict__.get("_evaluations", {})
    if eval_dir is None:
        return dict(runs.get(None, {}))
    for name in runs:
        if os.path.abspath(estimator.eval_dir(name)) == os.path.abspath(os.fspath(eval_dir)):
            return dict(runs[name])
    return {}


def _threshold_hook(estimator, metric_name, threshold, compare, eval_dir, min_steps, run_every_secs, run_every_steps):
    def should_stop():
        for step, metrics in sorted(read_eval_metrics(estimator, eval_dir).items()):
            if step < min_steps:
                continue
            if metric_name not in metrics:
                raise ValueError(f"metric_name {metric_name} not found in eval metrics {sorted(metrics)}")
            if compare(metrics[metric_name], threshold):
                return True
        return False

    return make_early_stopping_hook(estimator, should_stop, run_every_secs, run_every_steps)


def _no_improvement_hook(estimator, metric_name, max_steps, better, eval_dir, min_steps, run_every_secs,
                         run_every_steps):
    def should_stop():
        best, best_step = None, None
        for step, metrics in sorted(read_eval_metrics(estimator, eval_dir).items()):
            if step < min_steps:
                continue
            if metric_name not in metrics:
                raise ValueError(f"metric_name {metric_name} not found in eval metrics {sorted(metrics)}")
            if best is None or better(metrics[metric_name], best):
                best, best_step = metrics[metric_name], step
            if step - best_step >= max_steps:
                return True
        return False

    return make_early_stopping_hook(estimator, should_stop, run_every_secs, run_every_steps)


def stop_if_higher_hook(estimator, metric_name, threshold, eval_dir=None, min_steps=0, run_every_secs=60,
                        run_every_steps=None):
    """Stops training once an evaluation's `metric_name` is above `threshold`."""
    return _threshold_hook(estimator, metric_name, threshold, operator.gt, eval_dir, min_steps, run_every_secs,
                           run_every_steps)


def stop_if_lower_hook(estimator, metric_name, threshold, eval_dir=None, min_steps=0, run_every_secs=60,
                       run_every_steps=None):
    """Stops training once an evaluation's `metric_name` is below `threshold`."""
    return _threshold_hook(estimator, metric_name, threshold, operator.lt, eval_dir, min_steps, run_every_secs,
                           run_every_steps)


def stop_if_no_increase_hook(estimator, metric_name, max_steps_without_increase, eval_dir=None, min_steps=0,
                             run_every_secs=60, run_every_steps=None):
    """Stops training when `metric_name` has not increased for `max_steps_without_increase` steps."""
    return _no_improvement_hook(estimator, metric_name, max_steps_without_increase, operator.gt, eval_dir, min_steps,
                                run_every_secs, run_every_steps)


def stop_if_no_decrease_hook(estimator, metric_name, max_steps_without_decrease, eval_dir=None, min_steps=0,
                             run_every_secs=60, run_every_steps=None):
    """Stops training when `metric_name` has not decreased for `max_steps_without_decrease` steps."""
    return _no_improvement_hook(estimator, metric_name, max_steps_without_decrease, operator.lt, eval_dir, min_steps,
                                run_every_secs, run_every_steps)
