"""Loading files from anyone, and saving them: no other file read, memory bounded by the model,
every failure a ValueError naming the file, saves with normal permissions and no debris.
(The broad, randomized version of the loading checks is test_hostile_files.py.)"""

import json
import os
import re
import signal
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

import lamina as lm
import hostile_files as hf
from keras_architectures import mlp
from keras_fixtures import path as fixture_path


def _load(path, loader):
    if loader == "model":
        return lm.models.load_model(path)
    model = mlp(lm, np.random.default_rng(0))[0]
    model.load_weights(path)
    return model


def _edited(tmp_path, fixture, edit_name):
    outside = str(tmp_path / "outside")
    secret = hf.outside_files(outside)["secret"]
    edit = {**hf.h5_hostile_edits(outside, secret), **hf.h5_malformed_edits()}[edit_name]
    dst = str(tmp_path / f"{edit_name}.{fixture}")
    with hf.editable_h5(fixture_path(fixture), dst) as f:
        edit(f, fixture)
    return dst


# ------------------------------------------------------------------------------------------------
# 8. nothing outside the file is read

@pytest.mark.parametrize("fixture,loader", hf.BASES)
@pytest.mark.parametrize("edit_name", ["external_storage", "virtual_dataset", "external_link", "soft_link_through_external",
                                       "external_link_as_intermediate_component",
                                       "soft_link_as_intermediate_component_leaving_the_file"])
def test_hdf5_that_reaches_other_files_is_refused(tmp_path, fixture, loader, edit_name):
    path = _edited(tmp_path, fixture, edit_name)
    with pytest.raises(ValueError, match=re.escape(path)) as info:
        _load(path, loader)
    message = str(info.value)
    assert re.search(r"refusing '?.*'?.*(external|virtual)", message), message
    # The refused object is named: the weight's dataset, or the link on its path.
    assert re.search(r"refusing (dataset )?'/[^']+'", message), message


# ------------------------------------------------------------------------------------------------
# 9. memory bounded by what the model needs

def _peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("fixture,loader", hf.BASES)
def test_huge_declared_shape_is_refused_before_reading(tmp_path, fixture, loader):
    path = _edited(tmp_path, fixture, "huge_declared_shape")
    assert os.path.getsize(path) < 200_000  # the file is tiny; its declared kernel is 1 GiB

    def load():
        with pytest.raises(ValueError, match=re.escape(path) + r".*16384, 16384"):
            _load(path, loader)

    assert _peak_bytes(load) < 32 * 2**20


