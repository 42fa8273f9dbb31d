"""A small convolutional model (the cnn workload's shape, scaled down) trained on the gpu and on
the cpu from the same seed: the losses, accuracies and predictions agree within float32
tolerance, and the weights and optimizer state stay on the gpu. Skipped, with the reason, when
no GPU adapter exists (install Mesa's lavapipe: `mesa-vulkan-drivers`)."""

import numpy as np
import pytest

import lamina as lm
from gpu_check import requires_gpu
from lamina import layers


pytestmark = requires_gpu


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 12, 12, 1)).astype(np.float32)
    # Three classes from where the bright pixels are: top half, bottom-left, bottom-right.
    top, bl, br = x[:, :6].sum((1, 2, 3)), x[:, 6:, :6].sum((1, 2, 3)), x[:, 6:, 6:].sum((1, 2, 3))
    y = np.argmax(np.stack([top / 2, bl, br], 1), 1).astype(np.int64)
    return x, y


def _train(device, head):
    x, y = _data()
    lm.utils.set_random_seed(5)
    with lm.device(device):
        model = lm.Sequential([
            lm.Input((12, 12, 1)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(8, 3, activation="relu"),
            layers.GlobalAveragePooling2D() if head == "global" else layers.Flatten(),
            layers.Dense(3, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        hist = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
        devices = {w.device for w in model.weights} | {v.device for v in model.optimizer.variables if v.ndim > 0}
        pred = model.predict(x[:6], verbose=0)
    return hist.history, devices, pred


@pytest.mark.parametrize("head", ["flatten", "global"])
def test_cnn_trains_on_gpu_like_on_cpu(head):
    cpu_hist, cpu_dev, cpu_pred = _train("cpu", head)
    gpu_hist, gpu_dev, gpu_pred = _train("gpu", head)
    assert cpu_dev == {"cpu"} and gpu_dev == {"gpu"}
    # float32 on both devices; the gpu sums in another order, and 9 adam steps amplify that a
    # little: the same curve within 1e-4 relative, predictions within 1e-4 (+1e-6 absolute).
    np.testing.assert_allclose(gpu_hist["loss"], cpu_hist["loss"], rtol=1e-4)
    np.testing.assert_allclose(gpu_hist["accuracy"], cpu_hist["accuracy"], atol=1e-6)
    assert gpu_hist["loss"][-1] < gpu_hist["loss"][0]
    assert isinstance(gpu_pred, np.ndarray) and gpu_pred.shape == (6, 3)
    np.testing.assert_allclose(gpu_pred, cpu_pred, rtol=1e-4, atol=1e-6)
