"""Pruning stops bad trials early: Optuna's successive halving through OptunaPruningCallback,
in a plain Optuna study and in an OptunaSearch."""

import lamina.tuner as kt
from tuner_models import build_by_lr, digits, require

optuna = require("optuna")
(X, Y), (X_VAL, Y_VAL), _ = digits(400)
EPOCHS = 4
GOOD, BAD = 1e-2, 1e-6  # learning rates: one learns digits in an epoch, one stays near chance


def _halving():
    return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)


def test_callback_prunes_bad_trials_in_an_optuna_study():
    study = optuna.create_study(direction="maximize", pruner=_halving(), sampler=optuna.samplers.RandomSampler(0))
    for lr in [GOOD, BAD, BAD]:
        study.enqueue_trial({"lr": lr})

    def objective(trial):
        hp = kt.HyperParameters()
        hp.values["lr"] = trial.suggest_float("lr", 1e-6, 3e-2, log=True)
        model = build_by_lr(hp)
        history = model.fit(X, Y, epochs=EPOCHS, validation_data=(X_VAL, Y_VAL), verbose=0,
                            callbacks=[kt.OptunaPruningCallback(trial, monitor="val_accuracy")])
        return history.history["val_accuracy"][-1]

    study.optimize(objective, n_trials=3)
    # Each bad trial is behind the good one at the first rung (epoch 1) and stops there.
    assert [t.state.name for t in study.trials] == ["COMPLETE", "PRUNED", "PRUNED"]
    assert [len(t.intermediate_values) for t in study.trials] == [EPOCHS, 2, 2]


def test_optuna_search_with_a_pruner(tmp_path):
    tuner = kt.OptunaSearch(build_by_lr, objective="val_accuracy", max_trials=3, sampler="tpe", pruner=_halving(),
                            seed=0, directory=tmp_path, project_name="pruned")
    for lr in [GOOD, BAD, BAD]:
        tuner.oracle.study.enqueue_trial({"lr": lr})
    tuner.search(X, Y, epochs=EPOCHS, validation_data=(X_VAL, Y_VAL), verbose=0)
    trials = sorted(tuner.oracle.trials.values(), key=lambda t: t.number)
    assert [t.pruned for t in trials] == [False, True, True]
    assert all(t.status == "COMPLETED" for t in trials)  # scored on the epochs they reached
    study = tuner.oracle.study
    assert [t.state.name for t in study.trials] == ["COMPLETE", "PRUNED", "PRUNED"]
    assert [len(t.intermediate_values) for t in study.trials] == [EPOCHS, 2, 2]
    assert tuner.oracle.get_best_trials()[0].hyperparameters["lr"] == GOOD


def test_cmaes_sampler_runs():
    require("cmaes")
    hp = kt.HyperParameters()
    hp.Float("x", -1.0, 1.0)
    hp.Int("n", 1, 8)
    oracle = kt.OptunaOracle(objective=kt.Objective("loss", "min"), max_trials=6, sampler="cmaes",
                             hyperparameters=hp, seed=0)
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        oracle._set_project_dir(tmp, "cma", storage=optuna.storages.InMemoryStorage())
        while (trial := oracle.create_trial("t")).status == "RUNNING":
            oracle.update_trial(trial.trial_id, {"loss": trial.hyperparameters["x"] ** 2})
            trial.status = "COMPLETED"
            oracle.end_trial(trial)
    assert type(oracle.study.sampler).__name__ == "CmaEsSampler" and len(oracle.trials) == 6
