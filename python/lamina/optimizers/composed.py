"""Optimizers whose update rule the engine does not have yet (Lion, Lamb, Adafactor), written
with engine ops and applied one variable at a time, and LossScaleOptimizer. Their math
follows Keras 3's update steps; each rule would run faster as an engine rule in one fused call
(core/ optimizer rules), like the other optimizers."""

from __future__ import annotations

import math

import numpy as np

from lamina import _core, ops
from lamina.optimizers.optimizer import Optimizer


class Lion(Optimizer):
    """Lion: the sign of an interpolation of momentum and gradient.

    Args:
        learning_rate: default 0.001. beta_1: the interpolation factor (default 0.9).
        beta_2: the momentum decay (default 0.99).
    """

    slot_names = ("momentum",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, name="lion", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 < beta_1 <= 1:
            raise ValueError(f"Lion: beta_1 must be in (0, 1], got {beta_1}")
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)

    def _update_step(self, gradient, variable, slots, lr, step):
        (m,) = slots
        g = ops.cast(gradient, variable.dtype)
        direction = ops.sign(ops.add(ops.multiply(m, self.beta_1), ops.multiply(g, 1.0 - self.beta_1)))
        variable.assign(ops.subtract(variable, ops.multiply(direction, lr)))
        m.assign(ops.add(ops.multiply(m, self.beta_2), ops.multiply(g, 1.0 - self.beta_2)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}


class Lamb(Optimizer):
    """LAMB: Adam's step scaled per variable by ||w|| / ||step|| (layer-wise trust ratio).

    Args:
        learning_rate: default 0.001. beta_1: default 0.9. beta_2: default 0.999.
        epsilon: default 1e-7.
    """

    slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="lamb", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def _update_step(self, gradient, variable, slots, lr, step):
        m, v = slots
        g = ops.cast(gradient, variable.dtype)
        m.assign(ops.add(m, ops.multiply(ops.subtract(g, m), 1.0 - self.beta_1)))
        v.assign(ops.add(v, ops.multiply(ops.subtract(ops.square(g), v), 1.0 - self.beta_2)))
        m_hat = ops.divide(m, 1.0 - self.beta_1 ** step)
        update = ops.divide(m_hat, ops.add(ops.sqrt(ops.divide(v, 1.0 - self.beta_2 ** step)), self.epsilon))
        w_norm = float(ops.sqrt(ops.sum(ops.square(variable))))
        u_norm = float(ops.sqrt(ops.sum(ops.square(update))))
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        variable.assign(ops.subtract(variable, ops.multiply(update, ratio * lr)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adafactor(Optimizer):
    """Adafactor: Adam-like steps with the second moment of a matrix factored into row and
    column averages (memory O(rows + columns)).

    Args:
        learning_rate: default 0.001 (capped by 1/sqrt(step) with relative_step).
        beta_2_decay: the second-moment decay exponent (default -0.8).
        epsilon_1: added to squared gradients (default 1e-30).
        epsilon_2: the least parameter scale (default 1e-3).
        clip_threshold: the update RMS clip (default 1.0).
        relative_step: cap the learning rate by 1/sqrt(step) when it is a constant.
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                 relative_step=True, name="adafactor", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = float(beta_2_decay), float(epsilon_1), float(epsilon_2)
        self.clip_threshold, self.relative_step = float(clip_threshold), bool(relative_step)

    def build(self, variables):
        for var in variables:
            if id(var) in self._slots:
                continue
            shape, dt = tuple(var.shape), var.dtype
            if len(shape) >= 2:
                r, c = np.zeros(shape[:-1], dt), np.zeros(shape[:-2] + shape[-1:], dt)
            else:
                r = c = np.zeros((), dt)
            self._slots[id(var)] = [_core.Variable(a, trainable=False, name=f"{var.name}_{n}")
                                    for a, n in ((r, "r"), (c, "c"), (np.zeros(shape, dt), "v"))]
            self._tracked.append(var)

    @staticmethod
    def _rms(x) -> float:
        return float(ops.sqrt(ops.mean(ops.square(x))))

    def _update_step(self, gradient, variable, slots, lr, step):
        r, c, v = slots
        g = ops.cast(gradient, variable.dtype)
        if not callable(self._learning_rate) and self.relative_step:
            lr = min(lr, 1 / math.sqrt(step))
        rho = min(lr, 1 / math.sqrt(step))
        alpha = max(self.epsilon_2, self._rms(variable)) * rho
        g2 = ops.add(ops.square(g), self.epsilon_1)
        beta = 1.0 - step ** self.beta_2_decay
        if len(variable.shape) >= 2:
            r.assign(ops.add(ops.multiply(r, beta), ops.multiply(ops.mean(g2, axis=-1), 1.0 - beta)))
            c.assign(ops.add(ops.multiply(c, beta), ops.multiply(ops.mean(g2, axis=-2), 1.0 - beta)))
            row = ops.expand_dims(ops.divide(r, ops.mean(r, axis=-1, keepdims=True)), -1)
            v.assign(ops.multiply(row, ops.expand_dims(c, -2)))
        else:
            v.assign(ops.add(ops.multiply(v, beta), ops.multiply(g2, 1.0 - beta)))
        u = ops.divide(g, ops.sqrt(v))
        u = ops.divide(u, max(1.0, self._rms(u) / self.clip_threshold))
        variable.assign(ops.subtract(variable, ops.multiply(u, alpha)))

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold, "relative_step": self.relative_step}


class LossScaleOptimizer(Optimizer):
    """Dynamic loss scaling around another optimizer (for float16 training).

    `scale_loss` multiplies the loss by the current scale (fit does this); `apply` divides
    the gradients by it, then applies them with the inner optimizer if all are finite and
    doubles the scale after `dynamic_growth_steps` such steps, or skips the step and halves
    the scale when any is not finite.

    Args:
        inner_optimizer: the optimizer doing the updates.
        initial_scale: the first scale (default 2**15).
        dynamic_growth_steps: finite steps before the scale doubles (default 2000).
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000, name=None, **kwargs):
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(f"LossScaleOptimizer wraps a lamina optimizer, got {type(inner_optimizer).__name__}")
        super().__init__(learning_rate=0.0, name=name or "loss_scale_optimizer", **kwargs)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        self.dynamic_scale = float(initial_scale)
        self.step_counter = 0

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    @property
    def variables(self) -> list:
        return [self.iterations] + self.inner_optimizer.variables

    def build(self, variables):
        self.inner_optimizer.build(variables)

    def scale_loss(self, loss):
        """The loss times the current scale."""
        return ops.multiply(loss, self.dynamic_scale)

    def apply(self, grads, trainable_variables=None):
        grads = [None if g is None else ops.divide(g, self.dynamic_scale) for g in grads]
        finite = all(bool(ops.all(ops.isfinite(g))) for g in grads if g is not None)
        if finite:
            self.inner_optimizer.apply(grads, trainable_variables)
            self.step_counter += 1
            if self.step_counter >= self.dynamic_growth_steps:
                self.dynamic_scale *= 2.0
                self.step_counter = 0
        else:
            self.dynamic_scale /= 2.0
            self.step_counter = 0
        self.iterations.assign(np.array(int(self.iterations.numpy()) + 1, np.int64))

    def get_config(self):
        from lamina.saving.serialization import serialize_keras_object

        return {"name": self.name, "inner_optimizer": serialize_keras_object(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.saving.serialization import deserialize_keras_object

        config = dict(config)
        config["inner_optimizer"] = deserialize_keras_object(config["inner_optimizer"], custom_objects=custom_objects)
        return cls(**config)


__all__ = ["Adafactor", "Lamb", "Lion", "LossScaleOptimizer"]
