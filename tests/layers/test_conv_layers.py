"""Convolution layers: the shared layer test over strides, padding, dilation, groups and
channels_first; forward values against direct numpy references; Keras weight layouts and config
keys; symbolic shapes; errors."""

import itertools

import numpy as np
import pytest

import lamina as lm
from lamina import layers
from layer_check import run_layer_test

# ---------------------------------------------------------------------------------------------
# numpy references (channels_last; TensorFlow's padding arithmetic)


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _axis_geometry(size, window, stride, padding):
    """(output cells, padding before) along one axis."""
    if padding == "valid":
        return (size - window) // stride + 1, 0
    out = -(-size // stride)
    return out, max((out - 1) * stride + window - size, 0) // 2


def conv_ref(x, k, strides=1, padding="valid", dilation_rate=1):
    """Grouped convolution: groups = in_channels // kernel.shape[-2]."""
    sp = x.ndim - 2
    s, d = _tuple(strides, sp), _tuple(dilation_rate, sp)
    taps, (kin, out_c) = k.shape[:sp], k.shape[-2:]
    groups = x.shape[-1] // kin
    per_group = out_c // groups
    geo = [_axis_geometry(x.shape[1 + i], (taps[i] - 1) * d[i] + 1, s[i], padding) for i in range(sp)]
    y = np.zeros((x.shape[0], *[g[0] for g in geo], out_c))
    for opos in itertools.product(*[range(g[0]) for g in geo]):
        for tap in itertools.product(*[range(t) for t in taps]):
            ipos = [opos[i] * s[i] + tap[i] * d[i] - geo[i][1] for i in range(sp)]
            if any(p < 0 or p >= x.shape[1 + i] for i, p in enumerate(ipos)):
                continue
            xv = x[(slice(None), *ipos)]
            for g in range(groups):
                y[(slice(None), *opos, slice(g * per_group, (g + 1) * per_group))] += (
                    xv[:, g * kin:(g + 1) * kin] @ k[tap][:, g * per_group:(g + 1) * per_group])
    return y


def depthwise_ref(x, k, strides=1, padding="valid", dilation_rate=1):
    """Depthwise = grouped convolution with one group per input channel."""
    c, m = k.shape[-2:]
    return conv_ref(x, k.reshape(*k.shape[:-2], 1, c * m), strides, padding, dilation_rate)


def transpose_ref(x, k, strides=1, padding="valid", output_padding=None, dilation_rate=1):
    """Scatter form: input cell p adds x[p] @ kernel[tap].T at p * stride + tap * dilation - pad."""
    sp = x.ndim - 2
    s, d = _tuple(strides, sp), _tuple(dilation_rate, sp)
    extra = None if output_padding is None else _tuple(output_padding, sp)
    taps = k.shape[:sp]
    sizes, pads = [], []
    for i in range(sp):
        window = (taps[i] - 1) * d[i] + 1
        n = x.shape[1 + i]
        if extra is None:
            size = n * s[i] + max(window - s[i], 0) if padding == "valid" else n * s[i]
        else:
            size = (n - 1) * s[i] + window - 2 * (0 if padding == "valid" else window // 2) + extra[i]
        sizes.append(size)
        pads.append(_axis_geometry(size, window, s[i], padding)[1])
    y = np.zeros((x.shape[0], *sizes, k.shape[-2]))
    for ipos in itertools.product(*[range(n) for n in x.shape[1:1 + sp]]):
        for tap in itertools.product(*[range(t) for t in taps]):
            opos = [ipos[i] * s[i] + tap[i] * d[i] - pads[i] for i in range(sp)]
            if all(0 <= p < sizes[i] for i, p in enumerate(opos)):
                y[(slice(None), *opos)] += x[(slice(None), *ipos)] @ k[tap].T
    return y


def to_first(y):
    return np.moveaxis(y, -1, 1)


def to_last(x):
    return np.moveaxis(x, 1, -1)


# ---------------------------------------------------------------------------------------------
# the shared layer test, several configurations per layer

CONV2D_CASES = [
    ({"filters": 3, "kernel_size": 3}, (2, 7, 6, 2), (2, 5, 4, 3)),
    ({"filters": 4, "kernel_size": (3, 2), "strides": 2, "padding": "same", "activation": "relu"}, (2, 7, 6, 3), (2, 4, 3, 4)),
    ({"filters": 2, "kernel_size": 3, "dilation_rate": 2, "use_bias": False}, (2, 8, 7, 2), (2, 4, 3, 2)),
    ({"filters": 4, "kernel_size": 3, "groups": 2, "padding": "same"}, (2, 5, 5, 4), (2, 5, 5, 4)),
    ({"filters": 3, "kernel_size": 2, "strides": (1, 2), "data_format": "channels_first"}, (2, 2, 6, 6), (2, 3, 5, 3)),
]


@pytest.mark.parametrize("kwargs,shape,expected", CONV2D_CASES)
def test_conv2d_layer(kwargs, shape, expected):
    bias = 0 if kwargs.get("use_bias") is False else 1
    run_layer_test(layers.Conv2D, kwargs, shape, expected_output_shape=expected,
                   expected_num_trainable_weights=1 + bias, expected_num_non_trainable_weights=0)


CONV1D_CASES = [
    ({"filters": 3, "kernel_size": 3}, (2, 9, 2), (2, 7, 3)),
    ({"filters": 2, "kernel_size": 4, "strides": 3, "padding": "same"}, (2, 10, 3), (2, 4, 2)),
    ({"filters": 2, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (2, 8, 3), (2, 8, 2)),
    ({"filters": 6, "kernel_size": 2, "groups": 3, "activation": "tanh"}, (2, 5, 3), (2, 4, 6)),
    ({"filters": 3, "kernel_size": 3, "padding": "causal", "data_format": "channels_first"}, (2, 2, 7), (2, 3, 7)),
]


@pytest.mark.parametrize("kwargs,shape,expected", CONV1D_CASES)
def test_conv1d_layer(kwargs, shape, expected):
    run_layer_test(layers.Conv1D, kwargs, shape, expected_output_shape=expected, expected_num_trainable_weights=2)


TRANSPOSE2D_CASES = [
    ({"filters": 3, "kernel_size": 3}, (2, 4, 5, 2), (2, 6, 7, 3)),
    ({"filters": 2, "kernel_size": 3, "strides": 2}, (2, 3, 4, 2), (2, 7, 9, 2)),
    ({"filters": 2, "kernel_size": (3, 2), "strides": 2, "padding": "same"}, (2, 3, 4, 3), (2, 6, 8, 2)),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1}, (2, 3, 3, 2), (2, 8, 8, 2)),
    ({"filters": 2, "kernel_size": 2, "dilation_rate": 2, "data_format": "channels_first"}, (2, 3, 4, 4), (2, 2, 6, 6)),
]


@pytest.mark.parametrize("kwargs,shape,expected", TRANSPOSE2D_CASES)
def test_conv2d_transpose_layer(kwargs, shape, expected):
    run_layer_test(layers.Conv2DTranspose, kwargs, shape, expected_output_shape=expected,
                   expected_num_trainable_weights=2)


TRANSPOSE1D_CASES = [
    ({"filters": 3, "kernel_size": 3, "strides": 2}, (2, 5, 2), (2, 11, 3)),
    ({"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same"}, (2, 5, 3), (2, 10, 2)),
    ({"filters": 2, "kernel_size": 3, "data_format": "channels_first", "activation": "sigmoid"}, (2, 3, 5), (2, 2, 7)),
]


@pytest.mark.parametrize("kwargs,shape,expected", TRANSPOSE1D_CASES)
def test_conv1d_transpose_layer(kwargs, shape, expected):
    run_layer_test(layers.Conv1DTranspose, kwargs, shape, expected_output_shape=expected,
                   expected_num_trainable_weights=2)


DEPTHWISE2D_CASES = [
    ({"kernel_size": 3}, (2, 6, 5, 3), (2, 4, 3, 3)),
    ({"kernel_size": 3, "depth_multiplier": 2, "strides": 2, "padding": "same"}, (2, 7, 6, 2), (2, 4, 3, 4)),
    ({"kernel_size": (2, 3), "dilation_rate": 2, "use_bias": False}, (2, 6, 7, 2), (2, 4, 3, 2)),
    ({"kernel_size": 2, "depth_multiplier": 3, "data_format": "channels_first"}, (2, 2, 5, 4), (2, 6, 4, 3)),
]


@pytest.mark.parametrize("kwargs,shape,expected", DEPTHWISE2D_CASES)
def test_depthwise_conv2d_layer(kwargs, shape, expected):
    bias = 0 if kwargs.get("use_bias") is False else 1
    run_layer_test(layers.DepthwiseConv2D, kwargs, shape, expected_output_shape=expected,
                   expected_num_trainable_weights=1 + bias)


DEPTHWISE1D_CASES = [
    ({"kernel_size": 3, "depth_multiplier": 2}, (2, 7, 2), (2, 5, 4)),
    ({"kernel_size": 3, "strides": 2, "padding": "same", "data_format": "channels_first"}, (2, 3, 7), (2, 3, 4)),
]


@pytest.mark.parametrize("kwargs,shape,expected", DEPTHWISE1D_CASES)
def test_depthwise_conv1d_layer(kwargs, shape, expected):
    run_layer_test(layers.DepthwiseConv1D, kwargs, shape, expected_output_shape=expected,
                   expected_num_trainable_weights=2)


SEPARABLE2D_CASES = [
    ({"filters": 3, "kernel_size": 3}, (2, 6, 5, 2), (2, 4, 3, 3)),
    ({"filters": 4, "kernel_size": 3, "depth_multiplier": 2, "strides": 2, "padding": "same"}, (2, 7, 6, 2), (2, 4, 3, 4)),
    ({"filters": 2, "kernel_size": 2, "dilation_rate": 2, "data_format": "channels_first"}, (2, 3, 6, 5), (2, 2, 4, 3)),
]


@pytest.mark.parametrize("kwargs,shape,expected", SEPARABLE2D_CASES)
def test_separable_conv2d_layer(kwargs, shape, expected):
    run_layer_test(layers.SeparableConv2D, kwargs, shape, expected_output_shape=expected,
                   expected_num_trainable_weights=3)


SEPARABLE1D_CASES = [
    ({"filters": 3, "kernel_size": 3, "depth_multiplier": 2}, (2, 8, 2), (2, 6, 3)),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "data_format": "channels_first"}, (2, 3, 7), (2, 2, 4)),
]


