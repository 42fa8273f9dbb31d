"""Custom Estimators: `Estimator(model_fn=...)` with TensorFlow's
`model_fn(features, labels, mode, params, config) -> EstimatorSpec` contract, run eagerly.

TF called `model_fn` once to build a graph. lamina calls it at every step (and every batch
of evaluate/predict), with TF1's variable reuse: the k-th weight that the call's layers
create is the same Variable at every call, so a model_fn that builds its layers inside
(`tf.layers.Dense(10)(x)`) trains one set of weights. The variables are saved to
model_dir by their order of creation, so a model_fn must create its weights in the same
order in every mode.

The eager equivalent of `train_op` is the optimizer itself: `EstimatorSpec(mode, loss=loss,
train_op=optimizer)` makes the Estimator minimise `loss` over the model_fn's trainable
variables with `optimizer` (the one of the first call is kept with its state).

`eval_metric_ops` maps names to lamina metric objects that the model_fn updated with the
batch (`acc = tf.metrics.Accuracy(); acc.update_state(labels, predicted)`); the states of the
batches are added up (lamina's metrics keep counts and sums), and `evaluate` returns each
metric's result, `loss` (the mean of the batch losses) and `global_step`.

Porting a TF model_fn with `import lamina as tf` (lamina speaks Keras, so TF's `tf.keras.X`
is `tf.X` here, and TF's tensor functions are in `tf.ops`):
  * `tf.compat.v1.train.XOptimizer(lr).minimize(loss, global_step=...)` or
    `tf.keras.optimizers.X(lr)` -> `train_op=tf.optimizers.X(lr)` (the Estimator counts steps).
  * `tf.compat.v1.metrics.accuracy(labels, predictions)` -> a `tf.metrics.Accuracy()` updated
    with them, as the value in `eval_metric_ops`.
  * `tf.keras.layers.Dense(n)(x)`, `tf.compat.v1.layers.dense(x, n)` -> `tf.layers.Dense(n)(x)`.
  * `tf.reduce_mean`, `tf.argmax`, `tf.nn.softmax` -> `tf.ops.mean`, `tf.ops.argmax`, `tf.ops.softmax`.
  * `tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)` ->
    `tf.ops.mean(tf.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))`.
  * `tf.compat.v1.train.get_global_step()` -> not needed (hooks ask for 'global_step' by name).
  * `EstimatorSpec(training_hooks=...)` -> `train(hooks=...)` / `TrainSpec(hooks=...)`.
  * `tf.compat.v1.summary.*`, `scaffold`, `export_outputs` serving: not supported (loss
    summaries: SummarySaverHook; export: the canned Estimators).
"""

from __future__ import annotations

import collections
import contextlib
import copy

import numpy as np

from lamina import _core, optimizers
from lamina.autodiff import GradientTape
from lamina.estimators import checkpoints
from lamina.layers import layer as _layer

TRAIN, EVAL, PREDICT = "train", "eval", "infer"

_SPEC_FIELDS = ["mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs",
                "training_chief_hooks", "training_hooks", "scaffold", "evaluation_hooks", "prediction_hooks"]


