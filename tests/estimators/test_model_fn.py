"""Custom Estimators (model_fn + EstimatorSpec), session hooks and train_and_evaluate, written
as a TF user writes them (`import lamina as tf`), compared with TensorFlow 2.15's figures
(tests/fixtures/estimators/tf_model_fn.json, made by make_tf_model_fn_fixture.py)."""

import json
import os

import numpy as np
import pytest

import lamina as tf

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "estimators", "tf_model_fn.json")


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32").reshape(-1, 8, 8, 1)
    return train_test_split(x, y.astype("int32"), test_size=0.3, random_state=0)


def model_fn(features, labels, mode, params):
    x = tf.layers.Conv2D(16, 3, activation="relu")(features["x"])
    logits = tf.layers.Dense(10)(tf.layers.Flatten()(x))
    classes = tf.ops.argmax(logits, axis=1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"classes": classes})
    loss = tf.ops.mean(tf.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
    if mode == tf.estimator.ModeKeys.TRAIN:
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=tf.optimizers.Adam(params["lr"]))
    accuracy = tf.metrics.Accuracy()
    accuracy.update_state(labels, classes)
    return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops={"accuracy": accuracy})


def input_fns(digits):
    xtr, xte, ytr, yte = digits
    inputs = tf.estimator.inputs
    return (inputs.numpy_input_fn({"x": xtr}, ytr, batch_size=32, shuffle=True, num_epochs=None),
            inputs.numpy_input_fn({"x": xte}, yte, batch_size=64, shuffle=False))


def test_cnn_model_fn_reaches_tf_accuracy_and_restores(digits, tmp_path):
    tf_figures = json.load(open(FIXTURE))["cnn_digits"]
    train_fn, eval_fn = input_fns(digits)
    est = tf.estimator.Estimator(model_fn, str(tmp_path), params={"lr": 0.01})
    est.train(train_fn, steps=tf_figures["steps"])
    result = est.evaluate(eval_fn)
    assert result["global_step"] == tf_figures["steps"]
    assert result["accuracy"] >= tf_figures["mean_accuracy"] - 0.01, (result, tf_figures)
    # A new Estimator on the same model_dir restores the weights: the same evaluation, and predictions.
    again = tf.estimator.Estimator(model_fn, str(tmp_path), params={"lr": 0.01})
    assert again.evaluate(eval_fn)["accuracy"] == pytest.approx(result["accuracy"])
    predicted = np.array([p["classes"] for p in again.predict(eval_fn)])
    assert np.mean(predicted == digits[3]) == pytest.approx(result["accuracy"], abs=1e-6)
    # Training on continues from the checkpoint's step (optimizer slots restored too).
    again.train(train_fn, steps=5)
    assert again.evaluate(eval_fn, steps=1)["global_step"] == tf_figures["steps"] + 5


class Recorder(tf.estimator.SessionRunHook):
    def __init__(self, name, events):
        self.name, self.events = name, events

    def begin(self):
        self.events.append([self.name, "begin", None])

    def after_create_session(self, session, coord):
        self.events.append([self.name, "after_create_session", int(session.run("global_step"))])

    def before_run(self, run_context):
        self.events.append([self.name, "before_run", None])
        return tf.estimator.SessionRunArgs({"global_step": "global_step"})

    def after_run(self, run_context, run_values):
        self.events.append([self.name, "after_run", int(run_values.results["global_step"])])

    def end(self, session):
        self.events.append([self.name, "end", int(session.run("global_step"))])


def test_hooks_fire_at_tf_steps_and_order(digits, tmp_path):
    train_fn, _ = input_fns(digits)
    events = []
    est = tf.estimator.Estimator(model_fn, str(tmp_path), params={"lr": 0.01})
    est.train(train_fn, hooks=[Recorder("a", events), Recorder("b", events),
                               tf.estimator.StopAtStepHook(last_step=3)], steps=10)
    est.train(train_fn, hooks=[Recorder("a", events)], steps=2)
    assert events == json.load(open(FIXTURE))["hook_events"]