@pytest.mark.parametrize("kwargs,shape,expected", SEPARABLE1D_CASES)
def test_separable_conv1d_layer(kwargs, shape, expected):
    run_layer_test(layers.SeparableConv1D, kwargs, shape, expected_output_shape=expected,
                   expected_num_trainable_weights=3)


# ---------------------------------------------------------------------------------------------
# forward values against numpy, with random weights (bias included)


def _randomize(layer, rng):
    layer.set_weights([rng.standard_normal(tuple(w.shape)).astype("float32") for w in layer.weights])
    return [np.asarray(w, dtype="float64") for w in layer.get_weights()]


def test_conv2d_values_grouped_same_strided(rng):
    x = rng.standard_normal((2, 7, 6, 4)).astype("float32")
    layer = layers.Conv2D(6, (3, 2), strides=2, padding="same", groups=2)
    layer(x)
    k, b = _randomize(layer, rng)
    np.testing.assert_allclose(np.asarray(layer(x)), conv_ref(x.astype("float64"), k, 2, "same") + b, rtol=1e-4, atol=1e-4)


def test_conv2d_values_channels_first_dilated(rng):
    x = rng.standard_normal((2, 3, 8, 7)).astype("float32")
    layer = layers.Conv2D(2, 3, dilation_rate=(2, 1), data_format="channels_first", activation="relu")
    layer(x)
    k, b = _randomize(layer, rng)
    want = np.maximum(to_first(conv_ref(to_last(x).astype("float64"), k, 1, "valid", (2, 1)) + b), 0)
    np.testing.assert_allclose(np.asarray(layer(x)), want, rtol=1e-4, atol=1e-4)


