"""A generator of corrupt and hostile model files, made from the real Keras files in
tests/fixtures/keras (`.keras`, `.weights.h5`, legacy `.h5` from Keras 2 and 3).

Each case is a dict: `name`, `path` (the file), `loader` ("model": `load_model`; "weights":
`load_weights` into the fixture's architecture built by lamina), `refuse` (True when loading
must fail: the file reaches outside itself, holds code, declares more than the model can need,
or lacks what a model needs; False when a corruption may happen to leave a loadable file, e.g. a
bit flip inside a float) and `safe_mode`.

Files a hostile case points at (other files to read, a canary that code from the file would
create) live in an `outside` folder: a loader must never open anything in it.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import marshal
import os
import shutil
import zipfile

import h5py
import numpy as np

from keras_fixtures import path as fixture_path

# Files earlier long runs found libhdf5 hanging or crashing on (see the README there).
FOUND = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "fixtures", "hostile"))

# (fixture, loader): the bases every mutation starts from.
BASES = [("mlp.k3.keras", "model"), ("mlp.k3.weights.h5", "weights"), ("mlp.k3.h5", "model"),
         ("mlp.k2.h5", "model"), ("mlp.k2.legacy_weights.h5", "weights")]
ARCHITECTURE = "mlp"
SECRET = b"lamina-secret-do-not-read " * 64
CANARY = "canary"  # created by code in a file, if it ever runs


def outside_files(outside: str) -> dict:
    """Writes the files hostile cases refer to; returns their paths."""
    os.makedirs(outside, exist_ok=True)
    secret = os.path.join(outside, "secret.bin")
    with open(secret, "wb") as fh:
        fh.write(SECRET * 16)
    return {"secret": secret, "canary": os.path.join(outside, CANARY)}


# ------------------------------------------------------------------------------------------------
# editing the HDF5 inside any of the formats

@contextlib.contextmanager
def editable_h5(src: str, dst: str):
    """Copies `src` to `dst` and yields its HDF5 content opened for writing (a .keras archive's
    model.weights.h5, rezipped on exit)."""
    if not src.endswith(".keras"):
        shutil.copy(src, dst)
        with h5py.File(dst, "r+") as f:
            yield f
        return
    with zipfile.ZipFile(src) as z:
        entries = {i.filename: z.read(i.filename) for i in z.infolist()}
    buffer = io.BytesIO(entries["model.weights.h5"])
    with h5py.File(buffer, "r+") as f:
        yield f
    entries["model.weights.h5"] = buffer.getvalue()
    write_zip(dst, entries)


def write_zip(dst: str, entries: dict, compression=zipfile.ZIP_STORED) -> None:
    with zipfile.ZipFile(dst, "w", compression=compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)


def first_kernel(f) -> str:
    """The path of the first 2-D dataset (the first Dense kernel) of a file's weights."""
    found = []
    f.visititems(lambda p, o: found.append(p) if isinstance(o, h5py.Dataset) and o.ndim == 2 else None)
    if not found:
        raise ValueError("no 2-D dataset in the file")
    weights = [p for p in found if not p.startswith("optimizer")]
    return (weights or found)[0]


def _copy_group_outside(f, group_path: str, outside: str, tag: str) -> str:
    """Copies a group of `f` into a new file in `outside` (as /g); returns that file's path."""
    target = os.path.join(outside, f"secret-{tag}.h5")
    with h5py.File(target, "w") as out:
        f.copy(f[group_path], out, name="g")
    return target


def _replace(f, where: str, make) -> None:
    parent, name = where.rsplit("/", 1) if "/" in where else ("/", where)
    del f[where]
    make(f[parent], name)


