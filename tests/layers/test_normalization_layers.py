"""Normalization layers: the shared layer test, forward values against numpy, BatchNormalization's
training/inference behaviour and moving statistics, gradients, configs and errors."""

import numpy as np
import pytest

import lamina as lm
from lamina import layers, ops
from layer_check import run_layer_test
from op_check import check_gradient

EPS = 1e-3


def _bn_ref(x, mean, var, axis, gamma=None, beta=None, eps=EPS):
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y


def _ln_ref(x, axes, gamma=None, beta=None, eps=EPS):
    axes = tuple(a % x.ndim for a in axes)
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    pshape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]
    if gamma is not None:
        y = y * gamma.reshape(pshape)
    if beta is not None:
        y = y + beta.reshape(pshape)
    return y


def _randomize_params(layer, rng):
    """Random gamma/beta (and moving statistics) so that forward checks test them."""
    values = []
    for w in layer.weights:
        shape = tuple(w.shape)
        if w.name == "moving_variance":
            values.append(rng.uniform(0.5, 2.0, shape).astype(w.dtype))
        else:
            values.append(rng.normal(0.0, 1.0, shape).astype(w.dtype))
    layer.set_weights(values)
    return {w.name: v for w, v in zip(layer.weights, values)}


# ------------------------------------------------------------------------------------------------
# BatchNormalization

@pytest.mark.parametrize("kwargs,shape,n_train", [
    ({}, (6, 4), 2),
    ({"axis": 1}, (4, 3, 2, 2), 2),
    ({"axis": -1, "momentum": 0.5}, (3, 4, 5), 2),
    ({"center": False}, (6, 4), 1),
    ({"scale": False}, (6, 4), 1),
    ({"renorm": True, "renorm_clipping": {"rmax": 2.0, "rmin": 0.5, "dmax": 1.0}}, (6, 4), 2),
])
def test_batch_normalization_layer_test(kwargs, shape, n_train):
    n_non_train = 5 if kwargs.get("renorm") else 2
    run_layer_test(layers.BatchNormalization, kwargs, shape, expected_output_shape=shape,
                   expected_num_trainable_weights=n_train, expected_num_non_trainable_weights=n_non_train)


def test_batch_normalization_without_center_and_scale_has_only_moving_statistics():
    run_layer_test(layers.BatchNormalization, {"center": False, "scale": False}, (5, 3), expected_output_shape=(5, 3),
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=2)


@pytest.mark.parametrize("center,scale,names", [
    (True, True, ["gamma", "beta", "moving_mean", "moving_variance"]),
    (False, True, ["gamma", "moving_mean", "moving_variance"]),
    (True, False, ["beta", "moving_mean", "moving_variance"]),
    (False, False, ["moving_mean", "moving_variance"]),
])
def test_batch_normalization_weights_order_and_names(center, scale, names):
    bn = layers.BatchNormalization(center=center, scale=scale)
    bn(np.zeros((2, 3, 5), "float32"))
    assert [w.name for w in bn.weights] == names
    assert all(tuple(w.shape) == (5,) for w in bn.weights)
    assert [w.name for w in bn.non_trainable_weights] == ["moving_mean", "moving_variance"]
    np.testing.assert_array_equal(np.asarray(bn.moving_variance), np.ones(5, "float32"))
    np.testing.assert_array_equal(np.asarray(bn.moving_mean), np.zeros(5, "float32"))


