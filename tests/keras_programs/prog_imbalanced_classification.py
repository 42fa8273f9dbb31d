"""Follows keras-io examples/structured_data/imbalanced_classification.py: features
normalized with their training mean and std, a Dense/Dropout classifier, the confusion
metrics (FalseNegatives, FalsePositives, TrueNegatives, TruePositives, Precision, Recall),
and class_weight inversely proportional to class counts."""

import numpy as np

import lamina as keras

MISSING = None


def main():
    rng = np.random.default_rng(27)
    features = rng.normal(size=(400, 12)).astype("float32")
    targets = (features[:, 0] + 0.3 * rng.normal(size=400) > 1.6).astype("uint8")[:, None]
    counts = np.bincount(targets[:, 0])
    mean, std = np.mean(features, axis=0), np.std(features, axis=0)
    features = (features - mean) / std
    model = keras.Sequential([
        keras.Input(shape=features.shape[1:]),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    metrics = [keras.metrics.FalseNegatives(name="fn"), keras.metrics.FalsePositives(name="fp"),
               keras.metrics.TrueNegatives(name="tn"), keras.metrics.TruePositives(name="tp"),
               keras.metrics.Precision(name="precision"), keras.metrics.Recall(name="recall")]
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=metrics)
    class_weight = {0: 1.0 / counts[0], 1: 1.0 / counts[1]}
    history = model.fit(features, targets, batch_size=64, epochs=3, verbose=0,
                        validation_data=(features[:100], targets[:100]), class_weight=class_weight)
    last = {k: v[-1] for k, v in history.history.items()}
    assert last["fn"] + last["fp"] + last["tn"] + last["tp"] == 400
    assert last["val_fn"] + last["val_fp"] + last["val_tn"] + last["val_tp"] == 100
    assert 0.0 <= last["recall"] <= 1.0
