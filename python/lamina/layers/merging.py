"""Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot."""

from __future__ import annotations

from functools import reduce

from lamina import ops
from lamina.layers.layer import Layer


class _Merge(Layer):
    """Elementwise merge of a list of same-shaped (or broadcastable) inputs."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: input_shape={input_shape}")
        if len(input_shape) < 1:
            raise ValueError(f"A merge layer should be called on a list of at least 1 input. Got {len(input_shape)} inputs.")
        self.built = True

    def _merge(self, inputs):
        raise NotImplementedError

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: inputs={inputs}")
        return self._merge(list(inputs))

    def compute_output_shape(self, input_shape):
        out = list(input_shape[0])
        for shape in input_shape[1:]:
            if len(shape) != len(out):
                raise ValueError(f"Inputs have incompatible shapes. Received shapes {[tuple(s) for s in input_shape]}")
            for i, d in enumerate(shape):
                if out[i] is None or out[i] == 1:
                    out[i] = d
                elif d is not None and d != 1 and d != out[i]:
                    raise ValueError(f"Inputs have incompatible shapes. Received shapes {[tuple(s) for s in input_shape]}")
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        return None


class Add(_Merge):
    def _merge(self, inputs):
        return reduce(ops.add, inputs)


class Subtract(_Merge):
    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: inputs={len(inputs)}")
        return ops.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    def _merge(self, inputs):
        return reduce(ops.multiply, inputs)


class Average(_Merge):
    def _merge(self, inputs):
        return ops.divide(reduce(ops.add, inputs), float(len(inputs)))


class Maximum(_Merge):
    def _merge(self, inputs):
        return reduce(ops.maximum, inputs)


class Minimum(_Merge):
    def _merge(self, inputs):
        return reduce(ops.minimum, inputs)


class Concatenate(_Merge):
    """Concatenates a list of inputs along `axis` (default -1)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _merge(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        out = list(input_shape[0])
        axis = self.axis % len(out)
        for shape in input_shape[1:]:
            if len(shape) != len(out):
                raise ValueError(f"A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape={[tuple(s) for s in input_shape]}")
            out[axis] = None if out[axis] is None or shape[axis] is None else out[axis] + shape[axis]
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    """Dot product of two inputs along `axes` (int or pair), optionally of l2-normalized inputs."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = normalize

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={len(inputs)}")
        a, b = inputs
        axes = self.axes if isinstance(self.axes, (list, tuple)) else (self.axes, self.axes)
        axes = [ax % x.ndim for ax, x in zip(axes, (a, b))]
        if self.normalize:
            a = ops.divide(a, ops.sqrt(ops.maximum(ops.sum(ops.square(a), axis=axes[0], keepdims=True), 1e-12)))
            b = ops.divide(b, ops.sqrt(ops.maximum(ops.sum(ops.square(b), axis=axes[1], keepdims=True), 1e-12)))
        # Batched dot: move the contracted axes last/first and use a batched matmul.
        a = ops.moveaxis(a, axes[0], -1)
        b = ops.moveaxis(b, axes[1], 1)
        a3 = ops.reshape(a, (a.shape[0], -1, a.shape[-1]))
        b3 = ops.reshape(b, (b.shape[0], b.shape[1], -1))
        out = ops.matmul(a3, b3)
        shape = (a.shape[0],) + tuple(a.shape[1:-1]) + tuple(b.shape[2:])
        return ops.reshape(out, shape if len(shape) > 1 else (a.shape[0], 1))

    def compute_output_shape(self, input_shape):
        a, b = [list(s) for s in input_shape]
        axes = self.axes if isinstance(self.axes, (list, tuple)) else (self.axes, self.axes)
        axes = [ax % len(s) for ax, s in zip(axes, (a, b))]
        a.pop(axes[0])
        b.pop(axes[1])
        b.pop(0)
        out = tuple(a + b)
        return out if len(out) > 1 else (out[0], 1)

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)
