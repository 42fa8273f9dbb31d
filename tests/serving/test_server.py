"""`lamina serve` end to end: a child process on a free loopback port, driven by a client
written against TF Serving's REST API: status, metadata, predict in row and columnar form,
version switching while running, and every kind of bad request (4xx, never a 500)."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

import lamina as lm
from lamina import layers
from server_process import ServerProcess, require_serve_extra

def _mlp(seed: int):
    lm.utils.set_random_seed(seed)
    return lm.Sequential([lm.Input(shape=(4,)), layers.Dense(8, activation="relu"), layers.Dense(3)], name="mlp")


def _two_inputs():
    lm.utils.set_random_seed(3)
    a, b = lm.Input(shape=(3,), name="a"), lm.Input(shape=(2, 2), name="b")
    h = layers.Concatenate()([a, layers.Flatten()(b)])
    return lm.Model([a, b], [layers.Dense(2, name="score")(h), layers.Dense(1, name="value")(h)])


def _save_version(base, version: int, model) -> None:
    os.makedirs(base / str(version), exist_ok=True)
    tmp = base / f".{version}.keras"
    model.save(str(tmp))
    os.replace(tmp, base / str(version) / "model.keras")


@pytest.fixture(scope="module")
def mlp_server(tmp_path_factory):
    require_serve_extra()
    root = tmp_path_factory.mktemp("models")
    base = root / "mlp"
    base.mkdir()
    v1 = _mlp(1)
    _save_version(base, 1, v1)
    server = ServerProcess(str(base), "mlp", extra_args=["--max_body_bytes=20000"])
    try:
        server.wait_ready()
        yield server, base, v1
    finally:
        server.stop()


@pytest.fixture(scope="module")
def multi_server(tmp_path_factory):
    require_serve_extra()
    base = tmp_path_factory.mktemp("models") / "multi"
    base.mkdir()
    model = _two_inputs()
    _save_version(base, 7, model)
    params = base.parent / "batching.txt"
    params.write_text("max_batch_size { value: 16 }\nbatch_timeout_micros { value: 2000 }\n"
                      "num_batch_threads { value: 1 }\n")
    server = ServerProcess(str(base), "multi", extra_args=["--enable_batching",
                                                           f"--batching_parameters_file={params}"])
    try:
        server.wait_ready()
        yield server, model
    finally:
        server.stop()


X = np.random.default_rng(0).uniform(-1, 1, (5, 4)).astype("float32")


def test_status_and_metadata(mlp_server):
    server, _, _ = mlp_server
    status, body = server.client.status()
    assert status == 200
    assert body == {"model_version_status": [{"version": "1", "state": "AVAILABLE",
                                              "status": {"error_code": "OK", "error_message": ""}}]}
    status, meta = server.client.metadata()
    assert status == 200
    assert meta["model_spec"] == {"name": "mlp", "signature_name": "", "version": "1"}
    sig = meta["metadata"]["signature_def"]["signature_def"]["serving_default"]
    (inp,) = sig["inputs"].values()
    assert inp["dtype"] == "DT_FLOAT" and [d["size"] for d in inp["tensor_shape"]["dim"]] == ["-1", "4"]
    (out,) = sig["outputs"].values()
    assert [d["size"] for d in out["tensor_shape"]["dim"]] == ["-1", "3"]
    assert sig["method_name"] == "tensorflow/serving/predict"


def test_predict_row_and_columnar(mlp_server):
    server, _, v1 = mlp_server
    want = v1.predict(X, verbose=0)
    status, body = server.client.predict({"instances": X.tolist()})
    assert status == 200, body
    np.testing.assert_allclose(np.array(body["predictions"]), want, atol=1e-6)
    status, body = server.client.predict({"inputs": X.tolist()})
    assert status == 200, body
    np.testing.assert_allclose(np.array(body["outputs"]), want, atol=1e-6)
    # TF Serving's JSON accepts NaN and Infinity tokens (strict JSON has none).
    status, body = server.client.predict(None, raw=b'{"instances": [[NaN, 1.0, 2.0, 3.0], [Infinity, 0, 0, 0]]}')
    assert status == 200 and np.isnan(body["predictions"][0]).all(), body
    status, body = server.client.predict({"signature_name": "serving_default", "inputs": X[:2].tolist()}, version=1)
    assert status == 200, body
    np.testing.assert_allclose(np.array(body["outputs"]), want[:2], atol=1e-6)


BAD = [
    ("malformed_json", None, b"{\"instances\": [1, 2", 400, "JSON"),
    ("not_an_object", [1, 2, 3], None, 400, "JSON object"),
    ("no_instances_or_inputs", {"examples": []}, None, 400, "instances"),
    ("both_forms", {"instances": [[0, 0, 0, 0]], "inputs": [[0, 0, 0, 0]]}, None, 400, "Both"),
    ("wrong_width", {"instances": [[1.0, 2.0, 3.0]]}, None, 400, r"expects shape \[-1, 4\]"),
    ("wrong_rank", {"inputs": [1.0, 2.0, 3.0, 4.0]}, None, 400, r"\[-1, 4\]"),
    ("strings", {"instances": [["a", "b", "c", "d"]]}, None, 400, "numbers"),
    ("booleans", {"instances": [[True, False, True, False]]}, None, 400, "numbers"),
    ("ragged", {"instances": [[1, 2, 3, 4], [1, 2]]}, None, 400, "ragged"),
    ("empty", {"instances": []}, None, 400, "non-empty"),
    ("bad_signature", {"signature_name": "other", "instances": [[0, 0, 0, 0]]}, None, 400, "signature"),
    ("nested_too_deeply", None, b"[" * 15000, 400, "deeply"),
    ("null_values", {"instances": [[None, 1, 2, 3]]}, None, 400, "numbers"),
    ("too_large", None, b"{\"instances\": [" + b"[0.0, 0.0, 0.0, 0.0], " * 2000 + b"[0,0,0,0]]}", 413, "limit"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_request_is_a_4xx_naming_the_problem(mlp_server, case):
    server, _, _ = mlp_server
    _, payload, raw, code, pattern = case
    status, body = server.client.predict(payload, raw=raw)
    assert status == code, body
    assert set(body) == {"error"}
    assert __import__("re").search(pattern, body["error"]), body["error"]


def test_routing_errors(mlp_server):
    server, _, _ = mlp_server
    c = server.client
    assert c.get("/v1/models/other:predict", method="POST", body=b"{}")[0] == 404
    status, body = c.predict({"instances": X.tolist()}, version=99)
    assert status == 404 and "Specific(mlp, 99)" in body["error"]
    assert c.get("/v1/models/mlp:predict")[0] == 405
    assert c.get("/v1/models/mlp/metadata", method="POST", body=b"{}")[0] == 405
    assert c.get("/v1/models/mlp:classify", method="POST", body=b"{}")[0] == 400
    assert c.get("/v1/models/mlp", method="PATCH", body=b"{}") == (405, {"error": "Method PATCH is not allowed for "
                                                                             "/v1/models/mlp"})
    assert c.get("/v2/anything")[0] == 404
    for path in ("/v1/models/../../etc/passwd", "/v1/models/mlp/versions/..%2F..%2Fetc", "/v1/models/%2e%2e"):
        status, body = c.get(path)
        assert status == 404 and "error" in body


def test_bad_requests_do_not_disturb_good_ones(mlp_server):
    server, _, v1 = mlp_server
    want = v1.predict(X, verbose=0)
    results = []

    def good():
        results.append(server.client.predict({"instances": X.tolist()}))

    def bad():
        results.append(server.client.predict({"instances": [[1, 2]]}))

    threads = [threading.Thread(target=good if i % 2 else bad) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    goods = [b for s, b in results if s == 200]
    assert len(goods) == 8 and sum(s == 400 for s, _ in results) == 8
    for body in goods:
        np.testing.assert_allclose(np.array(body["predictions"]), want, atol=1e-6)


def test_new_version_is_picked_up_while_running(mlp_server, tmp_path):
    import time

    server, base, v1 = mlp_server
    # A version outside the base path (through a symbolic link) and one whose file would run
    # code (a Lambda) are never served.
    outside = tmp_path / "outside"
    _save_version(outside, 1, _mlp(9))
    os.symlink(outside / "1", base / "50")
    inp = lm.Input(shape=(4,))
    _save_version(base, 40, lm.Model(inp, layers.Lambda(lambda t: t * 2)(inp)))
    v2 = _mlp(2)
    _save_version(base, 2, v2)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.client.status()[1]["model_version_status"][0]["version"] != "2":
        time.sleep(0.1)
    status, body = server.client.status()
    assert body["model_version_status"][0]["version"] == "2", server.log()
    status, body = server.client.predict({"instances": X.tolist()})
    np.testing.assert_allclose(np.array(body["predictions"]), v2.predict(X, verbose=0), atol=1e-6)
    assert server.client.predict({"instances": X.tolist()}, version=1)[0] == 404
    assert server.proc.poll() is None


def test_multi_input_rows_columns_and_batching(multi_server):
    server, model = multi_server
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(3, 3)).astype("float32"), rng.normal(size=(3, 2, 2)).astype("float32")
    score, value = model.predict([a, b], verbose=0)
    status, meta = server.client.metadata()
    assert set(meta["metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"]) == {"a", "b"}
    status, body = server.client.predict({"inputs": {"a": a.tolist(), "b": b.tolist()}})
    assert status == 200, body
    np.testing.assert_allclose(np.array(body["outputs"]["score"]), score, atol=1e-6)
    np.testing.assert_allclose(np.array(body["outputs"]["value"]), value, atol=1e-6)
    rows = [{"a": a[i].tolist(), "b": b[i].tolist()} for i in range(3)]
    status, body = server.client.predict({"instances": rows})
    assert status == 200, body
    np.testing.assert_allclose(np.array([r["score"] for r in body["predictions"]]), score, atol=1e-6)
    status, body = server.client.predict({"instances": [{"a": a[0].tolist()}]})
    assert status == 400 and "'b'" in body["error"] and "[-1, 2, 2]" in body["error"]
    status, body = server.client.predict({"inputs": {"a": a.tolist(), "b": b.tolist(), "c": [1]}})
    assert status == 400 and "c" in body["error"]
    status, body = server.client.predict({"inputs": {"a": np.zeros((17, 3)).tolist(), "b": np.zeros((17, 2, 2)).tolist()}})
    assert status == 400 and "maximum batch size 16" in body["error"]
    # Concurrent single-row requests, merged by the batcher, each get their own row back.
    results = {}

    def one(i):
        results[i] = server.client.predict({"instances": [rows[i % 3]]})

    threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, (status, body) in results.items():
        assert status == 200, body
        np.testing.assert_allclose(body["predictions"][0]["score"], score[i % 3], atol=1e-6)


def test_serves_a_file_saved_by_keras(tmp_path):
    """A legacy .h5 written by real Keras 2 (tests/fixtures/keras), as a version directory's
    only file: the server answers Keras' own saved predictions."""
    import shutil

    require_serve_extra()
    fixtures = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras")
    os.makedirs(tmp_path / "cnn" / "5")
    shutil.copy(os.path.join(fixtures, "cnn.k2.h5"), tmp_path / "cnn" / "5" / "cnn.h5")
    data = np.load(os.path.join(fixtures, "cnn.k2.npz"))
    server = ServerProcess(str(tmp_path / "cnn"), "cnn")
    try:
        server.wait_ready()
        status, body = server.client.predict({"instances": data["x_0"].tolist()})
        assert status == 200, body
        np.testing.assert_allclose(np.array(body["predictions"]), data["y_0"], atol=1e-5)
    finally:
        server.stop()
