"""A killed search resumes from its last finished trial; trials run in worker processes with
the engine's threads split between them; two processes share one SQLite study."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import sqlalchemy.exc

import lamina.tuner as kt
from tuner_models import ScriptedHyperModel, build_reporting_threads, digits, require

optuna = require("optuna")
HERE = os.path.dirname(os.path.abspath(__file__))


def _start_search(directory, project, max_trials, pause):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([HERE, *sys.path])}
    return subprocess.Popen([sys.executable, os.path.join(HERE, "search_script.py"), str(directory), project,
                             str(max_trials), str(pause)], env=env)


def _lamina_trials(directory, project):
    study = optuna.load_study(study_name=project, storage=f"sqlite:///{directory}/{project}/study.db")
    # A trial created past max_trials when both processes took the last place at once is
    # marked discarded and failed: it was never run and counts for no search.
    return [t for t in study.get_trials() if "lamina_trial" in t.user_attrs and "lamina_discarded" not in t.user_attrs]


def _completed(directory, project) -> int:
    if not os.path.exists(os.path.join(directory, project, "study.db")):
        return 0
    try:
        return sum(t.state.name == "COMPLETE" for t in _lamina_trials(directory, project))
    except (KeyError, sqlalchemy.exc.SQLAlchemyError):  # the database is being set up by the search
        return 0


def _wait_for(condition, process, timeout=60.0):
    end = time.time() + timeout
    while not condition():
        assert process.poll() is None, "the search ended before it could be killed"
        assert time.time() < end, "timed out"
        time.sleep(0.1)


def test_killed_search_resumes_from_last_finished_trial(tmp_path):
    process = _start_search(tmp_path, "resume", 6, 0.3)
    try:
        _wait_for(lambda: _completed(tmp_path, "resume") >= 2, process)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    before = {t.number: t for t in _lamina_trials(tmp_path, "resume")}
    # By lamina's record: a kill between it and Optuna's state leaves a finished trial RUNNING
    # in Optuna, which the resumed search closes without training it again.
    status = {n: t.user_attrs["lamina_trial"]["status"] for n, t in before.items()}
    finished = {n: t for n, t in before.items() if status[n] == "COMPLETED"}
    interrupted = [n for n in before if status[n] == "RUNNING"]
    assert len(finished) >= 2 and len(interrupted) <= 1

    hypermodel = ScriptedHyperModel()
    tuner = kt.RandomSearch(hypermodel, objective="val_loss", max_trials=6, directory=tmp_path, project_name="resume")
    tuner.search(np.zeros((4, 2)), np.zeros(4), verbose=0)
    after = {t.number: t for t in _lamina_trials(tmp_path, "resume")}
    assert sorted(after) == list(range(6)) and all(t.state.name == "COMPLETE" for t in after.values())
    assert hypermodel.calls == 6 - len(finished)  # finished trials were not trained again
    for n, t in finished.items():
        assert after[n].params == t.params
        assert after[n].value == t.value or t.value is None and after[n].value == t.user_attrs["lamina_trial"]["score"]
    for n in interrupted:  # the interrupted trial was run again with its own values
        assert after[n].params == before[n].params


def test_two_processes_share_one_sqlite_study(tmp_path):
    processes = [_start_search(tmp_path, "shared", 8, 0.2) for _ in range(2)]
    for process in processes:
        assert process.wait(timeout=120) == 0
    trials = _lamina_trials(tmp_path, "shared")
    assert sorted(t.number for t in trials) == list(range(8))  # none lost, none twice
    assert all(t.state.name == "COMPLETE" and t.user_attrs["lamina_trial"]["runs"] == 1 for t in trials)
    owners = {t.user_attrs["lamina_trial"]["owner"][1] for t in trials}
    assert owners == {p.pid for p in processes}  # both worked on it


def test_worker_processes_split_engine_threads(tmp_path, monkeypatch):
    from lamina.tuner.workers import threads_per_worker
    monkeypatch.setenv("LAMINA_TUNER_TEST_DIR", str(tmp_path))
    (x, y), (x_val, y_val), _ = digits(300)
    tuner = kt.RandomSearch(build_reporting_threads, objective="val_accuracy", max_trials=4, seed=0, n_jobs=2,
                            directory=tmp_path, project_name="jobs")
    tuner.search(x, y, epochs=2, validation_data=(x_val, y_val), verbose=0)
    done = [t for t in tuner.oracle.trials.values() if t.status == "COMPLETED"]
    assert sorted(t.trial_id for t in done) == ["0", "1", "2", "3"]
    workers = {name: open(tmp_path / name).read() for name in os.listdir(tmp_path) if name.startswith("built-")}
    workers.pop(f"built-{os.getpid()}", None)  # this process built the model once to learn the space
    assert len(workers) == 2
    assert set(workers.values()) == {str(threads_per_worker(2))}
    assert tuner.get_best_models()[0] is not None