@pytest.mark.parametrize("shape,axis", [((16, 5), -1), ((4, 6, 3), -1), ((4, 3, 5, 2), 1), ((3, 4, 2, 5), 3),
                                        ((4, 3, 5), 0)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_normalization_training_forward_and_moving_update(shape, axis, dtype, rng):
    x = rng.normal(1.5, 2.0, shape).astype(dtype)
    bn = layers.BatchNormalization(axis=axis, momentum=0.8, dtype=dtype)
    bn.build(shape)
    p = _randomize_params(bn, rng)
    a = axis % len(shape)
    red = tuple(i for i in range(len(shape)) if i != a)
    mean, var = x.astype("float64").mean(red), x.astype("float64").var(red)  # biased variance, as Keras

    y = bn(lm.tensor(x), training=True)  # a tensor: numpy float64 inputs are converted to floatx
    assert y.dtype == dtype
    tol = 1e-5 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(np.asarray(y), _bn_ref(x, mean, var, a, p["gamma"], p["beta"]), rtol=tol, atol=tol)
    # moving = moving * momentum + batch * (1 - momentum), with the biased batch variance.
    np.testing.assert_allclose(np.asarray(bn.moving_mean), p["moving_mean"] * 0.8 + mean * 0.2, rtol=tol, atol=tol)
    np.testing.assert_allclose(np.asarray(bn.moving_variance), p["moving_variance"] * 0.8 + var * 0.2, rtol=tol, atol=tol)


@pytest.mark.parametrize("shape,axis", [((16, 5), -1), ((4, 3, 5, 2), 1)])
def test_batch_normalization_inference_uses_moving_statistics(shape, axis, rng):
    x = rng.normal(0.5, 2.0, shape).astype("float32")
    bn = layers.BatchNormalization(axis=axis)
    bn.build(shape)
    p = _randomize_params(bn, rng)
    a = axis % len(shape)
    want = _bn_ref(x, p["moving_mean"], p["moving_variance"], a, p["gamma"], p["beta"])
    np.testing.assert_allclose(np.asarray(bn(x)), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(bn(x, training=False)), want, rtol=1e-5, atol=1e-5)
    # Inference leaves the statistics alone.
    np.testing.assert_array_equal(np.asarray(bn.moving_mean), p["moving_mean"])
    np.testing.assert_array_equal(np.asarray(bn.moving_variance), p["moving_variance"])


def test_batch_normalization_moving_statistics_converge_over_steps(rng):
    x = rng.normal(3.0, 2.0, (64, 3)).astype("float32")
    bn = layers.BatchNormalization(momentum=0.5)
    for _ in range(40):
        bn(x, training=True)
    np.testing.assert_allclose(np.asarray(bn.moving_mean), x.mean(0), rtol=1e-4)
    np.testing.assert_allclose(np.asarray(bn.moving_variance), x.var(0), rtol=1e-4)
    # Now inference normalizes like training did.
    np.testing.assert_allclose(np.asarray(bn(x)), np.asarray(bn(x, training=True)), atol=1e-3)


def test_frozen_batch_normalization_runs_in_inference_mode(rng):
    x = rng.normal(2.0, 3.0, (8, 4)).astype("float32")
    bn = layers.BatchNormalization()
    bn.build(x.shape)
    p = _randomize_params(bn, rng)
    bn.trainable = False
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4
    y = bn(x, training=True)
    np.testing.assert_allclose(np.asarray(y), _bn_ref(x, p["moving_mean"], p["moving_variance"], 1, p["gamma"], p["beta"]),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(bn.moving_mean), p["moving_mean"])
    np.testing.assert_array_equal(np.asarray(bn.moving_variance), p["moving_variance"])


def test_batch_normalization_in_fit_updates_moving_statistics_and_predict_uses_them(rng):
    x = rng.normal(4.0, 2.0, (32, 3)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    inp = lm.Input((3,))
    bn = layers.BatchNormalization(momentum=0.0)  # moving statistics = last batch's
    model = lm.Model(inp, layers.Dense(1)(bn(inp)))
    model.compile(optimizer=lm.optimizers.SGD(0.01), loss="mse")
    model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(np.asarray(bn.moving_mean), x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(bn.moving_variance), x.var(0), rtol=1e-5)
    # predict runs in inference mode: the moving statistics, not the batch ones.
    before = np.asarray(bn.moving_mean).copy()
    model.predict(x[:5], verbose=0)
    np.testing.assert_array_equal(np.asarray(bn.moving_mean), before)
    # The BN output inside the model at inference equals the training-mode normalization of x.
    sub = lm.Model(inp, bn.output)
    np.testing.assert_allclose(np.asarray(sub(x)), np.asarray(bn(x, training=True)), atol=1e-3)


def test_batch_normalization_input_gradient_finite_differences(rng):
    x = rng.normal(1.0, 2.0, (5, 3, 4))
    bn = layers.BatchNormalization(axis=1, dtype="float64")
    bn.build(x.shape)
    _randomize_params(bn, rng)
    check_gradient(lambda t: bn(t, training=True), x, rtol=1e-5, atol=1e-7)
    check_gradient(lambda t: bn(t, training=False), x, rtol=1e-5, atol=1e-7)


def test_batch_normalization_masked_training_gradient_finite_differences(rng):
    x = rng.normal(1.0, 2.0, (3, 4, 2))
    mask = lm.tensor(np.array([[1, 1, 0, 1], [1, 0, 0, 0], [1, 1, 1, 1]], bool))
    bn = layers.BatchNormalization(dtype="float64")
    bn.build(x.shape)
    _randomize_params(bn, rng)
    check_gradient(lambda t: bn(t, training=True, mask=mask), x, rtol=1e-5, atol=1e-7)


def test_batch_normalization_parameter_gradients(rng):
    x = rng.normal(0.0, 2.0, (6, 3)).astype("float64")
    w = rng.normal(size=(6, 3))
    bn = layers.BatchNormalization(dtype="float64")
    bn.build(x.shape)
    _randomize_params(bn, rng)
    with lm.GradientTape() as tape:
        loss = ops.sum(ops.multiply(bn(lm.tensor(x), training=True), lm.tensor(w)))
    g_gamma, g_beta = tape.gradient(loss, [bn.gamma, bn.beta])
    xhat = (x - x.mean(0)) / np.sqrt(x.var(0) + EPS)
    np.testing.assert_allclose(np.asarray(g_gamma), (w * xhat).sum(0), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(g_beta), w.sum(0), rtol=1e-10)
    # Inference: d/dgamma uses the moving statistics.
    with lm.GradientTape() as tape:
        loss = ops.sum(ops.multiply(bn(lm.tensor(x)), lm.tensor(w)))
    (g_gamma,) = tape.gradient(loss, [bn.gamma])
    xhat = (x - np.asarray(bn.moving_mean)) / np.sqrt(np.asarray(bn.moving_variance) + EPS)
    np.testing.assert_allclose(np.asarray(g_gamma), (w * xhat).sum(0), rtol=1e-10)


def test_batch_normalization_mask_leaves_masked_steps_out_of_the_statistics(rng):
    x = rng.normal(1.0, 2.0, (3, 5, 4)).astype("float64")
    m = rng.uniform(size=(3, 5)) > 0.4
    m[0, 0] = True
    bn = layers.BatchNormalization(momentum=0.0, dtype="float64")
    y = bn(lm.tensor(x), training=True, mask=lm.tensor(m))
    sel = x[m]  # (n_kept, 4)
    mean, var = sel.mean(0), sel.var(0)
    np.testing.assert_allclose(np.asarray(bn.moving_mean), mean, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(bn.moving_variance), var, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(y), _bn_ref(x, mean, var, 2), rtol=1e-5, atol=1e-6)


def test_batch_normalization_takes_mask_from_embedding(rng):
    ids = np.array([[3, 1, 0, 0], [2, 0, 0, 0]], "int32")
    emb = layers.Embedding(5, 3, mask_zero=True)
    bn = layers.BatchNormalization(momentum=0.0)
    e = emb(ids)
    out = bn(e, training=True)
    np.testing.assert_array_equal(np.asarray(out._keras_mask), ids != 0)  # BN passes the mask on
    kept = np.asarray(e)[ids != 0]
    np.testing.assert_allclose(np.asarray(bn.moving_mean), kept.mean(0), rtol=1e-5, atol=1e-6)


def test_batch_normalization_renorm_forward_and_updates(rng):
    x = rng.normal(2.0, 3.0, (16, 3)).astype("float64")
    clip = {"rmax": 1.5, "rmin": 0.5, "dmax": 0.8}
    bn = layers.BatchNormalization(renorm=True, renorm_clipping=clip, renorm_momentum=0.9, momentum=0.7,
                                   dtype="float64")
    bn.build(x.shape)
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance", "moving_stddev",
                                            "renorm_mean", "renorm_stddev"]
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    bn.gamma.assign(gamma)
    bn.beta.assign(beta)
    y = np.asarray(bn(lm.tensor(x), training=True))
    mean, var = x.mean(0), x.var(0)
    std = np.sqrt(var + EPS)
    r = np.clip(std / 1.0, 0.5, 1.5)  # renorm_stddev starts at sqrt(1)
    d = np.clip((mean - 0.0) / 1.0, -0.8, 0.8)
    want = (x - mean) / std * (r * gamma) + (d * gamma + beta)
    np.testing.assert_allclose(y, want, rtol=1e-10)
    np.testing.assert_allclose(np.asarray(bn.renorm_mean), 0.1 * mean, rtol=1e-10)
    np.testing.assert_allclose(np.asarray(bn.renorm_stddev), 0.9 + 0.1 * std, rtol=1e-10)
    np.testing.assert_allclose(np.asarray(bn.moving_mean), 0.3 * mean, rtol=1e-10)
    new_std = 0.7 + 0.3 * std
    np.testing.assert_allclose(np.asarray(bn.moving_stddev), new_std, rtol=1e-10)
    np.testing.assert_allclose(np.asarray(bn.moving_variance), np.maximum(new_std ** 2 - EPS, 0), rtol=1e-10)


def test_batch_normalization_integer_inputs_are_cast():
    bn = layers.BatchNormalization()
    y = bn(np.arange(12, dtype="int32").reshape(4, 3), training=True)
    assert y.dtype == "float32"
    np.testing.assert_allclose(np.asarray(y).mean(0), 0, atol=1e-5)


def test_batch_normalization_config_keys_match_keras():
    bn = layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, gamma_regularizer="l2")
    cfg = bn.get_config()
    assert set(cfg) == {"name", "trainable", "dtype", "axis", "momentum", "epsilon", "center", "scale",
                        "beta_initializer", "gamma_initializer", "moving_mean_initializer",
                        "moving_variance_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint",
                        "gamma_constraint", "synchronized"}
    assert cfg["axis"] == 1 and cfg["momentum"] == 0.9 and cfg["epsilon"] == 1e-5
    assert cfg["gamma_initializer"]["class_name"] == "Ones" and cfg["gamma_regularizer"]["class_name"] == "L2"
    renorm_cfg = layers.BatchNormalization(renorm=True).get_config()
    assert {"renorm", "renorm_clipping", "renorm_momentum"} <= set(renorm_cfg)
    clone = layers.BatchNormalization.from_config(renorm_cfg)
    assert clone.renorm and clone.get_config() == renorm_cfg


def test_batch_normalization_defaults_match_keras():
    bn = layers.BatchNormalization()
    assert (bn.axis, bn.momentum, bn.epsilon, bn.center, bn.scale, bn.synchronized) == (-1, 0.99, 1e-3, True, True, False)


def test_batch_normalization_accepts_keras2_list_axis():
    bn = layers.BatchNormalization.from_config({"axis": [3], "momentum": 0.99, "epsilon": 0.001, "name": "bn"})
    assert bn.axis == 3


def test_batch_normalization_errors():
    bn = layers.BatchNormalization()
    bn(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3.*\(2, 4\)"):
        bn(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"expected ndim=2, found ndim=3"):
        bn(np.zeros((2, 3, 3), "float32"))
    with pytest.raises(ValueError, match=r"axis 3 is out of bounds"):
        layers.BatchNormalization(axis=3)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"axis 5 is out of bounds"):
        layers.BatchNormalization(axis=5).compute_output_shape((None, 3))
    with pytest.raises(ValueError, match=r"single axis"):
        layers.BatchNormalization(axis=[1, 2])
    with pytest.raises(ValueError, match=r"invalid keys for `renorm_clipping`"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"rmaxx": 2})
    with pytest.raises(ValueError, match=r"rmax should be greater than rmin"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 1, "rmin": 2})
    with pytest.raises(ValueError, match=r"mask provided should be one dimension less"):
        layers.BatchNormalization()(np.zeros((2, 3), "float32"), training=True, mask=lm.tensor(np.ones((2, 3), bool)))
    with pytest.raises(ValueError, match=r"must have a known size"):
        layers.BatchNormalization()(lm.Input((None,)))


