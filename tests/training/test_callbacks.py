"""The built-in callbacks, each inside a real fit."""

import csv
import math
import os

import numpy as np
import pytest

import lamina as lm
from lamina import callbacks, layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 4)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32") + 0.3).astype("float32")
XV, YV = X[:16], Y[:16]


def _model(lr=0.01):
    m = lm.Sequential([lm.Input((4,)), layers.Dense(8, activation="tanh"), layers.Dense(1)])
    m.compile(optimizer=lm.optimizers.SGD(learning_rate=lr), loss="mse", metrics=["mae"])
    return m


class _ScriptedLogs(callbacks.Callback):
    """Overwrites one log key per epoch with scripted values (to drive monitors deterministically)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def test_exports():
    for name in ["EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler", "CSVLogger",
                 "TerminateOnNaN", "LambdaCallback"]:
        assert issubclass(getattr(callbacks, name), callbacks.Callback)


# ------------------------------------------------------------------------------------------------
# EarlyStopping

def test_early_stopping_stops_and_restores_best_weights():
    m = _model()
    snapshots = []
    record = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(m.get_weights()))
    script = _ScriptedLogs("val_loss", [1.0, 0.5, 0.7, 0.6, 0.9, 0.1, 0.1])
    es = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    hist = m.fit(X, Y, batch_size=16, epochs=7, verbose=0, validation_data=(XV, YV), callbacks=[script, record, es])
    # best at epoch 1; epochs 2 and 3 don't improve -> stop after epoch 3.
    assert hist.epoch == [0, 1, 2, 3]
    assert es.stopped_epoch == 3 and es.best_epoch == 1 and es.best == 0.5
    for got, want in zip(m.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(got, want)
    assert not all(np.array_equal(a, b) for a, b in zip(snapshots[3], snapshots[1]))


def test_early_stopping_min_delta_baseline_start_from_epoch_and_mode():
    m = _model()
    # improvements smaller than min_delta don't count
    es = callbacks.EarlyStopping(monitor="val_loss", min_delta=0.1, patience=1)
    hist = m.fit(X, Y, epochs=6, verbose=0, validation_data=(XV, YV),
                 callbacks=[_ScriptedLogs("val_loss", [1.0, 0.95, 0.5, 0.45, 0.2, 0.1]), es])
    assert hist.epoch == [0, 1]
    # baseline never beaten: improving epochs don't reset the patience count (Keras' rule)
    es = callbacks.EarlyStopping(monitor="val_loss", patience=2, baseline=0.1)
    hist = m.fit(X, Y, epochs=6, verbose=0, validation_data=(XV, YV),
                 callbacks=[_ScriptedLogs("val_loss", [1.0, 0.9, 0.95, 0.97, 0.6, 0.5]), es])
    assert hist.epoch == [0, 1, 2]
    es = callbacks.EarlyStopping(monitor="val_loss", patience=2)
    hist = m.fit(X, Y, epochs=6, verbose=0, validation_data=(XV, YV),
                 callbacks=[_ScriptedLogs("val_loss", [1.0, 0.9, 0.95, 0.97, 0.6, 0.5]), es])
    assert hist.epoch == [0, 1, 2, 3]
    # start_from_epoch: the first epochs are ignored
    es = callbacks.EarlyStopping(monitor="val_loss", patience=1, start_from_epoch=3)
    hist = m.fit(X, Y, epochs=6, verbose=0, validation_data=(XV, YV),
                 callbacks=[_ScriptedLogs("val_loss", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), es])
    assert hist.epoch == [0, 1, 2, 3, 4]
    # mode="auto" on an accuracy-like compiled metric maximizes; an unknown key needs a mode
    m2 = lm.Sequential([lm.Input((4,)), layers.Dense(1, activation="sigmoid")])
    m2.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["binary_accuracy"])
    es = callbacks.EarlyStopping(monitor="binary_accuracy", patience=1)
    hist = m2.fit(X, (Y > 0).astype("float32"), epochs=5, verbose=0,
                  callbacks=[_ScriptedLogs("binary_accuracy", [0.5, 0.6, 0.4, 0.9, 0.9]), es])
    assert hist.epoch == [0, 1, 2]
    with pytest.raises(ValueError, match="maximized or minimized"):
        m.fit(X, Y, epochs=2, verbose=0, callbacks=[_ScriptedLogs("weird", [1, 2]),
                                                    callbacks.EarlyStopping(monitor="weird")])
    es = callbacks.EarlyStopping(monitor="weird", mode="max", patience=0)
    hist = m.fit(X, Y, epochs=4, verbose=0, callbacks=[_ScriptedLogs("weird", [1, 2, 1, 5]), es])
    assert hist.epoch == [0, 1, 2]


def test_early_stopping_missing_monitor_warns_and_trains_on():
    m = _model()
    with pytest.warns(UserWarning, match="val_loss.*not available"):
        hist = m.fit(X, Y, epochs=2, verbose=0, callbacks=[callbacks.EarlyStopping()])
    assert hist.epoch == [0, 1]


def test_early_stopping_on_real_val_loss():
    m = _model(lr=0.0)  # nothing changes: no improvement after the first epoch
    es = callbacks.EarlyStopping(patience=2, verbose=1)
    hist = m.fit(X, Y, epochs=10, verbose=0, validation_data=(XV, YV), callbacks=[es])
    assert hist.epoch == [0, 1, 2]


# ------------------------------------------------------------------------------------------------
# ModelCheckpoint

def test_checkpoint_every_epoch_formatted_names_and_load_back(tmp_path):
    m = _model()
    path = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.keras")
    hist = m.fit(X, Y, epochs=3, verbose=0, validation_data=(XV, YV), callbacks=[callbacks.ModelCheckpoint(path)])
    names = sorted(os.listdir(tmp_path))
    want = sorted(f"ckpt-{e + 1:02d}-{v:.2f}.keras" for e, v in zip(hist.epoch, hist.history["val_loss"]))
    assert names == want  # no temporary files left behind
    loaded = lm.saving.load_model(str(tmp_path / want[-1]))
    np.testing.assert_allclose(loaded.predict(X, verbose=0), m.predict(X, verbose=0), rtol=1e-6, atol=1e-6)


def test_checkpoint_save_best_only_weights(tmp_path):
    m = _model()
    snapshots = []
    record = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(m.get_weights()))
    path = str(tmp_path / "best.weights.h5")
    ck = callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True, save_weights_only=True, verbose=1)
    m.fit(X, Y, epochs=5, verbose=0, validation_data=(XV, YV),
          callbacks=[_ScriptedLogs("val_loss", [1.0, 0.4, 0.8, 0.5, 0.9]), record, ck])
    assert os.listdir(tmp_path) == ["best.weights.h5"] and ck.best == 0.4
    fresh = _model()
    fresh.load_weights(path)
    for got, want in zip(fresh.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(got, want)


def test_checkpoint_initial_threshold_mode_and_batch_freq(tmp_path):
    m = _model()
    ck = callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), monitor="val_loss", save_best_only=True,
                                   initial_value_threshold=0.1)
    m.fit(X, Y, epochs=2, verbose=0, validation_data=(XV, YV), callbacks=[_ScriptedLogs("val_loss", [0.5, 0.3]), ck])
    assert os.listdir(tmp_path) == []
    ck = callbacks.ModelCheckpoint(str(tmp_path / "acc-{epoch}.weights.h5"), monitor="val_acc", save_best_only=True,
                                   save_weights_only=True)
    assert ck.monitor_op is np.greater
    m.fit(X, Y, epochs=3, verbose=0, callbacks=[_ScriptedLogs("val_acc", [0.5, 0.4, 0.6]), ck])
    assert sorted(os.listdir(tmp_path)) == ["acc-1.weights.h5", "acc-3.weights.h5"]
    d = tmp_path / "batches"
    ck = callbacks.ModelCheckpoint(str(d / "e{epoch}-b{batch}.weights.h5"), save_weights_only=True, save_freq=3)
    m.fit(X, Y, batch_size=16, epochs=2, verbose=0, callbacks=[ck])  # 4 batches per epoch, 8 in all
    assert sorted(os.listdir(d)) == ["e1-b3.weights.h5", "e2-b2.weights.h5"]


def test_checkpoint_legacy_h5_model_path_saves_loadable_files(tmp_path):
    # Keras 3 takes a `.h5` filepath for whole-model checkpoints (the legacy HDF5 format), as
    # keras-io's imbalanced_classification example does with "fraud_model_at_epoch_{epoch}.h5".
    m = _model()
    m.fit(X, Y, epochs=2, verbose=0, callbacks=[callbacks.ModelCheckpoint(str(tmp_path / "m_{epoch}.h5"))])
    assert sorted(os.listdir(tmp_path)) == ["m_1.h5", "m_2.h5"]
    back = lm.models.load_model(str(tmp_path / "m_2.h5"))
    np.testing.assert_allclose(back.predict(X, verbose=0), m.predict(X, verbose=0), rtol=1e-6, atol=1e-6)


def test_checkpoint_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="must end in `.keras`"):
        callbacks.ModelCheckpoint(str(tmp_path / "m.pt"))
    with pytest.raises(ValueError, match="must end in\\s+`.weights.h5`"):
        callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="batch")
    m = _model()
    with pytest.raises(KeyError, match="Failed to format"):
        m.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.ModelCheckpoint(str(tmp_path / "{nope}.keras"))])


# ------------------------------------------------------------------------------------------------
# learning rate

def test_learning_rate_scheduler_one_and_two_arguments():
    m = _model(lr=0.1)
    seen = []
    spy = callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(m.optimizer.learning_rate))
    sched = callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1), verbose=1)
    hist = m.fit(X, Y, epochs=3, verbose=0, callbacks=[sched, spy])
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.1 / 3])
    np.testing.assert_allclose(hist.history["learning_rate"], [0.1, 0.05, 0.1 / 3])
    m = _model(lr=0.2)
    hist = m.fit(X, Y, epochs=3, verbose=0,
                 callbacks=[callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else lr * 0.5)])
    np.testing.assert_allclose(hist.history["learning_rate"], [0.2, 0.1, 0.05])
    with pytest.raises(ValueError, match="should be a float"):
        m.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e: "fast")])


def test_learning_rate_changes_the_training():
    base = _model(lr=0.05)
    w0 = base.get_weights()
    a, b = _model(lr=0.05), _model(lr=0.05)
    a.set_weights(w0)
    b.set_weights(w0)
    a.fit(X, Y, epochs=2, shuffle=False, verbose=0)
    b.fit(X, Y, epochs=2, shuffle=False, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e: 0.0)])
    for got, want in zip(b.get_weights(), w0):
        np.testing.assert_array_equal(got, want)
    assert not all(np.array_equal(x, y) for x, y in zip(a.get_weights(), w0))


def test_reduce_lr_on_plateau():
    m = _model(lr=1.0)
    r = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, cooldown=1, min_lr=0.2, verbose=1)
    hist = m.fit(X, Y, epochs=9, verbose=0, validation_data=(XV, YV),
                 callbacks=[_ScriptedLogs("val_loss", [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]), r])
    # Logged rate is the one the epoch trained with. Reduced at the end of epoch 2 (2 stale epochs
    # after the first); epoch 3 is cooldown, 3-4 count again; then min_lr bounds it.
    np.testing.assert_allclose(hist.history["learning_rate"], [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2])
    assert m.optimizer.learning_rate == pytest.approx(0.2)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.0)


def test_reduce_lr_min_delta_and_improvement_resets():
    m = _model(lr=0.1)
    r = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.1, patience=1, min_delta=0.05)
    hist = m.fit(X, Y, epochs=4, verbose=0, callbacks=[_ScriptedLogs("loss", [1.0, 0.5, 0.49, 0.3]), r])
    np.testing.assert_allclose(hist.history["learning_rate"], [0.1, 0.1, 0.1, 0.01], rtol=1e-6)


# ------------------------------------------------------------------------------------------------
# CSVLogger, TerminateOnNaN, LambdaCallback

def test_csv_logger_rows_and_append(tmp_path):
    path = tmp_path / "log.csv"
    m = _model()
    hist = m.fit(X, Y, epochs=3, verbose=0, validation_data=(XV, YV), callbacks=[callbacks.CSVLogger(path)])
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0].keys()) == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    np.testing.assert_allclose([float(r["val_loss"]) for r in rows], hist.history["val_loss"])
    m.fit(X, Y, epochs=2, verbose=0, validation_data=(XV, YV), callbacks=[callbacks.CSVLogger(path, append=True)])
    with open(path) as f:
        lines = f.read().splitlines()
    assert len(lines) == 6 and lines[0].startswith("epoch,")
    # a separator, and no val keys: room is left for them (NA)
    path2 = tmp_path / "semi.csv"
    m.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.CSVLogger(path2, separator=";")])
    header, row = open(path2).read().splitlines()
    assert header == "epoch;loss;mae;val_loss;val_mae"
    assert row.endswith(";NA;NA")


def test_terminate_on_nan_with_diverging_learning_rate():
    m = _model(lr=1e6)
    steps = []
    spy = callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: steps.append(logs["loss"]))
    hist = m.fit(X * 100, Y * 100, batch_size=8, epochs=50, verbose=0, callbacks=[callbacks.TerminateOnNaN(), spy])
    assert m.stop_training
    assert not math.isfinite(steps[-1]) and all(math.isfinite(s) for s in steps[:-1])
    assert len(steps) < 50 * 8 and len(hist.epoch) <= 2


def test_lambda_callback_hooks_and_epochs():
    calls = []
    cb = callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, sorted(logs))),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch)),
        on_train_end=lambda logs: calls.append("train_end"),
        on_test_begin=lambda logs: calls.append("test_begin"),
    )
    m = _model()
    m.fit(X, Y, batch_size=32, epochs=3, initial_epoch=1, verbose=0, callbacks=[cb])
    assert calls == ["train_begin", ("epoch_begin", 1), ("batch_end", 0), ("batch_end", 1),
                     ("epoch_end", 1, ["loss", "mae"]), ("epoch_begin", 2), ("batch_end", 0),
                     ("batch_end", 1), ("epoch_end", 2, ["loss", "mae"]), "train_end"]
    calls.clear()
    m.evaluate(X, Y, verbose=0, callbacks=[cb])
    assert calls == ["test_begin"]
    batches = []
    legacy = callbacks.LambdaCallback(on_batch_begin=lambda b, logs: batches.append(b))
    m.fit(X, Y, batch_size=32, epochs=1, verbose=0, callbacks=[legacy])
    assert batches == [0, 1]
    with pytest.raises(ValueError, match="unknown hook"):
        callbacks.LambdaCallback(on_wrong_hook=print)


def test_keyboard_interrupt_from_a_callback_returns_history():
    class Interrupt(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                raise KeyboardInterrupt

    m = _model()
    before = m.get_weights()
    hist = m.fit(X, Y, batch_size=8, epochs=5, verbose=0, callbacks=[Interrupt()])
    assert isinstance(hist, callbacks.History)
    assert hist.epoch == []  # interrupted inside the first epoch
    assert not all(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))  # 3 steps were applied
    out = m.predict(X, verbose=0)
    assert out.shape == (64, 1) and np.isfinite(out).all()
