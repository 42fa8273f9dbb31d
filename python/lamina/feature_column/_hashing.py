"""A stable 64-bit string fingerprint and a way to combine fingerprints.

Python's hash() of a string is salted per process, so a hash bucket computed with it would
move between runs. Here a value's fingerprint is the first 8 bytes of its BLAKE2b digest
(little endian): the same on every run, machine and Python version. Only the distinct values
of a batch are hashed in Python; mapping them back to rows is vectorized.
"""

from __future__ import annotations

import hashlib

import numpy as np

# Odd 64-bit multiplier with well-mixed bits (MurmurHash2's), used to mix two fingerprints.
_MUL = np.uint64(0xC6A4A7935BD1E995)
_SHIFT = np.uint64(47)


def _fingerprint_one(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def fingerprint(values: np.ndarray) -> np.ndarray:
    """uint64 fingerprints of `values` (strings; integers are hashed as their decimal text)."""
    values = np.asarray(values)
    if values.size == 0:
        return np.zeros(values.shape, dtype=np.uint64)
    if values.dtype.kind in "iub":
        values = values.astype(np.int64).astype(str)
    uniq, inverse = np.unique(values.reshape(-1), return_inverse=True)
    table = np.fromiter((_fingerprint_one(str(v)) for v in uniq), dtype=np.uint64, count=len(uniq))
    return table[inverse].reshape(values.shape)


def _shift_mix(v: np.ndarray) -> np.ndarray:
    return v ^ (v >> _SHIFT)


def combine(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Mixes two arrays of fingerprints elementwise into one (order matters), as a hash of the
    pair; used for crossed columns."""
    with np.errstate(over="ignore"):
        result = np.asarray(left, dtype=np.uint64) ^ _MUL
        result = result ^ (_shift_mix(np.asarray(right, dtype=np.uint64) * _MUL) * _MUL)
        result = result * _MUL
        result = _shift_mix(result) * _MUL
        return _shift_mix(result)


def bucket(fingerprints: np.ndarray, num_buckets: int) -> np.ndarray:
    """Fingerprints reduced to bucket ids in [0, num_buckets) (int64)."""
    return (np.asarray(fingerprints, dtype=np.uint64) % np.uint64(num_buckets)).astype(np.int64)
