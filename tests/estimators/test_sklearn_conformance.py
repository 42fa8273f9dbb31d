"""The canned estimators are scikit-learn estimators: check_estimator, Pipeline, clone,
cross_val_score, GridSearchCV with n_jobs=2 (so they pickle), string labels, DataFrames."""

import pickle
import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone, is_classifier, is_regressor  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

from lamina import estimators as E  # noqa: E402
from lamina import feature_column as fc  # noqa: E402
from lamina import optimizers  # noqa: E402
from lamina.datasets import iris  # noqa: E402

# The only check skipped, for every estimator, and why.
EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        "training is minibatch gradient descent: an example weighted 2 is not the same optimization path as the "
        "example repeated (other batches, another number of steps), so the fitted models differ slightly"),
}

ESTIMATORS = [
    E.LinearClassifier(),
    E.LinearRegressor(),
    E.DNNClassifier(hidden_units=[16]),
    E.DNNRegressor(hidden_units=[16]),
    # TensorFlow's wide & deep learning rates (0.001 / 0.005) are meant for long training; the
    # checks fit 100 epochs of a few hundred examples, so these get the single models' rates.
    E.DNNLinearCombinedClassifier(dnn_hidden_units=[8], linear_optimizer=optimizers.Ftrl(0.2),
                                  dnn_optimizer=optimizers.Adagrad(0.05)),
    E.DNNLinearCombinedRegressor(dnn_hidden_units=[8], linear_optimizer=optimizers.Ftrl(0.2),
                                 dnn_optimizer=optimizers.Adagrad(0.05)),
    E.BaselineClassifier(),
    E.BaselineRegressor(),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_check_estimator(estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(estimator, expected_failed_checks=EXPECTED_FAILURES, on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:300]) for r in results if r["status"] == "failed"]
    assert not failed, failed
    ran = {r["check_name"] for r in results if r["status"] == "passed"}
    assert "check_fit_idempotent" in ran and "check_estimators_pickle" in ran


def _iris():
    (x, y), (xt, yt) = iris.load_data()
    return x, y, xt, yt


def test_classifier_string_labels_and_proba():
    x, y, xt, yt = _iris()
    names = np.array(iris.TARGET_NAMES)
    clf = E.DNNClassifier(hidden_units=[16], random_state=0, epochs=150).fit(x, names[y])
    assert list(clf.classes_) == sorted(iris.TARGET_NAMES)
    assert clf.n_features_in_ == 4
    predicted = clf.predict(xt)
    assert predicted.dtype.kind == "U" and set(predicted) <= set(iris.TARGET_NAMES)
    proba = clf.predict_proba(xt)
    assert proba.shape == (len(xt), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], predicted)
    assert clf.score(xt, names[yt]) > 0.85
    assert is_classifier(clf) and is_regressor(E.LinearRegressor())


def test_pipeline_clone_and_cross_val_score():
    x, y, _, _ = _iris()
    pipe = make_pipeline(StandardScaler(), E.LinearClassifier(n_classes=3, random_state=0, epochs=30))
    scores = cross_val_score(pipe, x, y, cv=3)
    assert scores.mean() > 0.8
    copy = clone(pipe)
    assert copy.get_params()["linearclassifier__epochs"] == 30
    assert not hasattr(copy[-1], "classes_")


def test_grid_search_in_two_processes():
    x, y, _, _ = _iris()
    grid = GridSearchCV(E.DNNClassifier(hidden_units=[8], random_state=0, epochs=20),
                        {"hidden_units": [[4], [16]], "optimizer": ["Adagrad", "Adam"]}, cv=2, n_jobs=2)
    grid.fit(x, y)
    assert grid.best_estimator_.hidden_units in ([4], [16])
    assert grid.best_score_ > 0.6
    assert grid.score(x, y) > 0.6


def test_fitted_estimator_pickles_with_its_weights():
    x, y, xt, _ = _iris()
    clf = E.DNNClassifier(hidden_units=[8], random_state=1, epochs=10).fit(x, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(xt), clf.predict_proba(xt))


def test_set_params_gives_a_new_model():
    x, y, _, _ = _iris()
    clf = E.DNNClassifier(hidden_units=[8], random_state=0, epochs=5).fit(x, y)
    clf.set_params(hidden_units=[3])
    clf.fit(x, y)
    assert clf.get_variable_value("dnn/hiddenlayer_0/kernel").shape == (4, 3)


def test_fit_on_a_dataframe_with_feature_columns():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    n = 300
    color = rng.choice(["red", "green", "blue"], n)
    size = rng.normal(size=n)
    y = ((color == "red") ^ (size > 0)).astype(int)
    df = pd.DataFrame({"color": color, "size": size})
    size_bucket = fc.bucketized_column(fc.numeric_column("size"), [0.0])
    clf = E.DNNLinearCombinedClassifier(
        # The label is an XOR of the two features: the crossed column lets the linear part fit it.
        linear_feature_columns=[fc.categorical_column_with_vocabulary_list("color", ["red", "green", "blue"]),
                                size_bucket, fc.crossed_column(["color", size_bucket], 20)],
        dnn_feature_columns=[fc.indicator_column(fc.categorical_column_with_vocabulary_list("color", ["red", "green",
                                                                                                      "blue"])),
                             fc.numeric_column("size")],
        dnn_hidden_units=[8], linear_optimizer=optimizers.Ftrl(0.3), dnn_optimizer=optimizers.Adagrad(0.1),
        random_state=0, epochs=40)
    clf.fit(df, y)
    assert clf.n_features_in_ == 2 and list(clf.feature_names_in_) == ["color", "size"]
    assert clf.score(df, y) > 0.9
    with pytest.raises(ValueError, match="dict of arrays or a pandas DataFrame"):
        clf.predict(df.to_numpy())


def test_lamina_imports_without_sklearn(tmp_path):
    import subprocess
    import sys

    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text("import sys\nsys.modules['sklearn'] = None\n")
    code = ("import numpy as np, lamina\n"
            "from lamina import estimators as E, feature_column as fc\n"
            "est = E.LinearRegressor([fc.numeric_column('a')], model_dir=r'%s')\n"
            "est.train(E.inputs.numpy_input_fn({'a': np.arange(8.)}, np.arange(8.), shuffle=False), steps=3)\n"
            "print(sorted(est.get_params())[:2])\n"
            "try:\n    est.fit(np.ones((3, 1)), np.ones(3))\nexcept ImportError as e:\n    print('ImportError', e)\n"
            % (tmp_path / "model"))
    import os

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path)] + sys.path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "ImportError fit on arrays is the scikit-learn API" in out.stdout
    assert "['batch_size', 'config']" in out.stdout
