"""Writes tests/tuner/fixtures/hyperband_schedule.json: the trials KerasTuner's own Hyperband
oracle creates for each case of tests/tuner/hyperband_schedule.py.

Run with KerasTuner installed beside Keras 3 (any backend), e.g.
    KERAS_BACKEND=jax python tools/make_hyperband_fixture.py
"""

import json
import os
import sys
import tempfile

import keras
import keras_tuner

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "tuner"))
from hyperband_schedule import CASES, run_schedule  # noqa: E402


def main() -> None:
    out = {"keras_tuner": keras_tuner.__version__, "keras": keras.__version__, "cases": []}
    for max_epochs, factor, iterations, parallel in CASES:
        hp = keras_tuner.HyperParameters()
        hp.Float("x", 0.0, 1.0)
        oracle = keras_tuner.oracles.HyperbandOracle(objective=keras_tuner.Objective("score", "max"),
                                                     max_epochs=max_epochs, factor=factor,
                                                     hyperband_iterations=iterations, hyperparameters=hp, seed=1)
        with tempfile.TemporaryDirectory() as tmp:
            oracle._set_project_dir(tmp, "hb")
            oracle.verbose = 0
            schedule = run_schedule(oracle, parallel)
        out["cases"].append({"max_epochs": max_epochs, "factor": factor, "hyperband_iterations": iterations,
                             "parallel": parallel, "trials": schedule})
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "tuner", "fixtures", "hyperband_schedule.json")
    with open(path, "w") as f:  # one line per trial, so a change shows up as the trials it moved
        f.write(f'{{"keras_tuner": "{out["keras_tuner"]}", "keras": "{out["keras"]}", "cases": [\n')
        for i, case in enumerate(out["cases"]):
            head = json.dumps({k: v for k, v in case.items() if k != "trials"})[:-1]
            trials = ",\n".join(json.dumps(t) for t in case["trials"])
            f.write(f'{head}, "trials": [\n{trials}]}}{"," if i < len(out["cases"]) - 1 else ""}\n')
        f.write("]}\n")
    print(f"wrote {path}: {sum(len(c['trials']) for c in out['cases'])} trials in {len(out['cases'])} cases")


if __name__ == "__main__":
    main()
