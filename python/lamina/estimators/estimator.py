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
    """Base class of the canned estimators (TensorFlow's tf.estimator.Estimator API).

    Subclasses describe their model with `_model_spec()`; this class runs it.
    """

    _runtime = None

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
        return Runtime(self._model_spec(fitted), self._seed(), model_dir, fitted)

    def _ready_runtime(self, mode: str) -> Runtime:
        """The runtime for a call: the one in memory when it is the latest checkpoint's state,
        else rebuilt and restored (or, for training from nothing, initialized and warm-started)."""
        model_dir = self._model_dir(create=mode == TRAIN)
        runtime = self._runtime
        if runtime is None or runtime.model_dir != model_dir:
            runtime = self._new_runtime(model_dir, None if runtime is None else runtime.fitted)
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
            hooks, saving_listeners: not supported (must be empty).
            steps: train this many more steps (or until the input ends).
            max_steps: train until the global step reaches this (nothing if already there).

        Returns:
            self.

        Raises:
            ValueError: for both `steps` and `max_steps`, or either not positive.
            NotImplementedError: for `hooks` or `saving_listeners`.

        Example:
            est.train(lamina.estimators.inputs.numpy_input_fn({"x": x}, y, shuffle=True, num_epochs=None),
                      steps=1000)
        """
        if hooks or saving_listeners:
            raise NotImplementedError("lamina estimators do not run session hooks or saving listeners")
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
        batches, ends = self._batches(runtime, input_fn, TRAIN)
        if target is None and not ends:
            raise ValueError("input_fn returned one fixed batch, so training would never end: pass steps or max_steps")
        self._train_loop(runtime, batches, target, save=True)
        return self

    def _train_loop(self, runtime: Runtime, batches, target, save: bool) -> None:
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
                loss = runtime.train_step(batch if distributed is None else distributed.local(batch))
                summaries.after_step(runtime.global_step, loss)
                if save and ((every_steps and runtime.global_step - last_step >= every_steps)
                             or (every_secs and time.monotonic() - last_time >= every_secs)):
                    runtime.save(settings["keep"])
                    last_step, last_time = runtime.global_step, time.monotonic()
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
            hooks: not supported (must be empty).
            checkpoint_path: a checkpoint to evaluate instead of the latest in `model_dir`.
            name: names this evaluation: its summaries go to `model_dir/eval_<name>` instead
                of `model_dir/eval`.

        Returns:
            TensorFlow's metric dict: `loss`, `average_loss`, `global_step` and the head's
            metrics (`accuracy`, `auc`, ... for classifiers).

        Raises:
            ValueError: for `steps` not positive.
            NotImplementedError: for `hooks`.

        Example:
            metrics = est.evaluate(lamina.estimators.inputs.numpy_input_fn({"x": x}, y, shuffle=False))
            metrics["accuracy"]
        """
        if hooks:
            raise NotImplementedError("lamina estimators do not run session hooks")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        runtime = self._runtime_at(checkpoint_path, EVAL)
        batches, _ = self._batches(runtime, input_fn, EVAL)
        tracker = runtime.spec.head.new_metrics()
        seen = 0
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
            seen += 1
        if seen == 0:
            raise ValueError("evaluate: the input_fn gave no batches")
        metrics = tracker.result(runtime.global_step)
        write_evaluation(runtime.model_dir, name, metrics)
        return metrics

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

        return export_saved_model(self, export_dir_base, serving_input_receiver_fn, assets_extra, as_text,
                                  checkpoint_path, experimental_mode)

    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Yields predictions for the features of `input_fn`.

        Args:
            input_fn: returns a `lamina.data.Dataset` of features (labels, if any, are
                ignored), or one batch of features.
            predict_keys: a key or list of keys to keep in each prediction dict.
            hooks: not supported (must be empty).
            checkpoint_path: a checkpoint to predict with instead of the latest in `model_dir`.
            yield_single_examples: yield one dict per example; False yields one per batch.

        Returns:
            A generator of TensorFlow's prediction dicts (`logits`, `probabilities`,
            `class_ids`, `classes`, ... for classifiers; `predictions` for regressors).

        Raises:
            NotImplementedError: for `hooks`.

        Example:
            for p in est.predict(lamina.estimators.inputs.numpy_input_fn({"x": x_new}, shuffle=False)):
                print(p["class_ids"])
        """
        if hooks:
            raise NotImplementedError("lamina estimators do not run session hooks")
        runtime = self._runtime_at(checkpoint_path, PREDICT)
        batches, _ = self._batches(runtime, input_fn, PREDICT)
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
        if hasattr(head, "class_names"):
            out["all_class_ids"] = np.broadcast_to(np.arange(head.n_classes, dtype=np.int32), (n, head.n_classes))
            out["all_classes"] = np.broadcast_to(head.class_names, (n, head.n_classes))
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
