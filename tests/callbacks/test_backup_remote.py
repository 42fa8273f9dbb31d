"""BackupAndRestore (an interrupted fit resumes from the backup with the same weights and
optimizer state as an uninterrupted run) and RemoteMonitor (posts each epoch's logs)."""

import http.server
import json
import threading
import urllib.parse

import numpy as np
import pytest

import lamina as lm


def _model():
    lm.utils.set_random_seed(3)
    model = lm.Sequential([lm.Input((4,)), lm.layers.Dense(8, activation="relu"), lm.layers.Dense(1)])
    model.compile(optimizer=lm.optimizers.Adam(0.01), loss="mse")
    return model


class _StopAt(lm.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("simulated crash")


def test_interrupted_fit_resumes_where_it_stopped(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 4)).astype("float32")
    y = x.sum(1, keepdims=True)
    reference = _model()
    init = [np.asarray(w) for w in reference.get_weights()]
    reference.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)

    backup = tmp_path / "backup"
    model = _model()
    model.set_weights(init)
    with pytest.raises(RuntimeError, match="simulated crash"):
        model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[lm.callbacks.BackupAndRestore(str(backup)), _StopAt(2)])
    assert json.loads((backup / "training_metadata.json").read_text())["epoch"] == 1
    resumed = _model()  # a fresh process would start from new weights
    epochs_run = []
    hist = resumed.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                       callbacks=[lm.callbacks.BackupAndRestore(str(backup)),
                                  lm.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: epochs_run.append(e))])
    assert epochs_run == [2, 3] and len(hist.history["loss"]) == 2
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not backup.exists()  # deleted once training finished


def test_backup_every_n_batches_and_double_checkpoint(tmp_path):
    x = np.ones((16, 4), "float32")
    model = _model()
    cb = lm.callbacks.BackupAndRestore(str(tmp_path), save_freq=3, double_checkpoint=True, delete_checkpoint=False)
    model.fit(x, x[:, :1], epochs=2, batch_size=4, verbose=0, callbacks=[cb])
    assert (tmp_path / "latest.weights.h5").exists() and (tmp_path / "previous" / "latest.weights.h5").exists()
    with pytest.raises(ValueError, match="save_freq"):
        lm.callbacks.BackupAndRestore(str(tmp_path), save_freq="sometimes")


def test_remote_monitor_posts_epoch_logs():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append((self.path, self.headers["Content-Type"], body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        root = f"http://127.0.0.1:{server.server_port}"
        x = np.ones((8, 4), "float32")
        model = _model()
        model.fit(x, x[:, :1], epochs=2, verbose=0, callbacks=[lm.callbacks.RemoteMonitor(root=root)])
        model.fit(x, x[:, :1], epochs=1, verbose=0, callbacks=[lm.callbacks.RemoteMonitor(root=root, path="/j", send_as_json=True)])
    finally:
        server.shutdown()
    assert len(received) == 3
    path, ctype, body = received[0]
    assert path == "/publish/epoch/end/" and ctype == "application/x-www-form-urlencoded"
    data = json.loads(urllib.parse.parse_qs(body)["data"][0])
    assert data["epoch"] == 0 and "loss" in data
    assert received[2][:2] == ("/j", "application/json") and json.loads(received[2][2])["epoch"] == 0
    with pytest.warns(UserWarning, match="could not reach"):
        lm.callbacks.RemoteMonitor(root="http://127.0.0.1:9").on_epoch_end(0, {"loss": 1.0})
