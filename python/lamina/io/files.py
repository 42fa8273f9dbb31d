"""Reading and writing whole files and TFRecord files."""

from __future__ import annotations

import os

import numpy as np


class FileContents(bytes):
    """The bytes of a file that remember its name, so a decoder's error can say which file."""
    filename: str = ""


def _path(filename) -> str:
    if isinstance(filename, np.ndarray):
        filename = filename.item()
    return os.fsdecode(filename)


def read_file(filename) -> FileContents:
    """The contents of `filename` as bytes (tf.io.read_file)."""
    path = _path(filename)
    try:
        with open(path, "rb") as f:
            contents = FileContents(f.read())
    except FileNotFoundError:
        raise FileNotFoundError(f"read_file: {path}: no such file") from None
    contents.filename = path
    return contents


def write_file(filename, contents: bytes) -> None:
    """Writes `contents` to `filename` (tf.io.write_file)."""
    with open(_path(filename), "wb") as f:
        f.write(contents)


class TFRecordWriter:
    """Writes records (bytes) to a TFRecord file, as tf.io.TFRecordWriter; use as a context
    manager or call close()."""

    def __init__(self, path: str, options: str | None = None):
        self._path = path
        self._compression = options
        self._records: list = []

    def write(self, record: bytes) -> None:
        self._records.append(bytes(record))

    def close(self) -> None:
        from lamina.data.readers import write_tfrecords

        write_tfrecords(self._path, self._records, self._compression)

    def __enter__(self) -> "TFRecordWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
