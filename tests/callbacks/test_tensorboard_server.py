"""A real TensorBoard over lamina's logs: its HTTP data API serves lamina's runs, tags and
values, and (where chromium is installed) its Scalars page renders them."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from optional import require, require_program

require("tensorboardX")
require("tensorboard")

import lamina  # noqa: E402
from lamina import callbacks  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from tb_configs import BATCH, build, data  # noqa: E402

SCREENSHOT = os.environ.get("LAMINA_TB_SCREENSHOT")  # where to keep the picture, to look at it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(port, history): TensorBoard serving the logs of a 3-epoch fit with validation, written
    into the trial folder `trial` (an HParams session is a run with runs below it), with
    TensorBoard pointed at the folder of trials."""
    trials = tmp_path_factory.mktemp("tb_logs")
    log_dir = trials / "trial"
    x, y, vx, vy = data()
    model = build(lamina, ["accuracy"])
    history = model.fit(x, y, batch_size=BATCH, epochs=3, validation_data=(vx, vy), verbose=0,
                        callbacks=[callbacks.TensorBoard(str(log_dir), hparams={"units": 8, "optimizer": "adam"})])
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", str(trials), "--host", "127.0.0.1",
                               "--port", str(port), "--load_fast", "false", "--reload_interval", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                if set(_get(port, "/data/plugin/scalars/tags")) >= {"trial/train", "trial/validation"}:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"tensorboard did not serve the runs: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.3)
        yield port, history.history
    finally:
        server.kill()
        server.wait(timeout=10)


def test_data_api_serves_lamina_runs_tags_and_values(served):
    port, history = served
    tags = _get(port, "/data/plugin/scalars/tags")
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"} <= set(tags["trial/train"])
    assert {"epoch_loss", "epoch_accuracy", "evaluation_loss_vs_iterations"} <= set(tags["trial/validation"])
    for run, key in (("trial/train", "loss"), ("trial/validation", "val_loss")):
        query = urllib.parse.urlencode({"run": run, "tag": "epoch_loss"})
        points = _get(port, f"/data/plugin/scalars/scalars?{query}")  # [[wall time, step, value], ...]
        assert [p[1] for p in points] == [0, 1, 2]
        assert [p[2] for p in points] == pytest.approx(history[key], rel=1e-6)
    graphs = _get(port, "/data/plugin/graphs/info")
    assert graphs["trial/train"]["run_graph"] and "keras" in graphs["trial/train"]["tags"]


def _text(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.read().decode()


def test_graphs_tab_reads_the_op_graph_and_the_conceptual_graph(served):
    port, _ = served
    run = urllib.parse.quote("trial/train", safe="")
    op_graph = _text(port, f"/data/plugin/graphs/graph?run={run}")  # GraphDef as protobuf text
    conceptual = _text(port, f"/data/plugin/graphs/graph?run={run}&tag=keras&conceptual=true")  # from the JSON
    for layer, cls in (("hidden", "Dense"), ("out", "Dense")):
        assert re.search(rf'name: "sequential(_\d+)?/{layer}"\n  op: "{cls}"', op_graph), op_graph[:500]
        assert re.search(rf'name: "sequential(_\d+)?/{layer}"\n  input: ".*"\n  attr {{\n    key: "keras_class"\n'
                         rf'    value {{\n      s: "{cls}"', conceptual), conceptual[:500]


def test_hparams_tab_shows_the_session_with_its_train_and_validation_metrics(served):
    port, history = served
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/data/plugin/hparams/experiment", method="POST",
        data=json.dumps({"experimentName": ""}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        experiment = json.loads(response.read())
    assert {h["name"] for h in experiment["hparamInfos"]} == {"units", "optimizer"}
    metrics = {(m["name"]["group"], m["name"]["tag"]) for m in experiment["metricInfos"]}
    assert {("train", "epoch_loss"), ("validation", "epoch_loss")} <= metrics


def test_scalars_page_renders_in_headless_chromium(served, tmp_path):
    chromium = require_program("chromium")
    from PIL import Image

    port, _ = served
    picture = SCREENSHOT or str(tmp_path / "scalars.png")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1280,900", "--virtual-time-budget=15000", f"--screenshot={picture}",
                    f"http://127.0.0.1:{port}/#scalars"], check=True, timeout=90,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    image = Image.open(picture).convert("RGB")
    assert image.size == (1280, 900)
    # TensorBoard's orange header bar, and lines drawn in the chart area: not a blank page.
    colors = image.getcolors(maxcolors=1 << 20)
    assert any(r > 230 and 100 < g < 160 and b < 40 for _, (r, g, b) in colors), "no TensorBoard header"
    assert len(colors) > 200, "the page looks blank"
