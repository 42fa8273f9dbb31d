"""HyperParameters against KerasTuner's: the same values, defaults and unit-interval mapping."""

import math

import pytest

from lamina.tuner import HyperParameters
from tuner_models import require


def _declare(hp):
    hp.Int("units", 32, 512, step=32)
    hp.Int("layers", 1, 5)
    hp.Int("filters", 8, 256, step=2, sampling="log")
    hp.Int("wide", 1, 1000, sampling="log")
    hp.Float("lr", 1e-4, 1e-1, sampling="log")
    hp.Float("rate", 0.0, 0.5, step=0.1)
    hp.Float("rev", 1.0, 100.0, sampling="reverse_log")
    hp.Choice("act", ["relu", "tanh"], default="tanh")
    hp.Choice("width", [8, 16, 64])
    hp.Boolean("bn")
    hp.Fixed("batch", 64)


def test_values_defaults_and_unit_mapping_match_keras_tuner():
    kt = require("keras_tuner")
    ours, theirs = HyperParameters(), kt.HyperParameters()
    _declare(ours)
    _declare(theirs)
    assert ours.values == theirs.values  # the defaults
    probs = [0.0, 0.013, 0.25, 0.5, 0.61, 0.999]
    for mine, ref in zip(ours.space, theirs.space):
        assert mine.name == ref.name
        assert sorted(mine.values) == sorted(ref.values), mine.name
        for p in probs:
            assert mine.prob_to_value(p) == pytest.approx(ref.prob_to_value(p)), (mine.name, p)
            value = ref.prob_to_value(p)
            assert mine.value_to_prob(value) == pytest.approx(ref.value_to_prob(value)), (mine.name, value)
        assert mine.random_sample(7) == pytest.approx(ref.random_sample(7))


def test_conditional_scope_returns_values_only_when_active():
    hp = HyperParameters()
    model = hp.Choice("model", ["mlp", "cnn"])
    with hp.conditional_scope("model", "cnn"):
        assert hp.Int("filters", 8, 64) is None  # registered, inactive while model == "mlp"
    with hp.conditional_scope("model", "mlp"):
        assert hp.Int("units", 8, 64) == 8
    assert model == "mlp" and "units" in hp and "filters" not in hp
    with pytest.raises(ValueError, match="inactive"):
        hp.get("filters")
    with pytest.raises(KeyError):
        hp.get("nothing")
    with pytest.raises(ValueError, match="not defined"):
        with hp.conditional_scope("undeclared", 1):
            pass
    hp.values["model"] = "cnn"
    hp.ensure_active_values()
    assert "units" not in hp.values and 8 <= hp.values["filters"] <= 64


def test_bad_ranges_name_the_hyperparameter():
    hp = HyperParameters()
    with pytest.raises(ValueError, match="'units'.*greater"):
        hp.Int("units", 10, 1)
    with pytest.raises(ValueError, match="'lr'.*positive"):
        hp.Float("lr", 0.0, 1.0, sampling="log")
    with pytest.raises(ValueError, match="'act'.*default"):
        hp.Choice("act", ["relu"], default="tanh")


def test_config_round_trip_keeps_space_and_values():
    hp = HyperParameters()
    _declare(hp)
    with hp.name_scope("block"):
        hp.Float("momentum", 0.5, 0.99)
    copy = HyperParameters.from_config(hp.get_config())
    assert copy.values == hp.values and "block/momentum" in copy
    assert [repr(h) for h in copy.space] == [repr(h) for h in hp.space]
    assert math.isclose(copy.get("lr"), 1e-4)
