"""Estimators write TensorFlow's summaries into model_dir: the same tags and steps as TF 2.15's
canned Estimators (committed listing), with the values of the run."""

import json
import os
import sys
import types

import pytest

here = os.path.dirname(__file__)
sys.path[:0] = [here, os.path.join(here, "..", "callbacks")]
from optional import require  # noqa: E402

require("tensorboardX")
require("tensorboard")

import lamina  # noqa: E402
from estimator_summary_config import run  # noqa: E402
from tb_events import listing, read_run  # noqa: E402

FIXTURE = os.path.join(here, "..", "fixtures", "tensorboard", "estimator_listing.json")
# What lamina writes of TF's summaries: the training loss and speed, and every evaluation metric.
TRAIN_TAGS = {"loss", "global_step/sec"}


def test_model_dir_summaries_equal_tensorflow_estimators(tmp_path):
    with open(FIXTURE) as f:
        tf_runs = json.load(f)["runs"]
    tf_like = types.SimpleNamespace(estimator=lamina.estimators, feature_column=lamina.feature_column,
                                    numpy_input_fn=lamina.estimators.inputs.numpy_input_fn)
    results = run(tf_like, str(tmp_path))
    runs = listing(str(tmp_path))
    assert set(runs) == set(tf_runs) == {".", "eval", "eval_holdout"}
    assert {t: v for t, v in runs["."].items()} == {t: tf_runs["."][t] for t in TRAIN_TAGS}
    for name in ("eval", "eval_holdout"):
        scalars = {t: v for t, v in tf_runs[name].items() if v["plugin"] == "scalars"}
        assert runs[name] == scalars
        values = read_run(str(tmp_path / name))
        for tag in scalars:
            assert values[tag]["values"] == [pytest.approx(results[name][tag], rel=1e-6)]
    train = read_run(str(tmp_path))
    assert all(v > 0 for v in train["global_step/sec"]["values"])
    assert all(0 < v < 10 for v in train["loss"]["values"])


def _small_classifier(model_dir, **config):
    import numpy as np

    x = np.random.default_rng(1).standard_normal((16, 2)).astype("float32")
    classifier = lamina.estimators.LinearClassifier(
        feature_columns=[lamina.feature_column.numeric_column("x", (2,))], model_dir=str(model_dir),
        config=lamina.estimators.RunConfig(**config))
    return classifier, lamina.estimators.inputs.numpy_input_fn({"x": x}, (x[:, 0] > 0).astype("int64"), batch_size=4,
                                                               num_epochs=None, shuffle=False)


def test_each_train_call_keeps_its_summaries(tmp_path):
    classifier, input_fn = _small_classifier(tmp_path, save_summary_steps=1, log_step_count_steps=None)
    classifier.train(input_fn, steps=2)
    classifier.train(input_fn, steps=2)  # within the same second: a second events file, not the first overwritten
    assert listing(str(tmp_path))["."] == {"loss": {"plugin": "scalars", "steps": [1, 2, 3, 4]}}


def test_without_tensorboardx_estimators_train_and_say_what_to_install(tmp_path, monkeypatch):
    from lamina.estimators import summaries

    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    monkeypatch.setattr(summaries, "_warned_missing", False)
    classifier, input_fn = _small_classifier(tmp_path)
    with pytest.warns(UserWarning, match=r"pip install 'lamina\[tensorboard\]'"):
        classifier.train(input_fn, steps=2)
    assert classifier.get_variable_value("global_step") == 2
    assert not [f for f in os.listdir(tmp_path) if f.startswith("events.out.tfevents")]
