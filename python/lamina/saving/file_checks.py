"""The checks every loader applies to a model file, which may come from anyone.

A model file is data: loading it must never read another file, run code from it, or use memory
out of proportion to the model it describes, and every way it can be wrong is a ValueError (or
an OSError for I/O) naming the file. Every reader in lamina.saving goes through this module:

- `check_hdf5`: before anything is read, refuses HDF5 features that reach outside the file:
  datasets stored in external files, virtual datasets (which map other files), external and
  user-defined links (soft links stay inside the file once those are gone).
- `check_hdf5_bytes`: before libhdf5 opens a file, refuses malformed structures on which
  libhdf5 itself would hang or crash.
- `DatasetRef`: a weight's declared shape, dtype and chunk size are checked before its data
  is read, so a tiny file declaring a huge array costs nothing.
- `read_zip_member`: a .keras archive's entries are inflated in a stream, up to a limit.
- `read_attr`: an attribute's declared size is checked before it is read.
- `named_errors`: whatever else goes wrong while loading becomes a ValueError naming the file.
"""

from __future__ import annotations

import contextlib
import io
import mmap
import os
import zipfile

import numpy as np

# The most a config (config.json, or a legacy file's model_config) may take. Keras' configs of
# large functional models are a few MB.
CONFIG_LIMIT = 32 * 2**20
# A .keras archive's weights entry holds the model's variables and the optimizer's slots (up to 3
# per variable), each element stored in at most 8 bytes, plus HDF5's metadata.
_SLOTS_PLUS_WEIGHTS = 4
_BYTES_PER_ELEMENT = 8
_METADATA_PER_VARIABLE = 64 * 2**10
_METADATA_MARGIN = 16 * 2**20
# Dtype kinds a weight can have: bool, signed/unsigned integers, floats.
_NUMERIC_KINDS = "biuf"
# HDF5 inflates a whole chunk to read any part of it, so a chunk may not be much larger than its
# weight (h5py's automatic chunks are at most 1 MiB; Keras writes no chunks).
_CHUNK_FLOOR = 4 * 2**20


# ------------------------------------------------------------------------------------------------
# HDF5 features that read other files

def check_hdf5(f, filepath: str) -> None:
    """Raises ValueError, naming `filepath` and the object, if the open HDF5 file `f` holds an
    external link (or a user-defined one), a dataset with external storage, a virtual dataset,
    or a soft link that does not resolve (dangling, or a loop)."""
    from h5py import h5d, h5l

    soft_links = []

    def check_links(group, path):
        for name in group.keys():
            info = group.id.links.get_info(name.encode("utf8"))
            where = f"{path.rstrip('/')}/{name}"
            if info.type == h5l.TYPE_EXTERNAL:
                target = group.get(name, getlink=True)
                raise ValueError(f"{filepath}: refusing '{where}', an external link to '{target.path}' in "
                                 f"'{target.filename}': a model file may not refer to other files")
            if info.type == h5l.TYPE_SOFT:
                soft_links.append((group, name, where))
            elif info.type != h5l.TYPE_HARD:
                raise ValueError(f"{filepath}: refusing '{where}', a user-defined HDF5 link (type {info.type}) "
                                 "that may refer to other files")

    def visit(path, obj):
        import h5py

        if isinstance(obj, h5py.Group):
            check_links(obj, "/" + path)
        elif isinstance(obj, h5py.Dataset):
            plist = obj.id.get_create_plist()
            if plist.get_layout() == h5d.VIRTUAL:
                raise ValueError(f"{filepath}: refusing dataset '/{path}', a virtual dataset (its data would be "
                                 "read from other files)")
            if plist.get_external_count() > 0:
                name, _, _ = plist.get_external(0)
                raise ValueError(f"{filepath}: refusing dataset '/{path}', whose data is stored in the external "
                                 f"file {name.decode('utf8', 'replace')!r}: a model file may not refer to other files")

    check_links(f, "/")
    f.visititems(visit)  # every object reachable by hard links, each once (links are not followed)
    # Only now, with no link out of the file left, may soft links be followed.
    for group, name, where in soft_links:
        try:
            group[name]
        except Exception as e:  # KeyError (dangling), RuntimeError (a loop: "too many links")
            target = group.get(name, getlink=True).path
            raise ValueError(f"{filepath}: the soft link '{where}' to '{target}' does not resolve (dangling, or a "
                             f"loop; corrupt file?): {type(e).__name__}: {e}") from e


