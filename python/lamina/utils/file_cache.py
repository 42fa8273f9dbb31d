"""get_file: a file from Keras' local cache (~/.keras/<cache_subdir>, or $KERAS_HOME). lamina
never downloads: a file missing from the cache is an error that says where to put it."""

from __future__ import annotations

import hashlib
import os
import tarfile
import zipfile


def keras_cache_dir(cache_dir: str | None = None) -> str:
    """The cache root Keras uses: `cache_dir`, else $KERAS_HOME, else ~/.keras."""
    if cache_dir is not None:
        return os.path.expanduser(cache_dir)
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def _hash(path: str, algorithm: str) -> str:
    h = hashlib.sha256() if algorithm == "sha256" else hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def get_file(fname=None, origin=None, untar: bool = False, md5_hash=None, file_hash=None, cache_subdir: str = "datasets",
             hash_algorithm: str = "auto", extract: bool = False, archive_format: str = "auto", cache_dir=None,
             force_download: bool = False) -> str:
    """The path of a file in Keras' cache, checked against `file_hash` and extracted if asked.

    Args: as keras.utils.get_file. `origin` only names the file when `fname` is None (its last
    path part); nothing is downloaded, and `force_download=True` is an error.

    Returns:
        The path of the cached file (or of the extracted folder, with extract/untar).

    Raises:
        FileNotFoundError: naming the expected path and the origin to fetch it from by hand.
        ValueError: when the file's hash differs from `file_hash`/`md5_hash`.
    """
    provided = fname
    if not fname:
        if not origin:
            raise ValueError("get_file: give fname or origin")
        fname = os.path.basename(origin.split("?")[0])
    elif os.sep in str(fname):
        raise ValueError(f"get_file: fname must be a file name, not a path (use cache_dir for the folder), got {fname!r}")
    if force_download:
        raise ValueError("get_file: lamina never downloads (force_download=True); put the file in the cache yourself")
    root = os.path.join(keras_cache_dir(cache_dir), cache_subdir)
    # Keras' cache layout: archives and their extraction folders are named as below.
    extract = extract or untar
    if extract and provided and "." in fname:
        path, target = os.path.join(root, fname), os.path.join(root, fname[: fname.find(".")] + "_extracted")
    elif extract:
        path, target = os.path.join(root, fname + "_archive"), os.path.join(root, fname)
    else:
        path, target = os.path.join(root, fname), None
    if target is not None and os.path.isdir(target) and not os.path.exists(path):
        return target
    if not os.path.exists(path):
        where = f" (download it from {origin})" if origin else ""
        raise FileNotFoundError(f"get_file: {path} is not in the Keras cache and lamina does not download; "
                                f"place the file there{where}")
    expected = file_hash or md5_hash
    if expected:
        algorithm = "md5" if md5_hash is not None and file_hash is None else hash_algorithm
        algorithm = algorithm if algorithm != "auto" else ("sha256" if len(expected) == 64 else "md5")
        got = _hash(path, algorithm)
        if got != expected:
            raise ValueError(f"get_file: {path} has {algorithm} {got}, expected {expected}; the file is corrupt or different")
    if target is None:
        return path
    fmt = "tar" if untar else archive_format
    if zipfile.is_zipfile(path) and fmt in ("auto", "zip"):
        with zipfile.ZipFile(path) as z:
            z.extractall(target)
    elif tarfile.is_tarfile(path) and fmt in ("auto", "tar"):
        with tarfile.open(path) as t:
            t.extractall(target, filter="data")
    else:
        raise ValueError(f"get_file: {path} is not a {fmt} archive")
    return target
