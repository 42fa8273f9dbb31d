"""Checkpoints: resume from the latest, keep_checkpoint_max, save_checkpoints_steps, state
kept in memory between calls, warm starts, and a crash or Ctrl-C that leaves the latest
complete checkpoint readable."""

import os

import numpy as np
import pytest

from lamina import estimators as E
from lamina import feature_column as fc
from lamina.estimators import checkpoints

RNG = np.random.default_rng(1)
X = RNG.normal(size=(96, 3)).astype(np.float32)
Y = (X.sum(axis=1) > 0).astype(np.int64)
COLUMNS = [fc.numeric_column("x", shape=(3,))]


def train_fn():
    return E.inputs.numpy_input_fn({"x": X}, Y, batch_size=16, num_epochs=None, shuffle=True, seed=0)


def eval_fn():
    return E.inputs.numpy_input_fn({"x": X}, Y, batch_size=96, shuffle=False)


def make(model_dir, **kwargs):
    return E.DNNClassifier([8], COLUMNS, model_dir=str(model_dir), **kwargs)


def test_a_new_estimator_resumes_from_the_latest_checkpoint(tmp_path):
    first = make(tmp_path).train(train_fn(), steps=20)
    before = first.evaluate(eval_fn())
    second = make(tmp_path)  # another object, same model_dir: same model
    again = second.evaluate(eval_fn())
    assert again["global_step"] == 20 and again["loss"] == pytest.approx(before["loss"], rel=1e-6)
    second.train(train_fn(), steps=10)
    assert second.evaluate(eval_fn())["global_step"] == 30
    # The first object sees the newer checkpoint on its next call.
    assert first.evaluate(eval_fn())["global_step"] == 30
    index = open(os.path.join(tmp_path, "checkpoint")).read()
    assert 'model_checkpoint_path: "model.ckpt-30.npz"' in index


def test_keep_checkpoint_max_and_save_every_n_steps(tmp_path):
    config = E.RunConfig(save_checkpoints_steps=5, keep_checkpoint_max=2)
    make(tmp_path, config=config).train(train_fn(), steps=23)
    files = sorted(f for f in os.listdir(tmp_path) if f.startswith("model.ckpt-"))
    assert files == ["model.ckpt-20.npz", "model.ckpt-23.npz"]
    index = open(os.path.join(tmp_path, "checkpoint")).read()
    assert index.count("all_model_checkpoint_paths") == 2
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_state_stays_in_memory_between_calls(tmp_path, monkeypatch):
    est = make(tmp_path).train(train_fn(), steps=5)
    loads = []
    real_load = checkpoints.load
    monkeypatch.setattr(checkpoints, "load", lambda path: loads.append(path) or real_load(path))
    runtime = est._runtime
    est.train(train_fn(), steps=5)
    est.evaluate(eval_fn())
    list(est.predict(E.inputs.numpy_input_fn({"x": X}, shuffle=False)))
    assert loads == [] and est._runtime is runtime  # nothing rebuilt or reloaded
    # Another writer moved the model on: the next call reloads.
    make(tmp_path).train(train_fn(), steps=1)
    assert est.evaluate(eval_fn())["global_step"] == 11 and loads[-1].endswith("model.ckpt-11.npz")


def test_a_crash_while_saving_leaves_the_latest_checkpoint(tmp_path, monkeypatch):
    est = make(tmp_path).train(train_fn(), steps=10)
    good = est.evaluate(eval_fn())

    def broken_savez(f, **values):
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        est.train(train_fn(), steps=5)
    monkeypatch.undo()
    summaries = {"eval"} | {f for f in os.listdir(tmp_path) if f.startswith("events.out.tfevents.")}
    assert sorted(set(os.listdir(tmp_path)) - summaries) == ["checkpoint", "model.ckpt-10.npz"]
    fresh = make(tmp_path).evaluate(eval_fn())
    assert fresh["global_step"] == 10 and fresh["loss"] == pytest.approx(good["loss"], rel=1e-6)