# ------------------------------------------------------------------------------------------------
# LayerNormalization

@pytest.mark.parametrize("kwargs,shape,n_train", [
    ({}, (4, 6), 2),
    ({"axis": [1, 2]}, (3, 4, 5), 2),
    ({"axis": -2}, (3, 4, 5), 2),
    ({"center": False}, (4, 6), 1),
    ({"scale": False}, (4, 6), 1),
])
def test_layer_normalization_layer_test(kwargs, shape, n_train):
    run_layer_test(layers.LayerNormalization, kwargs, shape, expected_output_shape=shape,
                   expected_num_trainable_weights=n_train)


@pytest.mark.parametrize("shape,axis", [((4, 6), -1), ((3, 4, 5), [1, 2]), ((3, 4, 5), 1), ((2, 3, 4, 5), [1, 3]),
                                        ((2, 3, 4, 5), [-1, -3]), ((6, 5), [0, 1])])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layer_normalization_forward(shape, axis, dtype, rng):
    x = rng.normal(1.0, 3.0, shape).astype(dtype)
    ln = layers.LayerNormalization(axis=axis, dtype=dtype)
    ln.build(shape)
    axes = [axis] if isinstance(axis, int) else axis
    assert ln.axis == sorted(a % len(shape) for a in axes)
    p = _randomize_params(ln, rng)
    assert p["gamma"].shape == tuple(shape[a] for a in ln.axis)
    y = ln(lm.tensor(x))
    assert y.dtype == dtype
    tol = 1e-5 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(np.asarray(y), _ln_ref(x.astype("float64"), axes, p["gamma"], p["beta"]), rtol=tol, atol=tol)


