"""The fit configurations whose TensorBoard logs lamina and Keras 3 must write alike.

Shared by the tests and by make_keras_tensorboard_listing.py. `build(keras)` takes the module
(`lamina` or `keras`) so that both make the same model and data.
"""

import numpy as np

# name -> (callback kwargs, fit kwargs, where the callback goes: "fit", or "evaluate" after a
# fit without it). One callback in both fit and a later evaluate loses the fit's events with
# Keras on TensorFlow (its second writer to the same folder), so no configuration does that.
# With an integer update_freq N, Keras on TensorFlow also drops the epoch and evaluation
# summaries written when its batch counters are not multiples of N (lamina always writes
# them), so int2_split_hist has 4 training and 2 validation batches per epoch.
CONFIGS = {
    "epoch_no_val": ({}, {"epochs": 2}, "fit"),
    "epoch_val_acc": ({}, {"epochs": 3, "validation": True, "metrics": ["accuracy"]}, "fit"),
    "batch_val_sps": ({"update_freq": "batch", "write_steps_per_second": True},
                      {"epochs": 2, "validation": True, "metrics": ["accuracy"]}, "fit"),
    "int2_split_hist": ({"update_freq": 2, "histogram_freq": 1},
                        {"epochs": 2, "validation_split": 0.25}, "fit"),
    "hist2_images": ({"histogram_freq": 2, "write_images": True}, {"epochs": 3, "validation": True}, "fit"),
    "evaluate_after_fit": ({}, {"epochs": 2, "metrics": ["accuracy"]}, "evaluate"),
}

N, FEATURES, CLASSES, BATCH = 40, 4, 3, 8


def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, FEATURES)).astype("float32")
    y = rng.integers(0, CLASSES, N)
    return x, y, x[:16], y[:16]


def build(keras, metrics):
    model = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(8, activation="relu", name="hidden"),
                              keras.layers.Dense(CLASSES, name="out")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=metrics)
    return model


def run(keras, name, log_dir):
    """Fits the configuration `name` with keras.callbacks.TensorBoard(log_dir, ...)."""
    cb_kwargs, fit_kwargs, where = CONFIGS[name]
    fit_kwargs = dict(fit_kwargs)
    x, y, vx, vy = data()
    model = build(keras, fit_kwargs.pop("metrics", []))
    if fit_kwargs.pop("validation", False):
        fit_kwargs["validation_data"] = (vx, vy)
    callback = keras.callbacks.TensorBoard(log_dir, **cb_kwargs)
    model.fit(x, y, batch_size=BATCH, shuffle=False, verbose=0, callbacks=[callback] if where == "fit" else [],
              **fit_kwargs)
    if where == "evaluate":
        model.evaluate(vx, vy, batch_size=BATCH, verbose=0, callbacks=[callback])
    return model
