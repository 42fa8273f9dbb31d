"""TensorFlow-style use of every canned estimator: train / evaluate / predict over input_fns,
TF's metric keys and prediction dicts, steps / max_steps, weight_column, label_vocabulary."""

import numpy as np
import pytest

from lamina import estimators as E
from lamina import feature_column as fc
from lamina import optimizers
from lamina.data import Dataset

RNG = np.random.default_rng(0)
N = 64
X = RNG.normal(size=(N, 2)).astype(np.float32)
COLOR = RNG.choice(["red", "blue"], N)
Y_BINARY = (X[:, 0] + (COLOR == "red") > 0.5).astype(np.int64)
Y_MULTI = np.digitize(X[:, 0], [-0.5, 0.5])
Y_REG = (2 * X[:, 0] - X[:, 1] + (COLOR == "red")).astype(np.float32)
FEATURES = {"x": X, "color": COLOR}

NUMERIC = fc.numeric_column("x", shape=(2,))
COLOR_COL = fc.categorical_column_with_vocabulary_list("color", ["red", "blue"])
DENSE = [NUMERIC, fc.embedding_column(COLOR_COL, 2)]
WIDE = [NUMERIC, COLOR_COL]

BINARY_KEYS = {"loss", "average_loss", "global_step", "accuracy", "precision", "recall", "auc", "auc_precision_recall",
               "prediction/mean", "label/mean", "accuracy_baseline"}
MULTI_KEYS = {"loss", "average_loss", "global_step", "accuracy"}
REGRESSION_KEYS = {"loss", "average_loss", "global_step", "prediction/mean", "label/mean"}


def train_fn(y, batch_size=16, num_epochs=None):
    return E.inputs.numpy_input_fn(FEATURES, y, batch_size=batch_size, num_epochs=num_epochs, shuffle=True, seed=0)


def eval_fn(y=None):
    return E.inputs.numpy_input_fn(FEATURES, y, batch_size=40, shuffle=False)


CASES = [
    ("LinearClassifier", lambda d: E.LinearClassifier(WIDE, model_dir=d), Y_BINARY, BINARY_KEYS),
    ("LinearClassifier3", lambda d: E.LinearClassifier(WIDE, model_dir=d, n_classes=3), Y_MULTI, MULTI_KEYS),
    ("LinearRegressor", lambda d: E.LinearRegressor(WIDE, model_dir=d), Y_REG, REGRESSION_KEYS),
    ("DNNClassifier", lambda d: E.DNNClassifier([8], DENSE, model_dir=d), Y_BINARY, BINARY_KEYS),
    ("DNNClassifier3", lambda d: E.DNNClassifier([8], DENSE, model_dir=d, n_classes=3, dropout=0.1, batch_norm=True),
     Y_MULTI, MULTI_KEYS),
    ("DNNRegressor", lambda d: E.DNNRegressor([8, 4], DENSE, model_dir=d, activation_fn="tanh"), Y_REG,
     REGRESSION_KEYS),
    ("DNNLinearCombinedClassifier", lambda d: E.DNNLinearCombinedClassifier(
        d, linear_feature_columns=WIDE, dnn_feature_columns=DENSE, dnn_hidden_units=[4]), Y_BINARY, BINARY_KEYS),
    ("DNNLinearCombinedRegressor", lambda d: E.DNNLinearCombinedRegressor(
        d, linear_feature_columns=WIDE, dnn_feature_columns=DENSE, dnn_hidden_units=[4]), Y_REG, REGRESSION_KEYS),
    ("BaselineClassifier", lambda d: E.BaselineClassifier(d, n_classes=3), Y_MULTI, MULTI_KEYS),
    ("BaselineRegressor", lambda d: E.BaselineRegressor(d), Y_REG, REGRESSION_KEYS),
]