def test_conv1d_values_causal(rng):
    x = rng.standard_normal((2, 9, 3)).astype("float32")
    layer = layers.Conv1D(4, 3, padding="causal", dilation_rate=2)
    layer(x)
    k, b = _randomize(layer, rng)
    padded = np.pad(x.astype("float64"), [(0, 0), (4, 0), (0, 0)])
    np.testing.assert_allclose(np.asarray(layer(x)), conv_ref(padded, k, 1, "valid", 2) + b, rtol=1e-4, atol=1e-4)
    # causality: changing the last step leaves the earlier outputs unchanged
    x2 = x.copy()
    x2[:, -1] += 5
    np.testing.assert_allclose(np.asarray(layer(x2))[:, :-1], np.asarray(layer(x))[:, :-1], rtol=1e-6)


def test_conv2d_transpose_values(rng):
    x = rng.standard_normal((2, 3, 4, 3)).astype("float32")
    layer = layers.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1)
    layer(x)
    k, b = _randomize(layer, rng)
    want = transpose_ref(x.astype("float64"), k, 2, "same", 1) + b
    np.testing.assert_allclose(np.asarray(layer(x)), want, rtol=1e-4, atol=1e-4)


def test_conv1d_transpose_values_channels_first(rng):
    x = rng.standard_normal((2, 3, 5)).astype("float32")
    layer = layers.Conv1DTranspose(2, 3, strides=2, data_format="channels_first")
    layer(x)
    k, b = _randomize(layer, rng)
    want = to_first(transpose_ref(to_last(x).astype("float64"), k, 2, "valid") + b)
    np.testing.assert_allclose(np.asarray(layer(x)), want, rtol=1e-4, atol=1e-4)


