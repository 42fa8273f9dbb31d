"""The Estimator base: TensorFlow's train / evaluate / predict over input functions, with
checkpoints in model_dir and the model kept in memory between calls.

A call checks the `checkpoint` index of model_dir (a small file): when the latest checkpoint
is the state already in memory, nothing is rebuilt or reloaded.
"""

from __future__ import annotations

import inspect
import os
import tempfile
import time
import warnings

import numpy as np

from lamina.data import Dataset
from lamina.estimators import checkpoints
from lamina.estimators.runtime import LABELS, WEIGHTS, Runtime, WarmStartSettings
from lamina.estimators.summaries import TrainSummaries, write_evaluation
from lamina.feature_column._inputs import FeatureBatch, as_float
from lamina.feature_column.numeric import NumericColumn

TRAIN, EVAL, PREDICT = "train", "eval", "infer"


class ModeKeys:
    TRAIN = TRAIN
    EVAL = EVAL
    PREDICT = PREDICT


def weight_key_of(weight_column):
    if weight_column is None:
        return None
    if isinstance(weight_column, str):
        return weight_column
    if isinstance(weight_column, NumericColumn):
        return weight_column.key
    raise ValueError(f"Weight column should be castable to float. Given: {weight_column!r}; use a feature key or a "
                     f"numeric_column")


