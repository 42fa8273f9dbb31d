"""Writing a file so that a crash (even SIGKILL) never leaves a half-written one in its place.

The content goes to a temporary file beside the target, `.<name>.lamina-tmp-<pid>-<random>`,
which is flushed to disk (fsync) and then renamed over the target: a reader sees the old file
or the new one, never a mix. The temporary file is created as `open()` creates files (mode
0666 less the umask), or with the mode of the file it replaces, so a save gives the same
permissions a plain write would. Temporary files left by a killed process (their pid no longer
runs) are removed by the next save of the same file.
"""

from __future__ import annotations

import os
import secrets
import stat
from typing import Callable

_MARK = ".lamina-tmp-"


def _temp_prefix(path: str) -> str:
    return "." + os.path.basename(path) + _MARK


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's) or cannot tell: leave its file alone
    return True


def remove_stale_temps(path: str) -> None:
    """Removes the temporary files a killed save of `path` left (on this machine)."""
    directory = os.path.dirname(os.path.abspath(path))
    prefix = _temp_prefix(path)
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if not name.startswith(prefix):
            continue
        pid_text = name[len(prefix):].split("-", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid() or _pid_running(int(pid_text)):
            continue  # not ours to judge, or a save still running (another thread of ours)
        try:
            os.remove(os.path.join(directory, name))
        except OSError:
            pass


def _fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable; not possible (nor needed) everywhere, e.g. on Windows.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Writes `path` atomically: `write(temp_path)` fills a temporary file beside it (opening it
    by name: h5py, zipfile, open(..., "wb")), which is then fsynced and renamed over `path`.

    Args:
        path: the file to write.
        write: fills the file at the path it is given.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    remove_stale_temps(path)
    mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.isfile(path) else None
    tmp = os.path.join(directory, f"{_temp_prefix(path)}{os.getpid()}-{secrets.token_hex(4)}")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # umask applies, as for open()
    try:
        if mode is not None:
            os.chmod(tmp, mode)
        write(tmp)
        _fsync_path(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_directory(directory)
