"""TensorFlow's session hooks (tf.estimator.SessionRunHook and the standard hooks), run at the
same points of lamina's eager training loop as TF's MonitoredSession ran them:

    begin()                                   before the first step of a `train` call
    after_create_session(session, coord)      once the variables exist (restored or new)
    before_run(run_context) -> SessionRunArgs  before each step
    after_run(run_context, run_values)         after each step
    end(session)                               after the last step

A hook's `SessionRunArgs` asks for values by name. The names are `loss` and `global_step` (the
global step before the step, as TF's fetch of it together with the train op gave), and for a
custom `model_fn` the keys of the `EstimatorSpec.predictions` dict. Graph tensors or other
names give an error that says which names exist. `session` is a small object whose
`run(fetches)` reads the same names (there is no TF session; `session.graph` is absent).
"""

from __future__ import annotations

import collections
import json
import logging
import os
import time

import numpy as np

from lamina.estimators.runtime import NanLossDuringTrainingError

_log = logging.getLogger("lamina.estimators")

SessionRunArgs = collections.namedtuple("SessionRunArgs", ["fetches", "feed_dict", "options"],
                                        defaults=(None, None))
SessionRunArgs.__doc__ = "What a hook's `before_run` asks for: `fetches`, a name or a list/tuple/dict of names."
SessionRunValues = collections.namedtuple("SessionRunValues", ["results", "options", "run_metadata"])
SessionRunValues.__doc__ = "The values a hook asked for (`results`, in the structure of its fetches)."


def resolve_fetches(fetches, values: dict):
    """The values of `fetches` (a name, or nested lists/tuples/dicts of names) from `values`."""
    if fetches is None:
        return None
    if isinstance(fetches, str):
        name = fetches[:-2] if fetches.endswith(":0") else fetches
        if name not in values:
            raise ValueError(f"A hook asked for '{fetches}', which lamina cannot name: lamina trains eagerly (no graph "
                             f"tensors); the values a hook can ask for are {sorted(values)}")
        return values[name]
    if isinstance(fetches, dict):
        return {k: resolve_fetches(v, values) for k, v in fetches.items()}
    if isinstance(fetches, (list, tuple)):
        return type(fetches)(resolve_fetches(v, values) for v in fetches)
    name = getattr(fetches, "name", None)
    raise TypeError(f"A hook asked for {type(fetches).__name__} {name or fetches!r}: lamina has no graph tensors; ask "
                    f"by name for one of {sorted(values)}")


class EagerSession:
    """Stands where hooks expect a tf.Session: `run(fetches)` reads the named values of the
    current step (loss, global_step, ...)."""

    def __init__(self):
        self.values: dict = {}

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        return resolve_fetches(fetches, self.values)


class SessionRunContext:
    """What `before_run`/`after_run` get: the step's `original_args` and a way to stop."""

    def __init__(self, original_args, session):
        self.original_args = original_args
        self.session = session
        self._stop_requested = False

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def request_stop(self) -> None:
        """Ends training after this step (the hooks' `end` still runs)."""
        self._stop_requested = True


class SessionRunHook:
    """Base class of hooks: override the points you need (all do nothing here)."""

    def begin(self):
        pass

    def after_create_session(self, session, coord):
        pass

    def before_run(self, run_context):
        return None

    def after_run(self, run_context, run_values):
        pass

    def end(self, session):
        pass


class HookRunner:
    """Runs a list of hooks around the steps of one loop (in the order given)."""

    def __init__(self, hooks):
        hooks = list(hooks or ())
        for hook in hooks:
            if not isinstance(hook, SessionRunHook):
                raise TypeError(f"hooks must be SessionRunHook instances, given: {hook!r}")
        self.hooks = hooks
        self.session = EagerSession()
        self._requests = []
        self._context = None

    def begin(self, values: dict) -> None:
        self.session.values = dict(values)
        for hook in self.hooks:
            hook.begin()
        for hook in self.hooks:
            hook.after_create_session(self.session, None)

    def before_step(self, values: dict) -> None:
        self.session.values = dict(values)
        self._context = SessionRunContext(SessionRunArgs(fetches=None), self.session)
        self._requests = [hook.before_run(self._context) for hook in self.hooks]

    def after_step(self, values: dict) -> bool:
        """Runs after_run with the values asked for; True when a hook asked to stop."""
        self.session.values = dict(values)
        for hook, request in zip(self.hooks, self._requests):
            results = resolve_fetches(request.fetches, values) if request is not None else None
            hook.after_run(self._context, SessionRunValues(results, None, None))
        return self._context.stop_requested

    def end(self, values: dict) -> None:
        self.session.values = dict(values)
        for hook in self.hooks:
            hook.end(self.session)