def h5_hostile_edits(outside: str, secret: str) -> dict:
    """name -> edit(f, tag) for every way an HDF5 file can make a reader open another file."""

    def external_storage(f, tag):
        where = first_kernel(f)
        shape, dtype = f[where].shape, f[where].dtype
        nbytes = int(np.prod(shape)) * dtype.itemsize
        _replace(f, where, lambda g, n: g.create_dataset(n, shape=shape, dtype=dtype, external=[(secret, 0, nbytes)]))

    def virtual_dataset(f, tag):
        where = first_kernel(f)
        parent, name = where.rsplit("/", 1)
        source = _copy_group_outside(f, parent, outside, tag)
        shape, dtype = f[where].shape, f[where].dtype
        layout = h5py.VirtualLayout(shape=shape, dtype=dtype)
        layout[...] = h5py.VirtualSource(source, f"g/{name}", shape=shape)
        _replace(f, where, lambda g, n: g.create_virtual_dataset(n, layout))

    def external_link(f, tag):
        where = first_kernel(f)
        parent, name = where.rsplit("/", 1)
        source = _copy_group_outside(f, parent, outside, tag)
        _replace(f, where, lambda g, n: g.__setitem__(n, h5py.ExternalLink(source, f"/g/{name}")))

    def soft_link_through_external(f, tag):
        where = first_kernel(f)
        parent, name = where.rsplit("/", 1)
        source = _copy_group_outside(f, parent, outside, tag)
        f["outside_root"] = h5py.ExternalLink(source, "/")
        _replace(f, where, lambda g, n: g.__setitem__(n, h5py.SoftLink(f"/outside_root/g/{name}")))

    def external_link_as_intermediate_component(f, tag):
        parent = first_kernel(f).rsplit("/", 1)[0]
        source = _copy_group_outside(f, parent, outside, tag)
        _replace(f, parent, lambda g, n: g.__setitem__(n, h5py.ExternalLink(source, "/g")))

    def soft_link_as_intermediate_component_leaving_the_file(f, tag):
        parent = first_kernel(f).rsplit("/", 1)[0]
        source = _copy_group_outside(f, parent, outside, tag)
        f["outside_root"] = h5py.ExternalLink(source, "/")
        _replace(f, parent, lambda g, n: g.__setitem__(n, h5py.SoftLink("/outside_root/g")))

    return {fn.__name__: fn for fn in (external_storage, virtual_dataset, external_link, soft_link_through_external,
                                       external_link_as_intermediate_component,
                                       soft_link_as_intermediate_component_leaving_the_file)}


def h5_malformed_edits() -> dict:
    """name -> edit(f, tag): weights the model cannot take, declared so as to cost memory."""

    def huge_declared_shape(f, tag):  # 2**28 floats (1 GiB), never written: a tiny file
        _replace(f, first_kernel(f), lambda g, n: g.create_dataset(n, shape=(2**14, 2**14), dtype="f4",
                                                                  chunks=(64, 64)))

    def huge_declared_1d(f, tag):
        _replace(f, first_kernel(f), lambda g, n: g.create_dataset(n, shape=(2**28,), dtype="f4", chunks=(4096,)))

    def string_dtype(f, tag):
        _replace(f, first_kernel(f), lambda g, n: g.create_dataset(n, data=np.array([b"x" * 8] * 48).reshape(6, 8)))

    def compound_dtype(f, tag):
        dtype = np.dtype([("a", "f4"), ("b", "f4")])
        _replace(f, first_kernel(f), lambda g, n: g.create_dataset(n, shape=(6, 8), dtype=dtype))

    def object_references(f, tag):
        _replace(f, first_kernel(f), lambda g, n: g.create_dataset(n, shape=(6, 8), dtype=h5py.ref_dtype))

    def null_dataspace(f, tag):
        _replace(f, first_kernel(f), lambda g, n: g.create_dataset(n, data=h5py.Empty("f4")))

    def group_instead_of_dataset(f, tag):
        _replace(f, first_kernel(f), lambda g, n: g.create_group(n))

    def gzip_chunks(f, tag):  # the right weight, compressed in chunks: a file that should load
        where = first_kernel(f)
        data = f[where][()]
        _replace(f, where, lambda g, n: g.create_dataset(n, data=data, chunks=(6, 8), maxshape=(None, None),
                                                          compression="gzip"))

    def huge_chunk(f, tag):  # the right weight in one 128 MiB gzip chunk: a 130 KB file
        where = first_kernel(f)
        data = f[where][()]
        _replace(f, where, lambda g, n: g.create_dataset(n, data=data, chunks=(4096, 8192), maxshape=(None, None),
                                                          compression="gzip"))

    def soft_link_loop(f, tag):
        where = first_kernel(f)
        _replace(f, where, lambda g, n: g.__setitem__(n, h5py.SoftLink("/" + where)))

    def missing_weight(f, tag):
        del f[first_kernel(f)]

    return {fn.__name__: fn for fn in (huge_declared_shape, huge_declared_1d, string_dtype, compound_dtype,
                                       object_references, null_dataspace, group_instead_of_dataset, gzip_chunks,
                                       huge_chunk,
                                       soft_link_loop, missing_weight)}