class Estimator:
    """TensorFlow's tf.estimator.Estimator: a custom model from a `model_fn`, and the base of
    the canned estimators (which describe their model with `_model_spec()`).

    Args:
        model_fn: `model_fn(features, labels, mode, params, config) -> EstimatorSpec` (see
            `lamina.estimators.model_fn` for how it runs eagerly and what `train_op` is).
        model_dir: where checkpoints and summaries go (default a temporary folder).
        config: a RunConfig.
        params: a dict given to model_fn.
        warm_start_from: a checkpoint path, model_dir or WarmStartSettings to start from.
    """

    _runtime = None
    model_fn = None
    _metric_fns = ()  # from add_metrics

    def __init__(self, model_fn, model_dir=None, config=None, params=None, warm_start_from=None):
        if not callable(model_fn):
            raise TypeError(f"model_fn must be callable, given: {model_fn!r}")
        names = _accepted(model_fn)
        if "features" not in names:
            raise ValueError(f"model_fn ({getattr(model_fn, '__name__', model_fn)}) must include features argument; "
                             f"its arguments are {sorted(names)} (TF passes features, labels, mode, params, config "
                             f"by name)")
        if params is not None and "params" not in names:
            raise ValueError("model_fn does not have a params argument, but params are given to the Estimator")
        self.model_fn = model_fn
        self.model_dir = model_dir
        self.config = config
        self.params = dict(params or {})
        self.warm_start_from = warm_start_from

    # ------------------------------------------------------------------------------------------
    # what subclasses provide

    def _model_spec(self, fitted=None):
        """A `ModelSpec` from the parameters (and, after `fit`, what the data decided)."""
        raise NotImplementedError

    # ------------------------------------------------------------------------------------------
    # configuration

    def _model_dir(self, create: bool):
        given = self.__dict__.get("model_dir")
        config = self.__dict__.get("config")
        config_dir = getattr(config, "model_dir", None)
        if given is not None and config_dir is not None and os.path.abspath(os.fspath(given)) != os.path.abspath(
                os.fspath(config_dir)):
            raise ValueError(f"model_dir are set both in constructor and RunConfig, but with different values. In "
                             f"constructor: '{given}', in RunConfig: '{config_dir}'")
        directory = given if given is not None else config_dir
        if directory is not None:
            return os.fspath(directory)
        if self.__dict__.get("_tmp_model_dir") is None and create:
            self._tmp_model_dir = tempfile.mkdtemp(prefix="lamina_estimator_")
            warnings.warn(f"Using temporary folder as model directory: {self._tmp_model_dir}", stacklevel=4)
        return self.__dict__.get("_tmp_model_dir")

    def _run_settings(self) -> dict:
        config = self.__dict__.get("config")
        if config is None:
            return {"steps": None, "secs": 600, "keep": 5, "seed": None, "summary_steps": 100, "log_steps": 100}
        return {"steps": config.save_checkpoints_steps, "secs": config.save_checkpoints_secs,
                "keep": config.keep_checkpoint_max, "seed": config.tf_random_seed,
                "summary_steps": config.save_summary_steps, "log_steps": config.log_step_count_steps}

    def _seed(self):
        seed = self.__dict__.get("random_state")
        if seed is None:
            return self._run_settings()["seed"]
        if isinstance(seed, np.random.RandomState):
            return int(seed.randint(0, 2**31 - 1))
        return int(seed)

    def latest_checkpoint(self):
        """The path of the latest checkpoint in model_dir, or None."""
        return checkpoints.latest_checkpoint(self._model_dir(create=False))

    def get_variable_names(self) -> list:
        """The names of the model's variables (as saved in checkpoints)."""
        return sorted(self._ready_runtime(PREDICT).snapshot())

    def get_variable_value(self, name: str) -> np.ndarray:
        values = self._ready_runtime(PREDICT).snapshot()
        if name not in values:
            raise ValueError(f"Variable '{name}' not found; the variables are {sorted(values)}")
        return values[name]

    # ------------------------------------------------------------------------------------------
    # state

    def set_params(self, **params):
        self._runtime = None  # new parameters, new model
        return super().set_params(**params)

    def _new_runtime(self, model_dir, fitted=None) -> Runtime:
        if self.model_fn is not None:
            from lamina.estimators.model_fn import ModelFnRuntime

            return ModelFnRuntime(self.model_fn, self.params, self.__dict__.get("config"), model_dir)
        return Runtime(self._model_spec(fitted), self._seed(), model_dir, fitted)

    def _ready_runtime(self, mode: str) -> Runtime:
        """The runtime for a call: the one in memory when it is the latest checkpoint's state,
        else rebuilt and restored (or, for training from nothing, initialized and warm-started)."""
        model_dir = self._model_dir(create=mode == TRAIN)
        runtime = self._runtime
        if runtime is None or runtime.model_dir != model_dir:
            runtime = self._new_runtime(model_dir, None if runtime is None else runtime.fitted)
            if self.model_fn is None:
                runtime.load_embedding_checkpoints()
            self._runtime = runtime
            fresh = True
        else:
            fresh = False
        latest = checkpoints.latest_checkpoint(model_dir)
        if latest is not None:
            step = checkpoints.step_of(latest)
            if step != runtime.checkpoint_step:
                runtime.restore(checkpoints.load(latest), latest)
                runtime.checkpoint_step = step
        elif fresh and mode == TRAIN and self.__dict__.get("warm_start_from") is not None:
            settings = self.warm_start_from
            if not isinstance(settings, WarmStartSettings):
                settings = WarmStartSettings(os.fspath(settings))
            runtime.warm_start(settings)
        if mode != TRAIN and latest is None and runtime.global_step == 0:
            raise ValueError(f"Could not find trained model in model_dir: {model_dir}.")
        return runtime

    # ------------------------------------------------------------------------------------------
    # input

    def _prepare(self, runtime: Runtime, features, labels, mode: str) -> dict:
        """Checks a batch (or all of an in-memory dataset) and turns it into the model's inputs."""
        spec = runtime.spec
        batch = FeatureBatch(features)
        out = {}
        for plan in spec.plans.values():
            out.update(plan.prepare(batch))
        rows = batch.num_rows
        if mode != PREDICT:
            if labels is None:
                raise ValueError("The input_fn gave no labels; train and evaluate need (features, labels)")
            encoded = spec.head.encode_labels(labels)
            if rows is not None and len(encoded) != rows:
                raise ValueError(f"The labels have {len(encoded)} rows but the features have {rows}")
            rows = len(encoded)
            out[LABELS] = encoded
            if spec.weight_key is not None:
                weights = as_float(batch.raw(spec.weight_key, f"weight_column '{spec.weight_key}'"), spec.weight_key,
                                   "Weight feature")
                out[WEIGHTS] = weights.reshape(len(weights), -1)[:, 0]
        if rows is None:
            raise ValueError("The input_fn gave no features to take the batch size from")
        if "baseline" in runtime.network.parts:
            out["baseline/rows"] = np.zeros(rows, np.float32)
        return out

    def _batches(self, runtime: Runtime, input_fn, mode: str):
        """Yields prepared batches, and whether the input ends by itself (False: one fixed
        batch that training would repeat forever)."""
        result = _call_input_fn(input_fn, mode, self.__dict__.get("config"))
        if isinstance(result, Dataset):
            source = result._source
            if source is not None and result._index_fn is not None and result._batched:
                # In-memory data: checked and encoded once, then batches are row gathers.
                features, labels = _split(source)
                prepared = self._prepare(runtime, features, labels, mode)
                return (({k: v[idx] for k, v in prepared.items()} for idx in result._index_fn()), True)
            return ((self._prepare(runtime, *_split(element), mode) for element in result), True)
        if isinstance(result, tuple):
            if len(result) != 2:
                raise ValueError(f"input_fn must return (features, labels), features, or a Dataset; got a tuple of "
                                 f"{len(result)}")
            return (_repeat(self._prepare(runtime, result[0], result[1], mode), mode), mode != TRAIN)
        if isinstance(result, dict) or hasattr(result, "columns"):
            return (_repeat(self._prepare(runtime, result, None, mode), mode), mode != TRAIN)
        if hasattr(result, "__iter__"):
            return ((self._prepare(runtime, *_split(element), mode) for element in result), True)
        raise ValueError(f"input_fn must return a Dataset, (features, labels) or features; got {type(result).__name__}")

    # ------------------------------------------------------------------------------------------
    # train

    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Trains on the batches of `input_fn`.

        Args:
            input_fn: returns a `lamina.data.Dataset` of (features dict, labels) batches, or
                one batch (features, labels) (then steps or max_steps is needed).
            hooks: SessionRunHooks run around the steps (lamina.estimators.hooks).
            saving_listeners: CheckpointSaverListeners called around the checkpoints.
            steps: train this many more steps (or until the input ends).
            max_steps: train until the global step reaches this (nothing if already there).

        Returns:
            self.

        Raises:
            ValueError: for both `steps` and `max_steps`, or either not positive.

        Example:
            est.train(lamina.estimators.inputs.numpy_input_fn({"x": x}, y, shuffle=True, num_epochs=None),
                      steps=1000)
        """
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        runtime = self._ready_runtime(TRAIN)
        if max_steps is not None and runtime.global_step >= max_steps:
            return self
        target = runtime.global_step + steps if steps is not None else max_steps
        hooks = list(hooks or ())
        if saving_listeners:
            from lamina.estimators.hooks import CheckpointSaverHook

            settings = self._run_settings()
            every = ({"save_steps": settings["steps"]} if settings["steps"] else {"save_secs": settings["secs"] or 600})
            hooks.append(CheckpointSaverHook(runtime.model_dir, listeners=saving_listeners, **every))
        if self.model_fn is not None:
            from lamina.estimators import model_fn

            model_fn.train(self, runtime, input_fn, hooks, target)
            return self
        batches, ends = self._batches(runtime, input_fn, TRAIN)
        if target is None and not ends:
            raise ValueError("input_fn returned one fixed batch, so training would never end: pass steps or max_steps")
        self._train_loop(runtime, batches, target, save=True, hooks=hooks)
        return self

    def _train_loop(self, runtime: Runtime, batches, target, save: bool, hooks=()) -> None:
        from lamina.estimators.hooks import HookRunner
        from lamina.estimators.model_fn import _bind_savers

        _bind_savers(hooks, lambda directory: checkpoints.save(directory, runtime.global_step, runtime.snapshot(),
                                                                 self._run_settings()["keep"]))
        runner = HookRunner(hooks)
        runner.begin({"global_step": runtime.global_step})
        last_step0, loss = runtime.global_step, None
        settings = self._run_settings()
        distributed = _distributed_training(self.__dict__.get("config"), runtime)
        save = save and runtime.model_dir is not None and (distributed is None or distributed.is_chief)
        every_steps, every_secs = settings["steps"], settings["secs"]
        last_step, last_time = runtime.global_step, time.monotonic()
        summaries = TrainSummaries(runtime.model_dir if save else None, settings["summary_steps"],
                                   settings["log_steps"])
        try:
            for batch in batches:
                if target is not None and runtime.global_step >= target:
                    break
                step = runtime.global_step
                runner.before_step({"global_step": step})
                loss = runtime.train_step(batch if distributed is None else distributed.local(batch))
                summaries.after_step(runtime.global_step, loss)
                stop = runner.after_step({"global_step": step, "loss": loss})
                if save and ((every_steps and runtime.global_step - last_step >= every_steps)
                             or (every_secs and time.monotonic() - last_time >= every_secs)):
                    runtime.save(settings["keep"])
                    last_step, last_time = runtime.global_step, time.monotonic()
                if stop:
                    break
            runner.end({"global_step": runtime.global_step, **({"loss": loss} if runtime.global_step > last_step0 else {})})
        except KeyboardInterrupt:
            # Each step is finished before Python sees the interrupt: keep the progress so far.
            if save and runtime.global_step != runtime.checkpoint_step:
                runtime.save(settings["keep"])
            raise
        finally:
            summaries.close()
        if save and runtime.global_step != runtime.checkpoint_step:
            runtime.save(settings["keep"])
        if distributed is not None:
            distributed.finish()

    # ------------------------------------------------------------------------------------------
    # evaluate and predict

    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Evaluates the model of the latest (or a given) checkpoint on the batches of `input_fn`.

        Args:
            input_fn: returns a `lamina.data.Dataset` of (features dict, labels) batches, or
                one batch (features, labels).
            steps: evaluate this many batches; default all of them.
            hooks: SessionRunHooks run around each batch (`lamina.estimators.hooks`).
            checkpoint_path: a checkpoint to evaluate instead of the latest in `model_dir`.
            name: names this evaluation: its summaries go to `model_dir/eval_<name>` instead
                of `model_dir/eval`.

        Returns:
            TensorFlow's metric dict: `loss`, `average_loss`, `global_step` and the head's
            metrics (`accuracy`, `auc`, ... for classifiers), or a custom model_fn's
            eval_metric_ops.

        Raises:
            ValueError: for `steps` not positive.

        Example:
            metrics = est.evaluate(lamina.estimators.inputs.numpy_input_fn({"x": x}, y, shuffle=False))
            metrics["accuracy"]
        """
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        runtime = self._runtime_at(checkpoint_path, EVAL)
        if self.model_fn is not None:
            from lamina.estimators import model_fn

            metrics = model_fn.evaluate(runtime, input_fn, steps, hooks, self.__dict__.get("config"), self._metric_fns)
            self._record_evaluation(name, metrics)
            return metrics
        from lamina.estimators.hooks import hooked

        batches = hooked(self._batches(runtime, input_fn, EVAL)[0], hooks, runtime.global_step)
        tracker = runtime.spec.head.new_metrics()
        seen, added = 0, {}
        from lamina import _core

        for batch in batches:
            if steps is not None and seen >= steps:
                break
            labels = _core.convert_to_tensor(batch[LABELS])
            weights = batch.get(WEIGHTS)
            weights = None if weights is None else _core.convert_to_tensor(weights)
            logits = runtime.logits(batch)
            loss, per_example = runtime.spec.head.loss(logits, labels, weights)
            unweighted = runtime.spec.head.unreduced_loss(logits, labels) if weights is not None else per_example
            tracker.update(loss, unweighted, logits, labels, weights)
            if self._metric_fns:
                from lamina.estimators.model_fn import update_added_metrics

                update_added_metrics(added, self._metric_fns, labels, runtime.spec.head.predictions(logits), None,
                                     self.__dict__.get("config"))
            seen += 1
        if seen == 0:
            raise ValueError("evaluate: the input_fn gave no batches")
        metrics = tracker.result(runtime.global_step)
        metrics.update({k: np.float32(np.asarray(m.result())) for k, m in added.items()})
        self._record_evaluation(name, metrics)
        return metrics

    def _record_evaluation(self, name, metrics: dict) -> None:
        """Writes the metrics for TensorBoard and keeps them for the early-stopping hooks."""
        write_evaluation(self._model_dir(create=False), name, metrics)
        history = self.__dict__.setdefault("_evaluations", {}).setdefault(name, {})
        history[int(metrics["global_step"])] = dict(metrics)

    def eval_dir(self, name=None) -> str:
        """The folder of evaluation `name`'s summaries (model_dir/eval or eval_<name>)."""
        return os.path.join(self._model_dir(create=False), "eval" if not name else f"eval_{name}")

    def export_saved_model(self, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                           checkpoint_path=None, experimental_mode=PREDICT) -> str:
        """Exports the trained model into a new version directory `export_dir_base/<timestamp>/`,
        which `lamina serve --model_base_path=export_dir_base` serves (TF's signature).

        Args:
            export_dir_base: the directory holding the versions.
            serving_input_receiver_fn: e.g. `lamina.estimators.export.build_raw_serving_input_receiver_fn(
                {"x": (4,)})`, naming the features requests feed; None uses the numeric columns.
            assets_extra, as_text, checkpoint_path, experimental_mode: TF's; only their defaults
                are supported.

        Returns:
            The path of the new version directory.

        Raises:
            ExportError: naming a feature column that cannot be exported (only numeric columns can).
        """
        from lamina.estimators.export import export_saved_model

        if self.model_fn is not None:
            raise NotImplementedError("export_saved_model: lamina exports the canned estimators; a custom model_fn's "
                                      "predictions are not traced into a serving graph (use predict, or a Keras model "
                                      "and lamina.export)")
        return export_saved_model(self, export_dir_base, serving_input_receiver_fn, assets_extra, as_text,
                                  checkpoint_path, experimental_mode)

    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Yields predictions for the features of `input_fn`.

        Args:
            input_fn: returns a `lamina.data.Dataset` of features (labels, if any, are
                ignored), or one batch of features.
            predict_keys: a key or list of keys to keep in each prediction dict.
            hooks: SessionRunHooks run around each batch (`lamina.estimators.hooks`).
            checkpoint_path: a checkpoint to predict with instead of the latest in `model_dir`.
            yield_single_examples: yield one dict per example; False yields one per batch.

        Returns:
            A generator of TensorFlow's prediction dicts (`logits`, `probabilities`,
            `class_ids`, `classes`, ... for classifiers; `predictions` for regressors), or a
            custom model_fn's predictions.

        Example:
            for p in est.predict(lamina.estimators.inputs.numpy_input_fn({"x": x_new}, shuffle=False)):
                print(p["class_ids"])
        """
        runtime = self._runtime_at(checkpoint_path, PREDICT)
        if self.model_fn is not None:
            from lamina.estimators import model_fn

            return model_fn.predict(runtime, input_fn, predict_keys, self.__dict__.get("config"), yield_single_examples,
                                    hooks)
        from lamina.estimators.hooks import hooked

        batches = hooked(self._batches(runtime, input_fn, PREDICT)[0], hooks, runtime.global_step)
        head = runtime.spec.head
        keys = [predict_keys] if isinstance(predict_keys, str) else predict_keys
        return _predictions(runtime, batches, head, keys, yield_single_examples)

    def _runtime_at(self, checkpoint_path, mode):
        runtime = self._ready_runtime(mode)
        if checkpoint_path is None:
            return runtime
        path = checkpoints.resolve(checkpoint_path)
        other = self._new_runtime(runtime.model_dir, runtime.fitted)
        other.restore(checkpoints.load(path), path)
        return other


def _predictions(runtime, batches, head, keys, single):
    for batch in batches:
        logits = runtime.logits(batch)
        out = head.predictions(logits)
        n = int(logits.shape[0])
        if keys is not None:
            unknown = [k for k in keys if k not in out]
            if unknown:
                raise ValueError(f"predict_keys {unknown} are not predictions of this estimator: {sorted(out)}")
            out = {k: out[k] for k in keys}
        if not single:
            yield out
            continue
        for i in range(n):
            yield {k: v[i] for k, v in out.items()}


def _split(element):
    if isinstance(element, tuple):
        if len(element) != 2:
            raise ValueError(f"Each dataset element must be (features, labels) or features; got a tuple of {len(element)}")
        return element[0], element[1]
    return element, None


def _repeat(prepared: dict, mode: str):
    if mode == TRAIN:
        while True:
            yield prepared
    else:
        yield prepared


def add_metrics(estimator: Estimator, metric_fn) -> Estimator:
    """A copy of `estimator` whose evaluate also reports the metrics of `metric_fn`
    (tf.estimator.add_metrics).

    Args:
        estimator: a canned or custom Estimator.
        metric_fn: called per evaluation batch with any of `labels`, `predictions` (the
            prediction dict), `features` (custom Estimators; None for canned ones, whose
            features become column inputs) and `config`; returns {name: lamina metric updated
            with the batch}, as a model_fn's eval_metric_ops.

    Returns:
        The new Estimator (same model_dir and configuration).
    """
    import copy

    if not callable(metric_fn):
        raise ValueError(f"metric_fn must be callable, given: {metric_fn!r}")
    if not _accepted(metric_fn) <= {"labels", "predictions", "features", "config"}:
        raise ValueError(f"metric_fn has unexpected args {sorted(_accepted(metric_fn))}: it may take labels, predictions, "
                         f"features and config")
    added = copy.copy(estimator)
    added._metric_fns = tuple(estimator._metric_fns) + (metric_fn,)
    return added


def _accepted(fn) -> set:
    """The argument names `fn` accepts."""
    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return set()


def _call_input_fn(input_fn, mode, config):
    if not callable(input_fn):
        raise TypeError(f"input_fn must be a callable returning the data, got {type(input_fn).__name__}")
    try:
        names = inspect.signature(input_fn).parameters
    except (TypeError, ValueError):
        names = {}
    kwargs = {}
    if "mode" in names:
        kwargs["mode"] = mode
    if "config" in names:
        kwargs["config"] = config
    if "params" in names:
        kwargs["params"] = {}
    return input_fn(**kwargs)


def _distributed_training(config, runtime):
    """The data-parallel state of a `train` call under `RunConfig(train_distribute=...)`, or None."""
    from lamina.distribution import estimator as distributed

    dist = distributed.resolve(getattr(config, "train_distribute", None))
    if dist is None or dist.num_replicas == 1:
        return None
    return distributed.DistributedTraining(dist, runtime)