def test_hook_asking_for_graph_tensor_names_it(digits, tmp_path):
    class AsksForTensor(tf.estimator.SessionRunHook):
        def before_run(self, run_context):
            return tf.estimator.SessionRunArgs("dense/kernel:0")

    train_fn, _ = input_fns(digits)
    est = tf.estimator.Estimator(model_fn, str(tmp_path), params={"lr": 0.01})
    with pytest.raises(ValueError, match=r"'dense/kernel:0'.*\['global_step', 'loss'\]"):
        est.train(train_fn, hooks=[AsksForTensor()], steps=2)


def test_standard_hooks(digits, tmp_path):
    train_fn, _ = input_fns(digits)

    class Listener(tf.estimator.CheckpointSaverListener):
        saved = []

        def after_save(self, session, global_step_value):
            self.saved.append(global_step_value)

    final = tf.estimator.FinalOpsHook({"loss": "loss", "step": "global_step"})
    logging_hook = tf.estimator.LoggingTensorHook(["loss"], every_n_iter=4)
    est = tf.estimator.Estimator(model_fn, str(tmp_path / "m"), params={"lr": 0.01})
    est.train(train_fn, steps=10, hooks=[
        logging_hook, final, tf.estimator.NanTensorHook("loss"),
        tf.estimator.CheckpointSaverHook(str(tmp_path / "ckpt"), save_steps=4, listeners=[Listener()])])
    assert Listener.saved == [0, 4, 8, 10]
    assert sorted(os.listdir(tmp_path / "ckpt"))[-1] == "model.ckpt-8.npz"
    assert final.final_ops_values["step"] == 10 and np.isfinite(final.final_ops_values["loss"])
    assert set(logging_hook.last_logged) == {"loss"}
    timer = tf.estimator.SecondOrStepTimer(every_steps=3)
    assert timer.should_trigger_for_step(1)
    assert timer.update_last_triggered_step(1) == (None, None)
    assert not timer.should_trigger_for_step(3) and timer.should_trigger_for_step(4)


def test_train_and_evaluate_with_best_exporter(tmp_path):
    from sklearn.datasets import load_iris

    x, y = load_iris(return_X_y=True)
    x = x.astype("float32")
    column = tf.feature_column.numeric_column("x", shape=(4,))
    est = tf.estimator.DNNClassifier(hidden_units=[16], feature_columns=[column], n_classes=3,
                                     model_dir=str(tmp_path),
                                     config=tf.estimator.RunConfig(save_checkpoints_steps=50, tf_random_seed=0))
    inputs = tf.estimator.inputs
    train_spec = tf.estimator.TrainSpec(inputs.numpy_input_fn({"x": x}, y, batch_size=32, shuffle=True,
                                                              num_epochs=None), max_steps=200)
    compared = []

    def compare(best_eval_result, current_eval_result):
        compared.append(int(current_eval_result["global_step"]))
        return current_eval_result["loss"] < best_eval_result["loss"]

    exporter = tf.estimator.BestExporter(serving_input_receiver_fn=None, compare_fn=compare, exports_to_keep=2)
    exporters = [exporter, tf.estimator.FinalExporter("final", None),
                 tf.estimator.LatestExporter("latest", None, exports_to_keep=3)]
    eval_spec = tf.estimator.EvalSpec(inputs.numpy_input_fn({"x": x}, y, shuffle=False), steps=None,
                                      exporters=exporters, throttle_secs=0)
    metrics, exports = tf.estimator.train_and_evaluate(est, train_spec, eval_spec)
    assert metrics["global_step"] == 200 and metrics["accuracy"] > 0.9
    assert compared == [100, 150, 200]  # evaluated at each checkpoint (50 is the first: nothing to compare)
    best = sorted(os.listdir(tmp_path / "export" / "best_exporter"))
    assert 1 <= len(best) <= 2 and all(d.isdigit() for d in best)
    assert len(os.listdir(tmp_path / "export" / "final")) == 1 and exports[1] is not None
    assert len(os.listdir(tmp_path / "export" / "latest")) == 3  # 4 evaluations, the newest 3 kept


def test_evaluate_and_predict_run_hooks(digits, tmp_path):
    train_fn, eval_fn = input_fns(digits)
    est = tf.estimator.Estimator(model_fn, str(tmp_path), params={"lr": 0.01})
    est.train(train_fn, steps=3)
    for run in (lambda hooks: est.evaluate(eval_fn, hooks=hooks), lambda hooks: list(est.predict(eval_fn, hooks=hooks))):
        events = []
        run([Recorder("e", events)])
        steps = len(digits[1]) // 64 + 1  # the batches of eval_fn
        assert [e[1] for e in events] == (["begin", "after_create_session"] + ["before_run", "after_run"] * steps
                                          + ["end"])
        assert {e[2] for e in events if e[2] is not None} == {3}


