"""Confusion-matrix metrics, AUC and the probabilistic metrics against hand-computed values and scikit-learn."""

import numpy as np
import pytest

import lamina as lm
from lamina import metrics

YT = np.array([0, 1, 1, 0, 1, 0, 1, 1], "float32")
YP = np.array([0.1, 0.8, 0.4, 0.6, 0.9, 0.2, 0.5, 0.7], "float32")
# at 0.5 (strictly greater counts as positive): pred pos = {0.8, 0.6, 0.9, 0.7}
# tp = 3 (0.8, 0.9, 0.7), fp = 1 (0.6), tn = 2 (0.1, 0.2), fn = 2 (0.4, 0.5)


@pytest.mark.parametrize("cls,want", [(metrics.TruePositives, 3.0), (metrics.FalsePositives, 1.0),
                                      (metrics.TrueNegatives, 2.0), (metrics.FalseNegatives, 2.0)])
def test_counts_by_hand(cls, want):
    m = cls()
    m.update_state(YT, YP)
    assert m.result() == want
    m.update_state(YT, YP)
    assert m.result() == 2 * want
    m.reset_state()
    assert m.result() == 0.0


def test_counts_multiple_thresholds_and_sample_weight():
    m = metrics.TruePositives(thresholds=[0.0, 0.5, 0.85])
    m.update_state(YT, YP, sample_weight=np.arange(8, dtype="float32"))
    # positives (weight): 0.8(1) 0.4(2) 0.9(4) 0.5(6) 0.7(7)
    np.testing.assert_allclose(m.result(), [20.0, 12.0, 4.0])
    with pytest.raises(ValueError, match="Threshold values must be in \\[0, 1\\]"):
        metrics.FalseNegatives(thresholds=1.5)


def test_precision_recall_by_hand():
    p, r = metrics.Precision(), metrics.Recall()
    p.update_state(YT, YP)
    r.update_state(YT, YP)
    assert p.result() == pytest.approx(3 / 4)
    assert r.result() == pytest.approx(3 / 5)
    p = metrics.Precision(thresholds=[0.3, 0.75])
    p.update_state(YT, YP)
    # > 0.3: 0.8 0.4 0.6 0.9 0.5 0.7 -> 5 tp, 1 fp; > 0.75: 0.8 0.9 -> 2 tp
    np.testing.assert_allclose(p.result(), [5 / 6, 1.0])
    empty = metrics.Precision()
    empty.update_state([0, 1], [0.1, 0.2])
    assert empty.result() == 0.0  # no positive predictions: 0, not NaN


def test_precision_recall_top_k_and_class_id():
    yt = np.array([[0, 0, 1, 1], [1, 0, 0, 0], [0, 1, 0, 1]], "float32")
    yp = np.array([[0.1, 0.2, 0.9, 0.3], [0.4, 0.35, 0.2, 0.05], [0.6, 0.5, 0.55, 0.7]], "float32")
    p = metrics.Precision(top_k=2)
    p.update_state(yt, yp)
    # top-2 per row: (2, 3) -> 2 tp; (0, 1) -> 1 tp, 1 fp; (3, 0) -> 1 tp, 1 fp
    assert p.result() == pytest.approx(4 / 6)
    r = metrics.Recall(class_id=3)
    r.update_state(yt, yp)
    # class 3: labels 1,0,1 ; preds 0.3, 0.05, 0.7 at 0.5 -> tp 1, fn 1
    assert r.result() == pytest.approx(0.5)
    r = metrics.Recall(top_k=1, class_id=3)
    r.update_state(yt, yp)
    # top-1 per row: 2, 0, 3 -> class 3 positive only in row 2 (label 1): tp 1; row 0 label 1 -> fn
    assert r.result() == pytest.approx(0.5)


def _keras_thresholds(n):
    return np.array([-1e-7] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + 1e-7])