class EstimatorSpec(collections.namedtuple("EstimatorSpec", _SPEC_FIELDS)):
    """What a model_fn returns (tf.estimator.EstimatorSpec).

    Args:
        mode: the ModeKeys value the model_fn was called with.
        predictions: a tensor or dict of tensors (needed in PREDICT).
        loss: a scalar tensor (needed in TRAIN and EVAL).
        train_op: the lamina optimizer that minimises `loss` (needed in TRAIN).
        eval_metric_ops: {name: lamina metric updated with this batch}.
        export_outputs: accepted; lamina exports canned estimators only.
        training_hooks, training_chief_hooks, evaluation_hooks, prediction_hooks: must be
            empty (give hooks to train/evaluate/predict instead: the model_fn runs every step).
        scaffold: TF graph setup; must be None.
    """

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None, export_outputs=None,
                training_chief_hooks=None, training_hooks=None, scaffold=None, evaluation_hooks=None,
                prediction_hooks=None):
        if mode not in (TRAIN, EVAL, PREDICT):
            raise ValueError(f"mode={mode!r} is not one of ModeKeys.TRAIN, EVAL, PREDICT")
        if mode == TRAIN and (loss is None or train_op is None):
            raise ValueError("EstimatorSpec in TRAIN mode needs loss and train_op (the optimizer that minimises loss)")
        if mode == EVAL and loss is None:
            raise ValueError("Missing loss: EstimatorSpec in EVAL mode needs loss")
        if mode == PREDICT and predictions is None:
            raise ValueError("Missing predictions: EstimatorSpec in PREDICT mode needs predictions")
        if train_op is not None and not isinstance(train_op, optimizers.Optimizer):
            raise TypeError(f"train_op must be the lamina optimizer that minimises loss (TF's optimizer.minimize(loss) "
                            f"becomes train_op=optimizer); got {type(train_op).__name__}")
        if scaffold is not None:
            raise ValueError("EstimatorSpec: scaffold is TF graph setup, which lamina does not have")
        for name, metric in (eval_metric_ops or {}).items():
            if not (hasattr(metric, "result") and hasattr(metric, "reset_state")):
                raise TypeError(f"eval_metric_ops['{name}'] must be a lamina metric updated with the batch (TF's "
                                f"(value, update_op) pairs are graph ops); got {type(metric).__name__}")
        return super().__new__(cls, mode, predictions, loss, train_op, dict(eval_metric_ops or {}), export_outputs,
                               tuple(training_chief_hooks or ()), tuple(training_hooks or ()), scaffold,
                               tuple(evaluation_hooks or ()), tuple(prediction_hooks or ()))


class VariableStore:
    """TF1's variable reuse for model_fn calls: the k-th weight created in a call is the k-th
    weight of the first calls."""

    def __init__(self):
        self.variables: list = []
        self._cursor = 0

    @contextlib.contextmanager
    def scope(self):
        self._cursor = 0
        _layer._VARIABLE_STORES.append(self)
        try:
            yield
        finally:
            _layer._VARIABLE_STORES.pop()

    def reuse(self, shape, dtype):
        if self._cursor >= len(self.variables):
            return None
        var = self.variables[self._cursor]
        if tuple(var.shape) != tuple(shape):
            raise ValueError(f"model_fn created weight #{self._cursor} ('{var.path}') with shape {tuple(var.shape)} at "
                             f"its first call but {tuple(shape)} now: a model_fn must create the same weights in the "
                             f"same order at every call")
        self._cursor += 1
        return var

    def created(self, var) -> None:
        self.variables.append(var)
        self._cursor += 1

    def named(self) -> dict:
        return {f"model_fn/{i}/{v.name}": v for i, v in enumerate(self.variables)}


def merge_metric(total, batch) -> None:
    """Adds `batch`'s state into `total` (same class). The state is what `reset_state` sets."""
    probe = copy.copy(batch)
    probe.__dict__ = dict(batch.__dict__)
    before = {k: id(v) for k, v in probe.__dict__.items()}
    probe.reset_state()
    state = [k for k, v in probe.__dict__.items() if before.get(k) != id(v)]
    for key in state:
        setattr(total, key, getattr(total, key) + getattr(batch, key))
    for mine, theirs in zip(total.variables, batch.variables):
        mine.assign(np.asarray(mine) + np.asarray(theirs))


def update_added_metrics(totals: dict, metric_fns, labels, predictions, features, config) -> None:
    """Calls add_metrics' functions on one batch and adds their metrics into `totals`."""
    from lamina.estimators.estimator import _accepted

    given = {"labels": labels, "predictions": predictions, "features": features, "config": config}
    for fn in metric_fns:
        result = fn(**{k: v for k, v in given.items() if k in _accepted(fn)})
        if not isinstance(result, dict):
            raise TypeError(f"metric_fn must return a dict of metrics, got {type(result).__name__}")
        for name, metric in result.items():
            if name in totals:
                merge_metric(totals[name], metric)
            else:
                totals[name] = metric


