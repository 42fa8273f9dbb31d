"""lamina.callbacks.TensorBoard against what Keras 3 writes, and the content of what it writes."""

import json
import os
import re
import sys

import numpy as np
import pytest

from optional import require

require("tensorboardX")
require("tensorboard")

import lamina  # noqa: E402
from lamina import callbacks  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from tb_configs import BATCH, CONFIGS, build, data, run  # noqa: E402
from tb_events import listing, read_run  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "tensorboard", "keras_listing.json")


def _without_model_name(runs: dict) -> dict:
    # Weight tags start with the model's name, which counts up with each model in a process
    # (sequential_3 in the Keras script): compare the rest.
    return {run: {re.sub(r"^sequential(_\d+)?/", "<model>/", tag): v for tag, v in tags.items()}
            for run, tags in runs.items()}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_runs_tags_plugins_and_steps_equal_keras(name, tmp_path):
    with open(FIXTURE) as f:
        keras_runs = json.load(f)["configs"][name]
    run(lamina, name, str(tmp_path))
    assert _without_model_name(listing(str(tmp_path))) == _without_model_name(keras_runs)


def _fit(tmp_path, metrics=("accuracy",), epochs=2, extra=(), **tb_kwargs):
    x, y, vx, vy = data()
    model = build(lamina, list(metrics))
    tb = callbacks.TensorBoard(str(tmp_path), **tb_kwargs)
    history = model.fit(x, y, batch_size=BATCH, epochs=epochs, validation_data=(vx, vy), shuffle=False, verbose=0,
                        callbacks=[*extra, tb])
    return model, history