def _reference_auc(yt, yp, n, curve, summation):
    thr = _keras_thresholds(n)
    above = yp[None, :] > thr[:, None]
    pos = yt[None, :] != 0
    tp = (above & pos).sum(1).astype(float)
    fp = (above & ~pos).sum(1).astype(float)
    fn = (~above & pos).sum(1).astype(float)
    tn = (~above & ~pos).sum(1).astype(float)
    div = lambda a, b: np.divide(a, b, out=np.zeros_like(a), where=b != 0)
    rec = div(tp, tp + fn)
    x, y = (div(fp, fp + tn), rec) if curve == "ROC" else (rec, div(tp, tp + fp))
    h = {"interpolation": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:]),
         "majoring": np.maximum(y[:-1], y[1:])}[summation]
    return float(np.sum((x[:-1] - x[1:]) * h))


def test_auc_small_by_hand():
    # 3 thresholds: [-eps, 0.5, 1+eps]. At 0.5: tpr = 3/5, fpr = 1/3.
    m = metrics.AUC(num_thresholds=3)
    m.update_state(YT, YP)
    want = (1 - 1 / 3) * (1 + 0.6) / 2 + (1 / 3) * (0.6 + 0) / 2
    assert m.result() == pytest.approx(want)
    np.testing.assert_allclose(m.thresholds, [-1e-7, 0.5, 1 + 1e-7])


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("summation", ["interpolation", "minoring", "majoring"])
def test_auc_riemann_sums_match_the_definition(curve, summation):
    rng = np.random.default_rng(1)
    yt = (rng.uniform(size=300) < 0.4).astype("float32")
    yp = np.clip(yt * 0.3 + rng.uniform(size=300) * 0.7, 0, 1).astype("float32")
    m = metrics.AUC(num_thresholds=50, curve=curve, summation_method=summation)
    for i in range(0, 300, 64):  # in batches
        m.update_state(yt[i:i + 64], yp[i:i + 64])
    if curve == "PR" and summation == "interpolation":
        assert 0.0 < m.result() <= 1.0
    else:
        assert m.result() == pytest.approx(_reference_auc(yt, yp, 50, curve, summation), abs=1e-6)


def test_auc_argument_errors():
    with pytest.raises(ValueError, match="Invalid AUC curve"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="summation method"):
        metrics.AUC(summation_method="simpson")
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)


def test_auc_against_sklearn():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(2)
    yt = (rng.uniform(size=2000) < 0.3).astype("float32")
    yp = np.clip(0.25 * yt + rng.uniform(size=2000) * 0.75, 0, 1).astype("float32")
    sw = rng.uniform(0.5, 2.0, size=2000).astype("float32")
    roc = metrics.AUC(num_thresholds=1000)
    roc.update_state(yt, yp, sample_weight=sw)
    assert roc.result() == pytest.approx(sk.roc_auc_score(yt, yp, sample_weight=sw), abs=2e-3)
    pr = metrics.AUC(num_thresholds=1000, curve="PR")
    pr.update_state(yt, yp)
    assert pr.result() == pytest.approx(sk.average_precision_score(yt, yp), abs=1e-2)
    logits = metrics.AUC(num_thresholds=1000, from_logits=True)
    logits.update_state(yt, np.log(yp + 1e-6) - np.log1p(-yp + 1e-6))
    assert logits.result() == pytest.approx(sk.roc_auc_score(yt, yp), abs=2e-3)


def test_multi_label_auc_against_sklearn():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    yt = (rng.uniform(size=(500, 3)) < 0.5).astype("float32")
    yp = np.clip(0.3 * yt + 0.7 * rng.uniform(size=(500, 3)), 0, 1).astype("float32")
    m = metrics.AUC(num_thresholds=1000, multi_label=True)
    m.update_state(yt[:250], yp[:250])
    m.update_state(yt[250:], yp[250:])
    per_label = [sk.roc_auc_score(yt[:, i], yp[:, i]) for i in range(3)]
    assert m.result() == pytest.approx(np.mean(per_label), abs=2e-3)
    w = metrics.AUC(num_thresholds=1000, multi_label=True, label_weights=[1.0, 0.0, 3.0])
    w.update_state(yt, yp)
    assert w.result() == pytest.approx((per_label[0] + 3 * per_label[2]) / 4, abs=2e-3)
    flat = metrics.AUC(num_thresholds=1000)
    flat.update_state(yt, yp)
    assert flat.result() == pytest.approx(sk.roc_auc_score(yt.ravel(), yp.ravel()), abs=2e-3)


