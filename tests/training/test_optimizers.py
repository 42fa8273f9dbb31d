"""Each optimizer's fused engine update against a numpy transcription of Keras' formulas."""

import math

import numpy as np
import pytest

import lamina as lm
from lamina import optimizers


def _reference(name, kw, w, grads):
    w = w.astype(np.float64).copy()
    s = {k: np.zeros_like(w) for k in ("m", "v", "vh", "u", "acc", "lin", "ag", "ad", "avg", "mom")}
    if name == "adagrad":
        s["acc"][:] = kw.get("initial_accumulator_value", 0.1)
    if name == "ftrl":
        s["acc"][:] = kw.get("initial_accumulator_value", 0.1)
    u_prod = 1.0
    for t, g in enumerate(grads, start=1):
        lr = kw.get("learning_rate", 0.01 if name == "sgd" else 0.001)
        if name == "sgd":
            mom, nest = kw.get("momentum", 0.0), kw.get("nesterov", False)
            if mom == 0:
                w -= lr * g
            else:
                s["m"] = mom * s["m"] - lr * g
                w += mom * s["m"] - lr * g if nest else s["m"]
        elif name in ("adam", "adamw"):
            b1, b2, eps = 0.9, 0.999, 1e-7
            if name == "adamw":
                w -= w * kw["weight_decay"] * lr
            s["m"] += (g - s["m"]) * (1 - b1)
            s["v"] += (g * g - s["v"]) * (1 - b2)
            v = s["v"]
            if kw.get("amsgrad"):
                s["vh"] = np.maximum(s["vh"], s["v"])
                v = s["vh"]
            w -= lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t) * s["m"] / (np.sqrt(v) + eps)
        elif name == "rmsprop":
            rho, mom, eps, centered = 0.9, kw.get("momentum", 0.0), 1e-7, kw.get("centered", False)
            s["v"] = rho * s["v"] + (1 - rho) * g * g
            if centered:
                s["avg"] = rho * s["avg"] + (1 - rho) * g
                denom = s["v"] - s["avg"] ** 2 + eps
            else:
                denom = s["v"] + eps
            inc = lr * g / np.sqrt(denom)
            if mom > 0:
                s["mom"] = mom * s["mom"] + inc
                w -= s["mom"]
            else:
                w -= inc
        elif name == "adagrad":
            s["acc"] += g * g
            w -= lr * g / np.sqrt(s["acc"] + 1e-7)
        elif name == "adadelta":
            rho, eps = 0.95, 1e-7
            s["ag"] = rho * s["ag"] + (1 - rho) * g * g
            delta = np.sqrt(s["ad"] + eps) / np.sqrt(s["ag"] + eps) * g
            s["ad"] = rho * s["ad"] + (1 - rho) * delta * delta
            w -= lr * delta
        elif name == "adamax":
            b1, b2, eps = 0.9, 0.999, 1e-7
            s["m"] += (g - s["m"]) * (1 - b1)
            s["u"] = np.maximum(b2 * s["u"], np.abs(g))
            w -= lr / (1 - b1 ** t) * s["m"] / (s["u"] + eps)
        elif name == "nadam":
            b1, b2, eps = 0.9, 0.999, 1e-7
            u_t = b1 * (1 - 0.5 * 0.96 ** (0.004 * t))
            u_t1 = b1 * (1 - 0.5 * 0.96 ** (0.004 * (t + 1)))
            u_prod_t = u_prod * u_t
            u_prod = u_prod_t
            s["m"] += (g - s["m"]) * (1 - b1)
            s["v"] += (g * g - s["v"]) * (1 - b2)
            m_hat = u_t1 * s["m"] / (1 - u_prod_t * u_t1) + (1 - u_t) * g / (1 - u_prod_t)
            w -= lr * m_hat / (np.sqrt(s["v"] / (1 - b2 ** t)) + eps)
        elif name == "ftrl":
            l1, l2, power = kw.get("l1_regularization_strength", 0.0), kw.get("l2_regularization_strength", 0.0), -0.5
            new_acc = s["acc"] + g * g
            s["lin"] += g - (new_acc ** -power - s["acc"] ** -power) / lr * w
            quad = new_acc ** -power / lr + 2 * l2
            w = (np.clip(s["lin"], -l1, l1) - s["lin"]) / quad
            s["acc"] = new_acc
    return w