def _heap_objects(data: bytes):
    """(offset of the header, index) of each object in the file's first global heap collection."""
    start = data.find(b"GCOL\x01\x00\x00\x00")
    end = start + int.from_bytes(data[start + 8:start + 16], "little")
    p, out = start + 16, []
    while p + 16 <= end:
        index, size = int.from_bytes(data[p:p + 2], "little"), int.from_bytes(data[p + 8:p + 16], "little")
        out.append((p, index))
        p += 16 + (size + 7) // 8 * 8 if index else size
    return out


def _set_heap_object_size(data: bytes, free_space: bool, size: int) -> bytes:
    data = bytearray(data)
    p = next(p for p, index in _heap_objects(bytes(data)) if (index == 0) == free_space)
    data[p + 8:p + 16] = size.to_bytes(8, "little")
    return bytes(data)


def h5_byte_patches() -> dict:
    """name -> patch(HDF5 bytes) for corruptions of the global heap (where the variable-length
    strings of names and configs live) on which libhdf5 2.0 itself loops forever."""
    return {
        "heap_free_space_of_size_0": lambda data: _set_heap_object_size(data, True, 0),
        "heap_object_of_size_2_64_minus_1": lambda data: _set_heap_object_size(data, False, 2**64 - 1),
    }


def patched_h5(src: str, dst: str, patch) -> None:
    """A copy of `src` with `patch` applied to its HDF5 bytes (a .keras archive's weights)."""
    if not src.endswith(".keras"):
        with open(src, "rb") as fh, open(dst, "wb") as out:
            out.write(patch(fh.read()))
        return
    with zipfile.ZipFile(src) as z:
        entries = {i.filename: z.read(i.filename) for i in z.infolist()}
    entries["model.weights.h5"] = patch(entries["model.weights.h5"])
    write_zip(dst, entries)


# Edits after which the file may still load: the model must be right or the error clean.
MAY_LOAD = {"gzip_chunks"}
# Edits that take seconds to make (compressing a 128 MiB chunk): made on the first base only.
COSTLY = {"huge_chunk"}


# ------------------------------------------------------------------------------------------------
# configs that name code

def lambda_config(canary: str) -> dict:
    """A Keras 3 Lambda layer whose code creates `canary` when it runs."""
    fn = eval(f"lambda x: (open({canary!r}, 'w').close(), x)[1]")  # noqa: S307 (the payload under test)
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    return {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
            "config": {"name": "payload", "function": {"class_name": "__lambda__",
                                                       "config": {"code": code, "defaults": None, "closure": None}},
                       "output_shape": None, "arguments": {}}}


def keras2_lambda_config(canary: str) -> dict:
    fn = eval(f"lambda x: (open({canary!r}, 'w').close(), x)[1]")  # noqa: S307
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    return {"class_name": "Lambda", "config": {"name": "payload", "function": [code, None, None],
                                               "function_type": "lambda", "output_shape": None, "arguments": {},
                                               "module": "__main__"}}


def code_references(canary: str) -> dict:
    """name -> a layer config naming code to run: module and function references."""
    os_system = {"module": "os", "class_name": "function", "config": "system", "registered_name": "system"}
    return {
        "lambda_code": lambda_config(canary),
        "keras2_lambda_code": keras2_lambda_config(canary),
        "os_system_as_class": {"module": "os", "class_name": "system", "config": {"command": f"touch {canary}"}},
        "os_system_as_activation": {"module": "keras.layers", "class_name": "Dense",
                                    "config": {"name": "d", "units": 2, "activation": os_system}},
        "builtins_eval_as_initializer": {"module": "keras.layers", "class_name": "Dense",
                                         "config": {"name": "d", "units": 2,
                                                    "kernel_initializer": {"module": "builtins", "class_name": "eval",
                                                                           "config": {"source": "1"}}}},
        "registered_name_os_system": {"module": "os", "class_name": "system", "registered_name": "os>system",
                                      "config": {}},
        "unknown_class": {"module": "my_package.layers", "class_name": "NoSuchLayer", "config": {"name": "x"}},
        "lambda_naming_os_system": {"module": "keras.layers", "class_name": "Lambda",
                                    "config": {"name": "l", "function": os_system, "arguments": {}}},
    }


def insert_layer(config: dict, layer: dict) -> dict:
    """The model config with `layer` placed after its input (Sequential)."""
    config = json.loads(json.dumps(config))
    inner = config["config"]
    layers = inner["layers"] if isinstance(inner, dict) else inner
    layers.insert(1, layer)
    return config


def read_config(base: str) -> dict:
    if base.endswith(".keras"):
        with zipfile.ZipFile(base) as z:
            return json.loads(z.read("config.json"))
    with h5py.File(base, "r") as f:
        text = f.attrs["model_config"]
    return json.loads(text.decode() if isinstance(text, bytes) else text)


