"""Hyperparameter search with KerasTuner's API: Hyperband over the depth, widths, dropout and
learning rate of an MLP on the bundled digits, two trials at a time in worker processes.

The same script runs under KerasTuner with `import keras` / `import keras_tuner` instead of
the two lamina imports (and without n_jobs, which KerasTuner lacks). Needs the tuner extra:
pip install 'lamina[tuner]'.
"""

import os
import tempfile

import lamina as keras
import lamina.tuner as keras_tuner
from lamina.datasets import digits


def build_model(hp):
    model = keras.Sequential([keras.Input(shape=(64,))])
    for i in range(hp.Int("layers", 1, 3)):
        model.add(keras.layers.Dense(hp.Int(f"units_{i}", 32, 256, step=32), activation="relu"))
        model.add(keras.layers.Dropout(hp.Float(f"dropout_{i}", 0.0, 0.4, step=0.1)))
    model.add(keras.layers.Dense(10, activation="softmax"))
    learning_rate = hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def main() -> None:
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16.0
    x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16.0
    split = int(0.8 * len(x_train))
    x_train, x_val, y_train, y_val = x_train[:split], x_train[split:], y_train[:split], y_train[split:]

    tuner = keras_tuner.Hyperband(build_model, objective="val_accuracy", max_epochs=9, factor=3, seed=0,
                                  directory=os.path.join(tempfile.gettempdir(), "lamina_examples"),
                                  project_name="tune_digits", overwrite=True, n_jobs=2)
    tuner.search_space_summary()
    tuner.search(x_train, y_train, validation_data=(x_val, y_val), verbose=0,
                 callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)])
    tuner.results_summary(num_trials=3)

    best_hp = tuner.get_best_hyperparameters()[0]
    model = tuner.get_best_models()[0]
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"best hyperparameters: { {k: v for k, v in best_hp.values.items() if not k.startswith('tuner/')} }")
    print(f"test accuracy: {accuracy:.4f}")


if __name__ == "__main__":
    main()