def test_precision_recall_against_sklearn():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(4)
    yt = (rng.uniform(size=400) < 0.5).astype("float32")
    yp = rng.uniform(size=400).astype("float32")
    sw = rng.uniform(size=400).astype("float32")
    p, r = metrics.Precision(), metrics.Recall()
    p.update_state(yt, yp, sample_weight=sw)
    r.update_state(yt, yp, sample_weight=sw)
    assert p.result() == pytest.approx(sk.precision_score(yt, yp > 0.5, sample_weight=sw), rel=1e-5)
    assert r.result() == pytest.approx(sk.recall_score(yt, yp > 0.5, sample_weight=sw), rel=1e-5)


def test_probabilistic_metrics():
    yt = np.array([[0, 1, 0], [1, 0, 0]], "float32")
    yp = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]], "float32")
    m = metrics.CategoricalCrossentropy()
    m.update_state(yt, yp)
    assert m.result() == pytest.approx(-(np.log(0.7) + np.log(0.5)) / 2, rel=1e-5)
    m = metrics.SparseCategoricalCrossentropy()
    m.update_state(np.array([1, 0]), yp)
    assert m.result() == pytest.approx(-(np.log(0.7) + np.log(0.5)) / 2, rel=1e-5)
    m = metrics.BinaryCrossentropy()
    m.update_state(YT, YP)
    t, p = YT.astype(float), YP.astype(float)
    assert m.result() == pytest.approx(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)), rel=1e-5)
    logits = metrics.BinaryCrossentropy(from_logits=True)
    logits.update_state(YT, np.log(YP / (1 - YP)))
    assert logits.result() == pytest.approx(m.result(), rel=1e-4)


def test_names_in_get_and_compile():
    for name, cls in [("auc", metrics.AUC), ("precision", metrics.Precision), ("recall", metrics.Recall),
                      ("true_positives", metrics.TruePositives), ("false_negatives", metrics.FalseNegatives),
                      ("binary_crossentropy", metrics.BinaryCrossentropy)]:
        assert isinstance(metrics.get(name), cls)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(128, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = lm.Sequential([lm.Input((3,)), lm.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["auc", "precision", "recall"])
    hist = model.fit(x, y, epochs=3, batch_size=32, verbose=0, validation_data=(x, y),
                     callbacks=[lm.callbacks.EarlyStopping(monitor="val_auc", patience=5)])
    for key in ["auc", "precision", "recall", "val_auc"]:
        assert key in hist.history and all(0.0 <= v <= 1.0 for v in hist.history[key])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    ref = metrics.AUC()
    ref.update_state(y, model.predict(x, verbose=0))
    assert logs["auc"] == pytest.approx(ref.result(), abs=1e-6)


def test_metric_objects_in_fit_logs_and_save_round_trip(tmp_path):
    rng = np.random.default_rng(6)
    x = rng.uniform(size=(64, 3)).astype("float32")
    y = (x[:, :1] > 0.5).astype("float32")
    model = lm.Sequential([lm.Input((3,)), lm.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[metrics.AUC(curve="PR", name="pr_auc"), metrics.Precision(thresholds=[0.3, 0.6])])
    hist = model.fit(x, y, epochs=2, verbose=2)
    assert len(hist.history["pr_auc"]) == 2
    assert hist.history["precision"][0].shape == (2,)  # one value per threshold
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = lm.saving.load_model(path)
    a = model.evaluate(x, y, verbose=0, return_dict=True)
    b = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert b["pr_auc"] == pytest.approx(a["pr_auc"])
    np.testing.assert_allclose(b["precision"], a["precision"])