def test_layer_normalization_without_params_and_epsilon(rng):
    x = rng.normal(size=(3, 7)).astype("float32")
    ln = layers.LayerNormalization(center=False, scale=False, epsilon=0.5)
    np.testing.assert_allclose(np.asarray(ln(x)), _ln_ref(x, [-1], eps=0.5), rtol=1e-5, atol=1e-6)
    assert ln.weights == []


def test_layer_normalization_rms_scaling_follows_keras(rng):
    x = rng.normal(1.0, 2.0, (3, 5)).astype("float64")
    with pytest.warns(UserWarning, match="rms_scaling"):
        ln = layers.LayerNormalization(rms_scaling=True, dtype="float64")
    ln(x)
    assert [w.name for w in ln.weights] == ["gamma"]  # no beta with rms_scaling, as in Keras
    g = rng.normal(size=5)
    ln.set_weights([g])
    want = x / np.sqrt(x.var(-1, keepdims=True) + EPS) * g  # Keras' definition: the variance, not the mean square
    np.testing.assert_allclose(np.asarray(ln(lm.tensor(x))), want, rtol=1e-10)
    assert ln.get_config()["rms_scaling"] is True


@pytest.mark.parametrize("shape,axis", [((3, 5), -1), ((2, 3, 4), [1, 2]), ((2, 3, 4), [0, 2])])
def test_layer_normalization_gradient_finite_differences(shape, axis, rng):
    x = rng.normal(size=shape)
    ln = layers.LayerNormalization(axis=axis, dtype="float64")
    ln.build(shape)
    _randomize_params(ln, rng)
    check_gradient(lambda t: ln(t), x, rtol=1e-5, atol=1e-7)