def hooked(batches, hooks, global_step: int):
    """Yields `batches`, running `hooks` around each (evaluate and predict: the global step
    does not move, and `loss` is not a value they can ask for)."""
    if not hooks:
        yield from batches
        return
    runner = HookRunner(hooks)
    values = {"global_step": global_step}
    runner.begin(values)
    for batch in batches:
        runner.before_step(values)
        yield batch
        if runner.after_step(values):
            break
    runner.end(values)


# ------------------------------------------------------------------------------------------------
class SecondOrStepTimer:
    """Triggers every `every_secs` seconds or every `every_steps` steps (exactly one of them)."""

    def __init__(self, every_secs=None, every_steps=None):
        if (every_secs is None) == (every_steps is None):
            raise ValueError("Either every_secs or every_steps should be provided (exactly one).")
        if every_steps is not None and every_steps <= 0:
            raise ValueError(f"every_steps should be positive, given: {every_steps}")
        if every_secs is not None and every_secs <= 0:
            raise ValueError(f"every_secs should be positive, given: {every_secs}")
        self._every_secs, self._every_steps = every_secs, every_steps
        self.reset()

    def reset(self) -> None:
        self._last_step = None
        self._last_time = None

    def should_trigger_for_step(self, step: int) -> bool:
        if self._last_step is None:
            return True
        if self._last_step == step:
            return False
        if self._every_secs is not None:
            return time.time() >= self._last_time + self._every_secs
        return step >= self._last_step + self._every_steps

    def update_last_triggered_step(self, step: int):
        """Marks `step` as triggered; returns (seconds, steps) since the last trigger (None, None first)."""
        now = time.time()
        elapsed = (None, None) if self._last_step is None else (now - self._last_time, step - self._last_step)
        self._last_step, self._last_time = step, now
        return elapsed

    def last_triggered_step(self):
        return self._last_step


class StopAtStepHook(SessionRunHook):
    """Requests a stop after `num_steps` more steps or at global step `last_step`."""

    def __init__(self, num_steps=None, last_step=None):
        if (num_steps is None) == (last_step is None):
            raise ValueError("One of num_steps or last_step must be specified.")
        if num_steps is not None and num_steps < 0:
            raise ValueError("num_steps must be non-negative.")
        if last_step is not None and last_step < 0:
            raise ValueError("last_step must be non-negative.")
        self._num_steps, self._last_step = num_steps, last_step

    def after_create_session(self, session, coord):
        step = int(session.run("global_step"))
        if self._last_step is None:
            self._last_step = step + self._num_steps
        self._stop_now = step >= self._last_step

    def before_run(self, run_context):
        if self._stop_now:
            run_context.request_stop()
        return SessionRunArgs("global_step")

    def after_run(self, run_context, run_values):
        if int(run_values.results) + 1 >= self._last_step:
            run_context.request_stop()


class LoggingTensorHook(SessionRunHook):
    """Logs the named values every N steps or seconds (and/or at the end).

    Args:
        tensors: a list of names or a dict {tag: name}.
        every_n_iter, every_n_secs: how often (one of them, unless at_end).
        at_end: log the last values in `end`.
        formatter: a function of the {tag: value} dict returning the line to log.
    """

    def __init__(self, tensors, every_n_iter=None, every_n_secs=None, at_end=False, formatter=None):
        if not at_end and (every_n_iter is None) == (every_n_secs is None):
            raise ValueError("either at_end and/or exactly one of every_n_iter and every_n_secs must be provided.")
        if every_n_iter is not None and every_n_iter <= 0:
            raise ValueError(f"invalid every_n_iter={every_n_iter}.")
        self._tags = list(tensors) if not isinstance(tensors, dict) else list(tensors.keys())
        self._tensors = tensors if isinstance(tensors, dict) else {t: t for t in tensors}
        self._timer = SecondOrStepTimer(every_n_secs, every_n_iter) if not (every_n_iter is None and
                                                                              every_n_secs is None) else None
        self._at_end, self._formatter = at_end, formatter
        self._iter = 0
        self.last_logged = None

    def begin(self):
        if self._timer is not None:
            self._timer.reset()
        self._iter = 0

    def before_run(self, run_context):
        self._should = self._timer is not None and self._timer.should_trigger_for_step(self._iter)
        return SessionRunArgs(self._tensors) if self._should or self._at_end else None

    def _log(self, values):
        self.last_logged = values
        if self._formatter is not None:
            _log.info(self._formatter(values))
        else:
            _log.info(", ".join(f"{tag} = {values[tag]}" for tag in self._tags))

    def after_run(self, run_context, run_values):
        if self._should:
            self._timer.update_last_triggered_step(self._iter)
            self._log(run_values.results)
        self._iter += 1

    def end(self, session):
        if self._at_end:
            self._log(session.run(self._tensors))


