"""Data-parallel training over MPI: `mpirun -n 2 python examples/distributed_digits.py`.

Each MPI rank trains the same model on its slice of every global batch; one Allreduce per step
averages the gradients, so the result is that of one process with the global batch. The script
runs unchanged with one process (`python examples/distributed_digits.py`) and without mpi4py.
Install: `pip install "lamina[mpi]"` (mpi4py and MPICH).
"""

import os
import tempfile
import time

import numpy as np

import lamina as keras
from lamina import layers
from lamina.datasets import digits


def main() -> None:
    strategy = keras.distribute.MultiWorkerMirroredStrategy()  # or keras.distribution.DataParallel()
    chief = strategy.extended.rank == 0  # rank 0 prints; every rank trains
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16.0
    x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16.0

    with strategy.scope():
        model = keras.Sequential([
            keras.Input(shape=(64,)),
            layers.Dense(128, activation="relu"),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    # batch_size is the global batch, as under tf.distribute: each of the N ranks takes 64 / N rows.
    checkpoint = os.path.join(tempfile.gettempdir(), "distributed_digits.weights.h5")
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=64, epochs=30, validation_split=0.1, verbose=2 if chief else 0,
                        callbacks=[keras.callbacks.ModelCheckpoint(checkpoint, save_weights_only=True)])
    elapsed = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)  # reduced over the ranks: the same on every rank
    predicted = np.argmax(model.predict(x_test, verbose=0), axis=1)  # the whole result, in order, on every rank
    assert np.isclose(np.mean(predicted == y_test), accuracy)
    if chief:
        print(f"\ndigits MLP on {strategy.num_replicas_in_sync} rank(s): test accuracy {accuracy:.4f} "
              f"(loss {loss:.4f}); {len(history.epoch)} epochs in {elapsed:.1f} s; "
              f"engine threads per rank: {keras.config.get_num_threads()}")


if __name__ == "__main__":
    main()