def test_scalar_values_are_the_logs_values(tmp_path):
    batch_losses = []
    spy = callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: batch_losses.append(logs["loss"]))
    model, history = _fit(tmp_path, update_freq="batch", extra=[spy])
    train, val = read_run(str(tmp_path / "train")), read_run(str(tmp_path / "validation"))
    np.testing.assert_allclose(train["epoch_loss"]["values"], history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(train["epoch_accuracy"]["values"], history.history["accuracy"], rtol=1e-6)
    np.testing.assert_allclose(train["epoch_learning_rate"]["values"], [1e-3, 1e-3], rtol=1e-6)
    np.testing.assert_allclose(train["batch_loss"]["values"], batch_losses, rtol=1e-6)
    np.testing.assert_allclose(val["epoch_loss"]["values"], history.history["val_loss"], rtol=1e-6)
    np.testing.assert_allclose(val["evaluation_loss_vs_iterations"]["values"], history.history["val_loss"], rtol=1e-6)
    assert val["evaluation_loss_vs_iterations"]["steps"] == [5, 10]  # optimizer iterations, 5 batches an epoch


def test_histograms_and_images_hold_the_weights_of_that_epoch(tmp_path):
    seen = {}

    def keep(epoch, logs):
        seen[epoch] = {w.path: np.array(w) for w in model.weights}

    recorder = callbacks.LambdaCallback(on_epoch_end=keep)
    x, y, vx, vy = data()
    model = build(lamina, [])
    model.fit(x, y, batch_size=BATCH, epochs=2, verbose=0, shuffle=False,
              callbacks=[recorder, callbacks.TensorBoard(str(tmp_path), histogram_freq=1, write_images=True)])
    train = read_run(str(tmp_path / "train"))
    for epoch in (0, 1):
        kernel = seen[epoch]["hidden/kernel"]
        histo = train[f"{model.name}/hidden/kernel/histogram"]
        buckets = histo["values"][histo["steps"].index(epoch)]  # [k, 3]: left edge, right edge, count
        assert buckets[:, 2].sum() == kernel.size
        assert buckets[0, 0] == pytest.approx(kernel.min(), abs=1e-6)
        assert buckets[-1, 1] == pytest.approx(kernel.max(), abs=1e-6)
        image = train[f"{model.name}/hidden/kernel/image"]
        width, height, png = image["values"][image["steps"].index(epoch)]
        assert (int(width), int(height)) == (8, 4)  # the (4, 8) kernel, wide side across
        from io import BytesIO

        from PIL import Image

        pixels = np.asarray(Image.open(BytesIO(png)).convert("L"), dtype=float)
        np.testing.assert_array_equal(pixels, np.floor(np.clip(kernel, 0, 1) * 255.5))  # as tf.summary.image
        bias = train[f"{model.name}/hidden/bias/image"]["values"][epoch]
        assert (int(bias[0]), int(bias[1])) == (1, 8)  # a column, as Keras draws a bias


def test_graph_has_every_layer_call_with_its_inputs_and_shapes(tmp_path):
    from tensorboardX.proto import graph_pb2

    inner = lamina.Sequential([lamina.Input((6,), name="inner_in"), lamina.layers.Dense(3, name="inner_dense")], name="inner")
    a, b = lamina.Input((4,), name="a"), lamina.Input((4,), name="b")
    shared = lamina.layers.Dense(6, name="shared")
    joined = lamina.layers.Add(name="add")([shared(a), shared(b)])
    model = lamina.Model([a, b], inner(joined), name="two_towers")
    model.compile("adam", "mse")
    x = np.ones((8, 4), "float32")
    model.fit([x, x], np.zeros((8, 3), "float32"), epochs=1, verbose=0, callbacks=[callbacks.TensorBoard(str(tmp_path))])
    train = read_run(str(tmp_path / "train"))
    graph = graph_pb2.GraphDef.FromString(train["__run_graph__"]["values"][0].item())
    nodes = {n.name: n for n in graph.node}
    assert set(nodes) == {"two_towers/a", "two_towers/b", "two_towers/shared", "two_towers/shared_call1",
                          "two_towers/add", "two_towers/inner/inner_in", "two_towers/inner/inner_dense"}
    assert nodes["two_towers/add"].op == "Add"
    assert list(nodes["two_towers/add"].input) == ["two_towers/shared", "two_towers/shared_call1"]
    assert list(nodes["two_towers/inner/inner_in"].input) == ["two_towers/add"]
    assert list(nodes["two_towers/inner/inner_dense"].input) == ["two_towers/inner/inner_in"]
    dims = nodes["two_towers/inner/inner_dense"].attr["_output_shapes"].list.shape[0].dim
    assert [d.size for d in dims] == [-1, 3]
    keras_json = train["keras"]["values"][0].item().decode()
    assert json.loads(keras_json) == json.loads(model.to_json())


def test_hparams_are_a_session_over_the_train_and_validation_runs(tmp_path):
    from tensorboardX.proto import plugin_hparams_pb2

    _fit(tmp_path, epochs=1, hparams={"units": 8, "optimizer": "adam", "dropout": 0.25, "batch_norm": False})
    session = read_run(str(tmp_path))
    assert session["_hparams_/session_start_info"]["plugin"] == "hparams"
    content = session["_hparams_/session_start_info"]["metadata_content"]
    start = plugin_hparams_pb2.HParamsPluginData.FromString(content).session_start_info
    assert start.hparams["units"].number_value == 8
    assert start.hparams["optimizer"].string_value == "adam"
    assert start.hparams["dropout"].number_value == 0.25
    assert start.hparams["batch_norm"].bool_value is False
    end = plugin_hparams_pb2.HParamsPluginData.FromString(session["_hparams_/session_end_info"]["metadata_content"])
    assert end.session_end_info.status == 1  # STATUS_SUCCESS
    assert "epoch_loss" in read_run(str(tmp_path / "train")) and "epoch_loss" in read_run(str(tmp_path / "validation"))


def test_profile_batch_writes_a_chrome_trace_of_engine_calls_and_restores_the_engine(tmp_path):
    from lamina import _core

    _fit(tmp_path, epochs=1, profile_batch=(2, 3))
    traces = [os.path.join(root, f) for root, _, files in os.walk(tmp_path / "train" / "plugins" / "profile")
              for f in files if f.endswith(".trace.json")]
    assert len(traces) == 1 and "batches_2_3" in traces[0]
    with open(traces[0]) as f:
        events = json.load(f)["traceEvents"]
    assert {"name": "thread_name", "ph": "M", "pid": os.getpid(), "tid": 0, "args": {"name": "batches"}} in events
    events = [e for e in events if e["ph"] == "X"]
    batches = [e for e in events if e["cat"] == "batch"]
    assert [e["name"] for e in batches] == ["train batch 2", "train batch 3"]
    ops = [e for e in events if e["cat"] == "op"]
    names = {e["name"] for e in ops}
    assert "optimizer_apply" in names and "gradient" in names, names
    # Every op event lies within the profiled range and has a duration and a device.
    assert batches[0]["ts"] <= min(e["ts"] for e in ops)
    assert max(e["ts"] + e["dur"] for e in ops) <= batches[1]["ts"] + batches[1]["dur"]
    assert all(e["dur"] >= 0 and e["args"]["device"] in ("cpu", "") for e in ops)
    assert any(e["args"]["bytes"] > 0 for e in ops)

    # The two training steps called the engine alike: the same ops, as many times each.
    def step_ops(span):
        return sorted(e["name"] for e in ops if span["ts"] <= e["ts"] <= span["ts"] + span["dur"])

    assert step_ops(batches[0]) == step_ops(batches[1]) and len(step_ops(batches[0])) > 5
    text = read_run(str(tmp_path / "train"))["profile/batches_2_3/text_summary"]
    assert text["steps"] == [3] and "optimizer_apply" in text["values"][0].item().decode()
    # Profiling off again: the engine's own functions are back, everywhere they were aliased.
    assert type(_core.matmul).__name__ == "builtin_function_or_method"
    assert lamina.ops.reshape is _core.reshape and type(lamina.ops.reshape).__name__ == "builtin_function_or_method"


def test_evaluate_alone_writes_evaluation_scalars(tmp_path):
    x, y, vx, vy = data()
    model = build(lamina, ["accuracy"])
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    result = model.evaluate(vx, vy, batch_size=BATCH, verbose=0, return_dict=True,
                            callbacks=[callbacks.TensorBoard(str(tmp_path), write_graph=False)])
    val = read_run(str(tmp_path / "validation"))
    assert val["evaluation_accuracy_vs_iterations"]["steps"] == [5]
    assert val["evaluation_accuracy_vs_iterations"]["values"] == [pytest.approx(result["accuracy"])]


@pytest.mark.parametrize("kwargs, message", [
    ({"update_freq": "step"}, "update_freq"),
    ({"update_freq": 0}, "update_freq"),
    ({"profile_batch": (5, 2)}, "profile_batch"),
    ({"profile_batch": -1}, "profile_batch"),
    ({"hparams": {"layers": [1, 2]}}, "hyperparameter 'layers'"),
])
def test_bad_arguments_are_named(kwargs, message, tmp_path):
    with pytest.raises((ValueError, TypeError), match=message):
        callbacks.TensorBoard(str(tmp_path), **kwargs)


def test_missing_tensorboardx_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"pip install 'lamina\[tensorboard\]'"):
        callbacks.TensorBoard(str(tmp_path))