def test_layer_normalization_config_keys_match_keras():
    ln = layers.LayerNormalization(axis=[1, 2], epsilon=1e-6)
    assert set(ln.get_config()) == {"name", "trainable", "dtype", "axis", "epsilon", "center", "scale", "rms_scaling",
                                    "beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer",
                                    "beta_constraint", "gamma_constraint"}
    assert ln.get_config()["axis"] == [1, 2]
    ln(np.zeros((2, 3, 4), "float32"))
    assert ln.get_config()["axis"] == [1, 2]


def test_layer_normalization_errors():
    with pytest.raises(TypeError, match=r"int or a list/tuple of ints"):
        layers.LayerNormalization(axis="last")
    with pytest.raises(ValueError, match=r"axis 2 is out of bounds"):
        layers.LayerNormalization(axis=2)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"duplicate axes"):
        layers.LayerNormalization(axis=[1, -1])(np.zeros((2, 3), "float32"))
    ln = layers.LayerNormalization()
    ln(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"expected axes \[1\] of input shape to have sizes \(3,\)"):
        ln(np.zeros((2, 4), "float32"))


# ------------------------------------------------------------------------------------------------
# GroupNormalization, UnitNormalization, RMSNormalization

def _gn_ref(x, groups, axis, gamma, beta, eps=EPS):
    a = axis % x.ndim
    xm = np.moveaxis(x, a, -1)  # [B, ..., C]
    b, c = xm.shape[0], xm.shape[-1]
    g = xm.reshape(b, -1, groups, c // groups)
    mean = g.mean(axis=(1, 3), keepdims=True)
    var = g.var(axis=(1, 3), keepdims=True)
    y = ((g - mean) / np.sqrt(var + eps)).reshape(xm.shape) * gamma + beta
    return np.moveaxis(y, -1, a)


@pytest.mark.parametrize("kwargs,shape", [({"groups": 2}, (3, 5, 4)), ({"groups": -1}, (3, 5, 4)),
                                          ({"groups": 3, "axis": 1}, (2, 6, 2)), ({"groups": 1}, (4, 6))])
def test_group_normalization(kwargs, shape, rng):
    run_layer_test(layers.GroupNormalization, kwargs, shape, expected_output_shape=shape,
                   expected_num_trainable_weights=2)
    x = rng.normal(1.0, 2.0, shape).astype("float64")
    gn = layers.GroupNormalization(dtype="float64", **kwargs)
    gn.build(shape)
    p = _randomize_params(gn, rng)
    axis = kwargs.get("axis", -1)
    groups = gn.groups
    a = axis % len(shape)
    pshape = [1] * len(shape)
    pshape[a] = shape[a]
    want = _gn_ref(x, groups, axis, np.moveaxis(p["gamma"].reshape(pshape), a, -1), np.moveaxis(p["beta"].reshape(pshape), a, -1))
    np.testing.assert_allclose(np.asarray(gn(lm.tensor(x))), want, rtol=1e-10, atol=1e-12)
    check_gradient(lambda t: gn(t), x, rtol=1e-5, atol=1e-7)


def test_group_normalization_errors():
    with pytest.raises(ValueError, match=r"invalid value for argument `groups`"):
        layers.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match=r"must be a multiple"):
        layers.GroupNormalization(groups=4)(np.zeros((2, 6), "float32"))
    with pytest.raises(ValueError, match=r"cannot be more than the number of channels"):
        layers.GroupNormalization(groups=8)(np.zeros((2, 6), "float32"))