def test_depthwise_conv2d_values(rng):
    x = rng.standard_normal((2, 6, 7, 3)).astype("float32")
    layer = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2)
    layer(x)
    k, b = _randomize(layer, rng)
    np.testing.assert_allclose(np.asarray(layer(x)), depthwise_ref(x.astype("float64"), k, 2, "same") + b,
                               rtol=1e-4, atol=1e-4)


def test_depthwise_conv1d_values(rng):
    x = rng.standard_normal((2, 8, 2)).astype("float32")
    layer = layers.DepthwiseConv1D(3, depth_multiplier=3, dilation_rate=2)
    layer(x)
    k, b = _randomize(layer, rng)
    np.testing.assert_allclose(np.asarray(layer(x)), depthwise_ref(x.astype("float64"), k, 1, "valid", 2) + b,
                               rtol=1e-4, atol=1e-4)


def test_separable_conv2d_values(rng):
    x = rng.standard_normal((2, 6, 5, 2)).astype("float32")
    layer = layers.SeparableConv2D(3, 3, padding="same", depth_multiplier=2)
    layer(x)
    dk, pk, b = _randomize(layer, rng)
    want = conv_ref(depthwise_ref(x.astype("float64"), dk, 1, "same"), pk) + b
    np.testing.assert_allclose(np.asarray(layer(x)), want, rtol=1e-4, atol=1e-4)


def test_separable_conv1d_values(rng):
    x = rng.standard_normal((2, 9, 3)).astype("float32")
    layer = layers.SeparableConv1D(2, 3, strides=2)
    layer(x)
    dk, pk, b = _randomize(layer, rng)
    want = conv_ref(depthwise_ref(x.astype("float64"), dk, 2, "valid"), pk) + b
    np.testing.assert_allclose(np.asarray(layer(x)), want, rtol=1e-4, atol=1e-4)


def test_float64_inputs_are_cast_to_the_layer_dtype(rng):
    x = rng.standard_normal((1, 5, 5, 2))
    y = layers.Conv2D(2, 3)(lm.tensor(x))
    assert y.dtype == "float32"


def test_gradients_reach_kernel_and_bias(rng):
    layer = layers.Conv2D(2, 3, padding="same")
    x = lm.tensor(rng.standard_normal((2, 5, 5, 3)).astype("float32"))
    with lm.GradientTape() as tape:
        loss = lm.ops.sum(lm.ops.square(layer(x)))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert [tuple(g.shape) for g in grads] == [(3, 3, 3, 2), (2,)]
    assert all(np.abs(np.asarray(g)).sum() > 0 for g in grads)


