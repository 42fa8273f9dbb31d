"""The legacy full-model HDF5 format (`model.save("m.h5")`) of Keras 2 and 3.

Reading and writing it is the Keras-files work (issue 4); until then lamina says so plainly.
"""

from __future__ import annotations


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    raise NotImplementedError(f"Saving the legacy HDF5 format ({filepath!r}) is not supported yet; save to a `.keras` file.")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    raise NotImplementedError(f"Loading the legacy HDF5 format ({filepath!r}) is not supported yet; use a `.keras` file.")
