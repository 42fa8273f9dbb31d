"""The communicator under data parallelism: MPI through mpi4py, or one process without it.

Every collective runs under a deadline kept by a watchdog thread, so a rank whose peer died or
diverged fails with an error naming itself and the step instead of waiting forever; the error
then aborts the whole job through MPI (MPI_Abort), which the launcher propagates to every rank.
"""

from __future__ import annotations

import os
import sys
import threading
import time

import numpy as np

TIMEOUT_ENV = "LAMINA_DISTRIBUTED_TIMEOUT"
_DEFAULT_TIMEOUT_S = 20.0
# Launchers that start several ranks say so in these variables (MPICH/hydra, Open MPI, Slurm).
_WORLD_SIZE_ENVS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "SLURM_NTASKS")


class DistributedError(RuntimeError):
    """A collective failed or timed out on one rank (the message names the rank and step)."""


def launched_ranks() -> int:
    for name in _WORLD_SIZE_ENVS:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


class Progress:
    """Where training is, for error messages: the current epoch and step."""

    epoch = 0
    step = 0
    phase = "setup"

    @classmethod
    def describe(cls) -> str:
        return f"step {cls.step} of epoch {cls.epoch} ({cls.phase})"


class LocalComm:
    """One process, no MPI: every collective is the identity."""

    rank = 0
    size = 1
    local_size = 1

    def allreduce_sum(self, buffer: np.ndarray) -> np.ndarray:
        return buffer

    def allgather(self, obj) -> list:
        return [obj]

    def bcast_array(self, buffer: np.ndarray) -> np.ndarray:
        return buffer


class MpiComm:
    """MPI_COMM_WORLD through mpi4py; collectives with a deadline."""

    def __init__(self):
        try:
            from mpi4py import MPI
        except ImportError as e:
            raise ImportError('Data-parallel training over MPI needs mpi4py and an MPI library: '
                              'pip install "lamina[mpi]" (or a system MPI, e.g. Debian\'s openmpi-bin and '
                              'libopenmpi-dev, then pip install mpi4py)') from e
        self._mpi = MPI
        self.comm = MPI.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.local_size = self.comm.Split_type(MPI.COMM_TYPE_SHARED).Get_size()
        self.timeout = float(os.environ.get(TIMEOUT_ENV, _DEFAULT_TIMEOUT_S))
        self._running = None  # (what, deadline) of the collective in progress
        self.pids = self.comm.allgather((MPI.Get_processor_name(), os.getpid()))
        if self.rank == 0 and self.size > 1:
            # A killed rank cannot report itself, and the launcher names it by process id: this
            # line maps the ids to ranks.
            ranks = ", ".join(f"rank {r} = pid {pid} on {host}" for r, (host, pid) in enumerate(self.pids))
            sys.stderr.write(f"lamina.distribution: {self.size} ranks: {ranks}\n")
        _install_fault_handlers(self)
        threading.Thread(target=self._watch, name="lamina-distribution-watchdog", daemon=True).start()

    def _collective(self, what: str, call, *args, **kwargs) -> None:
        """Runs a blocking collective (mpi4py releases the GIL inside it) while the watchdog
        thread holds its deadline."""
        self._running = (what, time.monotonic() + self.timeout)
        try:
            call(*args, **kwargs)
        except self._mpi.Exception as e:  # a peer failed and MPI reports it (instead of aborting)
            self.abort(f"{what} failed: {e}; {self.dead_peers()}")
        finally:
            self._running = None

    def _watch(self) -> None:
        while True:
            time.sleep(0.25)
            running = self._running
            if running is not None and time.monotonic() > running[1]:
                self.abort(f"{running[0]} got no answer from the other ranks within {self.timeout:g} s "
                           f"({TIMEOUT_ENV}); {self.dead_peers()}")

    def allreduce_sum(self, buffer: np.ndarray) -> np.ndarray:
        """Sums `buffer` (contiguous) over the ranks, in place; returns it."""
        self._collective("allreduce", self.comm.Allreduce, self._mpi.IN_PLACE, buffer, op=self._mpi.SUM)
        return buffer

    def bcast_array(self, buffer: np.ndarray) -> np.ndarray:
        buffer = np.ascontiguousarray(buffer)
        self._collective("broadcast", self.comm.Bcast, buffer, root=0)
        return buffer

    def allgather(self, obj) -> list:
        # Small Python objects (signatures, prediction pieces): sizes first, then the bytes.
        import pickle

        data = np.frombuffer(pickle.dumps(obj), np.uint8)
        sizes = np.empty(self.size, np.int64)
        self._collective("allgather", self.comm.Allgather, np.array([data.size], np.int64), sizes)
        out = np.empty(int(sizes.sum()), np.uint8)
        self._collective("allgather", self.comm.Allgatherv, data, (out, sizes))
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        return [pickle.loads(out[offsets[i]:offsets[i + 1]].tobytes()) for i in range(self.size)]

    def dead_peers(self) -> str:
        """Which ranks on this machine no longer exist (a killed rank cannot say so itself)."""
        host = self._mpi.Get_processor_name()
        dead = []
        for rank, (h, pid) in enumerate(self.pids):
            if h == host and rank != self.rank:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    dead.append(f"rank {rank} (pid {pid})")
        return f"{', '.join(dead)} ended" if dead else "no rank on this machine ended (a remote one may have)"

    def abort(self, message: str) -> None:
        sys.stderr.write(f"lamina.distribution: rank {self.rank} of {self.size} failed at {Progress.describe()}: "
                         f"{message}\n")
        sys.stderr.flush()
        # Give the launcher time to forward this rank's last words: Abort ends every rank at once,
        # and MPICH's launcher was seen dropping output still in flight.
        time.sleep(0.5)
        self.comm.Abort(1)


def _install_fault_handlers(comm: MpiComm) -> None:
    """An uncaught exception on any rank aborts the job, instead of leaving the others waiting in
    a collective. (A killed rank is the launcher's to report: its message names the process id,
    which the line printed at start maps to the rank.)"""
    if comm.size == 1:
        return
    previous = sys.excepthook

    def excepthook(kind, value, tb):
        previous(kind, value, tb)
        comm.abort(f"{kind.__name__}: {value}")

    sys.excepthook = excepthook


_COMM = None


def world():
    """The job's communicator, made on first use: MPI when mpi4py is installed or the launcher
    started several ranks, else one local process."""
    global _COMM
    if _COMM is None:
        try:
            import mpi4py  # noqa: F401
            have_mpi = True
        except ImportError:
            have_mpi = False
        _COMM = MpiComm() if have_mpi or launched_ranks() > 1 else LocalComm()
    return _COMM