# ---------------------------------------------------------------------------------------------
# Keras weight layouts, names and config keys


def test_keras_weight_names_and_shapes():
    def built(layer, shape):
        layer(np.zeros(shape, "float32"))
        return [(w.name, tuple(w.shape)) for w in layer.weights]

    assert built(layers.Conv2D(8, (3, 2), groups=2), (1, 6, 6, 4)) == [("kernel", (3, 2, 2, 8)), ("bias", (8,))]
    assert built(layers.Conv1D(5, 3), (1, 6, 2)) == [("kernel", (3, 2, 5)), ("bias", (5,))]
    assert built(layers.Conv2DTranspose(5, 3), (1, 4, 4, 2)) == [("kernel", (3, 3, 5, 2)), ("bias", (5,))]
    assert built(layers.Conv1DTranspose(5, 3), (1, 4, 2)) == [("kernel", (3, 5, 2)), ("bias", (5,))]
    assert built(layers.DepthwiseConv2D(3, depth_multiplier=2), (1, 5, 5, 3)) == [("kernel", (3, 3, 3, 2)), ("bias", (6,))]
    assert built(layers.DepthwiseConv1D(3, depth_multiplier=2), (1, 5, 3)) == [("kernel", (3, 3, 2)), ("bias", (6,))]
    assert built(layers.SeparableConv2D(4, 3, depth_multiplier=2), (1, 5, 5, 3)) == [
        ("depthwise_kernel", (3, 3, 3, 2)), ("pointwise_kernel", (1, 1, 6, 4)), ("bias", (4,))]
    assert built(layers.SeparableConv1D(4, 3), (1, 5, 3)) == [
        ("depthwise_kernel", (3, 3, 1)), ("pointwise_kernel", (1, 3, 4)), ("bias", (4,))]
    assert built(layers.Conv2D(2, 3, data_format="channels_first"), (1, 3, 5, 5)) == [("kernel", (3, 3, 3, 2)), ("bias", (2,))]


def test_default_names_follow_keras():
    import re

    for layer, base in ((layers.Conv2D(2, 3), "conv2d"), (layers.Conv1DTranspose(2, 3), "conv1d_transpose"),
                        (layers.DepthwiseConv2D(3), "depthwise_conv2d"), (layers.SeparableConv1D(2, 3), "separable_conv1d"),
                        (layers.MaxPooling2D(), "max_pooling2d"), (layers.GlobalAveragePooling1D(), "global_average_pooling1d"),
                        (layers.UpSampling2D(), "up_sampling2d"), (layers.ZeroPadding1D(), "zero_padding1d")):
        assert re.fullmatch(base + r"(_\d+)?", layer.name), (layer.name, base)


def test_keras_config_keys_and_defaults():
    cfg = layers.Conv2D(4, 3).get_config()
    assert cfg["kernel_size"] == (3, 3) and cfg["strides"] == (1, 1) and cfg["dilation_rate"] == (1, 1)
    assert cfg["padding"] == "valid" and cfg["data_format"] == "channels_last" and cfg["groups"] == 1
    assert cfg["activation"] == "linear" and cfg["use_bias"] is True
    assert cfg["kernel_initializer"]["class_name"] == "GlorotUniform" and cfg["bias_initializer"]["class_name"] == "Zeros"
    common = {"kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "use_bias",
              "bias_initializer", "bias_regularizer", "activity_regularizer", "bias_constraint", "name", "trainable", "dtype"}
    conv_keys = common | {"filters", "groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"}
    assert set(cfg) == conv_keys
    assert set(layers.Conv1D(2, 3).get_config()) == conv_keys
    assert set(layers.Conv2DTranspose(2, 3).get_config()) == conv_keys - {"groups"} | {"output_padding"}
    assert set(layers.DepthwiseConv2D(3).get_config()) == common | {
        "depth_multiplier", "depthwise_initializer", "depthwise_regularizer", "depthwise_constraint"}
    assert set(layers.SeparableConv2D(2, 3).get_config()) == common | {
        "filters", "depth_multiplier", "depthwise_initializer", "depthwise_regularizer", "depthwise_constraint",
        "pointwise_initializer", "pointwise_regularizer", "pointwise_constraint"}
    assert layers.Conv1D(2, 3, padding="CAUSAL").get_config()["padding"] == "causal"
    assert layers.Conv2DTranspose(2, 3, strides=2, output_padding=1).get_config()["output_padding"] == (1, 1)