def _as_tensors(value):
    if isinstance(value, dict):
        return {k: _as_tensors(v) for k, v in value.items()}
    array = np.asarray(value)
    if array.dtype.kind in "biuf":
        return _core.convert_to_tensor(array)
    return array


class ModelFnRuntime:
    """The variables, optimizer and global step of a custom Estimator."""

    def __init__(self, model_fn, params, config, model_dir):
        self.model_fn, self.params, self.config, self.model_dir = model_fn, params, config, model_dir
        self.store = VariableStore()
        self.optimizer = None
        self.global_step = 0
        self.checkpoint_step = None
        self._pending = None  # (checkpoint values, path) waiting for the variables of the first call
        self._slot_values = None  # checkpoint values waiting for the optimizer of the first train step
        self._warm_start = None  # WarmStartSettings waiting for the variables of the first call

    def call(self, features, labels, mode) -> EstimatorSpec:
        from lamina.estimators.estimator import _accepted

        given = {"features": _as_tensors(features), "labels": None if labels is None else _as_tensors(labels),
                 "mode": mode, "params": self.params, "config": self.config}
        names = _accepted(self.model_fn)
        with self.store.scope():  # TF passes the arguments the model_fn names, by name
            spec = self.model_fn(**{k: v for k, v in given.items() if k in names})
        if not isinstance(spec, EstimatorSpec):
            raise TypeError(f"model_fn must return an EstimatorSpec, got {type(spec).__name__}")
        own_hooks = spec.training_chief_hooks + spec.training_hooks + spec.evaluation_hooks + spec.prediction_hooks
        if own_hooks:
            # The hooks of a call would start after that call's step: give them to train/evaluate/predict.
            raise ValueError(f"EstimatorSpec hooks ({type(own_hooks[0]).__name__}, ...) are not run by lamina's eager "
                             f"loop; pass them as hooks= to train, evaluate or predict (or in TrainSpec/EvalSpec)")
        if self._pending is not None:
            self._assign_pending()
        return spec

    def materialize(self, features, labels, mode) -> None:
        """Creates the variables (one call, outside any gradient tape) so that a checkpoint or
        warm start can fill them before the first step."""
        if not self.store.variables:
            self.call(features, labels, mode)
            if self._warm_start is not None:
                self._apply_warm_start()

    def train_step(self, features, labels):
        with GradientTape() as tape:
            spec = self.call(features, labels, TRAIN)
        if self.optimizer is None:
            self.optimizer = spec.train_op
            self.optimizer.build([v for v in self.store.variables if v.trainable])
            if self._slot_values is not None:
                self._assign_slots()
        trainable = [v for v in self.store.variables if v.trainable]
        grads = tape.gradient(spec.loss, trainable)
        missing = [v.path for v, g in zip(trainable, grads) if g is None]
        if len(missing) == len(trainable):
            raise ValueError("The loss of the model_fn does not depend on any of its trainable weights")
        self.optimizer.apply(grads, trainable)
        self.global_step += 1
        return spec

    # ------------------------------------------------------------------------------------------
    def named_variables(self) -> dict:
        out = self.store.named()
        if self.optimizer is not None:
            names = {id(v): n for n, v in out.items()}
            label = type(self.optimizer).__name__
            for v in [v for v in self.store.variables if v.trainable]:
                for slot_name, slot in zip(self.optimizer.slot_names, self.optimizer._slots.get(id(v), ())):
                    out[f"{names[id(v)]}/{label}/{slot_name}"] = slot
            out[f"model_fn/{label}/iterations"] = self.optimizer.iterations
        return out

    def snapshot(self) -> dict:
        values = {name: np.array(v) for name, v in self.named_variables().items()}
        values["global_step"] = np.array(self.global_step, np.int64)
        return values

    def save(self, keep, directory=None) -> str:
        path = checkpoints.save(directory or self.model_dir, self.global_step, self.snapshot(), keep)
        if directory is None or directory == self.model_dir:
            self.checkpoint_step = self.global_step
        return path

    def restore(self, values: dict, source: str) -> None:
        self.global_step = int(values.get("global_step", 0))
        self._pending = (dict(values), source)
        if self.store.variables:
            self._assign_pending()

    def _assign_pending(self) -> None:
        """Fills the weights from the pending checkpoint; its optimizer slots wait for the optimizer."""
        values, source = self._pending
        for name, var in self.store.named().items():
            if name not in values:
                raise ValueError(f"Checkpoint {source} does not match this model_fn: it lacks '{name}'")
            if tuple(values[name].shape) != tuple(var.shape):
                raise ValueError(f"Checkpoint {source}: '{name}' has shape {tuple(values[name].shape)}, the model_fn's "
                                 f"weight has {tuple(var.shape)}")
            var.assign(values[name].astype(var.dtype))
        self._pending = None
        self._slot_values = values
        if self.optimizer is not None:
            self._assign_slots()

    def _assign_slots(self) -> None:
        for name, var in self.named_variables().items():
            if name in self._slot_values and name not in self.store.named():
                var.assign(self._slot_values[name].astype(var.dtype))
        self._slot_values = None

    def warm_start(self, settings) -> None:
        """Copies the model_fn's weights (not optimizer state) from another checkpoint, once
        the first call has created them."""
        self._warm_start = settings
        if self.store.variables:
            self._apply_warm_start()

    def _apply_warm_start(self) -> None:
        import re

        from lamina.estimators.runtime import remap_vocab

        settings, self._warm_start = self._warm_start, None
        path = checkpoints.resolve(settings.ckpt_to_initialize_from)
        values = checkpoints.load(path)
        pattern = settings.vars_to_warm_start
        copied = 0
        for name, var in self.store.named().items():
            if isinstance(pattern, str) and not re.match(pattern, name):
                continue
            if isinstance(pattern, (list, tuple)) and name not in pattern:
                continue
            source = (settings.var_name_to_prev_var_name or {}).get(name, name)
            if source not in values:
                continue
            value = values[source]
            if name in (settings.var_name_to_vocab_info or {}):
                value = remap_vocab(value, tuple(var.shape), settings.var_name_to_vocab_info[name], name)
            if tuple(value.shape) == tuple(var.shape):
                var.assign(value.astype(var.dtype))
                copied += 1
        if copied == 0:
            raise ValueError(f"warm_start_from: no weight of this model_fn was found in {path}")