def write_config(base: str, dst: str, config_text) -> None:
    """A copy of `base` whose config is `config_text` (str or bytes, written as is)."""
    if base.endswith(".keras"):
        with zipfile.ZipFile(base) as z:
            entries = {i.filename: z.read(i.filename) for i in z.infolist()}
        entries["config.json"] = config_text
        write_zip(dst, entries)
        return
    shutil.copy(base, dst)
    with h5py.File(dst, "r+") as f:
        f.attrs["model_config"] = config_text


# ------------------------------------------------------------------------------------------------
# the structured cases: every hostile construction, on every format it applies to

def structured_cases(workdir: str, outside: str) -> list:
    paths = outside_files(outside)
    cases = []

    def add(name, path, loader, refuse=True, safe_mode=True):
        cases.append({"name": name, "path": path, "loader": loader, "refuse": refuse, "safe_mode": safe_mode})

    edits = {**h5_hostile_edits(outside, paths["secret"]), **h5_malformed_edits()}
    for fixture, loader in BASES:
        for edit_name, edit in edits.items():
            if edit_name in COSTLY and fixture != BASES[0][0]:
                continue
            tag = f"{edit_name}-{fixture}"
            dst = os.path.join(workdir, f"{edit_name}.{fixture}")
            with editable_h5(fixture_path(fixture), dst) as f:
                edit(f, tag)
            add(tag, dst, loader, refuse=edit_name not in MAY_LOAD)
        for patch_name, patch in h5_byte_patches().items():
            dst = os.path.join(workdir, f"{patch_name}.{fixture}")
            patched_h5(fixture_path(fixture), dst, patch)
            add(f"{patch_name}-{fixture}", dst, loader)
    for fixture in ("mlp.k3.keras", "mlp.k3.h5", "mlp.k2.h5"):
        config = read_config(fixture_path(fixture))
        for ref_name, layer in code_references(paths["canary"]).items():
            dst = os.path.join(workdir, f"{ref_name}.{fixture}")
            write_config(fixture_path(fixture), dst, json.dumps(insert_layer(config, layer)))
            add(f"{ref_name}-{fixture}", dst, "model")
        for text_name, text in bad_config_texts(config).items():
            dst = os.path.join(workdir, f"{text_name}.{fixture}")
            write_config(fixture_path(fixture), dst, text)
            add(f"{text_name}-{fixture}", dst, "model")
    cases += archive_cases(workdir)
    for name in sorted(os.listdir(FOUND)):
        if name.endswith((".h5", ".keras")):
            add(f"found-{name}", os.path.join(FOUND, name), "weights" if "weights" in name else "model")
    return cases


def bad_config_texts(config: dict) -> dict:
    deep = "[" * 20_000 + "]" * 20_000  # past Python's recursion limit, under HDF5's 64 KiB per attribute
    return {
        "config_not_utf8": b"\xff\xfe" + json.dumps(config).encode(),
        "config_deeply_nested": deep,
        "config_a_list": json.dumps([config]),
        "config_layers_not_a_list": json.dumps({**config, "config": {**config["config"], "layers": 3}}),
        "config_layer_without_class": json.dumps(insert_layer(config, {"config": {"name": "x"}})),
        "config_layer_config_a_string": json.dumps(insert_layer(config, {"class_name": "Dense", "config": "x"})),
        "config_huge_units": json.dumps(insert_layer(config, {"class_name": "Dense",
                                                               "config": {"name": "d", "units": 2**40}})),
        "config_negative_units": json.dumps(insert_layer(config, {"class_name": "Dense",
                                                                   "config": {"name": "d", "units": -3}})),
    }


def archive_cases(workdir: str) -> list:
    """Zip bombs and broken archives, from the .keras fixture."""
    base = fixture_path("mlp.k3.keras")
    with zipfile.ZipFile(base) as z:
        entries = {i.filename: z.read(i.filename) for i in z.infolist()}
    cases = []

    def make(name, entries_, compression=zipfile.ZIP_DEFLATED, refuse=True):
        dst = os.path.join(workdir, f"{name}.keras")
        write_zip(dst, entries_, compression)
        cases.append({"name": name, "path": dst, "loader": "model", "refuse": refuse, "safe_mode": True})
        return dst

    # Weights padded with 128 MiB of zeros (HDF5 ignores bytes past its end), a config with 64 MiB
    # of trailing spaces: archives of a few hundred KB.
    make("zip_bomb_weights", {**entries, "model.weights.h5": entries["model.weights.h5"] + bytes(128 * 2**20)})
    make("zip_bomb_config", {**entries, "config.json": entries["config.json"] + b" " * (64 * 2**20)})
    make("deflated_archive", entries, refuse=False)
    make("no_config", {k: v for k, v in entries.items() if k != "config.json"})
    make("no_weights", {k: v for k, v in entries.items() if k != "model.weights.h5"})
    make("weights_not_hdf5", {**entries, "model.weights.h5": b"not hdf5" * 100})
    make("empty_archive", {})
    lying = make("entry_size_understated", entries)
    _understate_sizes(lying)
    return cases


