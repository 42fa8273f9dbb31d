"""The oracle: says which hyperparameters to try next, and keeps every trial in an Optuna study.

The study lives in an Optuna storage: by default an SQLite file in the tuner's
`directory/project_name`, or any RDB URL Optuna supports. Everything a search needs to go on
after a crash (the search space, each trial's values, status, metrics and score) is written
there as the trial advances, so a new tuner on the same project resumes where the last one
stopped, and tuners in several processes or on several hosts can share one study.

A trial is an Optuna trial: its hyperparameters are Optuna params with their distributions (so
Optuna's samplers and pruners see them), the KerasTuner bookkeeping is in its user attributes.
"""

from __future__ import annotations

import math
import os
import shutil
import socket
import time

from . import objective as objective_module
from .hyperparameters import Fixed, HyperParameters
from .trial import MetricsTracker, Trial, TrialStatus

_SPACE = "lamina_space"  # study attribute: the search space's config
_OPEN_ATTEMPTS = 5
_DISCARDED = "lamina_discarded"  # trial attribute: created past max_trials by a race, not counted
_TRIAL = "lamina_trial"  # trial attribute: its values, status, metrics, score... (one write)


def import_optuna():
    """Optuna, or an ImportError saying how to install it."""
    try:
        import optuna
    except ImportError as e:
        raise ImportError("lamina.tuner stores its trials with Optuna, which is not installed: "
                          "pip install 'lamina[tuner]' (or: pip install optuna)") from e
    return optuna


