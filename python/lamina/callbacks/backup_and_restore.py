"""BackupAndRestore: periodic backups of a training run, resumed by the next `fit` after an
interruption (Keras' callback, with Keras' file names where Keras has them)."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np

from lamina.callbacks.callback import Callback


class BackupAndRestore(Callback):
    """Backs up the model's weights, the optimizer's state and the epoch; a later `fit` with
    the same `backup_dir` restores them and resumes after the last backed-up epoch.

    Files in `backup_dir`: `latest.weights.h5` (the model's weights, Keras' format),
    `training_metadata.json` (epoch and batch), and `optimizer.npz` (the optimizer's
    variables). The backup is deleted when training finishes, unless `delete_checkpoint` is
    False; an interrupted run keeps it.

    Args:
        backup_dir: the folder holding the backup.
        save_freq: "epoch" (back up at each epoch end), an int (every that many batches), or
            False (no periodic backups).
        double_checkpoint: keep the previous backup too, in `backup_dir/previous`, to fall
            back on if the latest is unreadable.
        delete_checkpoint: delete the backup when training finishes.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir is required")
        if save_freq != "epoch" and save_freq is not False and (not isinstance(save_freq, int) or save_freq <= 0):
            raise ValueError(f'BackupAndRestore: save_freq must be "epoch", a positive int or False, got {save_freq!r}')
        self.backup_dir = str(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._batches_seen = 0
        self._current_epoch = 0
        self._pending_restore = None
        self._finished = False

    def _paths(self, folder):
        return (os.path.join(folder, "latest.weights.h5"), os.path.join(folder, "training_metadata.json"),
                os.path.join(folder, "optimizer.npz"))

    def _readable_backup(self):
        for folder in (self.backup_dir, os.path.join(self.backup_dir, "previous")):
            weights, meta, _ = self._paths(folder)
            if os.path.exists(weights) and os.path.exists(meta):
                try:
                    with open(meta) as f:
                        return folder, json.load(f)
                except (OSError, ValueError):
                    continue
        return None, None

    def on_train_begin(self, logs=None):
        self._finished = False
        folder, meta = self._readable_backup()
        if folder is None:
            return
        self._pending_restore = folder
        self.model._initial_epoch = int(meta["epoch"]) + 1
        if getattr(self.model, "built", False):
            self._restore()

    def on_train_batch_begin(self, batch, logs=None):
        if self._pending_restore is not None:  # a model built by its first batch
            self._restore()

    def _restore(self):
        folder, self._pending_restore = self._pending_restore, None
        weights, _, opt_path = self._paths(folder)
        self.model.load_weights(weights)
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and os.path.exists(opt_path):
            with np.load(opt_path, allow_pickle=False) as stored:
                arrays = [stored[f"v{i}"] for i in range(len(stored.files))]
            optimizer.build(self.model.trainable_weights)
            variables = optimizer.variables
            if len(variables) != len(arrays):
                raise ValueError(f"BackupAndRestore: the backup in {folder} holds {len(arrays)} optimizer variables, "
                                 f"the optimizer has {len(variables)}; was it made by another model or optimizer?")
            for var, value in zip(variables, arrays):
                var.assign(value)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._batches_seen += 1
        if isinstance(self.save_freq, int) and self.save_freq is not False and self._batches_seen % self.save_freq == 0:
            self._backup(self._current_epoch - 1, batch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._backup(epoch, None)
        self._finished = epoch + 1 >= self.params.get("epochs", epoch + 1) or bool(getattr(self.model, "stop_training", False))

    def _backup(self, epoch, batch):
        os.makedirs(self.backup_dir, exist_ok=True)
        weights, meta, opt_path = self._paths(self.backup_dir)
        if self.double_checkpoint and os.path.exists(weights):
            previous = os.path.join(self.backup_dir, "previous")
            os.makedirs(previous, exist_ok=True)
            for src, dst in zip(self._paths(self.backup_dir), self._paths(previous)):
                if os.path.exists(src):
                    shutil.copyfile(src, dst)
        self.model.save_weights(weights)
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            np.savez(opt_path, **{f"v{i}": np.asarray(v) for i, v in enumerate(optimizer.variables)})
        with open(meta, "w") as f:  # written last: a backup counts once its metadata exists
            json.dump({"epoch": epoch, "batch": batch}, f)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and self._finished and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)
