"""compile / fit / evaluate / predict and the per-batch variants, with Keras' signatures.

A training step is a handful of engine calls: the forward layers, one backward pass run in
Rust from the tape, and one fused optimizer update over all parameters.
"""

from __future__ import annotations

import numpy as np

from lamina import _core
from lamina.autodiff import GradientTape
from lamina.distribution import training as distributed
from lamina.layers.symbolic import flatten, map_structure
from lamina.models import data_adapter
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
        self._trainable_cache = (None, None)

    # ----------------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly: bool = False, steps_per_execution: int = 1, jit_compile="auto", auto_scale_loss: bool = True):
        """Configures the model for training.

        Args:
            optimizer: name ("adam", "sgd", "rmsprop", ...) or optimizer instance.
            loss: name, function or Loss instance; a list or dict for several outputs.
            loss_weights: optional list/dict weighting the per-output losses.
            metrics: list of metric names/instances ("accuracy" picks the right variant from
                the loss and shapes); a list or dict per output for several outputs.
            weighted_metrics: metrics that take `sample_weight` into account.
            run_eagerly, steps_per_execution, jit_compile: accepted for compatibility (lamina
                always runs eagerly in its engine).
        """
        from lamina import metrics as metrics_module
        from lamina import optimizers

        self.optimizer = optimizers.get(optimizer)
        self._compile_loss = CompileLoss(loss, loss_weights, output_names=self._output_names_for_compile()) if loss is not None else None
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics, loss, output_names=self._output_names_for_compile())
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._compile_config = {"optimizer": optimizer, "loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                                "weighted_metrics": weighted_metrics}
        self.compiled = True
        self.stop_training = False
        self._distribution = distributed.distribution()  # a strategy's scope or set_distribution

    def _output_names_for_compile(self):
        names = getattr(self, "output_names", None)
        try:
            return list(names) if names is not None else None
        except Exception:  # a subclassed model has no output names before it is called
            return None

    @property
    def metrics(self) -> list:
        out = [self._loss_tracker] if self._loss_tracker is not None else []
        if self._compile_metrics is not None:
            out.extend(self._compile_metrics.metrics)
        return out

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def _cached_trainable_weights(self) -> list:
        from lamina.layers.layer import weight_cache_version

        version, weights = self._trainable_cache
        if version != weight_cache_version():
            weights = self.trainable_weights
            self._trainable_cache = (weight_cache_version(), weights)
        return weights

    # ----------------------------------------------------------------------------------------
    # one step

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training: bool = True):
        """The compiled loss of a batch plus the model's regularization losses (a scalar)."""
        total = None
        if self._compile_loss is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        for extra in self.losses:
            total = extra if total is None else _core.add(total, extra)
        if total is None:
            raise ValueError("No loss to compute: pass `loss=` to compile() or add losses with add_loss()")
        return total

    def train_step(self, data) -> dict:
        """One optimization step on a batch `(x, y, sample_weight)`; returns the logs."""
        x, y, sample_weight = data
        weights = self._cached_trainable_weights()
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
        grads = tape.gradient(loss, weights)
        logs = self._update_metrics(loss, x, y, y_pred, sample_weight)
        grads, logs = distributed.reduce_step(self, grads, logs)  # global batch's gradients and metrics
        self.optimizer.apply(grads, weights)
        return logs

    def test_step(self, data) -> dict:
        x, y, sample_weight = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        return self._update_metrics(loss, x, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = data
        return self(x, training=False)

    def _update_metrics(self, loss, x, y, y_pred, sample_weight) -> dict:
        n = flatten(x)[0].shape[0] if flatten(x) else 1
        self._loss_tracker.update_state(loss, sample_weight=n)
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self._logs()

    def _logs(self) -> dict:
        return {m.name: _log_value(m.result()) for m in self.metrics}

    def _assert_compiled(self, what: str) -> None:
        if not self.compiled or self.optimizer is None and what == "fit":
            raise RuntimeError(f"You must call `compile()` before `{what}()`: the model has no optimizer and loss yet.")

    # ----------------------------------------------------------------------------------------
    # loops

    def fit(self, x=None, y=None, batch_size=None, epochs: int = 1, verbose="auto", callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True, class_weight=None,
            sample_weight=None, initial_epoch: int = 0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq: int = 1):
        """Trains the model; returns a History whose `.history` maps each metric to its per-epoch values."""
        from lamina.callbacks.callback_list import CallbackList

        self._assert_compiled("fit")
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
        cbs.on_train_begin()
        logs = {}
        try:
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                cbs.on_epoch_begin(epoch)
                for step, batch in enumerate(train):
                    cbs.on_train_batch_begin(step)
                    logs = self.train_step(batch)
                    cbs.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                epoch_logs = dict(logs)
                if val is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self._evaluate_adapter(val, callbacks=None, verbose=0)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                cbs.on_epoch_end(epoch, epoch_logs)
                if self.stop_training:
                    break
        except KeyboardInterrupt:
            # Every optimizer update is one engine call, so the weights are those of the last
            # finished step.
            print("\nTraining interrupted: the model keeps the weights of the last finished step.")
        cbs.on_train_end(logs)
        return self.history

    def _evaluate_adapter(self, adapter, callbacks, verbose) -> dict:
        from lamina.callbacks.callback_list import CallbackList

        self.reset_metrics()
        adapter = distributed.prepare(self, adapter, training=False)
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                           steps=adapter.num_batches, mode="test")
        cbs.on_test_begin()
        logs = {}
        for step, batch in enumerate(adapter):
            cbs.on_test_batch_begin(step)
            logs = self.test_step(batch)
            cbs.on_test_batch_end(step, logs)
        logs = distributed.reduce_logs(self, logs)
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict: bool = False, **kwargs):
        """Loss and metric values on the data: a scalar, a list in `metrics_names` order, or a dict."""
        self._assert_compiled("evaluate")
        adapter = data_adapter.make_adapter(x, y, sample_weight, batch_size, False, steps)
        self._check_data_against_model(adapter)
        logs = self._evaluate_adapter(adapter, callbacks, 1 if verbose == "auto" else verbose)
        if return_dict:
            return logs
        values = [logs[n] for n in self.metrics_names if n in logs]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Predictions as numpy arrays (the model's output structure)."""
        gathered = distributed.predict(self, x, lambda part: self.predict(part, batch_size, verbose, steps, callbacks))
        if gathered is not None:
            return gathered
        adapter = data_adapter.make_adapter(x, None, None, batch_size, False, steps)
        if isinstance(adapter, data_adapter.ArrayAdapter) and adapter.n <= adapter.batch_size and not callbacks and verbose in ("auto", 0):
            # One batch: no loop machinery, no progress bar (the common single-sample case).
            return _to_numpy(self.predict_step(adapter.as_one_batch()))
        from lamina.callbacks.callback_list import CallbackList

        cbs = CallbackList(callbacks, add_progbar=verbose not in (0, "auto"), model=self, verbose=verbose, epochs=1,
                           steps=adapter.num_batches, mode="predict")
        cbs.on_predict_begin()
        outputs = []
        for step, batch in enumerate(adapter):
            cbs.on_predict_batch_begin(step)
            out = self.predict_step(batch)
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
        it = iter(merged)
        return map_structure(lambda _: next(it), first)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict: bool = False):
        """One training step on one batch; returns the loss (and metrics)."""
        self._assert_compiled("fit")
        self.reset_metrics()
        adapter = data_adapter.ArrayAdapter(x, y, sample_weight, batch_size=None, class_weight=class_weight)
        logs = self.train_step(adapter.as_one_batch())
        return logs if return_dict else _logs_as_values(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        self._assert_compiled("evaluate")
        self.reset_metrics()
        adapter = data_adapter.ArrayAdapter(x, y, sample_weight)
        logs = self.test_step(adapter.as_one_batch())
        return logs if return_dict else _logs_as_values(logs)

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
            if len(got) != len(want) or any(w is not None and w != g for w, g in zip(want[1:], got[1:])):
                raise ValueError(
                    f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected shape={want}, "
                    f"found shape={got}"
                )


def _log_value(value):
    """A float, or a numpy array for metrics with one value per threshold (Precision(thresholds=[...]))."""
    array = np.asarray(value)
    return float(array) if array.ndim == 0 else array


def _logs_as_values(logs: dict):
    values = list(logs.values())
    return values[0] if len(values) == 1 else values