# ------------------------------------------------------------------------------------------------
# the loops of a custom Estimator (Estimator.train / evaluate / predict call these)

def _batches(input_fn, mode, config):
    from lamina.data import Dataset
    from lamina.estimators.estimator import _call_input_fn, _split

    result = _call_input_fn(input_fn, mode, config)
    if isinstance(result, tuple):
        if len(result) != 2:
            raise ValueError(f"input_fn must return (features, labels), features, or a Dataset; got a tuple of "
                             f"{len(result)}")
        return _repeat_one(result, mode), mode != TRAIN
    if isinstance(result, dict):
        return _repeat_one((result, None), mode), mode != TRAIN
    if isinstance(result, Dataset) or hasattr(result, "__iter__"):
        return (_split(element) for element in result), True
    raise ValueError(f"input_fn must return a Dataset, (features, labels) or features; got {type(result).__name__}")


def _repeat_one(element, mode):
    yield element
    while mode == TRAIN:
        yield element


def _bind_savers(hooks, save_fn) -> None:
    from lamina.estimators.hooks import CheckpointSaverHook

    for hook in hooks:
        if isinstance(hook, CheckpointSaverHook):
            hook._bind(save_fn)


def train(estimator, runtime: ModelFnRuntime, input_fn, hooks, target) -> None:
    from lamina.estimators.hooks import HookRunner

    settings = estimator._run_settings()
    batches, ends = _batches(input_fn, TRAIN, estimator.__dict__.get("config"))
    if target is None and not ends:
        raise ValueError("input_fn returned one fixed batch, so training would never end: pass steps or max_steps")
    hooks = list(hooks or ())
    _bind_savers(hooks, lambda directory: runtime.save(settings["keep"], directory))
    runner = None
    last_saved = runtime.global_step
    for features, labels in batches:
        if target is not None and runtime.global_step >= target:
            break
        if runner is None:
            runtime.materialize(features, labels, TRAIN)
            runner = HookRunner(hooks)
            runner.begin({"global_step": runtime.global_step})
        step = runtime.global_step
        runner.before_step({"global_step": step})
        spec = runtime.train_step(features, labels)
        loss = float(np.asarray(spec.loss))
        if not np.isfinite(loss):
            from lamina.estimators.runtime import NanLossDuringTrainingError

            raise NanLossDuringTrainingError(f"NaN loss during training (global step {runtime.global_step})")
        values = {"global_step": step, "loss": loss}
        if isinstance(spec.predictions, dict):
            values.update({k: np.asarray(v) for k, v in spec.predictions.items()})
        stop = runner.after_step(values)
        every = settings["steps"]
        if every and runtime.global_step - last_saved >= every:
            runtime.save(settings["keep"])
            last_saved = runtime.global_step
        if stop:
            break
    if runner is not None:
        runner.end({"global_step": runtime.global_step, "loss": loss})
    if runtime.global_step != runtime.checkpoint_step:
        runtime.save(settings["keep"])