class NanTensorHook(SessionRunHook):
    """Stops (or raises NanLossDuringTrainingError) when the loss is NaN.

    Args:
        loss_tensor: the name of the loss ('loss').
        fail_on_nan_loss: raise (True) or only request a stop.
    """

    def __init__(self, loss_tensor="loss", fail_on_nan_loss=True):
        self._loss, self._fail = loss_tensor, fail_on_nan_loss

    def before_run(self, run_context):
        return SessionRunArgs(self._loss)

    def after_run(self, run_context, run_values):
        if np.isnan(np.asarray(run_values.results)).any():
            if self._fail:
                raise NanLossDuringTrainingError("NaN loss during training.")
            _log.warning("Model diverged with loss = NaN.")
            run_context.request_stop()


class StepCounterHook(SessionRunHook):
    """Measures steps per second every N steps or seconds; logs it and, with `output_dir`,
    writes the `global_step/sec` summary. `last_steps_per_sec` holds the latest figure."""

    def __init__(self, every_n_steps=100, every_n_secs=None, output_dir=None, summary_writer=None):
        if (every_n_steps is None) == (every_n_secs is None):
            raise ValueError("exactly one of every_n_steps and every_n_secs should be provided.")
        self._timer = SecondOrStepTimer(every_n_secs, every_n_steps)
        self._output_dir = output_dir
        self.last_steps_per_sec = None

    def begin(self):
        from lamina.estimators.summaries import _event_writer

        self._writer = _event_writer(self._output_dir)

    def before_run(self, run_context):
        return SessionRunArgs("global_step")

    def after_run(self, run_context, run_values):
        step = int(run_values.results) + 1
        if self._timer.should_trigger_for_step(step):
            secs, steps = self._timer.update_last_triggered_step(step)
            if secs is not None and secs > 0:
                self.last_steps_per_sec = steps / secs
                _log.info(f"global_step/sec: {self.last_steps_per_sec:g}")
                if self._writer is not None:
                    self._writer.scalar("", "global_step/sec", self.last_steps_per_sec, step)

    def end(self, session):
        if self._writer is not None:
            self._writer.close()


class CheckpointSaverListener:
    """Called around each checkpoint a CheckpointSaverHook writes."""

    def begin(self):
        pass

    def before_save(self, session, global_step_value):
        pass

    def after_save(self, session, global_step_value):
        """Returning True asks training to stop."""

    def end(self, session, global_step_value):
        pass


