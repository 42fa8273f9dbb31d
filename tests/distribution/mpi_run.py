"""Running scripts under `mpirun` from tests: the launcher next to this Python (the mpich wheel of
`pip install "lamina[mpi]"` puts it there) or on PATH, in a child process with a timeout."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import lamina

HERE = Path(__file__).parent
LAMINA_PARENT = os.path.dirname(os.path.dirname(lamina.__file__))


def require_mpi() -> str:
    """The mpirun to use; skips without mpi4py or a launcher, but fails under CI=true, where the
    test extra installs them."""
    missing = None
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        missing = 'mpi4py is not installed (pip install "lamina[mpi]")'
    local = Path(sys.executable).parent / "mpirun"
    launcher = str(local) if local.exists() else shutil.which("mpirun")
    if missing is None and launcher is None:
        missing = "no mpirun found (pip install \"lamina[mpi]\" brings MPICH's)"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    return launcher


def environment(**extra) -> dict:
    env = dict(os.environ)
    # The ranks import the lamina this test imported: the checkout's python/ in a development
    # install, site-packages after `pip install .` (a fresh clone's python/ has no engine in it).
    env["PYTHONPATH"] = os.pathsep.join([LAMINA_PARENT, env.get("PYTHONPATH", "")])
    # Open MPI refuses to start as root without these (CI runs as root); MPICH ignores them.
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", **extra)
    return env


def mpirun(args: list, n: int = 2, timeout: float = 120, **env) -> tuple[subprocess.CompletedProcess, float]:
    """Runs `mpirun -n n python args...`; returns the finished process and its wall time."""
    command = [require_mpi(), "-n", str(n), sys.executable, *map(str, args)]
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment(**env), cwd=HERE)
    return done, time.monotonic() - start


def python(args: list, timeout: float = 120, **env) -> subprocess.CompletedProcess:
    """One process, no launcher."""
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env=environment(**env), cwd=HERE)