def evaluate(runtime: ModelFnRuntime, input_fn, steps, hooks, config, metric_fns=()) -> dict:
    from lamina.estimators.hooks import HookRunner

    batches, _ = _batches(input_fn, EVAL, config)
    runner = HookRunner(hooks)
    metrics, losses, seen = {}, [], 0
    for features, labels in batches:
        if steps is not None and seen >= steps:
            break
        if seen == 0:
            runtime.materialize(features, labels, EVAL)
            runner.begin({"global_step": runtime.global_step})
        runner.before_step({"global_step": runtime.global_step})
        spec = runtime.call(features, labels, EVAL)
        losses.append(float(np.asarray(spec.loss)))
        for name, metric in spec.eval_metric_ops.items():
            if name not in metrics:
                metrics[name] = metric
            else:
                merge_metric(metrics[name], metric)
        if metric_fns:
            update_added_metrics(metrics, metric_fns, _as_tensors(labels), spec.predictions, features, config)
        runner.after_step({"global_step": runtime.global_step, "loss": losses[-1]})
        seen += 1
    if seen == 0:
        raise ValueError("evaluate: the input_fn gave no batches")
    runner.end({"global_step": runtime.global_step, "loss": float(np.mean(losses))})
    out = {name: np.float32(np.asarray(m.result())) for name, m in metrics.items()}
    out["loss"] = np.float32(np.mean(losses))
    out["global_step"] = np.int64(runtime.global_step)
    return out


def predict(runtime: ModelFnRuntime, input_fn, predict_keys, config, single, hooks=None):
    from lamina.estimators.hooks import hooked

    batches = hooked(_batches(input_fn, PREDICT, config)[0], hooks, runtime.global_step)
    keys = [predict_keys] if isinstance(predict_keys, str) else predict_keys
    first = True
    for features, _ in batches:
        if first:
            runtime.materialize(features, None, PREDICT)
            first = False
        spec = runtime.call(features, None, PREDICT)
        out = spec.predictions
        if not isinstance(out, dict):
            out = {"output": out}
        out = {k: np.asarray(v) for k, v in out.items()}
        if keys is not None:
            unknown = [k for k in keys if k not in out]
            if unknown:
                raise ValueError(f"predict_keys {unknown} are not in the model_fn's predictions {sorted(out)}")
            out = {k: out[k] for k in keys}
        if not single:
            yield out
            continue
        for i in range(len(next(iter(out.values())))):
            yield {k: v[i] for k, v in out.items()}