_RSS_AFTER_LOAD = """
import resource, sys
import lamina as lm
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    lm.models.load_model(sys.argv[1])
except ValueError as e:
    print("ValueError", e, file=sys.stderr)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


@pytest.mark.parametrize("fixture", ["mlp.k3.keras", "mlp.k3.h5"])
def test_a_chunk_far_larger_than_its_weight_is_refused_before_inflating(tmp_path, fixture):
    path = _edited(tmp_path, fixture, "huge_chunk")  # a (6, 8) kernel in a 128 MiB gzip chunk
    assert os.path.getsize(path) < 2**20
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, "-c", _RSS_AFTER_LOAD, path], env=env, capture_output=True, text=True,
                          timeout=300)
    assert re.search(re.escape(path) + r".*chunks of shape \(4096, 8192\)", proc.stderr), proc.stderr
    assert int(proc.stdout) < 32, f"loading took {proc.stdout.strip()} MiB more"


@pytest.fixture(scope="module")
def archive_cases(tmp_path_factory):
    return {c["name"]: c for c in hf.archive_cases(str(tmp_path_factory.mktemp("archives")))}


@pytest.mark.parametrize("name", ["zip_bomb_weights", "zip_bomb_config", "entry_size_understated"])
def test_archive_entries_are_inflated_up_to_a_limit(archive_cases, name):
    case = archive_cases[name]
    assert os.path.getsize(case["path"]) < 2**20

    def load():
        with pytest.raises(ValueError, match=re.escape(case["path"])):
            lm.models.load_model(case["path"])

    assert _peak_bytes(load) < 32 * 2**20


def test_a_deflated_archive_still_loads(archive_cases):
    case = archive_cases["deflated_archive"]
    model = lm.models.load_model(case["path"])
    reference = lm.models.load_model(fixture_path("mlp.k3.keras"))
    for a, b in zip(model.weights, reference.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


# ------------------------------------------------------------------------------------------------
# 10. one error type, naming the file

_CONFIG_TEXTS = ["config_not_utf8", "config_deeply_nested", "config_a_list", "config_layers_not_a_list",
                 "config_layer_without_class", "config_layer_config_a_string"]


@pytest.mark.parametrize("fixture", ["mlp.k3.keras", "mlp.k3.h5", "mlp.k2.h5"])
@pytest.mark.parametrize("text_name", _CONFIG_TEXTS)
def test_a_corrupt_config_is_a_value_error_naming_the_file(tmp_path, fixture, text_name):
    text = hf.bad_config_texts(hf.read_config(fixture_path(fixture)))[text_name]
    path = str(tmp_path / f"{text_name}.{fixture}")
    hf.write_config(fixture_path(fixture), path, text)
    with pytest.raises(ValueError, match=re.escape(path)) as info:
        lm.models.load_model(path)
    assert type(info.value) is ValueError


@pytest.mark.parametrize("fixture,loader", hf.BASES)
@pytest.mark.parametrize("edit_name", ["string_dtype", "compound_dtype", "object_references", "null_dataspace",
                                       "group_instead_of_dataset", "soft_link_loop"])
def test_a_malformed_weight_is_a_value_error_naming_file_and_weight(tmp_path, fixture, loader, edit_name):
    path = _edited(tmp_path, fixture, edit_name)
    with pytest.raises(ValueError, match=re.escape(path)) as info:
        _load(path, loader)
    assert type(info.value) is ValueError
    assert re.search(r"kernel|vars/0", str(info.value)), str(info.value)


# ------------------------------------------------------------------------------------------------
# 11. saves: permissions, fsync, no debris

def _small_model():
    model = lm.Sequential([lm.layers.Input((3,)), lm.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


_SAVES = {"keras": lambda m, d: m.save(os.path.join(d, "m.keras")),
          "h5": lambda m, d: m.save(os.path.join(d, "m.h5")),
          "weights": lambda m, d: m.save_weights(os.path.join(d, "m.weights.h5"))}


@pytest.mark.parametrize("fmt", sorted(_SAVES))
@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_saved_files_get_the_mode_open_gives(tmp_path, fmt, umask):
    old = os.umask(umask)
    try:
        _SAVES[fmt](_small_model(), str(tmp_path))
        with open(tmp_path / "plain", "w"):
            pass
    finally:
        os.umask(old)
    (saved,) = [p for p in tmp_path.iterdir() if p.name != "plain"]
    assert oct(saved.stat().st_mode & 0o777) == oct((tmp_path / "plain").stat().st_mode & 0o777)


def test_overwriting_keeps_the_files_mode(tmp_path):
    model = _small_model()
    model.save(tmp_path / "m.keras")
    os.chmod(tmp_path / "m.keras", 0o640)
    model.save(tmp_path / "m.keras")
    assert (tmp_path / "m.keras").stat().st_mode & 0o777 == 0o640


def test_estimator_checkpoints_get_the_mode_open_gives(tmp_path):
    from lamina.estimators import checkpoints

    old = os.umask(0o022)
    try:
        path = checkpoints.save(str(tmp_path), 1, {"w": np.ones(3, "float32")}, keep_checkpoint_max=None)
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert os.stat(tmp_path / checkpoints.INDEX).st_mode & 0o777 == 0o644


_KILLED_SAVE = """
import os, signal, sys
import lamina as lm
from lamina.saving import saving_api
model = lm.Sequential([lm.layers.Input((3,)), lm.layers.Dense(2)])
def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
saving_api._write_weights = killed
model.save_weights(sys.argv[1])
"""


def test_a_save_killed_midway_leaves_a_recognisable_temp_that_the_next_save_removes(tmp_path):
    target = str(tmp_path / "m.weights.h5")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, "-c", _KILLED_SAVE, target], env=env, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    left = os.listdir(tmp_path)
    assert left and all(name.startswith(".m.weights.h5.lamina-tmp-") for name in left), left
    _small_model().save_weights(target)
    assert os.listdir(tmp_path) == ["m.weights.h5"]


def test_a_temp_of_a_save_still_running_is_left_alone(tmp_path):
    running = tmp_path / f".m.keras.lamina-tmp-{os.getppid()}-abcd"
    running.write_bytes(b"")
    _small_model().save(tmp_path / "m.keras")
    assert running.exists()


def test_the_file_is_fsynced_before_it_is_renamed_into_place(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))),
                                                 real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append(("replace", str(a))), real_replace(a, b))[1])
    _small_model().save(tmp_path / "m.keras")
    replaced = [path for kind, path in events if kind == "replace"]
    assert len(replaced) == 1
    assert ("fsync", replaced[0]) in events[:events.index(("replace", replaced[0]))]


# ------------------------------------------------------------------------------------------------
# the security model the README states: code in a file runs only with safe_mode=False

@pytest.mark.parametrize("fixture", ["mlp.k3.keras", "mlp.k3.h5", "mlp.k2.h5"])
@pytest.mark.parametrize("payload", ["lambda_code", "keras2_lambda_code"])
def test_lambda_code_runs_only_with_safe_mode_off(tmp_path, fixture, payload):
    canary = str(tmp_path / "canary")
    layer = hf.code_references(canary)[payload]
    path = str(tmp_path / f"{payload}.{fixture}")
    hf.write_config(fixture_path(fixture), path, json.dumps(hf.insert_layer(hf.read_config(fixture_path(fixture)), layer)))
    with pytest.raises(ValueError, match=re.escape(path) + ".*safe_mode=False"):
        lm.models.load_model(path)
    assert not os.path.exists(canary)
    lm.models.load_model(path, safe_mode=False)
    assert os.path.exists(canary)  # what safe_mode=False allows: the file's code ran
