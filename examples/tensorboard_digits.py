"""Watch training in TensorBoard: the digits MLP with lamina.callbacks.TensorBoard, no TensorFlow.

    pip install 'lamina[tensorboard]'
    python examples/tensorboard_digits.py            # logs into logs/digits/<time>
    tensorboard --logdir logs/digits                 # then open http://localhost:6006

The logs have Keras' layout: train/ and validation/ runs with epoch_loss, epoch_accuracy,
epoch_learning_rate, batch-level scalars every 10 batches, weight histograms each epoch, the
model graph, the hyperparameters (HParams tab), and a trace of the engine calls of batches
5 to 6 (train/plugins/profile/, opens in ui.perfetto.dev). Also draws model.png and history.png
when pydot/graphviz and matplotlib are installed.
"""

import os
import sys
import time

import lamina as keras
from lamina import layers
from lamina.datasets import digits


def main(log_root: str = os.path.join("logs", "digits")) -> None:
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16.0
    x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16.0

    hparams = {"units": 128, "dropout": 0.2, "optimizer": "adam", "batch_size": 32}
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        layers.Dense(hparams["units"], activation="relu", name="hidden"),
        layers.Dropout(hparams["dropout"]),
        layers.Dense(10, activation="softmax", name="digit"),
    ], name="digits_mlp")
    model.compile(optimizer=hparams["optimizer"], loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    log_dir = os.path.join(log_root, time.strftime("%Y%m%d-%H%M%S"))
    tensorboard = keras.callbacks.TensorBoard(log_dir, histogram_freq=1, update_freq=10, profile_batch=(5, 6),
                                              write_steps_per_second=True, hparams=hparams)
    history = model.fit(x_train, y_train, batch_size=hparams["batch_size"], epochs=15, validation_split=0.1,
                        verbose=2, callbacks=[tensorboard])
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)

    for name, draw in (("model.png", lambda path: keras.utils.plot_model(model, path, show_shapes=True)),
                       ("history.png", lambda path: keras.utils.plot_history(history, to_file=path))):
        try:
            draw(os.path.join(log_dir, name))
        except ImportError as e:  # the picture is optional; the logs are the point
            print(f"skipped {name}: {e}", file=sys.stderr)
    print(f"\nlogs in {log_dir}; view them with: tensorboard --logdir {log_root}")
    print(f"digits MLP with TensorBoard: test accuracy {accuracy:.4f} (loss {loss:.4f})")


if __name__ == "__main__":
    main(*sys.argv[1:])
