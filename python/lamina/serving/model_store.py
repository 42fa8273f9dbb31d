"""TF Serving's version layout: `--model_base_path` holds numbered version directories
(`1/`, `2/`, ...); the newest loadable one serves, and newer ones are picked up while running.

Only directories whose names are plain numbers are looked at, and a directory (or model file)
that resolves outside the base path -- through a symbolic link, say -- is refused, so nothing
a request or the file system says can make the server read files elsewhere.
"""

from __future__ import annotations

import logging
import os
import threading

from lamina.serving.servable import Servable, find_model_file

log = logging.getLogger("lamina.serve")


def _inside(path: str, root: str) -> bool:
    path, root = os.path.realpath(path), os.path.realpath(root)
    return os.path.commonpath([path, root]) == root


def _mtime(path: str | None) -> float | None:
    try:
        return os.path.getmtime(path) if path else None
    except OSError:
        return None


def version_dirs(base_path: str) -> dict:
    """{version: directory} for the numbered directories inside the base path."""
    found = {}
    for entry in os.listdir(base_path):
        full = os.path.join(base_path, entry)
        if entry.isdigit() and os.path.isdir(full):
            if not _inside(full, base_path):
                log.warning("ignoring version %s: it resolves outside %s", entry, base_path)
                continue
            found[int(entry)] = full
    return found


class ModelStore:
    """The versions being served for one model name; `latest()` is the newest loaded one."""

    def __init__(self, name: str, base_path: str, warm_up_batch_sizes=(1,)):
        if not os.path.isdir(base_path):
            raise FileNotFoundError(f"--model_base_path {base_path!r} is not a directory")
        self.name = name
        self.base_path = os.path.realpath(base_path)
        self.warm_up_batch_sizes = tuple(warm_up_batch_sizes)
        self._loaded: dict = {}
        self._failed: dict = {}  # version -> modification time of the file that failed
        self._lock = threading.Lock()

    def latest(self) -> Servable | None:
        with self._lock:
            return self._loaded[max(self._loaded)] if self._loaded else None

    def get(self, version: int | None) -> Servable | None:
        with self._lock:
            if version is None:
                return self._loaded[max(self._loaded)] if self._loaded else None
            return self._loaded.get(version)

    def statuses(self) -> list:
        with self._lock:
            return sorted(self._loaded, reverse=True)

    def poll(self) -> None:
        """Loads the newest version when it is newer than the one serving (then unloads the
        older one, TF Serving's default "latest" policy). A version that fails to load is
        logged and skipped until its file changes; the one serving stays."""
        dirs = version_dirs(self.base_path)
        current = max(self._loaded) if self._loaded else -1
        for version in sorted(dirs, reverse=True):
            if version <= current:
                return
            model_file = None
            try:
                model_file = find_model_file(dirs[version])
                if self._failed.get(version) == _mtime(model_file):
                    continue  # failed as it is; tried again once the file changes
                if not _inside(model_file, self.base_path):
                    raise PermissionError(f"{model_file} resolves outside --model_base_path")
                servable = Servable(version, model_file)
                servable.warm_up(self.warm_up_batch_sizes)
            except FileNotFoundError as e:
                # Not written completely yet (a copy in progress): try again at the next poll.
                log.info("version %d of %s not ready: %s", version, self.name, e)
                continue
            except Exception as e:  # a broken file must not stop the server
                log.error("version %d of %s failed to load: %s", version, self.name, e)
                self._failed[version] = _mtime(model_file)
                continue
            with self._lock:
                self._loaded = {version: servable}
            log.info("serving version %d of %s from %s", version, self.name, model_file)
            return
