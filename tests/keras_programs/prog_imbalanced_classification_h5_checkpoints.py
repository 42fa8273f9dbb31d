"""Follows keras-io examples/structured_data/imbalanced_classification.py, its training part:
a Dense/Dropout fraud classifier trained with class_weight, the confusion metrics, and a
ModelCheckpoint writing one legacy `.h5` model per epoch ("fraud_model_at_epoch_{epoch}.h5"),
which Keras 3 still accepts; a checkpoint loads back with load_model and predicts as the
model did at that epoch."""

import os
import tempfile

import numpy as np

import lamina as keras

MISSING = None


class _PredictAtEpochEnd(keras.callbacks.Callback):
    """Keeps the model's predictions at the end of every epoch, to check the checkpoints by."""

    def __init__(self, x):
        super().__init__()
        self.x, self.predictions = x, []

    def on_epoch_end(self, epoch, logs=None):
        self.predictions.append(self.model.predict(self.x, verbose=0))


def main():
    rng = np.random.default_rng(31)
    features = rng.normal(size=(300, 12)).astype("float32")
    targets = (features[:, 0] + 0.5 * rng.normal(size=300) > 1.6).astype("uint8")[:, None]
    train_features, val_features = features[:240], features[240:]
    train_targets, val_targets = targets[:240], targets[240:]
    counts = np.bincount(train_targets[:, 0])
    mean, std = train_features.mean(axis=0), train_features.std(axis=0)
    train_features = (train_features - mean) / std
    val_features = (val_features - mean) / std
    model = keras.Sequential([
        keras.layers.Dense(32, activation="relu", input_shape=(train_features.shape[-1],)),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy",
                  metrics=[keras.metrics.FalseNegatives(name="fn"), keras.metrics.TruePositives(name="tp"),
                           keras.metrics.Precision(name="precision"), keras.metrics.Recall(name="recall")])
    probe = _PredictAtEpochEnd(val_features)
    with tempfile.TemporaryDirectory() as tmp:
        pattern = os.path.join(tmp, "fraud_model_at_epoch_{epoch}.h5")
        history = model.fit(train_features, train_targets, batch_size=64, epochs=3, verbose=0,
                            callbacks=[keras.callbacks.ModelCheckpoint(pattern), probe],
                            validation_data=(val_features, val_targets),
                            class_weight={0: 1.0 / counts[0], 1: 1.0 / counts[1]})
        assert sorted(os.listdir(tmp)) == [f"fraud_model_at_epoch_{e}.h5" for e in (1, 2, 3)]
        assert set(history.history) == {f"{p}{k}" for p in ("", "val_")
                                         for k in ("loss", "fn", "tp", "precision", "recall")}
        second = keras.models.load_model(pattern.format(epoch=2))
        np.testing.assert_allclose(second.predict(val_features, verbose=0), probe.predictions[1], rtol=1e-5, atol=1e-6)