def _open_rdb(url: str, engine_kwargs: dict):
    """Optuna's RDBStorage; when several processes open a new database at once, all but one
    lose the race to create its tables, and open it again once they exist."""
    import sqlalchemy.exc
    optuna = import_optuna()
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs)
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.OperationalError):
            if attempt == _OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def _use_wal(engine) -> None:
    """Write-ahead logging for an SQLite study: readers do not block the writer, and a commit
    does not wait for the disk (a killed process loses nothing; a power cut may lose the last
    commits). Without it every trial update costs a disk flush (~10 ms here)."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _pragmas(connection, _record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    engine.dispose()  # reconnect, with the pragmas, the connection Optuna opened to set up


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Oracle:
    """Base class of the oracles; subclasses implement `populate_space(trial_id)`.

    Args:
        objective: a metric name (direction inferred) or an `Objective`.
        max_trials: how many trials in all (None: until the oracle stops).
        hyperparameters: a `HyperParameters` declaring (or overriding) part of the space.
        allow_new_entries: whether the model may declare hyperparameters beyond `hyperparameters`.
        tune_new_entries: whether those are tuned (else they keep their default).
        seed: the random seed.
        max_retries_per_trial: how often a trial whose training raised is run again.
        max_consecutive_failed_trials: the search stops after this many failed trials in a row.
    """

    def __init__(self, objective=None, max_trials: int | None = None, hyperparameters: HyperParameters | None = None,
                 allow_new_entries: bool = True, tune_new_entries: bool = True, seed: int | None = None,
                 max_retries_per_trial: int = 0, max_consecutive_failed_trials: int = 3):
        if not hyperparameters and not (allow_new_entries and tune_new_entries):
            raise ValueError("With allow_new_entries=False or tune_new_entries=False, give the search space "
                             "through the `hyperparameters` argument.")
        self.objective = objective_module.create_objective(objective)
        self.max_trials = max_trials
        self.hyperparameters = hyperparameters.copy() if hyperparameters else HyperParameters()
        self.allow_new_entries = allow_new_entries
        self.tune_new_entries = tune_new_entries
        self.seed = seed if seed is not None else int.from_bytes(os.urandom(2), "little") % 10000 + 1
        self.max_retries_per_trial = max_retries_per_trial
        self.max_consecutive_failed_trials = max_consecutive_failed_trials
        self.trials: dict[str, Trial] = {}
        self.ongoing_trials: dict[str, Trial] = {}
        self.end_order: list[str] = []
        self.study = None

    # ---- the study ---------------------------------------------------------------------------

    def make_sampler(self, seed: int):
        """The Optuna sampler that draws new points (Optuna's random sampler here)."""
        return import_optuna().samplers.RandomSampler(seed=seed)

    def _set_project_dir(self, directory: str, project_name: str, storage=None,
                         overwrite: bool = False) -> None:
        optuna = import_optuna()
        self._project_dir = os.path.join(str(directory), project_name)
        if overwrite and os.path.exists(self._project_dir):
            shutil.rmtree(self._project_dir)
        os.makedirs(self._project_dir, exist_ok=True)
        if storage is not None and not isinstance(storage, str):
            self.storage, self.storage_url = storage, None  # an Optuna storage object
        else:
            url = storage or "sqlite:///" + os.path.abspath(os.path.join(self._project_dir, "study.db"))
            # SQLite: wait for another process' write instead of failing at once.
            kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
            rdb = _open_rdb(url, kwargs)
            if url.startswith("sqlite"):
                _use_wal(rdb.engine)
            # The cached wrapper Optuna's Study itself uses: trials we create must go through
            # the same object as the sampler's suggestions.
            self.storage, self.storage_url = optuna.storages.get_storage(rdb), url
        if overwrite and storage:
            try:
                self.storage.delete_study(self.storage.get_study_id_from_name(project_name))
            except KeyError:
                pass
        direction = (optuna.study.StudyDirection.MAXIMIZE if self.objective.direction == "max"
                     else optuna.study.StudyDirection.MINIMIZE)
        verbosity = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)  # not a line per study opened
        try:
            self.study_id = self.storage.create_new_study([direction], project_name)
        except optuna.exceptions.DuplicatedStudyError:
            self.study_id = self.storage.get_study_id_from_name(project_name)
        finally:
            optuna.logging.set_verbosity(verbosity)
        self.study_name = project_name
        self._refresh()
        # A resumed random stream must not repeat the draws the study already holds.
        self.sampler = self.make_sampler(self.seed + len(self.trials))
        pruner = getattr(self, "pruner", None) or optuna.pruners.NopPruner()
        self.study = optuna.load_study(study_name=project_name, storage=self.storage, sampler=self.sampler,
                                       pruner=pruner)
        saved = self.storage.get_study_user_attrs(self.study_id).get(_SPACE)
        if saved:
            self.hyperparameters.merge(HyperParameters.from_config(saved), overwrite=False)

    def _trial_id(self, number: int) -> str:
        return f"{number:0{len(str(self.max_trials))}d}"

    def _from_frozen(self, frozen) -> Trial:
        attrs = frozen.user_attrs.get(_TRIAL, {})
        hps = self.hyperparameters.copy()
        hps.values = dict(attrs.get("values", {}))
        trial = Trial(hps, self._trial_id(frozen.number), attrs.get("status", TrialStatus.RUNNING),
                      attrs.get("message"))
        trial.score, trial.best_step = attrs.get("score"), attrs.get("best_step", 0)
        trial.metrics = MetricsTracker(**attrs.get("metrics", {}))
        trial.pruned, trial.extra = attrs.get("pruned", False), attrs.get("extra", {})
        # The storage's id of the trial (what its storage calls take): Optuna's FrozenTrial
        # carries it, and asking the storage for it would cost a query per trial.
        trial.number, trial.storage_id = frozen.number, frozen._trial_id
        trial.owner, trial.runs = attrs.get("owner"), attrs.get("runs", 0)
        trial.state = frozen.state.name  # Optuna's
        return trial

    def _refresh(self) -> None:
        """Reads every trial back from the storage (other processes may have added some)."""
        frozen = self.storage.get_all_trials(self.study_id, deepcopy=False)
        self.trials = {t.trial_id: t for t in (self._from_frozen(f) for f in frozen
                                                if _TRIAL in f.user_attrs and _DISCARDED not in f.user_attrs)}

    def _save_trial(self, trial: Trial) -> None:
        self.storage.set_trial_user_attr(trial.storage_id, _TRIAL, self._attrs(trial))

    def save(self) -> None:
        """Writes the search space to the study (trials are written as they change)."""
        self.storage.set_study_user_attr(self.study_id, _SPACE, self.hyperparameters.get_config())

    def reload(self) -> None:
        self._refresh()

    # ---- the search space --------------------------------------------------------------------

    def get_space(self) -> HyperParameters:
        return self.hyperparameters.copy()

    def update_space(self, hyperparameters: HyperParameters) -> None:
        """Adds the hyperparameters a model declared that the space lacks."""
        new = [hp for hp in hyperparameters.space if self.hyperparameters._find(hp.name, hp.conditions) is None]
        if new and not self.allow_new_entries:
            raise RuntimeError(f"The model declared hyperparameters {[hp.name for hp in new]} that are not in "
                               "the search space, and allow_new_entries=False.")
        if not self.tune_new_entries:
            new = [Fixed(hp.name, hp.default, conditions=hp.conditions) for hp in new]
        self.hyperparameters.merge(new)
        if new and self.study is not None:
            self.save()

    def suggest(self, optuna_trial) -> dict:
        """Draws a value for every active hyperparameter from `optuna_trial`'s sampler."""
        hps = HyperParameters()
        for hp in self.hyperparameters.space:
            hps.merge([hp])
            if hps.is_active(hp):
                hps.values[hp.name] = _suggest_one(optuna_trial, hp)
        return hps.values

    def _random_values(self) -> tuple[dict, object]:
        """A new point from the sampler, with the Optuna trial that holds it."""
        optuna_trial = self._ask()
        return self.suggest(optuna_trial), optuna_trial

    def populate_space(self, trial_id: str) -> dict:
        """{"status": RUNNING, "values": ...} for the next trial, or {"status": IDLE/STOPPED}."""
        raise NotImplementedError

    # ---- trials ------------------------------------------------------------------------------

    def _owned_elsewhere(self, trial: Trial) -> bool:
        """Whether a RUNNING trial belongs to a live search (this one or another process)."""
        owner = trial.owner
        if not owner or any(t.trial_id == trial.trial_id for t in self.ongoing_trials.values()):
            return True
        host, pid = owner
        return host != socket.gethostname() or pid == os.getpid() or _pid_alive(pid)

    def _next_retry(self) -> Trial | None:
        for trial in self.trials.values():
            if trial.status in (TrialStatus.COMPLETED, TrialStatus.FAILED) and trial.state == "RUNNING" \
                    and not self._owned_elsewhere(trial):
                self._finish_in_storage(trial)  # its search was killed between the two writes
                trial.state = "FINISHED"
                continue
            if trial.status == TrialStatus.INVALID or (
                    trial.status == TrialStatus.RUNNING and not self._owned_elsewhere(trial)):
                return trial
        return None

    def _attrs(self, trial: Trial) -> dict:
        return {"values": trial.hyperparameters.values, "status": trial.status, "score": trial.score,
                "best_step": trial.best_step, "metrics": trial.metrics.get_config(), "message": trial.message,
                "pruned": trial.pruned, "owner": trial.owner, "runs": trial.runs, "extra": trial.extra}

    def _new_storage_trial(self, params: dict | None = None, distributions: dict | None = None) -> int:
        """A RUNNING Optuna trial that names this process as its owner from the start: a trial
        is never in the study without saying whose it is, even if that process is killed."""
        optuna = import_optuna()
        pending = Trial(HyperParameters())
        pending.owner = [socket.gethostname(), os.getpid()]
        template = optuna.trial.create_trial(state=optuna.trial.TrialState.RUNNING, params=params or {},
                                             distributions=distributions or {},
                                             user_attrs={_TRIAL: self._attrs(pending)})
        return self.storage.create_new_trial(self.study_id, template_trial=template)

    def _ask(self):
        """An Optuna trial for the sampler to fill in: one the user enqueued
        (`study.enqueue_trial`), else a new one."""
        optuna = import_optuna()
        if self.storage.get_all_trials(self.study_id, deepcopy=False, states=(optuna.trial.TrialState.WAITING,)):
            optuna_trial = self.study.ask()
            trial_id = self.storage.get_trial_id_from_study_id_trial_number(self.study_id, optuna_trial.number)
            pending = Trial(HyperParameters())
            pending.owner = [socket.gethostname(), os.getpid()]
            self.storage.set_trial_user_attr(trial_id, _TRIAL, self._attrs(pending))
            return optuna_trial
        return optuna.Trial(self.study, self._new_storage_trial())

    def _store_values(self, values: dict) -> int:
        """The storage id of a new Optuna trial holding `values` as its params."""
        hps = self.hyperparameters
        params = {hp.name: _to_param(hp, values[hp.name]) for hp in hps.space
                  if hp.name in values and not isinstance(hp, Fixed)}
        return self._new_storage_trial(params, {name: _distribution(hps, name) for name in params})

    def create_trial(self, tuner_id: str) -> Trial:
        """The next trial for the tuner `tuner_id`: a trial to retry, a new one, or one whose
        status says IDLE (wait) or STOPPED (done)."""
        if tuner_id in self.ongoing_trials:
            return self.ongoing_trials[tuner_id]
        self._refresh()
        trial = self._next_retry()
        if trial is None:
            number = len(self.trials)
            if self.max_trials and number >= self.max_trials:
                return Trial(self.get_space(), self._trial_id(number), TrialStatus.STOPPED)
            response = self.populate_space(self._trial_id(number))
            if response["status"] != TrialStatus.RUNNING:
                return Trial(self.get_space(), self._trial_id(number), response["status"])
            asked = response.get("optuna_trial")
            if asked is None:
                storage_id = self._store_values(response["values"])
            else:
                storage_id = self.storage.get_trial_id_from_study_id_trial_number(self.study_id, asked.number)
            number = self.storage.get_trial_number_from_id(storage_id)
            hps = self.get_space()
            hps.values = dict(response["values"])
            trial = Trial(hps, self._trial_id(number))
            trial.number, trial.storage_id = number, storage_id
            trial.extra = response.get("extra", {})
            if self.max_trials and number >= self.max_trials:
                # Another process took the last places between our count and our insert.
                self.storage.set_trial_user_attr(storage_id, _DISCARDED, True)
                self.storage.set_trial_state_values(storage_id, import_optuna().trial.TrialState.FAIL)
                return Trial(self.get_space(), trial.trial_id, TrialStatus.STOPPED)
        trial.status = TrialStatus.RUNNING
        trial.owner = [socket.gethostname(), os.getpid()]
        trial.hyperparameters.ensure_active_values()
        self.trials[trial.trial_id] = trial
        self.ongoing_trials[tuner_id] = trial
        self._save_trial(trial)
        return trial

    def update_trial(self, trial_id: str, metrics: dict, step: int = 0) -> Trial:
        """Records metric values reported for a trial at `step`."""
        trial = self.trials[trial_id]
        missing = {self.objective.name} - set(metrics) if self.objective.name != "default_objective" else set()
        if missing:
            raise ValueError(f"Objective value missing in the metrics reported to the Oracle: expected "
                             f"{sorted(missing)}, found {sorted(metrics)}.")
        for name, value in metrics.items():
            if not trial.metrics.exists(name):
                trial.metrics.register(name, self.objective.direction if name == self.objective.name else None)
            trial.metrics.update(name, value, step=step)
        self._save_trial(trial)
        return trial

    def score_trial(self, trial: Trial) -> None:
        trial.score = trial.metrics.get_best_value(self.objective.name)
        trial.best_step = trial.metrics.get_best_step(self.objective.name)

    def end_trial(self, trial: Trial) -> None:
        """Records how a trial ended (its `status`, set by the tuner) and its score."""
        stored = self.trials[trial.trial_id]
        stored.hyperparameters, stored.status, stored.message = trial.hyperparameters, trial.status, trial.message
        stored.pruned = trial.pruned
        self.update_space(stored.hyperparameters)
        if stored.status == TrialStatus.COMPLETED:
            self.score_trial(stored)
            if stored.score is None or math.isnan(stored.score):
                stored.status = TrialStatus.INVALID
        stored.runs += 1
        if stored.status == TrialStatus.INVALID and stored.runs > self.max_retries_per_trial:
            stored.status = TrialStatus.FAILED
        trial.status, trial.score, trial.best_step = stored.status, stored.score, stored.best_step
        self._save_trial(stored)
        self._finish_in_storage(stored)
        for tuner_id, ongoing in list(self.ongoing_trials.items()):
            if ongoing.trial_id == stored.trial_id:
                del self.ongoing_trials[tuner_id]
        if stored.status != TrialStatus.INVALID:
            self.end_order.append(stored.trial_id)
            self._check_consecutive_failures()

    def _finish_in_storage(self, trial: Trial) -> None:
        """Ends the Optuna trial as our record says (attributes first: Optuna freezes a
        finished trial's)."""
        optuna = import_optuna()
        if trial.status == TrialStatus.COMPLETED:
            state = optuna.trial.TrialState.PRUNED if trial.pruned else optuna.trial.TrialState.COMPLETE
            self.storage.set_trial_state_values(trial.storage_id, state, None if trial.pruned else [trial.score])
        elif trial.status == TrialStatus.FAILED:
            self.storage.set_trial_state_values(trial.storage_id, optuna.trial.TrialState.FAIL)

    def _check_consecutive_failures(self) -> None:
        streak = 0
        for trial_id in self.end_order:
            trial = self.trials[trial_id]
            streak = streak + 1 if trial.status == TrialStatus.FAILED else 0
            if streak == self.max_consecutive_failed_trials:
                raise RuntimeError(f"Number of consecutive failures exceeded the limit of "
                                   f"{self.max_consecutive_failed_trials}.\n{trial.message or ''}")

    def get_trial(self, trial_id: str) -> Trial:
        return self.trials[trial_id]

    def get_best_trials(self, num_trials: int = 1) -> list[Trial]:
        """The completed trials with the best scores, best first."""
        self._refresh()
        done = [t for t in self.trials.values() if t.status == TrialStatus.COMPLETED and t.score is not None]
        return sorted(done, key=lambda t: t.score, reverse=self.objective.direction == "max")[:num_trials]

    def remaining_trials(self) -> int | None:
        return self.max_trials - len(self.trials) if self.max_trials else None


def _suggest_one(optuna_trial, hp):
    if isinstance(hp, Fixed):
        return hp.value
    dist = hp.distribution()
    kind = type(dist).__name__
    if kind == "IntDistribution":
        return optuna_trial.suggest_int(hp.name, dist.low, dist.high, step=dist.step, log=dist.log)
    if kind == "FloatDistribution":
        value = optuna_trial.suggest_float(hp.name, dist.low, dist.high, step=dist.step, log=dist.log)
        return _from_param(hp, value)
    return optuna_trial.suggest_categorical(hp.name, list(dist.choices))


def _is_unit_param(hp) -> bool:
    # A reverse-log Float without a step is drawn as its position in [0, 1].
    return type(hp).__name__ == "Float" and hp.sampling == "reverse_log" and hp.step is None


def _from_param(hp, value):
    return hp.prob_to_value(value) if _is_unit_param(hp) else value


def _to_param(hp, value):
    return hp.value_to_prob(value) if _is_unit_param(hp) else value


def _distribution(hps: HyperParameters, name: str):
    return next(hp for hp in hps.space if hp.name == name).distribution()