# The start of an HDF5 global heap collection (where variable-length strings live): signature,
# version 1, three reserved zero bytes; then its size, then objects of a 16-byte header (index,
# reference count, reserved, size) and their data padded to 8 bytes.
_GLOBAL_HEAP = b"GCOL\x01\x00\x00\x00"
_HEAP_HEADER = 16


def check_hdf5_bytes(target, filepath: str) -> None:
    """`check_global_heaps` on a file path or a BytesIO, before libhdf5 opens it."""
    if isinstance(target, io.BytesIO):
        check_global_heaps(target.getvalue(), filepath)
        return
    with open(target, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            check_global_heaps(data, filepath)


def check_global_heaps(data, filepath: str) -> None:
    """Raises ValueError if a global heap collection in the HDF5 bytes `data` (bytes, or a
    buffer such as an mmap) is malformed. libhdf5 (2.0) walks a collection's objects trusting
    their sizes: a free-space object of size 0 makes it loop forever, and a wrapped size makes it
    read out of bounds, so every collection is walked here first, as libhdf5 would."""
    start = data.find(_GLOBAL_HEAP)
    while start >= 0:
        size = int.from_bytes(data[start + 8:start + 16], "little")
        end = start + size
        if size < _HEAP_HEADER or end > len(data):
            raise ValueError(f"{filepath}: the global heap at byte {start} declares {size} bytes, past the end of the "
                             "file (corrupt file?)")
        p = start + _HEAP_HEADER
        while p + _HEAP_HEADER <= end:  # a tail too short for a header is free space
            index = int.from_bytes(data[p:p + 2], "little")
            object_size = int.from_bytes(data[p + 8:p + 16], "little")
            step = _HEAP_HEADER + (object_size + 7) // 8 * 8 if index > 0 else object_size
            if step < _HEAP_HEADER or p + step > end:
                raise ValueError(f"{filepath}: the global heap at byte {start} has an object at byte {p} of size "
                                 f"{object_size}, which does not fit it (corrupt file?)")
            p += step
        start = data.find(_GLOBAL_HEAP, start + 1)


# ------------------------------------------------------------------------------------------------
# datasets and attributes, checked before they are read

class DatasetRef:
    """A weight in a file, not read yet: `shape` is what the file declares, `read()` (or
    `np.asarray`) checks that the object is a numeric dataset, then reads it.

    Args:
        obj: the HDF5 object found at `where`.
        filepath: the file, for messages.
        where: the object's path in the file (and the layer it belongs to, when known).
    """

    def __init__(self, obj, filepath: str, where: str):
        import h5py

        self.obj, self.filepath, self.where = obj, filepath, where
        is_dataset = isinstance(obj, h5py.Dataset)
        if not is_dataset:
            raise ValueError(f"{filepath}: weight {where} is a {type(obj).__name__}, not a dataset (corrupt file?)")
        dtype = obj.dtype
        if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
            raise ValueError(f"{filepath}: weight {where} has dtype {dtype}, not a numeric type (corrupt file?)")
        # A null dataspace (no data at all) has no shape.
        self.shape = tuple(obj.shape) if obj.shape is not None else None
        if obj.chunks is not None:
            chunk_bytes = int(np.prod(obj.chunks)) * dtype.itemsize
            if chunk_bytes > max(self.size * dtype.itemsize, _CHUNK_FLOOR):
                raise ValueError(f"{filepath}: weight {where} is stored in chunks of shape {obj.chunks} "
                                 f"({chunk_bytes} bytes) for a shape of {self.shape}: reading it would take memory "
                                 "the weight does not need (corrupt or hostile file)")

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape is not None else 0

    def read(self) -> np.ndarray:
        if self.shape is None:
            raise ValueError(f"{self.filepath}: weight {self.where} holds no data (null dataspace; corrupt file?)")
        try:
            return np.asarray(self.obj[()])
        except Exception as e:  # h5py/HDF5 report a corrupt dataset as OSError, KeyError, RuntimeError...
            raise ValueError(f"{self.filepath}: cannot read weight {self.where} (truncated or corrupt file?): "
                             f"{type(e).__name__}: {e}") from e

    def __array__(self, dtype=None, copy=None):
        array = self.read()
        return array if dtype is None else array.astype(dtype)


def read_attr(attrs, name: str, filepath: str, limit: int = CONFIG_LIMIT):
    """The attribute `name` (None when absent), refused when its declared size passes `limit`."""
    if name not in attrs:
        return None
    from h5py import h5t

    try:
        aid = attrs.get_id(name)
        # Names and configs are strings; an empty name list is an empty float array. Other types
        # (a variable-length sequence of 0-byte integers, say) crash libhdf5's conversions.
        type_class = aid.get_type().get_class()
        if type_class not in (h5t.STRING, h5t.INTEGER, h5t.FLOAT) or aid.dtype.itemsize == 0:
            raise ValueError(f"{filepath}: attribute '{name}' has an HDF5 type (class {type_class}, "
                             f"{aid.dtype}) that no Keras file uses (corrupt file?)")
        count = int(np.prod(aid.shape)) if aid.shape is not None else 0
        if count * aid.dtype.itemsize > limit:
            raise ValueError(f"{filepath}: attribute '{name}' declares {count} values of {aid.dtype.itemsize} bytes, "
                             f"more than the {limit} bytes allowed (corrupt or hostile file)")
        return attrs[name]
    except ValueError:
        raise
    except Exception as e:
        raise ValueError(f"{filepath}: cannot read attribute '{name}' (corrupt file?): {type(e).__name__}: {e}") from e


# ------------------------------------------------------------------------------------------------
# .keras archives

def weights_limit(model) -> int:
    """The most bytes a .keras archive's weights entry may inflate to for `model`."""
    elements = sum(int(np.prod(v.shape)) for v in model.weights)
    return (elements * _BYTES_PER_ELEMENT * _SLOTS_PLUS_WEIGHTS
            + len(model.weights) * _SLOTS_PLUS_WEIGHTS * _METADATA_PER_VARIABLE + _METADATA_MARGIN)


def read_zip_member(z: zipfile.ZipFile, filepath: str, member: str, limit: int) -> bytes:
    """The entry `member` of the archive, inflated in a stream that stops past `limit` bytes."""
    try:
        info = z.getinfo(member)
    except KeyError:
        raise ValueError(f"{filepath}: the archive has no '{member}' (not a Keras .keras file?)") from None
    too_big = (f"{filepath}: the archive's '{member}' inflates to more than {limit} bytes, more than this model "
               "can need (a zip bomb or a corrupt file)")
    if info.file_size > limit:
        raise ValueError(too_big)
    try:
        with z.open(info) as stream:
            data = stream.read(limit + 1)
    except Exception as e:  # BadZipFile (CRC), zlib.error, EOFError, NotImplementedError (method), RuntimeError (encrypted)
        raise ValueError(f"{filepath}: cannot read '{member}' from the archive (truncated or corrupt file?): "
                         f"{type(e).__name__}: {e}") from e
    if len(data) > limit:
        raise ValueError(too_big)
    return data


# ------------------------------------------------------------------------------------------------
# one error type for every load failure

@contextlib.contextmanager
def named_errors(filepath: str):
    """Within the block, any failure is a ValueError (an OSError for I/O) whose message names
    `filepath`: a corrupt file makes parsers fail in many ways (KeyError, TypeError,
    RecursionError, UnicodeDecodeError...), and the user needs to know which file is at fault."""
    try:
        yield
    except OSError as e:
        if filepath in str(e) or e.filename is not None:
            raise
        if e.errno is None:
            raise OSError(f"{filepath}: {e}") from e
        raise OSError(e.errno, f"{filepath}: {e.strerror or e}") from e  # the errno picks the subclass
    except ValueError as e:
        if filepath in str(e) and type(e) is ValueError:
            raise
        raise ValueError(f"{filepath}: {_describe(e)}") from e
    except Exception as e:
        raise ValueError(f"{filepath}: cannot load the file (corrupt, or a config lamina cannot rebuild): "
                         f"{_describe(e)}") from e


def _describe(e: BaseException) -> str:
    text = str(e) or repr(e)
    return text if type(e) is ValueError else f"{type(e).__name__}: {text}"
