"""File sources: TextLineDataset and TFRecordDataset (TensorFlow's record format: length,
masked CRC32C of the length, data, masked CRC32C of the data; optionally GZIP or ZLIB)."""

from __future__ import annotations

import gzip
import io
import os
import struct
import zlib
from typing import Iterator

import numpy as np

from lamina.data._elements import ElementError
from lamina.data.dataset import Dataset


class DataLossError(OSError):
    """A record that is corrupt or cut short (tf.errors.DataLossError); names the file and offset."""


def _crc32c_table() -> list:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), the checksum TFRecord uses."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _open_bytes(filename: str, compression_type: str | None):
    compression = (compression_type or "").upper()
    if compression == "":
        return open(filename, "rb")
    with open(filename, "rb") as f:
        raw = f.read()
    if compression == "GZIP":
        return io.BytesIO(gzip.decompress(raw))
    if compression == "ZLIB":
        return io.BytesIO(zlib.decompress(raw))
    raise ValueError(f"compression_type must be None, '', 'GZIP' or 'ZLIB', got {compression_type!r}")


def tfrecords_of(filename: str, compression_type: str | None = None) -> Iterator:
    """The records of one TFRecord file as bytes; a corrupt record is yielded as an ElementError
    naming the file and offset (a corrupt length or a truncated file ends the file)."""
    with _open_bytes(filename, compression_type) as f:
        offset = 0
        while True:
            header = f.read(12)
            if not header:
                return
            if len(header) < 12:
                yield ElementError(DataLossError(f"{filename}: truncated record at offset {offset}"))
                return
            length, length_crc = struct.unpack("<QI", header)
            if masked_crc32c(header[:8]) != length_crc:
                yield ElementError(DataLossError(f"{filename}: corrupted record at offset {offset} (length CRC "
                                                 f"mismatch)"))
                return
            body = f.read(length + 4)
            if len(body) < length + 4:
                yield ElementError(DataLossError(f"{filename}: truncated record at offset {offset} (expected "
                                                 f"{length} bytes of data)"))
                return
            data, (data_crc,) = body[:length], struct.unpack("<I", body[length:])
            if masked_crc32c(data) != data_crc:
                yield ElementError(DataLossError(f"{filename}: corrupted record at offset {offset} (data CRC "
                                                 f"mismatch)"))
            else:
                yield data
            offset += 12 + length + 4


def text_lines_of(filename: str, compression_type: str | None = None) -> Iterator:
    """The lines of one text file as bytes, without their line endings."""
    with _open_bytes(filename, compression_type) as f:
        for line in f:
            yield line.rstrip(b"\n").rstrip(b"\r")


def _filenames(filenames, what: str) -> Dataset:
    if isinstance(filenames, Dataset):
        return filenames
    names = [filenames] if isinstance(filenames, (str, bytes, os.PathLike)) else list(np.asarray(filenames).ravel())
    if not names:
        raise ValueError(f"{what}: no filenames given")
    return Dataset.from_tensor_slices(np.array([os.fsencode(n) if not isinstance(n, bytes) else n for n in names],
                                               dtype=object))


def _file_dataset(filenames, read, compression_type, num_parallel_reads, what: str) -> Dataset:
    def one_file(name) -> Dataset:
        path = os.fsdecode(name.item() if isinstance(name, np.ndarray) else name)
        if not os.path.exists(path):
            raise FileNotFoundError(f"{what}: {path}: no such file")
        return Dataset(lambda: read(path, compression_type))

    files = _filenames(filenames, what)
    if num_parallel_reads is None:
        return files.flat_map(one_file)
    return files.interleave(one_file, cycle_length=num_parallel_reads, block_length=1,
                            num_parallel_calls=num_parallel_reads)


class TextLineDataset(Dataset):
    """The lines of one or more text files (bytes, without line endings), file after file, or
    `num_parallel_reads` files interleaved and read in parallel."""

    def __init__(self, filenames, compression_type: str | None = None, buffer_size: int | None = None,
                 num_parallel_reads: int | None = None, name: str | None = None):
        ds = _file_dataset(filenames, text_lines_of, compression_type, num_parallel_reads, "TextLineDataset")
        super().__init__(ds._make_iterator, inputs=(ds,))


class TFRecordDataset(Dataset):
    """The records (bytes) of one or more TFRecord files, as TensorFlow writes them. CRC errors
    and truncated files raise DataLossError naming the file and offset (skip them with
    `ignore_errors()`)."""

    def __init__(self, filenames, compression_type: str | None = None, buffer_size: int | None = None,
                 num_parallel_reads: int | None = None, name: str | None = None):
        ds = _file_dataset(filenames, tfrecords_of, compression_type, num_parallel_reads, "TFRecordDataset")
        super().__init__(ds._make_iterator, inputs=(ds,))


def write_tfrecords(path: str, records, compression_type: str | None = None) -> None:
    """Writes `records` (bytes) as a TFRecord file, as tf.io.TFRecordWriter does."""
    out = io.BytesIO()
    for r in records:
        header = struct.pack("<Q", len(r))
        out.write(header + struct.pack("<I", masked_crc32c(header)) + r + struct.pack("<I", masked_crc32c(r)))
    raw = out.getvalue()
    compression = (compression_type or "").upper()
    raw = gzip.compress(raw) if compression == "GZIP" else zlib.compress(raw) if compression == "ZLIB" else raw
    with open(path, "wb") as f:
        f.write(raw)
