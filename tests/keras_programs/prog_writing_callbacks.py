"""Follows keras-io guides/writing_your_own_callbacks.py: a callback overriding every hook
(each receives a logs dict), a loss-printing callback reading logs["loss"] and
logs["mean_absolute_error"], EarlyStoppingAtMinLoss restoring the best weights through
self.model.get_weights()/set_weights() and self.model.stop_training, and a learning-rate
scheduler setting self.model.optimizer.learning_rate."""

import numpy as np

import lamina as keras

MISSING = None


def get_model():
    model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.1), loss="mean_squared_error",
                  metrics=["mean_absolute_error"])
    return model


class CustomCallback(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def _log(self, hook, logs):
        assert isinstance(logs, dict), (hook, logs)
        self.calls.append((hook, sorted(logs)))

    def on_train_begin(self, logs=None):
        self._log("train_begin", logs)

    def on_train_end(self, logs=None):
        self._log("train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._log("epoch_begin", logs)

    def on_epoch_end(self, epoch, logs=None):
        self._log("epoch_end", logs)

    def on_test_begin(self, logs=None):
        self._log("test_begin", logs)

    def on_test_end(self, logs=None):
        self._log("test_end", logs)

    def on_predict_begin(self, logs=None):
        self._log("predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._log("predict_end", logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._log("train_batch_begin", logs)

    def on_train_batch_end(self, batch, logs=None):
        self._log("train_batch_end", logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._log("test_batch_begin", logs)

    def on_test_batch_end(self, batch, logs=None):
        self._log("test_batch_end", logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._log("predict_batch_begin", logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._log("predict_batch_end", logs)


class LossAndErrorPrintingCallback(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.lines = []

    def on_train_batch_end(self, batch, logs=None):
        self.lines.append(f"batch {batch}: loss {logs['loss']:7.2f}")

    def on_epoch_end(self, epoch, logs=None):
        self.lines.append(f"epoch {epoch}: loss {logs['loss']:7.2f}, mae {logs['mean_absolute_error']:7.2f}")


class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
    def __init__(self, patience=0):
        super().__init__()
        self.patience = patience
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get("loss")
        if np.less(current, self.best):
            self.best = current
            self.wait = 0
            self.best_weights = self.model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
                self.model.set_weights(self.best_weights)


class CustomLearningRateScheduler(keras.callbacks.Callback):
    def __init__(self, schedule):
        super().__init__()
        self.schedule = schedule
        self.seen = []

    def on_epoch_begin(self, epoch, logs=None):
        lr = float(np.array(self.model.optimizer.learning_rate))
        scheduled_lr = self.schedule(epoch, lr)
        self.model.optimizer.learning_rate = scheduled_lr
        self.seen.append(scheduled_lr)


def lr_schedule(epoch, lr):
    return 0.05 if epoch == 2 else lr


def main():
    rng = np.random.default_rng(11)
    x_train = rng.random((64, 8)).astype("float32")
    y_train = (x_train.sum(axis=1, keepdims=True) * 10).astype("float32")
    model = get_model()
    spy = CustomCallback()
    model.fit(x_train, y_train, batch_size=32, epochs=1, verbose=0, validation_split=0.5, callbacks=[spy])
    model.evaluate(x_train, y_train, batch_size=32, verbose=0, callbacks=[spy])
    model.predict(x_train, batch_size=32, verbose=0, callbacks=[spy])
    hooks = [h for h, _ in spy.calls]
    assert hooks[:4] == ["train_begin", "epoch_begin", "train_batch_begin", "train_batch_end"]
    assert hooks[-3:] == ["predict_batch_begin", "predict_batch_end", "predict_end"]
    assert ("epoch_end", ["loss", "mean_absolute_error", "val_loss", "val_mean_absolute_error"]) in spy.calls

    printer = LossAndErrorPrintingCallback()
    model.fit(x_train, y_train, batch_size=16, epochs=2, verbose=0, callbacks=[printer])
    assert len(printer.lines) == 2 * 4 + 2

    model = get_model()
    stopper = EarlyStoppingAtMinLoss(patience=1)
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=5.0), loss="mse")  # diverges
    model.fit(x_train, y_train, batch_size=64, epochs=30, verbose=0, callbacks=[stopper])
    assert stopper.stopped_epoch > 0
    for w, best in zip(model.get_weights(), stopper.best_weights):
        np.testing.assert_array_equal(w, best)

    model = get_model()
    scheduler = CustomLearningRateScheduler(lr_schedule)
    model.fit(x_train, y_train, batch_size=64, epochs=4, verbose=0, callbacks=[scheduler])
    assert scheduler.seen == [0.1, 0.1, 0.05, 0.05] or np.allclose(scheduler.seen, [0.1, 0.1, 0.05, 0.05])
