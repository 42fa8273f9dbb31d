"""History and evaluate keys equal Keras 3's for the same compile arguments: against the keys
recorded from real Keras (tests/fixtures/keras/history_keys.json, made by
make_history_keys.py), and live against Keras when it is importable."""

from __future__ import annotations

import json
import os
import sys

import pytest

import lamina

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras")
sys.path.insert(0, FIXTURES)

from history_key_cases import CASES, run_case  # noqa: E402
from keras_check import require_keras  # noqa: E402

with open(os.path.join(FIXTURES, "history_keys.json")) as f:
    RECORDED = json.load(f)


def test_fixture_covers_every_case():
    assert set(RECORDED["keys"]) == set(CASES)
    assert RECORDED["versions"]["keras"].startswith("3.")


@pytest.mark.parametrize("name", sorted(CASES))
def test_keys_equal_recorded_keras_keys(name):
    got = run_case(lamina, name)
    want = RECORDED["keys"][name]
    assert sorted(got["fit"]) == sorted(want["fit"])
    assert sorted(got["evaluate"]) == sorted(want["evaluate"])


@pytest.mark.parametrize("name", ["class_and_name", "weighted_and_plain_same", "multi_weighted_validation"])
def test_keys_equal_live_keras_keys(name):
    keras = require_keras()
    ours, theirs = run_case(lamina, name), run_case(keras, name)
    assert sorted(ours["fit"]) == sorted(theirs["fit"])
    assert sorted(ours["evaluate"]) == sorted(theirs["evaluate"])


def test_per_output_losses_are_the_unweighted_output_losses():
    """`out1_loss` and `out2_loss` are each output's own loss; `loss` is their weighted sum."""
    import numpy as np

    from history_key_cases import data, two_outputs

    x, y1, y2 = data()
    model = two_outputs(lamina)
    model.compile(optimizer="sgd", loss=["binary_crossentropy", "sparse_categorical_crossentropy"],
                  loss_weights=[1.0, 0.5])
    logs = model.evaluate(x, [y1, y2], batch_size=16, verbose=0, return_dict=True)
    p1, p2 = model.predict(x, verbose=0)
    p1 = np.clip(p1[:, 0], 1e-7, 1 - 1e-7)
    bce = -np.mean(y1 * np.log(p1) + (1 - y1) * np.log(1 - p1))
    scce = -np.mean(np.log(np.clip(p2[np.arange(len(y2)), y2], 1e-7, 1)))
    np.testing.assert_allclose(logs["out1_loss"], bce, rtol=1e-5)
    np.testing.assert_allclose(logs["out2_loss"], scce, rtol=1e-5)
    np.testing.assert_allclose(logs["loss"], bce + 0.5 * scce, rtol=1e-5)


@pytest.mark.parametrize("name", ["class_and_name", "multi_weighted_validation"])
def test_evaluate_list_equals_keras_list(name):
    """Without return_dict, evaluate lists the values in Keras' order (its quirks included:
    a repeated metric name lists the first metric's value once per metric)."""
    import numpy as np

    from history_key_cases import data, single_output, two_outputs

    keras = require_keras()
    kind, compile_kwargs, _ = CASES[name]
    x, y1, y2 = data()
    y = y1 if kind == "single" else [y1, y2]
    values = {}
    weights = None
    for ns in (keras, lamina):
        model = single_output(ns) if kind == "single" else two_outputs(ns)
        if weights is None:
            weights = model.get_weights()
        model.set_weights(weights)
        model.compile(optimizer="sgd", **compile_kwargs(ns))
        values[ns.__name__] = model.evaluate(x, y, batch_size=16, verbose=0)
    np.testing.assert_allclose(values["lamina"], np.asarray(values["keras"], dtype=float), rtol=1e-5)
