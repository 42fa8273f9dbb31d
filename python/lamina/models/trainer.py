"""compile / fit / evaluate / predict and the per-batch variants, with Keras' signatures.

A training step is a handful of engine calls: the forward layers, one backward pass run in
Rust from the tape, and one fused optimizer update over all parameters.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from lamina import _core
from lamina.autodiff import GradientTape
from lamina.distribution import training as distributed
from lamina.layers.layer import weight_cache_version
from lamina.layers.symbolic import flatten, map_structure
from lamina.models import data_adapter, data_adapter_utils
from lamina.models.compile_utils import CompileLoss, CompileMetrics


def _to_numpy(structure):
    return map_structure(lambda t: np.array(t) if isinstance(t, _core.Tensor) else t, structure)


class Trainer:
    def __init__(self):
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self.loss = None
        self.run_eagerly = False
        self.jit_compile = False
        self.steps_per_execution = 1
        self._trainable_cache = (None, None)
        self._built_for_version = None  # weight-cache version at which every layer was built
        # A `compute_loss` override written before Keras 3.3 has no `training` argument.
        self._compute_loss_has_training_arg = "training" in inspect.signature(self.compute_loss).parameters

    # ----------------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly: bool = False, steps_per_execution: int = 1, jit_compile="auto", auto_scale_loss: bool = True):
        """Configures the model for training.

        Args:
            optimizer: name ("adam", "sgd", "rmsprop", ...) or optimizer instance.
            loss: name, function or Loss instance; a list or dict for several outputs. May be
                None for a model whose `train_step` or `add_loss` computes its own loss.
            loss_weights: optional list/dict weighting the per-output losses.
            metrics: list of metric names/instances ("accuracy" picks the right variant from
                the loss and shapes); a list or dict per output for several outputs.
            weighted_metrics: metrics that take `sample_weight` into account.
            run_eagerly: accepted for compatibility (lamina always runs eagerly in its engine).
            steps_per_execution: accepted for compatibility; one step runs per batch.
            jit_compile: accepted for compatibility; there is no function to compile.
            auto_scale_loss: accepted for compatibility (no mixed precision).

        Example:
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        """
        from lamina import metrics as metrics_module
        from lamina import optimizers

        self.optimizer = optimizers.get(optimizer)
        self._compile_loss = CompileLoss(loss, loss_weights, output_names=self._output_names_for_compile()) if loss is not None else None
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics, output_names=self._output_names_for_compile())
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._compile_config = {"optimizer": optimizer, "loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                                "weighted_metrics": weighted_metrics}
        self.loss = loss
        # lamina runs every step eagerly in its engine: there is no function to JIT-compile.
        self.run_eagerly = run_eagerly
        self.jit_compile = False if jit_compile == "auto" else bool(jit_compile)
        self.steps_per_execution = steps_per_execution
        self.compiled = True
        self.stop_training = False
        self._distribution = distributed.distribution()  # a strategy's scope or set_distribution
        self._built_for_version = None

    def get_compile_config(self) -> dict | None:
        """The arguments of the last `compile()`, serialized (None before compiling)."""
        if not self.compiled:
            return None
        from lamina.saving.serialization import serialize_keras_object

        def serialize(value):
            if isinstance(value, (list, tuple)):
                return [serialize(v) for v in value]
            if isinstance(value, dict):
                return {k: serialize(v) for k, v in value.items()}
            return value if value is None or isinstance(value, (str, int, float, bool)) else serialize_keras_object(value)

        return {k: serialize(v) for k, v in self._compile_config.items()}

    def compile_from_config(self, config: dict) -> None:
        """Compiles the model with a config from `get_compile_config()`."""
        from lamina.saving.saving_api import _compile_from_config

        _compile_from_config(self, config, None)

    def _output_names_for_compile(self):
        names = getattr(self, "output_names", None)
        try:
            return list(names) if names is not None else None
        except Exception:  # a subclassed model has no output names before it is called
            return None

    @property
    def metrics(self) -> list:
        """The loss tracker, the compiled metrics, then the metrics the model and its layers
        track (Metric attributes), in Keras' order."""
        out = []
        if self.compiled:
            out.append(self._loss_tracker)
            if self._compile_metrics is not None:
                out.extend(self._compile_metrics.metrics)
            if self._compile_loss is not None:
                out.extend(self._compile_loss.metrics)  # per-output losses: out1_loss, ...
        out.extend(self._metrics)
        for layer in self._cached_flat_layers()[1:]:
            if not isinstance(layer, Trainer):  # a nested model's compile state is not ours
                out.extend(layer._metrics)
        return out

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def _cached_trainable_weights(self) -> list:
        version, weights = self._trainable_cache
        if version != weight_cache_version():
            weights = self.trainable_weights
            self._trainable_cache = (weight_cache_version(), weights)
        return weights

    # ----------------------------------------------------------------------------------------
    # one step

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training: bool = True):
        """The compiled loss of a batch plus the model's regularization losses (a scalar).

        Override it to compute a custom loss; `train_step` and `test_step` call it with
        `training=` only when the override accepts that argument, as Keras does.
        """
        total = None
        if self._compile_loss is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        for extra in self.losses:
            total = extra if total is None else _core.add(total, extra)
        if total is None:
            raise ValueError("No loss to compute: pass `loss=` to compile() or add losses with add_loss()")
        return total

    def _compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training: bool = True):
        if self._compute_loss_has_training_arg:
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Updates the compiled metrics with a batch and returns every metric's result.

        Args:
            x: the batch's inputs (unused by the default implementation).
            y: the targets.
            y_pred: the model's predictions.
            sample_weight: optional per-sample weights.

        Returns:
            A dict `{metric name: value}` over `self.metrics`, as `get_metrics_result()`.
        """
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        """The current result of every metric in `self.metrics`, by name (dict results merged)."""
        # Compiled metrics log under Keras' names (output prefix, `weighted_`, `_1`...).
        logged = {id(m): name for name, m in self._compile_metrics.named} if self._compile_metrics is not None else {}
        out = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[logged.get(id(m), m.name)] = result
        return out

    def train_step(self, data) -> dict:
        """One optimization step on a batch.

        Args:
            data: the batch as `fit` was given it: `x` for `fit(x)`, `(x, y)` for
                `fit(x, y)`, `(x, y, sample_weight)` with sample weights, or a dataset's element.

        Returns:
            The logs: a dict of metric values.
        """
        x, y, sample_weight = data_adapter_utils.unpack_x_y_sample_weight(data)
        weights = self._cached_trainable_weights()
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self._compute_loss(x, y, y_pred, sample_weight, training=True)
            scaled_loss = self.optimizer.scale_loss(loss) if hasattr(self.optimizer, "scale_loss") else loss
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        logs = self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)
        if weights:
            grads = tape.gradient(scaled_loss, weights)
            grads, logs = distributed.reduce_step(self, grads, logs)  # the global batch's gradients and metrics
            self.optimizer.apply(grads, weights)
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return logs

    def test_step(self, data) -> dict:
        """One evaluation step on a batch (`data` as in `train_step`); returns the logs."""
        x, y, sample_weight = data_adapter_utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self._compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """The predictions for one batch (`data` as in `train_step`; targets are ignored)."""
        x, _, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # Keras 2 names kept by Keras 3 as deprecated shims.
    def compiled_loss(self, y, y_pred, sample_weight=None, regularization_losses=None):
        """Deprecated: the compiled loss plus regularization losses; use `compute_loss`."""
        warnings.warn("`model.compiled_loss()` is deprecated. Instead, use "
                      "`model.compute_loss(x, y, y_pred, sample_weight, training)`.", stacklevel=2)
        return self.compute_loss(x=None, y=y, y_pred=y_pred, sample_weight=sample_weight)

    @property
    def compiled_metrics(self):
        """Deprecated: an object whose `update_state(y, y_pred, sample_weight)` updates the
        compiled metrics; use `self.metrics` instead."""
        model = self

        class DeprecatedCompiledMetrics:
            def update_state(self, y, y_pred, sample_weight=None):
                warnings.warn("`model.compiled_metrics()` is deprecated. Instead, update each metric of "
                              "`self.metrics`.", stacklevel=2)
                if model._compile_metrics is not None:
                    model._compile_metrics.update_state(y, y_pred, sample_weight)

        return DeprecatedCompiledMetrics()

    def _build_on_first_batch(self, data) -> None:
        """What Keras' symbolic build does before the first step: build every layer (a
        subclassed model, or a Sequential without an input shape, builds on the first batch)
        and the compiled metrics, so `trainable_weights` and `metrics` are complete before
        `train_step` runs."""
        if self._built_for_version == weight_cache_version():
            return
        # A model with sublayers counts as built when they are (a GAN-style model with only a
        # custom train_step need not be callable).
        layers_unbuilt = (not all(layer.built for layer in self._flatten_layers(include_self=False))
                          or not (self.built or self._layers))
        metrics_unbuilt = (self._compile_metrics is not None and not self._compile_metrics._built
                           and (self._compile_metrics.specs is not None or self._compile_metrics.weighted_specs is not None))
        if not layers_unbuilt and not metrics_unbuilt:
            self._built_for_version = weight_cache_version()
            return
        x, y, _ = data_adapter_utils.unpack_x_y_sample_weight(data)
        _core.pause_recording()
        try:
            y_pred = self(x, training=False)
        finally:
            _core.resume_recording()
        if metrics_unbuilt and y is not None:
            self._compile_metrics.build(y, y_pred)
        self._built_for_version = weight_cache_version()

    def _assert_compiled(self, what: str) -> None:
        if not self.compiled or self.optimizer is None and what == "fit":
            raise RuntimeError(f"You must call `compile()` before `{what}()`: the model has no optimizer and loss yet.")

    # ----------------------------------------------------------------------------------------
    # loops

    def fit(self, x=None, y=None, batch_size=None, epochs: int = 1, verbose="auto", callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True, class_weight=None,
            sample_weight=None, initial_epoch: int = 0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq: int = 1):
        """Trains the model for a number of epochs over the data.

        Args:
            x: the inputs: a numpy array (or anything `np.asarray` reads), a list or dict of
                them for several inputs, a `lamina.data.Dataset` or a generator yielding
                `(x, y)` or `(x, y, sample_weight)` batches.
            y: the targets, shaped as `x` is (arrays, list or dict per output); None when `x`
                is a dataset or generator.
            batch_size: samples per step for array data (default 32).
            epochs: the epoch to stop after (counting from 0, so with `initial_epoch`).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch; "auto" is 1.
            callbacks: `lamina.callbacks.Callback` instances called during training.
            validation_split: fraction (0 to 1) of the array data held out for validation,
                taken from the end before shuffling, as in Keras.
            validation_data: `(x_val, y_val)`, `(x_val, y_val, sample_weight)` or a dataset
                evaluated at the end of each epoch; overrides `validation_split`.
            shuffle: shuffle array data before each epoch.
            class_weight: dict mapping class indices to a weight for the loss.
            sample_weight: array of per-sample weights for the loss.
            initial_epoch: the epoch to start at (to resume training).
            steps_per_epoch: steps per epoch; default one pass over the data.
            validation_steps: steps of validation data per validation; default all of it.
            validation_batch_size: batch size for validation; default `batch_size`.
            validation_freq: validate every this many epochs, or a list of the (1-based)
                epochs to validate after.

        Returns:
            A `History` callback whose `history` dict maps each loss and metric name (and
            `val_` names) to its per-epoch values.

        Raises:
            RuntimeError: when the model was not compiled.
            ValueError: for arguments out of range (naming the call and the argument), or data
                whose shapes do not match the model's inputs and outputs.

        Example:
            history = model.fit(x_train, y_train, batch_size=64, epochs=5, validation_split=0.1)
            history.history["val_loss"]
        """
        from lamina.callbacks.callback_list import CallbackList

        self._assert_compiled("fit")
        # validation_freq may also be Keras' list of the (1-based) epochs to validate after.
        freq = None if isinstance(validation_freq, list) else validation_freq
        data_adapter.check_counts("fit", {"batch_size": batch_size, "steps_per_epoch": steps_per_epoch,
                                          "validation_batch_size": validation_batch_size,
                                          "validation_steps": validation_steps, "validation_freq": freq},
                                  {"epochs": epochs, "initial_epoch": initial_epoch})
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_adapter.split_for_validation(x, y, sample_weight, validation_split)
        train = data_adapter.make_adapter(x, y, sample_weight, batch_size, shuffle, steps_per_epoch, class_weight)
        self._check_data_against_model(train)
        train = distributed.prepare(self, train, training=True, initial_epoch=initial_epoch)
        val = None
        if validation_data is not None:
            vx, vy, vsw = data_adapter._unpack(validation_data) if isinstance(validation_data, tuple) else (validation_data, None, None)
            val = data_adapter.make_adapter(vx, vy, vsw, validation_batch_size or batch_size, False, validation_steps)
        verbose = 1 if verbose == "auto" else verbose
        cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose,
                           epochs=epochs, steps=train.num_batches)
        self.stop_training = False
        self._initial_epoch = None
        cbs.on_train_begin()
        # A callback restoring a backup (BackupAndRestore) sets where training resumes.
        initial_epoch = self._initial_epoch or initial_epoch
        logs = training_logs = {}
        try:
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                cbs.on_epoch_begin(epoch)
                for step, data in enumerate(_packed_batches(train)):
                    self._build_on_first_batch(data)
                    cbs.on_train_batch_begin(step)
                    logs = _python_logs(self.train_step(data))
                    cbs.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                epoch_logs = self._metrics_result_or_logs(logs)
                if val is not None and (epoch + 1 in validation_freq if isinstance(validation_freq, list)
                                        else (epoch + 1) % validation_freq == 0):
                    # The fit's callbacks see the validation run (on_test_*), as in Keras.
                    val_logs = self._evaluate_adapter(val, callbacks=cbs, verbose=0)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                cbs.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training:
                    break
        except KeyboardInterrupt:
            # Every optimizer update is one engine call, so the weights are those of the last
            # finished step.
            print("\nTraining interrupted: the model keeps the weights of the last finished step.")
        cbs.on_train_end(training_logs)
        return self.history

    def _evaluate_adapter(self, adapter, callbacks, verbose) -> dict:
        from lamina.callbacks.callback_list import CallbackList

        self.reset_metrics()
        adapter = distributed.prepare(self, adapter, training=False)
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=adapter.num_batches,
            mode="test")
        cbs.on_test_begin()
        logs = {}
        for step, data in enumerate(_packed_batches(adapter)):
            self._build_on_first_batch(data)
            cbs.on_test_batch_begin(step)
            logs = _python_logs(self.test_step(data))
            cbs.on_test_batch_end(step, logs)
        distributed.reduce_metrics(self)  # the metric states of all ranks' rows
        logs = self._metrics_result_or_logs(logs)
        cbs.on_test_end(logs)
        return logs

    def _metrics_result_or_logs(self, logs: dict) -> dict:
        """The metrics' results when the step's logs name exactly them (Keras re-reads them at
        the end of an epoch); a custom step's own logs otherwise."""
        results = _python_logs(self.get_metrics_result())
        return results if isinstance(logs, dict) and set(logs) == set(results) else dict(logs)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict: bool = False, **kwargs):
        """Returns the loss and metric values of the model on the data, in test mode.

        Args:
            x: the inputs, as for `fit` (arrays, list/dict, dataset or generator).
            y: the targets, as for `fit`; None when `x` is a dataset or generator.
            batch_size: samples per step for array data (default 32).
            verbose: 0 silent, 1 progress bar; "auto" is 1.
            sample_weight: array of per-sample weights for the loss and weighted metrics.
            steps: the number of batches to evaluate; default all of the data.
            callbacks: callbacks called during evaluation.
            return_dict: return a dict of name to value instead of a list.

        Returns:
            The loss as a scalar when the model has no metrics, else a list in
            `metrics_names` order (the loss first), or a dict with `return_dict=True`.

        Raises:
            RuntimeError: when the model was not compiled.

        Example:
            loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
        """
        self._assert_compiled("evaluate")
        data_adapter.check_counts("evaluate", {"batch_size": batch_size, "steps": steps})
        adapter = data_adapter.make_adapter(x, y, sample_weight, batch_size, False, steps)
        self._check_data_against_model(adapter)
        logs = self._evaluate_adapter(adapter, callbacks, 1 if verbose == "auto" else verbose)
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def _flatten_metrics_in_order(self, logs: dict):
        """The logs as Keras' evaluate returns them: values in `metrics_names` order, then any
        other keys (a custom step's) sorted; a single value unwrapped."""
        names = [n for n in self.metrics_names if n in logs]
        values = [logs[n] for n in names] + [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Generates output predictions for the input samples, batch by batch.

        Args:
            x: the inputs: arrays, a list/dict of them, a dataset or a generator.
            batch_size: samples per step for array data (default 32).
            verbose: 0 silent, 1 progress bar; "auto" shows none.
            steps: the number of batches to predict; default all of the data.
            callbacks: callbacks called during prediction.

        Returns:
            numpy arrays in the model's output structure (one array, or a list/dict of them).

        Example:
            probabilities = model.predict(x_test, batch_size=256, verbose=0)
        """
        data_adapter.check_counts("predict", {"batch_size": batch_size, "steps": steps})
        gathered = distributed.predict(self, x, lambda part: self.predict(part, batch_size, verbose, steps, callbacks))
        if gathered is not None:
            return gathered
        adapter = data_adapter.make_adapter(x, None, None, batch_size, False, steps)
        if isinstance(adapter, data_adapter.ArrayAdapter) and adapter.n <= adapter.batch_size and not callbacks and verbose in ("auto", 0):
            # One batch: no loop machinery, no progress bar (the common single-sample case).
            return _to_numpy(self.predict_step(data_adapter_utils.pack_x_y_sample_weight(*adapter.as_one_batch())))
        from lamina.callbacks.callback_list import CallbackList

        cbs = CallbackList(callbacks, add_progbar=verbose not in (0, "auto"), model=self, verbose=verbose, epochs=1,
                           steps=adapter.num_batches, mode="predict")
        cbs.on_predict_begin()
        outputs = []
        for step, data in enumerate(_packed_batches(adapter)):
            cbs.on_predict_batch_begin(step)
            out = self.predict_step(data)
            outputs.append(out)
            cbs.on_predict_batch_end(step, {"outputs": out})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). The input had no samples.")
        first = outputs[0]
        if isinstance(first, _core.Tensor):
            return np.concatenate([np.asarray(o) for o in outputs], axis=0)
        flat = [flatten(o) for o in outputs]
        merged = [np.concatenate([np.asarray(f[i]) for f in flat], axis=0) for i in range(len(flat[0]))]
        return _pack_like(first, iter(merged))

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict: bool = False):
        """One training step on one batch; returns the loss (and metrics)."""
        self._assert_compiled("fit")
        self.reset_metrics()
        adapter = data_adapter.ArrayAdapter(x, y, sample_weight, batch_size=None, class_weight=class_weight)
        data = data_adapter_utils.pack_x_y_sample_weight(*adapter.as_one_batch())
        self._build_on_first_batch(data)
        logs = _python_logs(self.train_step(data))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        self._assert_compiled("evaluate")
        self.reset_metrics()
        adapter = data_adapter.ArrayAdapter(x, y, sample_weight)
        data = data_adapter_utils.pack_x_y_sample_weight(*adapter.as_one_batch())
        self._build_on_first_batch(data)
        logs = _python_logs(self.test_step(data))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        return _to_numpy(self(data_adapter.map_structure(data_adapter._to_engine, x), training=False))

    def _check_data_against_model(self, adapter) -> None:
        """Shape errors before any work, in Keras' terms."""
        if not isinstance(adapter, data_adapter.ArrayAdapter):
            return
        inputs = getattr(self, "inputs", None)
        if not inputs:
            return
        xs = flatten(adapter.x) if not isinstance(adapter.x, dict) else [adapter.x.get(n) for n in getattr(self, "input_names", [])]
        if len(xs) != len(inputs):
            raise ValueError(f"Model '{self.name}' expects {len(inputs)} input(s), but it received {len(xs)} input arrays")
        for kt, arr in zip(inputs, xs):
            if arr is None:
                continue
            got = tuple(arr.shape)
            want = kt.shape
            if len(got) == len(want) - 1 and want[-1] == 1:
                got = got + (1,)  # the model adds the missing trailing axis (see Functional)
            elif len(got) == len(want) + 1 and got[-1] == 1:
                got = got[:-1]
            if len(got) != len(want) or any(w is not None and w != g for w, g in zip(want[1:], got[1:])):
                raise ValueError(
                    f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected shape={want}, "
                    f"found shape={got}"
                )


def _pack_like(structure, leaves):
    """`structure` with its leaves replaced from `leaves`, taken in `flatten`'s order (dicts by
    sorted key), keeping each dict's own key order."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(_pack_like(s, leaves) for s in structure)
    if isinstance(structure, dict):
        packed = {k: _pack_like(structure[k], leaves) for k in sorted(structure, key=str)}
        return {k: packed[k] for k in structure}
    return next(leaves)


def _packed_batches(adapter):
    """The adapter's batches as Keras hands them to a step: `x`, `(x, y)` or `(x, y, sw)`."""
    for x, y, sample_weight in adapter:
        yield data_adapter_utils.pack_x_y_sample_weight(x, y, sample_weight)


def _batch_size(x) -> int:
    first = next((t for t in flatten(x) if t is not None), None)
    return int(first.shape[0]) if first is not None and len(first.shape) else 1


def _python_logs(logs):
    """A step's logs with tensor values read out as floats (or arrays), for callbacks."""
    if not isinstance(logs, dict):
        return logs
    return {k: _log_value(v) if isinstance(v, (_core.Tensor, np.ndarray, float, int, np.generic)) else v
            for k, v in logs.items()}


def _log_value(value):
    """A float, or a numpy array for metrics with one value per threshold (Precision(thresholds=[...]))."""
    array = np.asarray(value)
    return float(array) if array.ndim == 0 else array