def test_unit_normalization(rng):
    run_layer_test(layers.UnitNormalization, {}, (3, 4), expected_output_shape=(3, 4), run_training_check=False)
    run_layer_test(layers.UnitNormalization, {"axis": [1, 2]}, (3, 4, 2), expected_output_shape=(3, 4, 2),
                   run_training_check=False)
    x = rng.normal(size=(3, 4, 2))
    for axis in (-1, [1, 2], 1):
        ax = (axis,) if isinstance(axis, int) else tuple(axis)
        want = x / np.sqrt((x ** 2).sum(ax, keepdims=True))
        np.testing.assert_allclose(np.asarray(layers.UnitNormalization(axis=axis, dtype="float64")(lm.tensor(x))), want, rtol=1e-10)
    z = np.asarray(layers.UnitNormalization()(np.zeros((2, 3), "float32")))
    assert np.all(z == 0)  # zero vectors stay zero (the norm is floored)
    check_gradient(lambda t: layers.UnitNormalization(dtype="float64")(t), x, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match=r"out of bounds"):
        layers.UnitNormalization(axis=3)(np.zeros((2, 3), "float32"))


def test_rms_normalization(rng):
    run_layer_test(layers.RMSNormalization, {}, (3, 4), expected_output_shape=(3, 4), expected_num_trainable_weights=1)
    x = rng.normal(size=(3, 4, 5))
    layer = layers.RMSNormalization(axis=[1, 2], epsilon=1e-6, dtype="float64")
    layer.build(x.shape)
    s = rng.normal(size=(4, 5))
    layer.set_weights([s])
    want = x / np.sqrt((x ** 2).mean((1, 2), keepdims=True) + 1e-6) * s
    np.testing.assert_allclose(np.asarray(layer(lm.tensor(x))), want, rtol=1e-10)
    check_gradient(lambda t: layer(t), x, rtol=1e-5, atol=1e-7)
    assert layer.get_config()["axis"] == [1, 2] and layer.get_config()["epsilon"] == 1e-6
