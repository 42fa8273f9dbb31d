"""Recurrent and normalization models trained on the gpu device like on the cpu: an LSTM and a
GRU (the recurrent ops' gpu arm runs the time loop over engine ops), and a Dense model with
BatchNormalization (whose moving statistics must match too) and LayerNormalization. Also the
ftrl optimizer rule on the gpu. Skipped, with the reason, when no GPU adapter exists."""

import numpy as np
import pytest

import lamina as lm
from gpu_check import requires_gpu
from lamina import ops, optimizers


pytestmark = requires_gpu

# float32 on both devices; the gpu sums (matmuls, reductions) in another order, and the
# recurrence compounds the difference over the steps: same curves within these tolerances.
LOSS_RTOL = 1e-4
PRED_RTOL, PRED_ATOL = 1e-4, 1e-5


def _devices(model):
    return {w.device for w in model.weights} | {v.device for v in model.optimizer.variables if v.ndim > 0}


def _fit(device, build, x, y, loss, optimizer="adam", epochs=2, batch_size=8):
    lm.utils.set_random_seed(7)
    with lm.device(device):
        model = build()
        model.compile(optimizer=optimizer() if callable(optimizer) else optimizer, loss=loss)
        hist = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=False)
        pred = model.predict(x[:6], verbose=0)
        weights = [np.asarray(w) for w in model.weights]
        devices = _devices(model)
    return hist.history["loss"], pred, weights, devices


def _compare(build, x, y, loss, **kw):
    cpu_loss, cpu_pred, cpu_w, cpu_dev = _fit("cpu", build, x, y, loss, **kw)
    gpu_loss, gpu_pred, gpu_w, gpu_dev = _fit("gpu", build, x, y, loss, **kw)
    assert cpu_dev == {"cpu"} and gpu_dev == {"gpu"}
    np.testing.assert_allclose(gpu_loss, cpu_loss, rtol=LOSS_RTOL)
    np.testing.assert_allclose(gpu_pred, cpu_pred, rtol=PRED_RTOL, atol=PRED_ATOL)
    return cpu_w, gpu_w, gpu_loss


def _sequences():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6, 5)).astype(np.float32)
    y = (x[:, :, 0].sum(1) > 0).astype(np.int64) + (x[:, -1, 1] > 0.5)
    return x, y


@pytest.mark.parametrize("layer", ["lstm", "gru", "gru_reset_before"])
def test_recurrent_model_trains_on_gpu_like_on_cpu(layer):
    x, y = _sequences()

    def build():
        rec = {"lstm": lambda: lm.layers.LSTM(8), "gru": lambda: lm.layers.GRU(8),
               "gru_reset_before": lambda: lm.layers.GRU(8, reset_after=False, return_sequences=True)}[layer]()
        layers = [lm.Input((6, 5)), rec]
        if layer == "gru_reset_before":
            layers.append(lm.layers.LSTM(4, go_backwards=True))
        layers.append(lm.layers.Dense(3, activation="softmax"))
        return lm.Sequential(layers)

    cpu_w, gpu_w, gpu_loss = _compare(build, x, y, "sparse_categorical_crossentropy")
    assert gpu_loss[-1] < gpu_loss[0]
    for g, c in zip(gpu_w, cpu_w):
        np.testing.assert_allclose(g, c, rtol=1e-4, atol=1e-5)


def test_masked_lstm_trains_on_gpu_like_on_cpu():
    # Right-padded sequences through Masking: the mask reaches the op on the gpu.
    x, y = _sequences()
    x[::3, 4:] = 0.0

    def build():
        return lm.Sequential([lm.Input((6, 5)), lm.layers.Masking(0.0), lm.layers.LSTM(8),
                              lm.layers.Dense(3, activation="softmax")])

    _compare(build, x, y, "sparse_categorical_crossentropy")


def test_normalization_model_trains_on_gpu_like_on_cpu():
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(48, 10)) * 3 + 1).astype(np.float32)
    y = (x[:, :4].sum(1, keepdims=True) * 0.1).astype(np.float32)

    def build():
        # no bias before BatchNormalization: its true gradient is zero, so Adam would scale the
        # devices' different rounding noise into full steps
        return lm.Sequential([lm.Input((10,)), lm.layers.Dense(16, use_bias=False), lm.layers.BatchNormalization(),
                              lm.layers.Activation("relu"), lm.layers.Dense(12), lm.layers.LayerNormalization(),
                              lm.layers.Dense(1)])

    cpu_w, gpu_w, gpu_loss = _compare(build, x, y, "mse", epochs=3)
    assert gpu_loss[-1] < gpu_loss[0]
    # every weight, BatchNormalization's moving mean and variance included
    assert len(gpu_w) == len(cpu_w)
    for g, c in zip(gpu_w, cpu_w):
        np.testing.assert_allclose(g, c, rtol=1e-4, atol=1e-5)


def test_ftrl_trains_on_gpu_like_on_cpu():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(40, 6)).astype(np.float32)
    y = (x @ rng.normal(size=(6, 1))).astype(np.float32)

    def build():
        return lm.Sequential([lm.Input((6,)), lm.layers.Dense(4, activation="elu"), lm.layers.Dense(1)])

    def ftrl():
        return optimizers.Ftrl(0.1, l1_regularization_strength=0.01, l2_regularization_strength=0.02,
                               l2_shrinkage_regularization_strength=0.01, beta=0.1)

    _compare(build, x, y, "mse", optimizer=ftrl, epochs=3)


def test_errors_name_the_op_and_devices():
    rng = np.random.default_rng(3)
    x = lm.tensor(rng.normal(size=(2, 3, 4)).astype(np.float32)).to("gpu")
    kernel, rk = rng.normal(size=(4, 8)).astype(np.float32), rng.normal(size=(2, 8)).astype(np.float32)
    with pytest.raises(RuntimeError, match="lstm: expected all tensors on the same device.*gpu.*cpu"):
        ops.lstm(x, None, None, lm.tensor(kernel), lm.tensor(rk).to("gpu"))
    with pytest.raises(RuntimeError, match="layer_normalization: expected all tensors on the same device"):
        ops.layer_normalization(x, lm.tensor(np.ones(4, np.float32)))
    # the masks are constants: cpu ones are uploaded
    mask = np.array([[True, False, True], [True, True, False]])
    y, h, c = ops.lstm(x, None, None, lm.tensor(kernel).to("gpu"), lm.tensor(rk).to("gpu"), mask=mask,
                       dropout_mask=np.full((2, 4), 2.0, np.float32))
    want = ops.lstm(np.asarray(x), None, None, kernel, rk, mask=mask, dropout_mask=np.full((2, 4), 2.0, np.float32))
    assert y.device == "gpu"
    np.testing.assert_allclose(np.asarray(y), np.asarray(want[0]), rtol=1e-5, atol=1e-6)