def test_config_key_order_is_keras():
    """Keras 3 writes get_config in this order (checked against Keras 3.15); saved files keep it."""
    window = ["kernel_size", "strides", "padding", "data_format", "dilation_rate"]

    def weight_keys(roles):
        return ([f"{r}_initializer" for r in roles] + [f"{r}_regularizer" for r in roles] + ["activity_regularizer"]
                + [f"{r}_constraint" for r in roles])

    head = ["name", "trainable", "dtype"]
    for layer in (layers.Conv1D(2, 3), layers.Conv2D(2, 3)):
        assert list(layer.get_config()) == head + ["filters"] + window + ["groups", "activation", "use_bias"] + \
            weight_keys(["kernel", "bias"])
    for layer in (layers.Conv1DTranspose(2, 3), layers.Conv2DTranspose(2, 3)):
        assert list(layer.get_config()) == head + ["filters"] + window[:3] + ["output_padding"] + window[3:] + \
            ["activation", "use_bias"] + weight_keys(["kernel", "bias"])
    for layer in (layers.DepthwiseConv1D(3), layers.DepthwiseConv2D(3)):
        assert list(layer.get_config()) == head + ["depth_multiplier"] + window + ["activation", "use_bias"] + \
            weight_keys(["depthwise", "bias"])
    for layer in (layers.SeparableConv1D(2, 3), layers.SeparableConv2D(2, 3)):
        assert list(layer.get_config()) == head + ["depth_multiplier", "filters"] + window + \
            ["activation", "use_bias"] + weight_keys(["depthwise", "pointwise", "bias"])
    # A set activity regularizer is written by Layer.get_config, right after the dtype.
    keys = list(layers.Conv2D(2, 3, activity_regularizer="l2").get_config())
    assert keys[:5] == head + ["activity_regularizer", "filters"] and keys.count("activity_regularizer") == 1


def test_keras_config_loads(rng):
    """A config as Keras writes it (lists after JSON, registered initializer dicts) builds the layer."""
    cfg = {"name": "c", "trainable": True, "dtype": "float32", "filters": 2, "kernel_size": [3, 3], "strides": [1, 1],
           "padding": "same", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "relu",
           "use_bias": True, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                                    "config": {"seed": None}, "registered_name": None},
           "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None},
           "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
           "bias_constraint": None}
    layer = layers.Conv2D.from_config(cfg)
    assert layer.kernel_size == (3, 3) and layer.padding == "same"
    assert np.asarray(layer(rng.standard_normal((1, 4, 4, 2)).astype("float32"))).shape == (1, 4, 4, 2)


def test_regularizer_and_constraint():
    layer = layers.Conv2D(2, 3, kernel_regularizer=lm.regularizers.L2(0.1), bias_constraint=lm.constraints.NonNeg())
    layer(np.ones((1, 4, 4, 1), "float32"))
    assert len(layer.losses) == 1
    assert layer.bias.constraint is not None


# ---------------------------------------------------------------------------------------------
# symbolic shapes (no trial run)


def test_compute_output_shape_with_unknown_sizes():
    assert layers.Conv2D(4, 3, strides=2, padding="same").compute_output_shape((None, None, 9, 3)) == (None, None, 5, 4)
    assert layers.Conv1D(2, 3, padding="causal").compute_output_shape((None, None, 3)) == (None, None, 2)
    assert layers.Conv2DTranspose(2, 3, strides=2).compute_output_shape((None, 4, None, 3)) == (None, 9, None, 2)
    assert layers.DepthwiseConv2D(3, depth_multiplier=2, data_format="channels_first").compute_output_shape(
        (None, 3, 8, 8)) == (None, 6, 6, 6)
    assert layers.SeparableConv1D(5, 3, strides=2).compute_output_shape((None, 11, 2)) == (None, 5, 5)


