"""Data-parallel jobs that go wrong, for test_faults.py.

    mpirun -n 2 python fault_worker.py MODE DIR
    MODE: raise (rank 1 raises in epoch 1), kill (rank 1 kills itself in epoch 1), stall (rank 1
    stops answering in epoch 1), mismatch
    (rank 1 builds a wider model), resume (continues from DIR/ckpt.weights.h5, writes DIR/resumed.npz)
"""

import os
import signal
import sys
import time

import numpy as np

import lamina as keras

mode, directory = sys.argv[1], sys.argv[2]
keras.utils.set_random_seed(0)  # the same shuffling in every run (rank 0's order is everyone's)
keras.distribution.set_distribution(keras.distribution.DataParallel())
rank = keras.distribution.distribution().rank
width = 16 + (8 if mode == "mismatch" and rank == 1 else 0)
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(width, activation="relu"), keras.layers.Dense(3)])
model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
x = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")
y = np.random.default_rng(1).integers(0, 3, size=64)
checkpoint = os.path.join(directory, "ckpt.weights.h5")


class Fail(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        if mode in ("raise", "kill", "stall") and rank == 1 and self.epoch == 1 and batch == 2:
            if mode == "stall":
                time.sleep(120)
            if mode == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError("injected failure")

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch


initial_epoch = 0
if mode == "resume":
    model.load_weights(checkpoint)  # every rank may load it; rank 0's copy is broadcast anyway
    initial_epoch = 1
save = keras.callbacks.ModelCheckpoint(checkpoint, save_weights_only=True)
model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[save, Fail()], initial_epoch=initial_epoch)
if mode == "resume" and rank == 0:
    np.savez(os.path.join(directory, "resumed.npz"), *model.get_weights())