def test_events_are_written_by_another_thread_and_write_errors_are_reported(tmp_path, monkeypatch):
    import threading

    from tensorboardX.event_file_writer import EventsWriter

    writing_threads = set()
    real_write_event = EventsWriter.write_event

    def spy(self, event):
        writing_threads.add(threading.current_thread())
        if event.summary.value and event.summary.value[0].tag == "epoch_learning_rate":
            raise OSError("disk full")
        return real_write_event(self, event)

    monkeypatch.setattr(EventsWriter, "write_event", spy)
    with pytest.raises(RuntimeError, match=f"writing events under {re.escape(str(tmp_path))} failed.*disk full"):
        _fit(tmp_path, epochs=1, update_freq="batch")
    assert writing_threads and threading.main_thread() not in writing_threads
    assert "batch_loss" in read_run(str(tmp_path / "train"))  # the other events were still written


def test_embeddings_freq_writes_projector_config_and_weights(tmp_path):
    model = lamina.Sequential([lamina.Input((5,), dtype="int32"), lamina.layers.Embedding(10, 4, name="words"),
                               lamina.layers.GlobalAveragePooling1D(), lamina.layers.Dense(2, name="out")])
    model.compile("adam", lamina.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.random.default_rng(0).integers(0, 10, (16, 5)).astype("int32")
    tb = callbacks.TensorBoard(str(tmp_path), embeddings_freq=1, embeddings_metadata={"words": "words.tsv"})
    model.fit(x, x[:, 0] % 2, epochs=2, verbose=0, callbacks=[tb])
    config = (tmp_path / "projector_config.pbtxt").read_text()
    assert config == ('embeddings {\n  tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"\n'
                      '  metadata_path: "words.tsv"\n}\n')
    for epoch in (0, 1):
        assert (tmp_path / "train" / f"keras_embedding.ckpt-{epoch}.weights.h5").stat().st_size > 0
    with pytest.raises(ValueError, match="Unrecognized `Embedding` layer names.*'nope'"):
        callbacks.TensorBoard(str(tmp_path / "b"), embeddings_freq=1, embeddings_metadata={"nope": "x"}).set_model(model)


def test_subclassed_model_graph_lists_its_layers(tmp_path):
    from tensorboardX.proto import graph_pb2

    class TwoDense(lamina.Model):
        def __init__(self):
            super().__init__(name="two_dense")
            self.first, self.second = lamina.layers.Dense(4, name="first"), lamina.layers.Dense(1, name="second")

        def call(self, x):
            return self.second(self.first(x))

    model = TwoDense()
    model.compile("sgd", "mse")
    x = np.ones((4, 3), "float32")
    model(x)  # builds the weights (fit on an unbuilt subclassed model finds no weights to train: a separate bug)
    model.fit(x, np.zeros((4, 1), "float32"), epochs=1, verbose=0, callbacks=[callbacks.TensorBoard(str(tmp_path))])
    train = read_run(str(tmp_path / "train"))
    graph = graph_pb2.GraphDef.FromString(train["__run_graph__"]["values"][0].item())
    assert [(n.name, n.op) for n in graph.node] == [("two_dense/first", "Dense"), ("two_dense/second", "Dense")]