def test_symbolic_call_uses_compute_output_shape(monkeypatch):
    layer = layers.Conv2D(2, 3, padding="same")

    def no_run(*a, **k):
        raise AssertionError("the layer ran to infer its output shape")

    monkeypatch.setattr(layer, "_spec_by_running", no_run)
    out = layer(lm.Input((None, 6, 3)))
    assert tuple(out.shape) == (None, None, 6, 2)


def test_sequential_with_input_shape():
    model = lm.Sequential([layers.Conv2D(2, 3, input_shape=(6, 6, 1)), layers.Flatten(), layers.Dense(1)])
    assert np.asarray(model(np.zeros((3, 6, 6, 1), "float32"))).shape == (3, 1)
    assert model.count_params() == 3 * 3 * 2 + 2 + 32 + 1


# ---------------------------------------------------------------------------------------------
# errors


def test_wrong_input_rank_names_layer_and_shape():
    with pytest.raises(ValueError, match=r'layer "conv_a".*expected ndim=4, found ndim=3.*\(2, 5, 3\)'):
        layers.Conv2D(2, 3, name="conv_a")(np.zeros((2, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=4"):
        layers.Conv1D(2, 3)(lm.Input((5, 5, 3)))
    for layer in (layers.Conv2DTranspose(2, 3), layers.DepthwiseConv2D(3), layers.SeparableConv2D(2, 3)):
        with pytest.raises(ValueError, match=r"expected ndim=4"):
            layer(np.zeros((2, 5, 3), "float32"))


def test_channel_mismatch_after_build():
    layer = layers.Conv2D(2, 3)
    layer(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3.*\(1, 5, 5, 4\)"):
        layer(np.zeros((1, 5, 5, 4), "float32"))
    dw = layers.DepthwiseConv2D(3, data_format="channels_first")
    dw(np.zeros((1, 2, 5, 5), "float32"))
    with pytest.raises(ValueError, match=r"expected axis 1 of input shape to have value 2"):
        dw(np.zeros((1, 3, 5, 5), "float32"))


def test_unknown_channels_cannot_build():
    with pytest.raises(ValueError, match=r"channel dimension of the inputs must be known"):
        layers.Conv2D(2, 3)(lm.Input((5, 5, None)))


def test_groups_must_divide_channels_and_filters():
    with pytest.raises(ValueError, match=r"groups=2, but the input has 3 channels"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"filters must be evenly divisible.*groups=2, filters=3"):
        layers.Conv2D(3, 3, groups=2)
    with pytest.raises(ValueError, match=r"groups must be a positive integer"):
        layers.Conv1D(3, 3, groups=0)


def test_window_larger_than_input():
    with pytest.raises(ValueError, match=r'"conv2d_big".*negative or zero.*\(1, 2, 5, 1\)'):
        layers.Conv2D(2, 3, name="conv2d_big")(np.zeros((1, 2, 5, 1), "float32"))
    with pytest.raises(ValueError, match=r"negative or zero"):
        layers.Conv1D(2, 3, dilation_rate=3)(lm.Input((6, 2)))


def test_invalid_arguments():
    with pytest.raises(ValueError, match=r"filters"):
        layers.Conv2D(0, 3)
    with pytest.raises(ValueError, match=r"kernel_size.*values \[0\]"):
        layers.Conv2D(2, (3, 0))
    with pytest.raises(ValueError, match=r"kernel_size.*tuple of 2 integers"):
        layers.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match=r"strides > 1.*dilation_rate > 1"):
        layers.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"padding"):
        layers.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"padding"):
        layers.Conv1D(2, 3, padding="full")
    with pytest.raises(ValueError, match=r"data_format"):
        layers.Conv2D(2, 3, data_format="channels_middle")
    with pytest.raises(ValueError, match=r"output_padding.*strictly less than.*strides"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match=r"depth_multiplier"):
        layers.DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match=r"filters"):
        layers.SeparableConv1D(0, 3)
    with pytest.raises(TypeError, match=r"unexpected keyword"):
        layers.Conv2D(2, 3, kernel_sizes=3)
