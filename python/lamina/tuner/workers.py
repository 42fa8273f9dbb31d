"""Worker processes that train trials in parallel.

Processes rather than threads: a trial is mostly engine calls, but Python between them holds
the GIL, and each engine keeps its own thread team. Each worker is a fresh interpreter
("spawn"), started with the engine's thread count (RAYON_NUM_THREADS, which the engine's team
and rayon's pool read when they first start) set to its share of the cores, so n_jobs workers
together use the machine's cores once instead of n_jobs times over.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import traceback

from .trial import TrialStatus

# Thread-count variables read by the engine (rayon, and the team sized like rayon's pool) and
# by the BLAS numpy may use, set in each worker before anything starts its threads.
_THREAD_VARS = ("RAYON_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def threads_per_worker(n_jobs: int) -> int:
    """Each worker's share of the cores this process may use."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // n_jobs)


def _worker_main(tasks, results, slot: int) -> None:
    from .tuner import run_trial_outcome
    try:
        tuner, fit_args, fit_kwargs = tasks.get()
    except Exception:
        results.put((slot, {"fatal": True, "message": traceback.format_exc()}))
        return
    tuner._verbose = 0
    while True:
        trial = tasks.get()
        if trial is None:
            return
        results.put((slot, run_trial_outcome(tuner, trial, fit_args, fit_kwargs)))


class WorkerPool:
    """`n_jobs` worker processes, one trial at a time each; a worker that dies (killed, out of
    memory, a crash in native code) reports its trial as INVALID and is replaced."""

    def __init__(self, n_jobs: int, tuner, fit_args, fit_kwargs):
        self._ctx = multiprocessing.get_context("spawn")
        self._setup = (tuner, fit_args, fit_kwargs)
        self._threads = threads_per_worker(n_jobs)
        self._results = self._ctx.Queue()
        self._workers = [self._start(slot) for slot in range(n_jobs)]
        self._busy: dict[int, object] = {}

    def _start(self, slot: int):
        tasks = self._ctx.Queue()
        saved = {k: os.environ.get(k) for k in _THREAD_VARS}
        os.environ.update({k: str(self._threads) for k in _THREAD_VARS})
        try:
            process = self._ctx.Process(target=_worker_main, args=(tasks, self._results, slot), daemon=True)
            process.start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        tasks.put(self._setup)
        return process, tasks

    def submit(self, slot: int, trial) -> None:
        self._busy[slot] = trial
        self._workers[slot][1].put(trial)

    def next_result(self) -> tuple[int, dict]:
        """(slot, outcome) of the next trial to finish."""
        while True:
            try:
                slot, outcome = self._results.get(timeout=1.0)
                self._busy.pop(slot, None)
                return slot, outcome
            except queue.Empty:
                for slot, trial in list(self._busy.items()):
                    process = self._workers[slot][0]
                    if not process.is_alive():
                        del self._busy[slot]
                        self._workers[slot] = self._start(slot)
                        message = f"The worker process running trial {trial.trial_id} died (exit code " \
                                  f"{process.exitcode})."
                        return slot, {"status": TrialStatus.INVALID, "message": message,
                                      "hyperparameters": trial.hyperparameters.get_config()}

    def close(self) -> None:
        for process, tasks in self._workers:
            if process.is_alive():
                tasks.put(None)
        for process, _ in self._workers:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