CASES = [
    ("sgd", optimizers.SGD, {}),
    ("sgd", optimizers.SGD, {"momentum": 0.9}),
    ("sgd", optimizers.SGD, {"momentum": 0.9, "nesterov": True}),
    ("adam", optimizers.Adam, {}),
    ("adam", optimizers.Adam, {"amsgrad": True}),
    ("adamw", optimizers.AdamW, {"weight_decay": 0.1}),
    ("rmsprop", optimizers.RMSprop, {}),
    ("rmsprop", optimizers.RMSprop, {"momentum": 0.5, "centered": True}),
    ("adagrad", optimizers.Adagrad, {}),
    ("adadelta", optimizers.Adadelta, {"learning_rate": 1.0}),
    ("adamax", optimizers.Adamax, {}),
    ("nadam", optimizers.Nadam, {}),
    ("ftrl", optimizers.Ftrl, {"l1_regularization_strength": 0.01, "l2_regularization_strength": 0.01}),
]


@pytest.mark.parametrize("name,cls,kw", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_update_matches_keras_formula(name, cls, kw):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((5, 3))
    grads = [rng.standard_normal((5, 3)) for _ in range(3)]
    var = lm.Variable(w0.astype("float64"))
    opt = cls(**kw)
    for g in grads:
        opt.apply([lm.tensor(g)], [var])
    np.testing.assert_allclose(var.numpy(), _reference(name, kw, w0, grads), rtol=1e-6, atol=1e-9)
    assert int(opt.iterations.numpy()) == 3


def test_large_parameter_uses_threads_with_same_result():
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal(100_000).astype("float32")
    g = rng.standard_normal(100_000).astype("float32")
    var = lm.Variable(w0)
    optimizers.Adam(0.01).apply([lm.tensor(g)], [var])
    ref = _reference("adam", {"learning_rate": 0.01}, w0, [g.astype(np.float64)])
    np.testing.assert_allclose(var.numpy(), ref, rtol=1e-5, atol=1e-6)


def test_clipping_and_schedules():
    var = lm.Variable(np.zeros(2, "float32"))
    optimizers.SGD(1.0, clipvalue=0.5).apply([lm.tensor(np.array([2.0, -0.1], "float32"))], [var])
    np.testing.assert_allclose(var.numpy(), [-0.5, 0.1], rtol=1e-6)
    var = lm.Variable(np.zeros(2, "float32"))
    optimizers.SGD(1.0, clipnorm=1.0).apply([lm.tensor(np.array([3.0, 4.0], "float32"))], [var])
    np.testing.assert_allclose(var.numpy(), [-0.6, -0.8], rtol=1e-6)
    sched = optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert math.isclose(sched(10), 0.05)
    assert math.isclose(optimizers.schedules.PiecewiseConstantDecay([5], [1.0, 0.1])(6), 0.1)
    assert math.isclose(optimizers.schedules.CosineDecay(1.0, 10)(10), 0.0, abs_tol=1e-12)
    opt = optimizers.SGD(sched)
    assert math.isclose(opt.learning_rate, 0.1)


def test_gradient_for_wrong_shape_is_a_clear_error():
    var = lm.Variable(np.zeros((2, 2), "float32"))
    with pytest.raises(ValueError, match=r"shape"):
        optimizers.SGD().apply([lm.tensor(np.zeros(3, "float32"))], [var])


def test_get_by_name_and_errors():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    with pytest.raises(ValueError, match=r"Could not interpret optimizer"):
        optimizers.get("nope")
