"""An Embedding model trained on the gpu like on the cpu: the embedding lookup is `take` and its
gradient a scatter-add of the upstream rows into the table (the gpu's atomic scatter-add
kernel), so repeated ids in a batch accumulate. Skipped, with the reason, when no GPU adapter
exists (install Mesa's lavapipe: `mesa-vulkan-drivers`)."""

import numpy as np
import pytest

import lamina as lm
from gpu_check import requires_gpu
from lamina import ops


pytestmark = requires_gpu

VOCAB, LENGTH, DIM = 20, 7, 8


def _data(id_dtype):
    rng = np.random.default_rng(0)
    # a small vocabulary over 7 positions: every batch repeats ids, within and across rows
    x = rng.integers(0, VOCAB, size=(64, LENGTH)).astype(id_dtype)
    y = ((x < 5).sum(1) > 1).astype(np.int32) + (x[:, 0] > 14)
    return x, y


def _train(device, id_dtype=np.int32):
    x, y = _data(id_dtype)
    lm.utils.set_random_seed(5)
    with lm.device(device):
        model = lm.Sequential([lm.Input((LENGTH,), dtype=np.dtype(id_dtype).name),
                               lm.layers.Embedding(VOCAB, DIM, mask_zero=False),
                               lm.layers.GlobalAveragePooling1D(), lm.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        hist = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
        devices = {w.device for w in model.weights} | {v.device for v in model.optimizer.variables if v.ndim > 0}
        table = np.asarray(model.layers[0].embeddings)
        pred = model.predict(x[:6], verbose=0)
    return hist.history["loss"], devices, table, pred


@pytest.mark.parametrize("id_dtype", [np.int32, np.int64])  # int64: numpy's default ids
def test_embedding_model_trains_on_gpu_like_on_cpu(id_dtype):
    cpu_loss, cpu_dev, cpu_table, cpu_pred = _train("cpu", id_dtype)
    gpu_loss, gpu_dev, gpu_table, gpu_pred = _train("gpu", id_dtype)
    assert cpu_dev == {"cpu"} and gpu_dev == {"gpu"}
    # float32 on both devices; the gpu adds repeated rows in the order its threads arrive, so
    # the curves agree to float32 rounding over 12 steps: 1e-4 relative
    np.testing.assert_allclose(gpu_loss, cpu_loss, rtol=1e-4)
    assert gpu_loss[-1] < gpu_loss[0]
    np.testing.assert_allclose(gpu_table, cpu_table, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gpu_pred, cpu_pred, rtol=1e-4, atol=1e-6)


def test_embedding_gradient_accumulates_repeated_ids_on_gpu():
    ids = np.array([[1, 1, 3], [1, 0, 3]], np.int32)
    table = np.arange(20, dtype=np.float32).reshape(5, 4)
    grads = {}
    for device in ("cpu", "gpu"):
        with lm.device(device):
            t = lm.tensor(table)
            with lm.GradientTape() as tape:
                tape.watch(t)
                loss = ops.sum(ops.take(t, lm.tensor(ids), axis=0) * 2.0)
            (g,) = tape.gradient(loss, [t])
            assert g.device == device
            grads[device] = np.asarray(g)
    want = np.zeros((5, 4), np.float32)
    for i in ids.ravel():
        want[i] += 2.0
    np.testing.assert_array_equal(grads["gpu"], want)
    np.testing.assert_array_equal(grads["cpu"], want)