def test_spec_hooks_are_refused_with_a_pointer(digits, tmp_path):
    def with_hooks(features, labels, mode):
        spec = model_fn(features, labels, mode, {"lr": 0.01})
        return spec._replace(training_hooks=(tf.estimator.StopAtStepHook(num_steps=1),))

    train_fn, _ = input_fns(digits)
    with pytest.raises(ValueError, match="pass them as hooks= to train"):
        tf.estimator.Estimator(with_hooks, str(tmp_path)).train(train_fn, steps=1)


def test_canned_estimator_hooks_fire_at_tf_steps_and_order(digits, tmp_path):
    xtr, _, ytr, _ = digits
    column = tf.feature_column.numeric_column("x", shape=(64,))
    est = tf.estimator.DNNClassifier(hidden_units=[16], feature_columns=[column], n_classes=10, model_dir=str(tmp_path))
    train_fn = tf.estimator.inputs.numpy_input_fn({"x": xtr.reshape(len(xtr), 64)}, ytr, batch_size=32, shuffle=True,
                                                  num_epochs=None)
    events = []
    est.train(train_fn, hooks=[Recorder("a", events), Recorder("b", events),
                               tf.estimator.StopAtStepHook(last_step=3)], steps=10)
    est.train(train_fn, hooks=[Recorder("a", events)], steps=2)
    assert events == json.load(open(FIXTURE))["hook_events"]


def test_early_stopping_hook_ends_train_and_evaluate(tmp_path):
    from sklearn.datasets import load_iris

    x, y = load_iris(return_X_y=True)
    column = tf.feature_column.numeric_column("x", shape=(4,))
    est = tf.estimator.DNNClassifier(hidden_units=[8], feature_columns=[column], n_classes=3, model_dir=str(tmp_path),
                                     config=tf.estimator.RunConfig(save_checkpoints_steps=20))
    inputs = tf.estimator.inputs
    # Any evaluation's loss is below 1e6: the hook stops at its first check after the first evaluation.
    hook = tf.estimator.experimental.stop_if_lower_hook(est, "loss", 1e6, run_every_secs=None, run_every_steps=1)
    train_spec = tf.estimator.TrainSpec(inputs.numpy_input_fn({"x": x.astype("float32")}, y, batch_size=30,
                                                              shuffle=True, num_epochs=None), max_steps=1000,
                                        hooks=[hook])
    eval_spec = tf.estimator.EvalSpec(inputs.numpy_input_fn({"x": x.astype("float32")}, y, shuffle=False), steps=None,
                                      throttle_secs=0)
    metrics, _ = tf.estimator.train_and_evaluate(est, train_spec, eval_spec)
    assert metrics["global_step"] == 21
    assert sorted(tf.estimator.experimental.read_eval_metrics(est)) == [20, 21]


def test_warm_start_and_add_metrics_on_a_model_fn(digits, tmp_path):
    train_fn, eval_fn = input_fns(digits)
    first = tf.estimator.Estimator(model_fn, str(tmp_path / "a"), params={"lr": 0.01})
    first.train(train_fn, steps=100)
    accuracy = first.evaluate(eval_fn)["accuracy"]
    # Warm-started weights, and a learning rate too small to move them: the same accuracy.
    second = tf.estimator.Estimator(model_fn, str(tmp_path / "b"), params={"lr": 1e-12},
                                    warm_start_from=str(tmp_path / "a"))
    second.train(train_fn, steps=1)

    def label_mean(labels):
        mean = tf.metrics.Mean()
        mean.update_state(tf.ops.cast(labels, "float32"))
        return {"label_mean": mean}

    result = tf.estimator.add_metrics(second, label_mean).evaluate(eval_fn)
    assert result["global_step"] == 1 and result["accuracy"] == pytest.approx(accuracy)
    assert result["label_mean"] == pytest.approx(digits[3].mean(), rel=1e-6)
