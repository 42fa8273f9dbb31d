"""The standard hooks that write files or measure time, on a custom Estimator."""

import json
import os
import sys

import numpy as np
import pytest

import lamina as tf

here = os.path.dirname(__file__)
sys.path[:0] = [os.path.join(here, "..", "callbacks")]
from optional import require  # noqa: E402


def model_fn(features, labels, mode):
    logits = tf.layers.Dense(1)(features["x"])
    loss = tf.ops.mean(tf.ops.square(tf.ops.subtract(tf.ops.reshape(logits, (-1,)), labels)))
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.optimizers.SGD(0.1), predictions={"y": logits})


def train_fn():
    x = np.random.default_rng(0).standard_normal((64, 3)).astype(np.float32)
    return tf.estimator.inputs.numpy_input_fn({"x": x}, x.sum(axis=1), batch_size=16, shuffle=True, num_epochs=None)


def test_step_counter_and_profiler_hooks(tmp_path):
    counter = tf.estimator.StepCounterHook(every_n_steps=4)
    profiler = tf.estimator.ProfilerHook(save_steps=5, output_dir=str(tmp_path / "prof"))
    est = tf.estimator.Estimator(model_fn, str(tmp_path / "m"))
    est.train(train_fn(), steps=12, hooks=[counter, profiler])
    assert counter.last_steps_per_sec > 0
    assert sorted(os.listdir(tmp_path / "prof")) == ["timeline-1.json", "timeline-11.json", "timeline-6.json"]
    trace = json.load(open(tmp_path / "prof" / "timeline-6.json"))
    assert trace["traceEvents"][0]["args"]["global_step"] == 6 and trace["traceEvents"][0]["dur"] > 0


def test_summary_saver_hook_writes_the_loss(tmp_path):
    require("tensorboardX")
    require("tensorboard")
    from tb_events import read_run

    values = tf.estimator.FinalOpsHook("loss")
    est = tf.estimator.Estimator(model_fn, str(tmp_path / "m"))
    est.train(train_fn(), steps=7, hooks=[tf.estimator.SummarySaverHook(save_steps=3, output_dir=str(tmp_path / "s")),
                                          values])
    loss = read_run(str(tmp_path / "s"))["loss"]
    assert loss["steps"] == [1, 4, 7]
    assert loss["values"][-1] == pytest.approx(values.final_ops_values, rel=1e-5)


def test_hooks_can_ask_for_predictions_by_name(tmp_path):
    logged = tf.estimator.LoggingTensorHook({"prediction": "y", "step": "global_step"}, every_n_iter=1)
    tf.estimator.Estimator(model_fn, str(tmp_path)).train(train_fn(), steps=2, hooks=[logged])
    assert logged.last_logged["step"] == 1 and np.asarray(logged.last_logged["prediction"]).shape == (16, 1)


def test_hook_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match="exactly one"):
        tf.estimator.SecondOrStepTimer(every_secs=1, every_steps=1)
    with pytest.raises(ValueError, match="num_steps or last_step"):
        tf.estimator.StopAtStepHook()
    with pytest.raises(TypeError, match="SessionRunHook"):
        tf.estimator.Estimator(model_fn, str(tmp_path)).train(train_fn(), steps=1, hooks=[object()])