class CheckpointSaverHook(SessionRunHook):
    """Writes a checkpoint of the estimator being trained every N steps or seconds, and at the
    end, into `checkpoint_dir` (TF's: also one when the session starts, at its global step).

    Args:
        checkpoint_dir: where to write (usually the model_dir).
        save_secs, save_steps: how often (exactly one).
        listeners: CheckpointSaverListener objects called around each save.
        saver, checkpoint_basename, scaffold, save_graph_def: TF's; must keep their defaults.
    """

    def __init__(self, checkpoint_dir, save_secs=None, save_steps=None, saver=None, checkpoint_basename="model.ckpt",
                 scaffold=None, listeners=None, save_graph_def=True):
        if saver is not None or scaffold is not None or checkpoint_basename != "model.ckpt":
            raise ValueError("CheckpointSaverHook: saver, scaffold and checkpoint_basename are TF graph settings lamina "
                             "does not have; leave them unset")
        self._dir = os.fspath(checkpoint_dir)
        self._timer = SecondOrStepTimer(save_secs, save_steps)
        self._listeners = list(listeners or ())
        self._saver = None

    def _bind(self, save_fn) -> None:
        """The training loop gives the hook its checkpoint writer: save_fn(directory) -> path."""
        self._saver = save_fn

    def begin(self):
        if self._saver is None:
            raise RuntimeError("CheckpointSaverHook runs only inside an Estimator's train (it saves that estimator)")
        for listener in self._listeners:
            listener.begin()

    def after_create_session(self, session, coord):
        step = int(session.run("global_step"))
        self._save(session, step)
        self._timer.update_last_triggered_step(step)

    def before_run(self, run_context):
        return SessionRunArgs("global_step")

    def after_run(self, run_context, run_values):
        step = int(run_values.results) + 1
        if self._timer.should_trigger_for_step(step):
            self._timer.update_last_triggered_step(step)
            if self._save(run_context.session, step):
                run_context.request_stop()

    def end(self, session):
        step = int(session.run("global_step"))
        if step != self._timer.last_triggered_step():
            self._save(session, step)
        for listener in self._listeners:
            listener.end(session, step)

    def _save(self, session, step) -> bool:
        for listener in self._listeners:
            listener.before_save(session, step)
        self._saver(self._dir)
        stop = False
        for listener in self._listeners:
            stop = bool(listener.after_save(session, step)) or stop
        return stop


class SummarySaverHook(SessionRunHook):
    """Writes named values as TensorBoard scalars every N steps or seconds.

    Args:
        save_steps, save_secs: how often (exactly one).
        output_dir: where the event file goes.
        summary_op: the name(s) of the values to write (default 'loss'); TF's summary ops are
            graph tensors lamina does not have.
        summary_writer, scaffold: TF's; must be None.
    """

    def __init__(self, save_steps=None, save_secs=None, output_dir=None, summary_writer=None, scaffold=None,
                 summary_op="loss"):
        if summary_writer is not None or scaffold is not None:
            raise ValueError("SummarySaverHook: summary_writer and scaffold are TF graph objects; give output_dir")
        if output_dir is None:
            raise ValueError("SummarySaverHook needs output_dir")
        self._timer = SecondOrStepTimer(save_secs, save_steps)
        self._names = [summary_op] if isinstance(summary_op, str) else list(summary_op)
        self._output_dir = output_dir

    def begin(self):
        from lamina.estimators.summaries import _event_writer

        self._writer = _event_writer(self._output_dir)

    def before_run(self, run_context):
        return SessionRunArgs({"global_step": "global_step", **{n: n for n in self._names}})

    def after_run(self, run_context, run_values):
        step = int(run_values.results["global_step"]) + 1
        if self._timer.should_trigger_for_step(step) and self._writer is not None:
            self._timer.update_last_triggered_step(step)
            for name in self._names:
                self._writer.scalar("", name, float(np.asarray(run_values.results[name])), step)

    def end(self, session):
        if self._writer is not None:
            self._writer.close()


class ProfilerHook(SessionRunHook):
    """Writes a Chrome trace (`timeline-<step>.json`, open in chrome://tracing or Perfetto) of
    the wall time of the steps every N steps or seconds."""

    def __init__(self, save_steps=None, save_secs=None, output_dir="", show_dataflow=True, show_memory=False):
        self._timer = SecondOrStepTimer(save_secs, save_steps)
        self._dir = output_dir

    def before_run(self, run_context):
        self._start = time.perf_counter()
        return SessionRunArgs("global_step")

    def after_run(self, run_context, run_values):
        micros = (time.perf_counter() - self._start) * 1e6
        step = int(run_values.results) + 1
        if self._timer.should_trigger_for_step(step):
            self._timer.update_last_triggered_step(step)
            os.makedirs(self._dir or ".", exist_ok=True)
            trace = {"traceEvents": [{"name": "train_step", "ph": "X", "pid": 0, "tid": 0, "ts": 0,
                                      "dur": micros, "args": {"global_step": step}}]}
            with open(os.path.join(self._dir, f"timeline-{step}.json"), "w") as f:
                json.dump(trace, f)


class FinalOpsHook(SessionRunHook):
    """Reads named values when training or evaluation ends: `final_ops_values`."""

    def __init__(self, final_ops, final_ops_feed_dict=None):
        self._final_ops = final_ops
        self.final_ops_values = None

    def end(self, session):
        self.final_ops_values = session.run(self._final_ops)
