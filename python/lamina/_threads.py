"""The engine's thread count, fixed before the engine's thread pool starts.

The engine runs its parallel kernels on rayon's global pool, which reads RAYON_NUM_THREADS once,
when its first parallel op runs. lamina therefore sets that variable before `lamina._core` is
imported: from LAMINA_NUM_THREADS when set, else, under an MPI or Slurm launcher with several
ranks on this machine, to the cores per local rank, so N ranks do not oversubscribe the cores.
"""

from __future__ import annotations

import os

ENV = "LAMINA_NUM_THREADS"
_ENGINE_ENV = "RAYON_NUM_THREADS"
# Ranks on this machine, as the launchers announce them (MPICH's hydra, Open MPI, Slurm).
_LOCAL_SIZE_ENVS = ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE")
_threads_at_import: int | None = None


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _parse(value, source: str) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = 0
    if n < 1:
        raise ValueError(f"{source} must be a positive integer number of threads, got {value!r}")
    return n


def local_ranks() -> int:
    """How many ranks of this job run on this machine (1 outside a launcher)."""
    for name in _LOCAL_SIZE_ENVS:
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return 1


def configure_before_engine() -> None:
    """Called by lamina/__init__.py before the engine is imported."""
    if os.environ.get(ENV):
        os.environ[_ENGINE_ENV] = str(_parse(os.environ[ENV], ENV))
    elif not os.environ.get(_ENGINE_ENV) and local_ranks() > 1:
        os.environ[_ENGINE_ENV] = str(max(1, cores() // local_ranks()))


def engine_imported() -> None:
    """Called at the end of lamina/__init__.py: the threads that exist before any engine op."""
    global _threads_at_import
    _threads_at_import = _process_threads()


def _process_threads() -> int | None:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def _pool_started() -> bool:
    # Without an engine call that reports it, the pool's start shows as new threads in this
    # process (rayon spawns its workers then). Other libraries' threads may be taken for it: the
    # error then asks for LAMINA_NUM_THREADS, which always works.
    now = _process_threads()
    return now is None or _threads_at_import is None or now > _threads_at_import


def get_num_threads() -> int:
    """The number of threads the engine's parallel kernels use (or will use once started)."""
    value = os.environ.get(_ENGINE_ENV)
    return _parse(value, _ENGINE_ENV) if value else cores()


def set_num_threads(n: int) -> None:
    """Sets the engine's thread count; only possible before its first parallel op.

    Args:
        n: number of threads (>= 1).

    Raises:
        RuntimeError: when the engine's thread pool already started with another count.
    """
    n = _parse(n, "set_num_threads(n)")
    if n == get_num_threads():
        return
    if _pool_started():
        raise RuntimeError(
            f"set_num_threads({n}): the engine's thread pool already started with {get_num_threads()} threads and "
            f"cannot be resized. Call set_num_threads right after `import lamina`, before building a model or running "
            f"an op, or set the environment variable {ENV}={n} before starting Python.")
    os.environ[_ENGINE_ENV] = str(n)