@pytest.mark.parametrize("name,make,y,keys", CASES, ids=[c[0] for c in CASES])
def test_train_evaluate_predict(tmp_path, name, make, y, keys):
    est = make(str(tmp_path))
    assert est.train(train_fn(y), steps=30) is est
    first = est.evaluate(eval_fn(y))
    assert set(first) == keys and first["global_step"] == 30
    est.train(train_fn(y), steps=120)
    result = est.evaluate(eval_fn(y))
    assert result["global_step"] == 150
    assert result["average_loss"] < first["average_loss"]  # it learns
    predictions = list(est.predict(eval_fn()))
    assert len(predictions) == N
    p = predictions[0]
    if keys is REGRESSION_KEYS:
        assert set(p) == {"predictions"} and p["predictions"].shape == (1,)
        return
    n_classes = 2 if keys is BINARY_KEYS else 3
    expected = {"logits", "probabilities", "class_ids", "classes", "all_class_ids", "all_classes"}
    if n_classes == 2:
        expected.add("logistic")
        assert p["logits"].shape == (1,) and p["logistic"].shape == (1,)
    assert set(p) == expected
    assert p["probabilities"].shape == (n_classes,) and p["class_ids"].dtype == np.int64
    assert p["classes"][0] == str(p["class_ids"][0]).encode()
    assert list(p["all_classes"]) == [str(i).encode() for i in range(n_classes)]
    accuracy = np.mean([q["class_ids"][0] == t for q, t in zip(predictions, y)])
    assert abs(accuracy - result["accuracy"]) < 1e-6


def test_binary_metrics_match_their_definitions(tmp_path):
    est = E.LinearClassifier(WIDE, model_dir=str(tmp_path)).train(train_fn(Y_BINARY), steps=50)
    result = est.evaluate(eval_fn(Y_BINARY))
    logistic = np.array([p["logistic"][0] for p in est.predict(eval_fn())])
    predicted = logistic > 0.5
    np.testing.assert_allclose(result["prediction/mean"], logistic.mean(), rtol=1e-5)
    np.testing.assert_allclose(result["label/mean"], Y_BINARY.mean(), rtol=1e-6)
    np.testing.assert_allclose(result["accuracy_baseline"], max(Y_BINARY.mean(), 1 - Y_BINARY.mean()), rtol=1e-6)
    np.testing.assert_allclose(result["precision"], Y_BINARY[predicted].mean(), rtol=1e-5)
    np.testing.assert_allclose(result["recall"], predicted[Y_BINARY == 1].mean(), rtol=1e-5)
    losses = -(Y_BINARY * np.log(logistic) + (1 - Y_BINARY) * np.log(1 - logistic))
    np.testing.assert_allclose(result["average_loss"], losses.mean(), rtol=1e-4)


def test_steps_and_max_steps(tmp_path):
    est = E.LinearRegressor(WIDE, model_dir=str(tmp_path))
    est.train(train_fn(Y_REG), max_steps=10)
    assert est.evaluate(eval_fn(Y_REG))["global_step"] == 10
    est.train(train_fn(Y_REG), max_steps=10)  # already there: nothing to do
    est.train(train_fn(Y_REG), steps=5)
    assert est.evaluate(eval_fn(Y_REG))["global_step"] == 15
    # An input that ends stops training: 64 examples, 2 epochs of 16 = 8 steps.
    est.train(train_fn(Y_REG, num_epochs=2))
    assert est.evaluate(eval_fn(Y_REG))["global_step"] == 23
    with pytest.raises(ValueError, match="Can not provide both steps and max_steps"):
        est.train(train_fn(Y_REG), steps=1, max_steps=5)
    with pytest.raises(ValueError, match="Must specify steps > 0"):
        est.train(train_fn(Y_REG), steps=0)
    with pytest.raises(ValueError, match="Must specify max_steps > 0"):
        est.train(train_fn(Y_REG), max_steps=-1)
    with pytest.raises(ValueError, match="training would never end"):
        est.train(lambda: (FEATURES, Y_REG))
    est.train(lambda: (FEATURES, Y_REG), steps=2)  # one fixed batch
    assert est.evaluate(lambda: (FEATURES, Y_REG))["global_step"] == 25


def test_input_fn_forms_agree(tmp_path):
    """A Dataset with map() (batch by batch) and numpy_input_fn (encoded once) train alike."""
    def mapped():
        return Dataset.from_tensor_slices((FEATURES, Y_BINARY)).batch(16).map(lambda f, y: (f, y))

    a = E.LinearClassifier(WIDE, model_dir=str(tmp_path / "a")).train(mapped)
    b = E.LinearClassifier(WIDE, model_dir=str(tmp_path / "b")).train(
        E.inputs.numpy_input_fn(FEATURES, Y_BINARY, batch_size=16, shuffle=False))
    np.testing.assert_allclose(a.evaluate(eval_fn(Y_BINARY))["loss"], b.evaluate(eval_fn(Y_BINARY))["loss"], rtol=1e-6)

    def with_mode(mode, params, config):
        assert mode == "train" and params == {}
        return FEATURES, Y_BINARY

    a.train(with_mode, steps=1)