def _understate_sizes(path: str) -> None:
    """Rewrites every declared uncompressed size in the archive's headers as 1 byte."""
    data = bytearray(open(path, "rb").read())
    for sig, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            data[i + size_offset:i + size_offset + 4] = (1).to_bytes(4, "little")
            start = i + 4
    open(path, "wb").write(bytes(data))


# ------------------------------------------------------------------------------------------------
# random corruption

def random_cases(workdir: str, seed: int, count: int) -> list:
    """`count` random corruptions of the bases: truncation, bit flips, overwritten runs (of the
    file, or of the HDF5 inside a .keras archive), and random edits of the config's JSON."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(count):
        fixture, loader = BASES[rng.integers(len(BASES))]
        base = fixture_path(fixture)
        kind = ["truncate", "bit_flips", "overwrite_run", "inner_bit_flips", "config_edit"][rng.integers(5)]
        if (kind == "config_edit" and loader != "model") or (kind == "inner_bit_flips"
                                                               and not fixture.endswith(".keras")):
            kind = "bit_flips"  # no config to edit, or no archive to look inside
        dst = os.path.join(workdir, f"random{i}-{kind}.{fixture}")
        if kind == "config_edit":
            config = read_config(base)
            for _ in range(int(rng.integers(1, 4))):
                config = _edit_json(config, rng)
            write_config(base, dst, json.dumps(config))
        elif kind == "inner_bit_flips":
            with zipfile.ZipFile(base) as z:
                entries = {n: z.read(n) for n in z.namelist()}
            entries["model.weights.h5"] = _corrupt(entries["model.weights.h5"], "bit_flips", rng)
            write_zip(dst, entries)
        else:
            with open(base, "rb") as fh:
                data = fh.read()
            with open(dst, "wb") as fh:
                fh.write(_corrupt(data, kind, rng))
        cases.append({"name": f"random{i}-{kind}-{fixture}", "path": dst, "loader": loader,
                      "refuse": kind == "truncate", "safe_mode": True})
    return cases


def _corrupt(data: bytes, kind: str, rng) -> bytes:
    data = bytearray(data)
    if kind == "truncate":
        return bytes(data[:int(rng.integers(0, len(data)))])
    if kind == "bit_flips":
        for _ in range(int(rng.integers(1, 9))):
            i = int(rng.integers(len(data)))
            data[i] ^= 1 << int(rng.integers(8))
        return bytes(data)
    start = int(rng.integers(len(data)))
    length = int(rng.integers(1, 64))
    fill = [lambda n: bytes(n), lambda n: b"\xff" * n, lambda n: rng.bytes(n)][rng.integers(3)]
    data[start:start + length] = fill(min(length, len(data) - start))
    return bytes(data)


_ODD_VALUES = [None, -1, 0, 2**40, -2**63, 1e308, float("nan"), "", "x", "relu", [], {}, [[]], True,
               {"class_name": "NoSuchThing", "config": {}}, {"module": "os", "class_name": "system", "config": {}},
               [None] * 3, {"class_name": "function", "config": "eval", "module": "builtins"}]


def _edit_json(value, rng):
    """`value` with one random node deleted, replaced by an odd value, or (a dict) a key renamed."""
    nodes = []

    def walk(v, parent, key):
        nodes.append((parent, key))
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, v, k)
        elif isinstance(v, list):
            for k, x in enumerate(v):
                walk(x, v, k)

    walk(value, None, None)
    parent, key = nodes[int(rng.integers(len(nodes)))]
    if parent is None:
        return _ODD_VALUES[int(rng.integers(len(_ODD_VALUES)))]
    action = int(rng.integers(3))
    if action == 0:
        del parent[key]
    elif action == 1:
        parent[key] = json.loads(json.dumps(_ODD_VALUES[int(rng.integers(len(_ODD_VALUES)))]))
    elif isinstance(parent, dict):
        parent[key + "_renamed"] = parent.pop(key)
    else:
        parent.insert(key, parent[key])
    return value
