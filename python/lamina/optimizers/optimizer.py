"""The Optimizer base: learning rate (or schedule), gradient clipping, weight decay, slot
variables, and one fused engine call per step that updates every parameter."""

from __future__ import annotations

import math

import numpy as np

from lamina import _core
from lamina import ops


class Optimizer:
    """Base class of the optimizers.

    Args:
        learning_rate: a float or a `LearningRateSchedule` (called with the step count).
        weight_decay: decoupled weight decay (w -= w * weight_decay * lr) applied before the step.
        clipnorm: clip each gradient to this norm.
        clipvalue: clip each gradient's elements to [-clipvalue, clipvalue].
        global_clipnorm: clip all gradients together to this global norm.
        name: the optimizer's name.
    """

    rule: str = ""
    slot_names: tuple = ()

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        kwargs.pop("decay", None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments {sorted(kwargs)}")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set")
        self.name = name or type(self).__name__.lower()
        self._learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.iterations = _core.Variable(np.array(0, np.int64), trainable=False, name="iteration")
        self._slots: dict[int, list] = {}
        self._tracked: list = []

    # ----------------------------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        return self._current_lr()

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._learning_rate = value

    def _current_lr(self) -> float:
        lr = self._learning_rate
        if callable(lr) and not isinstance(lr, (int, float)):
            return float(lr(int(self.iterations.numpy())))
        return float(lr)

    @property
    def variables(self) -> list:
        out = [self.iterations]
        for var in self._tracked:
            out.extend(self._slots[id(var)])
        return out

    def build(self, variables: list) -> None:
        """Creates the slot variables of each parameter (zeros unless a rule says otherwise)."""
        for var in variables:
            if id(var) in self._slots:
                continue
            self._slots[id(var)] = [
                _core.Variable(np.full(tuple(var.shape), self._slot_initial_value(name), dtype=var.dtype),
                               trainable=False, name=f"{var.name}_{name}")
                for name in self.slot_names
            ]
            self._tracked.append(var)

    def _slot_initial_value(self, slot_name: str) -> float:
        return 0.0

    # ----------------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars) -> None:
        """Applies `[(gradient, variable), ...]`, as tf.keras optimizers do."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def apply(self, grads: list, trainable_variables: list | None = None) -> None:
        """One optimization step: clip, decay, then one fused engine update of every variable.

        Args:
            grads: the gradients, one per variable (None for a variable without one).
            trainable_variables: the variables; default those the optimizer was built with
                (`build(variables)` or an earlier `apply`), as in Keras.
        """
        grads = list(grads)
        if not grads:
            return  # Keras: applying no gradients is a no-op
        if trainable_variables is None:
            if not self._tracked:
                raise ValueError("When passing `grads` without `variables`, the optimizer must already be built on a "
                                 "list of variables. Call `optimizer.build(trainable_variables)` first.")
            trainable_variables = self._tracked
        variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"apply: {len(grads)} gradients for {len(variables)} variables")
        if all(g is None for g in grads):
            raise ValueError(f"No gradients provided for any variable: {[v.name for v in variables]}")
        self.build(variables)
        grads = self._clip(grads)
        lr = self._current_lr()
        if self.weight_decay:
            decay = 1.0 - lr * float(self.weight_decay)
            for v, g in zip(variables, grads):
                if g is not None and _decays(v):
                    v.assign(ops.multiply(v, decay))
        step = int(self.iterations.numpy()) + 1
        if self.rule:
            hyper = self._hyper(lr, step)
            _core.optimizer_apply(self.rule, variables, grads, [self._slots[id(v)] for v in variables], hyper)
        else:  # a rule the engine lacks, composed from engine ops (optimizers/composed.py)
            for v, g in zip(variables, grads):
                if g is not None:
                    self._update_step(g, v, self._slots[id(v)], lr, step)
        self.iterations.assign(np.array(step, np.int64))
        for v, g in zip(variables, grads):
            c = getattr(v, "constraint", None)
            if c is not None and g is not None:
                v.assign(c(v))

    def _hyper(self, lr: float, step: int) -> list:
        raise NotImplementedError

    def _update_step(self, gradient, variable, slots: list, lr: float, step: int) -> None:
        raise NotImplementedError(f"{type(self).__name__} has neither an engine rule nor an _update_step")

    def scale_loss(self, loss):
        """The loss to differentiate: `loss` itself (LossScaleOptimizer scales it)."""
        return loss

    def _clip(self, grads: list) -> list:
        if self.clipvalue is not None:
            c = float(self.clipvalue)
            return [None if g is None else ops.clip(g, -c, c) for g in grads]
        if self.clipnorm is not None:
            return [None if g is None else _clip_by_norm(g, float(self.clipnorm)) for g in grads]
        if self.global_clipnorm is not None:
            present = [g for g in grads if g is not None]
            norm = math.sqrt(sum(float(ops.sum(ops.square(g))) for g in present))
            limit = float(self.global_clipnorm)
            if norm > limit:
                scale = limit / norm
                return [None if g is None else ops.multiply(g, scale) for g in grads]
        return grads

    def __reduce__(self):
        # Engine Variables do not pickle: a copy (pickle, copy.deepcopy, scikit-learn's clone)
        # has the same hyperparameters and step count. Slot variables belong to the variables
        # being trained and are created anew for the copy's own.
        return (_rebuild, (type(self), self.get_config(), int(self.iterations.numpy())))

    # ----------------------------------------------------------------------------------------
    def get_config(self) -> dict:
        from lamina.saving.serialization import serialize_keras_object

        lr = self._learning_rate
        return {
            "name": self.name,
            "learning_rate": serialize_keras_object(lr) if not isinstance(lr, (int, float)) else float(lr),
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": False,
            "ema_momentum": 0.99,
            "ema_overwrite_frequency": None,
            "loss_scale_factor": None,
            "gradient_accumulation_steps": None,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            from lamina.saving.serialization import deserialize_keras_object

            config["learning_rate"] = deserialize_keras_object(lr, custom_objects=custom_objects)
        config.pop("is_legacy_optimizer", None)
        config.pop("jit_compile", None)
        return cls(**config)


def _rebuild(cls, config: dict, iterations: int):
    optimizer = cls.from_config(config)
    optimizer.iterations.assign(np.array(iterations, np.int64))
    return optimizer


def _clip_by_norm(g, limit: float):
    norm = math.sqrt(float(ops.sum(ops.square(g))))
    return ops.multiply(g, limit / norm) if norm > limit else g


def _decays(v) -> bool:
    # Keras skips decay for variables a user excluded; lamina decays every trainable float.
    return not getattr(v, "_exclude_from_weight_decay", False)