def test_ctrl_c_keeps_the_finished_steps(tmp_path):
    def interrupted():
        for i, batch in enumerate(train_fn()()):
            if i == 7:
                raise KeyboardInterrupt
            yield batch

    est = make(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        est.train(lambda: interrupted(), steps=100)
    assert make(tmp_path).evaluate(eval_fn())["global_step"] == 7


def test_an_index_naming_a_missing_file_falls_back_to_the_newest_readable(tmp_path):
    make(tmp_path, config=E.RunConfig(save_checkpoints_steps=4)).train(train_fn(), steps=8)
    with open(os.path.join(tmp_path, "checkpoint"), "w") as f:
        f.write('model_checkpoint_path: "model.ckpt-99.npz"\n')
    assert make(tmp_path).evaluate(eval_fn())["global_step"] == 8


def test_bad_input_is_refused_before_any_step(tmp_path):
    est = make(tmp_path)
    cases = [
        ({"y": X}, Y, "Feature 'x' is not in features dictionary"),
        ({"x": X.astype(str)}, Y, "Feature 'x' needs numeric values"),
        ({"x": np.where(np.arange(96)[:, None] == 50, np.nan, X)}, Y, "Feature 'x' contains NaN \\(first at row 50\\)"),
        ({"x": X}, np.where(np.arange(96) == 3, 2, Y), "Labels must be <= n_classes - 1 = 1, got 2"),
        ({"x": X}, np.where(np.arange(96) == 3, -1, Y), "Labels must be >= 0"),
    ]
    for features, labels, message in cases:
        with pytest.raises(ValueError, match=message):
            est.train(E.inputs.numpy_input_fn(features, labels, batch_size=16, shuffle=True), steps=10)
    assert est.latest_checkpoint() is None and est._runtime.global_step == 0
    vocab = E.LinearClassifier([fc.categorical_column_with_vocabulary_list("c", ["a", "b"])], model_dir=str(tmp_path / "v"))
    with pytest.raises(ValueError, match="Categorical column 'c': value 'q' \\(row 90\\) is not in the vocabulary"):
        vocab.train(E.inputs.numpy_input_fn({"c": np.array(["a"] * 90 + ["q"] * 6)}, Y, shuffle=True), steps=5)
    assert vocab._runtime.global_step == 0


def test_warm_start_from_another_model(tmp_path):
    source = make(tmp_path / "src").train(train_fn(), steps=30)
    kernel = source.get_variable_value("dnn/hiddenlayer_0/kernel")
    names = source.get_variable_names()
    assert "global_step" in names and "dnn/logits/bias" in names and "dnn/hiddenlayer_0/kernel/Adagrad/accumulator" in names
    from lamina import optimizers

    # With a zero learning rate the warm-started weights stay what was copied.
    warm = make(tmp_path / "dst", warm_start_from=str(tmp_path / "src"), optimizer=optimizers.SGD(0.0))
    warm.train(train_fn(), steps=1)
    np.testing.assert_array_equal(warm.get_variable_value("dnn/hiddenlayer_0/kernel"), kernel)
    assert warm.get_variable_value("global_step") == 1  # the step count starts anew
    only_logits = make(tmp_path / "dst2", optimizer=optimizers.SGD(0.0), warm_start_from=E.WarmStartSettings(
        str(tmp_path / "src"), vars_to_warm_start="dnn/logits/.*"))
    only_logits.train(train_fn(), steps=1)
    assert not np.array_equal(only_logits.get_variable_value("dnn/hiddenlayer_0/kernel"), kernel)
    np.testing.assert_array_equal(only_logits.get_variable_value("dnn/logits/kernel"),
                                  source.get_variable_value("dnn/logits/kernel"))
    with pytest.raises(ValueError, match="has shape"):
        E.DNNClassifier([5], COLUMNS, model_dir=str(tmp_path / "bad"),
                        warm_start_from=str(tmp_path / "src")).train(train_fn(), steps=1)


def test_a_checkpoint_of_another_architecture_is_refused(tmp_path):
    make(tmp_path).train(train_fn(), steps=2)
    with pytest.raises(ValueError, match="has shape \\(3, 8\\), this estimator needs \\(3, 4\\)"):
        E.DNNClassifier([4], COLUMNS, model_dir=str(tmp_path)).evaluate(eval_fn())


def test_fit_replaces_the_model_in_model_dir(tmp_path):
    est = E.DNNClassifier([8], model_dir=str(tmp_path), epochs=2, batch_size=32)
    est.fit(X, Y)
    assert est.latest_checkpoint().endswith("model.ckpt-6.npz")
    est.fit(X, Y)  # afresh: step 6 again, not 12
    assert est.latest_checkpoint().endswith("model.ckpt-6.npz")
    assert len([f for f in os.listdir(tmp_path) if f.startswith("model.ckpt")]) == 1
