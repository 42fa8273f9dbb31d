"""compile / fit / evaluate / predict with Keras' behaviour and errors."""

import numpy as np
import pytest

import lamina as lm
from lamina import layers


def _data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 8)).astype("float32")
    w = rng.standard_normal((8, 3))
    y = np.argmax(x @ w, axis=1)
    return x, y


def _classifier():
    return lm.Sequential([lm.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(3)])


def test_fit_learns_and_history_has_metrics():
    lm.utils.set_random_seed(0)
    x, y = _data()
    m = _classifier()
    m.compile(optimizer=lm.optimizers.Adam(0.01), loss=lm.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
    h = m.fit(x, y, batch_size=32, epochs=15, validation_split=0.25, verbose=0)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert h.history["accuracy"][-1] > 0.85
    loss, acc = m.evaluate(x, y, verbose=0)
    assert acc > 0.85
    d = m.evaluate(x, y, verbose=0, return_dict=True)
    assert set(d) == {"loss", "accuracy"}


def test_predict_shapes_and_batches():
    x, _ = _data(70)
    m = _classifier()
    p = m.predict(x, batch_size=16, verbose=0)
    assert isinstance(p, np.ndarray) and p.shape == (70, 3)
    np.testing.assert_allclose(p, np.asarray(m(x)), rtol=1e-5, atol=1e-6)
    one = m.predict(x[:1], verbose=0)
    assert one.shape == (1, 3)
    one[0, 0] = 5.0  # predictions are the caller's to modify


def test_same_seed_same_training_run():
    x, y = _data()

    def run():
        lm.utils.set_random_seed(42)
        m = _classifier()
        m.compile(optimizer="adam", loss=lm.losses.SparseCategoricalCrossentropy(from_logits=True))
        m.fit(x, y, batch_size=32, epochs=2, verbose=0)
        return m.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_train_and_test_on_batch():
    x, y = _data(32)
    m = _classifier()
    m.compile(optimizer="sgd", loss=lm.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    loss, acc = m.train_on_batch(x, y)
    assert np.isfinite(loss) and 0 <= acc <= 1
    assert np.isfinite(m.test_on_batch(x, y)[0])
    assert m.predict_on_batch(x).shape == (32, 3)


def test_fit_on_dataset_and_generator():
    x, y = _data(128)
    m = _classifier()
    m.compile(optimizer="adam", loss=lm.losses.SparseCategoricalCrossentropy(from_logits=True))
    ds = lm.data.Dataset.from_tensor_slices((x, y)).shuffle(128, seed=1).batch(32)
    h = m.fit(ds, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2

    def gen():
        while True:
            for i in range(0, 128, 32):
                yield x[i:i + 32], y[i:i + 32]

    h = m.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2


def test_multi_output_losses_and_metrics_names():
    inp = lm.Input((8,))
    h = layers.Dense(8, activation="relu")(inp)
    a = layers.Dense(1, name="reg")(h)
    b = layers.Dense(3, name="cls")(h)
    m = lm.Model(inp, [a, b])
    m.compile(optimizer="adam", loss={"reg": "mse", "cls": lm.losses.SparseCategoricalCrossentropy(from_logits=True)},
              loss_weights={"reg": 0.5, "cls": 1.0}, metrics={"cls": ["accuracy"]})
    x, y = _data(64)
    hist = m.fit(x, {"reg": x[:, :1], "cls": y}, epochs=1, verbose=0)
    assert "loss" in hist.history and "cls_accuracy" in hist.history


def test_sample_weight_and_class_weight_change_the_loss():
    x, y = _data(64)
    m = _classifier()
    m.compile(optimizer="sgd", loss=lm.losses.SparseCategoricalCrossentropy(from_logits=True))
    base = m.evaluate(x, y, verbose=0)
    weighted = m.evaluate(x, y, sample_weight=np.where(y == 0, 3.0, 0.0).astype("float32"), verbose=0)
    assert not np.isclose(base, weighted)
    m.fit(x, y, class_weight={0: 1.0, 1: 2.0, 2: 0.5}, epochs=1, verbose=0)


def test_errors_before_any_work():
    m = _classifier()
    x, y = _data(16)
    with pytest.raises(RuntimeError, match=r"compile"):
        m.fit(x, y)
    m.compile(optimizer="adam", loss=lm.losses.SparseCategoricalCrossentropy(from_logits=True))
    with pytest.raises(ValueError, match=r"expected shape=\(None, 8\), found shape=\(16, 5\)"):
        m.fit(np.zeros((16, 5), "float32"), y, verbose=0)
    with pytest.raises(ValueError, match=r"one-hot"):
        m.fit(x, lm.utils.to_categorical(y, 3), verbose=0)
    with pytest.raises(ValueError, match=r"Could not interpret optimizer"):
        m.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match=r"Could not interpret loss"):
        m.compile(optimizer="adam", loss="msee")
    with pytest.raises(ValueError, match=r"cardinality"):
        m.fit(x, y[:10], verbose=0)


def test_verbose_modes_print_progress(capsys):
    x, y = _data(64)
    m = _classifier()
    m.compile(optimizer="adam", loss=lm.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    m.fit(x, y, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert out.count("Epoch") == 2 and "loss:" in out and "ms/step" in out
    m.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_gradient_tape_custom_training_loop():
    x, y = _data(64)
    m = _classifier()
    opt = lm.optimizers.Adam(0.01)
    loss_fn = lm.losses.SparseCategoricalCrossentropy(from_logits=True)
    losses = []
    for _ in range(20):
        with lm.GradientTape() as tape:
            loss = loss_fn(y, m(x, training=True))
        grads = tape.gradient(loss, m.trainable_weights)
        opt.apply_gradients(zip(grads, m.trainable_weights))
        losses.append(float(loss))
    assert losses[-1] < losses[0]


def test_binary_labels_of_rank_one_match_outputs_of_width_one():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((128, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    m = lm.Sequential([lm.Input((4,)), layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer=lm.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    h = m.fit(x, y, epochs=20, verbose=0)
    assert h.history["accuracy"][-1] > 0.9
