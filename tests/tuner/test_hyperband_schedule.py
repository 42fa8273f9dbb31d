"""Hyperband's bracket schedule equals KerasTuner's: every trial's bracket, round, epochs,
initial epoch and promoted parent, for the cases in hyperband_schedule.py (sequential and
with several trials running at once)."""

import json
import os
import tempfile

import pytest

import lamina.tuner as kt
from hyperband_schedule import CASES, run_schedule
from tuner_models import require

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "hyperband_schedule.json")


def _lamina_schedule(max_epochs, factor, iterations, parallel):
    optuna = require("optuna")
    hp = kt.HyperParameters()
    hp.Float("x", 0.0, 1.0)
    oracle = kt.HyperbandOracle(objective=kt.Objective("score", "max"), max_epochs=max_epochs, factor=factor,
                                hyperband_iterations=iterations, hyperparameters=hp, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        oracle._set_project_dir(tmp, "hb", storage=optuna.storages.InMemoryStorage())
        return run_schedule(oracle, parallel)


LONG = os.environ.get("LAMINA_LONG_TESTS") == "1"


def _cases():
    # Schedules of 200+ trials only with LAMINA_LONG_TESTS=1 (seconds each in CI).
    for case in json.load(open(FIXTURE))["cases"]:
        marks = [] if LONG or len(case["trials"]) < 200 else [pytest.mark.skip(reason="set LAMINA_LONG_TESTS=1")]
        yield pytest.param(case, marks=marks, id=f"{case['max_epochs']}-{case['factor']}-x"
                                                f"{case['hyperband_iterations']}-p{case['parallel']}")


@pytest.mark.parametrize("case", _cases())
def test_schedule_equals_keras_tuner_fixture(case):
    ours = _lamina_schedule(case["max_epochs"], case["factor"], case["hyperband_iterations"], case["parallel"])
    assert ours == case["trials"]


def test_schedule_equals_live_keras_tuner():
    keras_tuner = require("keras_tuner")
    max_epochs, factor, iterations, parallel = CASES[1]
    hp = keras_tuner.HyperParameters()
    hp.Float("x", 0.0, 1.0)
    oracle = keras_tuner.oracles.HyperbandOracle(objective=keras_tuner.Objective("score", "max"),
                                                 max_epochs=max_epochs, factor=factor,
                                                 hyperband_iterations=iterations, hyperparameters=hp, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        oracle._set_project_dir(tmp, "hb")
        oracle.verbose = 0
        theirs = run_schedule(oracle, parallel)
    assert _lamina_schedule(max_epochs, factor, iterations, parallel) == theirs


def test_bracket_sizes_and_epochs_follow_the_formulas():
    oracle = kt.HyperbandOracle(objective="val_loss", max_epochs=27, factor=3)
    assert oracle._get_num_brackets() == 4
    assert [oracle._get_size(3, r) for r in range(4)] == [27, 9, 3, 1]
    assert [oracle._get_epochs(3, r) for r in range(4)] == [1, 3, 9, 27]