def test_weight_column(tmp_path):
    weights = (np.arange(N) % 2).astype(np.float32)  # every other example counts
    features = dict(FEATURES, w=weights)
    est = E.LinearRegressor(WIDE, model_dir=str(tmp_path), weight_column="w")
    est.train(E.inputs.numpy_input_fn(features, Y_REG, batch_size=16, num_epochs=None, shuffle=True), steps=40)
    result = est.evaluate(E.inputs.numpy_input_fn(features, Y_REG, batch_size=N, shuffle=False))
    predictions = np.array([p["predictions"][0] for p in est.predict(eval_fn())])
    errors = (predictions - Y_REG) ** 2
    np.testing.assert_allclose(result["average_loss"], errors[weights == 1].mean(), rtol=1e-4)
    np.testing.assert_allclose(result["loss"], (errors * weights).sum() / N, rtol=1e-4)  # sum over batch size
    numeric = E.LinearRegressor(WIDE, model_dir=str(tmp_path / "n"), weight_column=fc.numeric_column("w"))
    numeric.train(E.inputs.numpy_input_fn(features, Y_REG, batch_size=16, shuffle=False), steps=2)


def test_label_vocabulary(tmp_path):
    names = np.array(["low", "mid", "high"])
    est = E.DNNClassifier([8], DENSE, model_dir=str(tmp_path), n_classes=3, label_vocabulary=["low", "mid", "high"])
    est.train(train_fn(names[Y_MULTI]), steps=100)
    assert est.evaluate(eval_fn(names[Y_MULTI]))["accuracy"] > 0.6
    p = next(iter(est.predict(eval_fn())))
    assert p["classes"][0] in (b"low", b"mid", b"high")
    assert list(p["all_classes"]) == [b"low", b"mid", b"high"]
    with pytest.raises(ValueError, match="not in label_vocabulary"):
        est.train(train_fn(np.array(["low", "huge"] * (N // 2))), steps=1)
    with pytest.raises(ValueError, match="label_vocabulary has 2 entries but n_classes is 3"):
        E.DNNClassifier([8], DENSE, n_classes=3, label_vocabulary=["a", "b"]).train(train_fn(Y_MULTI), steps=1)


def test_predict_keys_and_batches(tmp_path):
    est = E.DNNClassifier([4], DENSE, model_dir=str(tmp_path)).train(train_fn(Y_BINARY), steps=5)
    only = next(iter(est.predict(eval_fn(), predict_keys=["probabilities"])))
    assert set(only) == {"probabilities"}
    batches = list(est.predict(eval_fn(), yield_single_examples=False))
    assert [b["logits"].shape for b in batches] == [(40, 1), (24, 1)]
    with pytest.raises(ValueError, match="predict_keys \\['nope'\\]"):
        next(iter(est.predict(eval_fn(), predict_keys=["nope"])))


def test_optimizers_by_name_instance_and_callable(tmp_path):
    for i, opt in enumerate(["Adam", "SGD", "RMSProp", "Ftrl", optimizers.Adam(0.01), lambda: optimizers.SGD(0.1)]):
        E.DNNRegressor([4], DENSE, model_dir=str(tmp_path / str(i)), optimizer=opt).train(train_fn(Y_REG), steps=3)
    with pytest.raises(ValueError, match="Unsupported optimizer name: Nope"):
        E.DNNRegressor([4], DENSE, optimizer="Nope").train(train_fn(Y_REG), steps=1)


def test_default_learning_rates():
    from lamina.estimators.runtime import Runtime

    def rates(est):
        runtime = Runtime(est._model_spec(), 0, None)
        return {part: opt.learning_rate for part, opt in runtime.optimizers.items()}

    columns = [fc.numeric_column(k) for k in "abcdefghijklmnopqrstuvwxyz"[:9]]
    assert rates(E.LinearClassifier(columns[:2])) == {"linear": pytest.approx(0.2)}
    assert rates(E.LinearClassifier(columns)) == {"linear": pytest.approx(0.2)}
    many = [fc.numeric_column(f"c{i}") for i in range(100)]
    assert rates(E.LinearRegressor(many)) == {"linear": pytest.approx(0.1)}
    assert rates(E.DNNClassifier([3], columns)) == {"dnn": pytest.approx(0.05)}
    assert rates(E.DNNLinearCombinedClassifier(linear_feature_columns=columns, dnn_feature_columns=columns,
                                               dnn_hidden_units=[2])) == {"linear": pytest.approx(0.005),
                                                                          "dnn": pytest.approx(0.001)}
    assert rates(E.BaselineClassifier()) == {"baseline": pytest.approx(0.3)}


def test_combined_estimator_errors():
    with pytest.raises(ValueError, match="Either linear_feature_columns or dnn_feature_columns must be defined"):
        E.DNNLinearCombinedClassifier().train(train_fn(Y_BINARY), steps=1)
    with pytest.raises(ValueError, match="dnn_hidden_units cannot be empty"):
        E.DNNLinearCombinedClassifier(dnn_feature_columns=DENSE).train(train_fn(Y_BINARY), steps=1)


def test_evaluate_before_training_and_model_dir_conflict(tmp_path):
    with pytest.raises(ValueError, match="Could not find trained model in model_dir"):
        E.LinearClassifier(WIDE, model_dir=str(tmp_path)).evaluate(eval_fn(Y_BINARY))
    with pytest.raises(ValueError, match="model_dir are set both in constructor and RunConfig"):
        E.LinearClassifier(WIDE, model_dir=str(tmp_path / "a"),
                           config=E.RunConfig(model_dir=str(tmp_path / "b"))).train(train_fn(Y_BINARY), steps=1)
    with pytest.raises(ValueError, match="Can not provide both save_checkpoints_secs and save_checkpoints_steps"):
        E.RunConfig(save_checkpoints_steps=1, save_checkpoints_secs=1)


def test_model_dir_none_uses_a_temporary_folder():
    est = E.LinearClassifier(WIDE)
    with pytest.warns(UserWarning, match="Using temporary folder as model directory"):
        est.train(train_fn(Y_BINARY), steps=2)
    assert est.latest_checkpoint().endswith("model.ckpt-2.npz")
    assert est.model_dir is None  # scikit-learn's rule: parameters stay as given


def test_pandas_input_fn(tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"a": X[:, 0], "color": COLOR})
    est = E.LinearClassifier([fc.numeric_column("a"), COLOR_COL], model_dir=str(tmp_path))
    est.train(E.inputs.pandas_input_fn(df, pd.Series(Y_BINARY), shuffle=True, num_epochs=None), steps=20)
    assert est.evaluate(E.inputs.pandas_input_fn(df, pd.Series(Y_BINARY), shuffle=False))["accuracy"] > 0.6
    with pytest.raises(ValueError, match="Index for x and y are mismatched"):
        E.inputs.pandas_input_fn(df, pd.Series(Y_BINARY, index=np.arange(N) + 1), shuffle=False)


def test_numpy_input_fn_needs_shuffle():
    with pytest.raises(ValueError, match="shuffle must be provided and explicitly set as boolean"):
        E.inputs.numpy_input_fn(FEATURES, Y_BINARY)


def test_training_moves_every_weight(tmp_path):
    est = E.DNNLinearCombinedClassifier(str(tmp_path), linear_feature_columns=WIDE, dnn_feature_columns=DENSE,
                                        dnn_hidden_units=[8, 4], batch_norm=True)
    est.train(train_fn(Y_BINARY), steps=1)
    names = [n for n in est.get_variable_names() if "/Adagrad/" not in n and "/Ftrl/" not in n and n != "global_step"]
    before = {n: est.get_variable_value(n) for n in names}
    est.train(train_fn(Y_BINARY), steps=20)
    unchanged = [n for n in names if np.array_equal(before[n], est.get_variable_value(n))]
    assert not unchanged
    assert "dnn/hiddenlayer_1/batchnorm_1/gamma" in names
    assert "dnn/input_from_feature_columns/input_layer/color_embedding/embedding_weights" in names
    assert "linear/linear_model/color/weights" in names and "linear/linear_model/bias_weights" in names
