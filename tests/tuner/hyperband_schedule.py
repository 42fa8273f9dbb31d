"""Drives a Hyperband oracle (KerasTuner's or lamina's) through a whole search without
training anything: each trial's score is a fixed function of its id, so two oracles with the
same schedule promote the same trials. Shared by tools/make_hyperband_fixture.py and the test."""

# (max_epochs, factor, hyperband_iterations, parallel trials)
CASES = [(9, 3, 1, 1), (27, 3, 1, 1), (10, 3, 1, 1), (100, 3, 1, 1), (30, 2, 1, 1), (81, 3, 1, 1),
         (16, 4, 2, 1), (27, 3, 1, 2), (20, 3, 1, 3), (12, 2, 2, 2)]


def score_of(trial_id: str) -> float:
    return ((int(trial_id) * 7919) % 101) / 101


def run_schedule(oracle, parallel: int) -> list:
    """Trials in creation order as [trial_id, bracket, round, epochs, initial_epoch, past_id];
    with `parallel` > 1, up to that many trials run at once, the oldest finishing first."""
    schedule, running, stopped = [], [], False
    while True:
        while not stopped and len(running) < parallel:
            slot = next(f"tuner{i}" for i in range(parallel) if f"tuner{i}" not in [s for s, _ in running])
            trial = oracle.create_trial(slot)
            if trial.status == "STOPPED":
                stopped = True
            elif trial.status == "IDLE":
                break
            else:
                v = trial.hyperparameters.values
                schedule.append([trial.trial_id, v["tuner/bracket"], v["tuner/round"], v["tuner/epochs"],
                                 v["tuner/initial_epoch"], v.get("tuner/trial_id")])
                running.append((slot, trial))
        if not running:
            if stopped:
                return schedule
            raise RuntimeError("the oracle is IDLE with nothing running")
        _, trial = running.pop(0)
        oracle.update_trial(trial.trial_id, {"score": score_of(trial.trial_id)})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
