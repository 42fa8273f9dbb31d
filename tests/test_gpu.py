"""The gpu device from Python: transfers, the default device, error messages, and a model that
trains under `lamina.device("gpu")` with the same losses as on the cpu. Skipped, with the
reason, when no GPU adapter exists (install Mesa's lavapipe: `mesa-vulkan-drivers`)."""

import numpy as np
import pytest

import lamina as lm
from gpu_check import requires_gpu
from lamina import ops


pytestmark = requires_gpu


def test_transfers_and_default_device():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    g = lm.tensor(x).to("gpu")
    assert g.device == "gpu" and g.to("cpu").device == "cpu"
    np.testing.assert_array_equal(np.asarray(g), x)
    np.testing.assert_array_equal(np.asarray(g.T + 1), x.T + 1)
    assert lm.get_default_device() == "cpu"
    with lm.device("gpu"):
        assert lm.get_default_device() == "gpu"
        for t in (lm.tensor(x), ops.zeros((2, 3)), ops.ones((2,)), ops.arange(5), lm.random.normal((3,)), lm.Variable(x)):
            assert t.device == "gpu"
        assert float(ops.sum(lm.tensor(x))) == x.sum()
        assert ops.full_like(x, 2.0).device == "gpu"
    assert ops.full_like(g, 2.0).device == "gpu"  # on x's device, like zeros_like
    assert lm.get_default_device() == "cpu"
    assert lm.tensor(x).device == "cpu"


def test_errors_name_op_and_devices():
    g = lm.tensor(np.ones((2, 2), np.float32)).to("gpu")
    c = lm.tensor(np.ones((2, 2), np.float32))
    with pytest.raises(RuntimeError, match="add.*gpu.*cpu"):
        ops.add(g, c)
    with pytest.raises(TypeError, match="float64 is not supported on the gpu"):
        lm.tensor(np.ones(2)).to("gpu")
    # int64 has no arithmetic in WGSL: the error says so and what to do
    with pytest.raises(TypeError, match="int64 arithmetic is not supported on the gpu device; cast to int32"):
        ops.add(ops.cast(g, "int64"), 1)
    # Python numbers mix with gpu tensors
    np.testing.assert_array_equal(np.asarray(g * 2 + 1), np.full((2, 2), 3, np.float32))


def test_gradients_stay_on_the_gpu():
    w = lm.Variable(np.ones((3, 2), np.float32))
    x = lm.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    w, x = w.value.to("gpu"), x.to("gpu")
    with lm.GradientTape() as tape:
        tape.watch(w)
        loss = ops.sum(ops.relu(ops.matmul(x, w)))
    (gw,) = tape.gradient(loss, [w])
    assert gw.device == "gpu"
    np.testing.assert_allclose(np.asarray(gw), np.repeat(np.arange(6).reshape(2, 3).sum(0)[:, None], 2, 1))


def _train(device):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 12)).astype(np.float32)
    y = (x[:, :3].sum(1) > 0).astype(np.int64) + (x[:, 3] > 0.5)
    lm.utils.set_random_seed(3)
    with lm.device(device):
        model = lm.Sequential([lm.Input((12,)), lm.layers.Dense(16, activation="relu"), lm.layers.Dense(8),
                               lm.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        hist = model.fit(x, y, batch_size=16, epochs=4, verbose=0)
        devices = {w.device for w in model.weights} | {v.device for v in model.optimizer.variables if v.ndim > 0}
        pred = model.predict(x[:5], verbose=0)
    return hist.history, devices, pred


def test_dense_model_trains_on_gpu_like_on_cpu():
    cpu_hist, cpu_dev, cpu_pred = _train("cpu")
    gpu_hist, gpu_dev, gpu_pred = _train("gpu")
    assert cpu_dev == {"cpu"} and gpu_dev == {"gpu"}
    # float32 on both; the gpu sums in another order: same curve within 1e-4
    np.testing.assert_allclose(gpu_hist["loss"], cpu_hist["loss"], rtol=1e-4)
    np.testing.assert_allclose(gpu_hist["accuracy"], cpu_hist["accuracy"], atol=1e-6)
    assert gpu_hist["loss"][-1] < gpu_hist["loss"][0]
    assert isinstance(gpu_pred, np.ndarray)
    np.testing.assert_allclose(gpu_pred, cpu_pred, rtol=1e-4, atol=1e-6)


def test_int32_matmul_on_gpu_matches_numpy():
    rng = np.random.default_rng(2)
    a = rng.integers(-50, 50, size=(3, 5, 7)).astype(np.int32)
    b = rng.integers(-50, 50, size=(7, 4)).astype(np.int32)
    ga, gb = lm.tensor(a).to("gpu"), lm.tensor(b).to("gpu")
    out = ops.matmul(ga, gb)
    assert out.device == "gpu" and out.dtype == "int32"
    np.testing.assert_array_equal(np.asarray(out), a @ b)
    # a transposed view and a batch broadcast against one matrix
    np.testing.assert_array_equal(np.asarray(ops.matmul(gb.T, ops.transpose(ga, (0, 2, 1)))), b.T @ a.transpose(0, 2, 1))
    big = np.full((1, 3), 2**30, np.int32)  # wraps modulo 2^32, as on the cpu
    np.testing.assert_array_equal(np.asarray(ops.matmul(lm.tensor(big).to("gpu"), lm.tensor(np.ones((3, 1), np.int32)).to("gpu"))),
                                  np.asarray(ops.matmul(lm.tensor(big), lm.tensor(np.ones((3, 1), np.int32)))))
