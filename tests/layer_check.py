"""The shared layer test: every layer is checked the same way.

`run_layer_test` builds the layer, calls it eagerly and symbolically, checks the output shape,
round-trips get_config/from_config and a `.keras` save/load (same outputs), and runs a few
training steps that must change the weights and lower the loss on a tiny problem.

Layers with several inputs give `input_shape` as a list of shapes (the layer is called on a list,
like Attention) or as a dict `{"query_shape": ..., "value_shape": ...}` (called with keyword
arguments `query=`, `value=`, like MultiHeadAttention); `input_dtype` may then be a list/dict too.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

import lamina as lm
from lamina import layers


def _random_input(shape, dtype, rng, input_range=None):
    if dtype.startswith("int"):
        lo, hi = input_range or (0, 10)
        return rng.integers(lo, hi, size=shape).astype(dtype)
    lo, hi = input_range or (-1.0, 1.0)
    return rng.uniform(lo, hi, size=shape).astype(dtype)


def _is_multi(input_shape) -> bool:
    return isinstance(input_shape, dict) or (isinstance(input_shape, list) and isinstance(input_shape[0], (tuple, list)))


def _per_input(input_shape, value):
    """The dtype (or range) of each input: one given for all, or a list/dict like the shapes."""
    if isinstance(input_shape, dict):
        return value if isinstance(value, dict) else {k: value for k in input_shape}
    return value if isinstance(value, list) else [value] * len(input_shape)


def _apply(fn, structure):
    """Calls `fn(values)` with a list as one argument, a dict `{"x_shape": ...}` as keywords `x=`."""
    if isinstance(structure, dict):
        return fn(**{k[:-len("_shape")] if k.endswith("_shape") else k: v for k, v in structure.items()})
    return fn(structure)


def _flat(structure) -> list:
    return list(structure.values()) if isinstance(structure, dict) else list(structure)


def run_layer_test(layer_cls, init_kwargs: dict, input_shape, input_dtype="float32",
                   expected_output_shape: tuple | None = None, expected_num_trainable_weights: int | None = None,
                   expected_num_non_trainable_weights: int | None = None, input_range=None, supports_training: bool = True,
                   run_training_check: bool = True, custom_objects=None, atol: float = 1e-6, seed: int = 0,
                   adapt_data=None, call_kwargs: dict | None = None):
    """Checks a layer the way every lamina layer is checked; returns the eager output.

    With `adapt_data`, each new instance of a preprocessing layer is adapted on it before use;
    `call_kwargs` go to every eager call (e.g. `training=False` for a layer random by default)."""
    # Seeded weights too, so the training check below is deterministic rather than flaky.
    lm.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    multi = _is_multi(input_shape)
    if multi:
        dtypes, ranges = _per_input(input_shape, input_dtype), _per_input(input_shape, input_range)
        keys = input_shape.keys() if isinstance(input_shape, dict) else range(len(input_shape))
        x = {k: _random_input(input_shape[k], dtypes[k], rng, ranges[k]) for k in keys}
        x = x if isinstance(input_shape, dict) else [x[i] for i in keys]
        call = _apply
    else:
        x = _random_input(input_shape, input_dtype, rng, input_range)
        call = lambda fn, v: fn(v)  # noqa: E731
    if call_kwargs:
        plain_call = call
        call = lambda fn, v: plain_call(lambda *a, **k: fn(*a, **k, **call_kwargs), v)  # noqa: E731
    batch = _flat(input_shape)[0][0] if multi else input_shape[0]

    # 1. eager call: lazy build, output shape, weight counts.
    def make():
        made = layer_cls(**init_kwargs)
        if adapt_data is not None:
            made.adapt(adapt_data)
        return made

    layer = make()
    y = call(layer, x)
    y_np = np.asarray(y)
    assert layer.built, f"{layer_cls.__name__} is not built after its first call"
    if expected_output_shape is not None:
        assert y_np.shape == tuple(expected_output_shape), f"output shape {y_np.shape} != expected {expected_output_shape}"
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights, \
            f"{len(layer.trainable_weights)} trainable weights, expected {expected_num_trainable_weights}"
    if expected_num_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights, \
            f"{len(layer.non_trainable_weights)} non-trainable weights, expected {expected_num_non_trainable_weights}"
    assert np.all(np.isfinite(y_np[np.isfinite(y_np)])), "non-finite outputs"

    # 2. symbolic call: the inferred shape matches the eager one (batch unknown).
    sym_layer = make()
    if multi:
        inp = {k: lm.Input(shape=input_shape[k][1:], dtype=dtypes[k]) for k in keys}
        inp = inp if isinstance(input_shape, dict) else [inp[i] for i in keys]
    else:
        inp = lm.Input(shape=input_shape[1:], dtype=input_dtype)
    sym_out = call(sym_layer, inp)
    assert tuple(sym_out.shape[1:]) == y_np.shape[1:], f"symbolic shape {sym_out.shape} vs eager {y_np.shape}"

    # 3. config round trip: same config, and with the same weights the same outputs.
    config = layer.get_config()
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config, f"config changed in a round trip:\n{config}\n{clone.get_config()}"
    call(clone, x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(call(clone, x)), y_np, atol=atol, rtol=1e-5)

    # 4. save/load round trip inside a functional model (inputs as a list, in order).
    if multi:
        inp, x = _flat(inp), _flat(x)
    model = lm.Model(inp, sym_out)
    model_out = np.asarray(model(x, training=False))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "layer_test.keras")
        model.save(path)
        loaded = lm.models.load_model(path, custom_objects=custom_objects)
    np.testing.assert_allclose(np.asarray(loaded(x, training=False)), model_out, atol=atol, rtol=1e-5)

    # 5. training: a few steps change the trainable weights and lower the loss.
    if run_training_check and supports_training and model.trainable_weights:
        head = layers.Dense(1)
        flat = layers.Flatten()(sym_out) if len(sym_out.shape) > 2 else sym_out
        train_model = lm.Model(inp, head(flat))
        target = rng.standard_normal((batch, 1)).astype("float32")
        train_model.compile(optimizer=lm.optimizers.SGD(0.01), loss="mse")
        before = [w.copy() for w in sym_layer.get_weights()]
        first = train_model.train_on_batch(x, target)
        for _ in range(10):
            last = train_model.train_on_batch(x, target)
        assert last < first, f"training did not lower the loss ({first} -> {last})"
        after = sym_layer.get_weights()
        changed = [not np.array_equal(b, a) for b, a, w in zip(before, after, sym_layer.weights) if w.trainable]
        assert any(changed), "training did not change the layer's trainable weights"
    return y_np
