"""Starts `lamina serve` as a child process on a free loopback port, and a client written
against TF Serving's documented REST API (plain HTTP + JSON, nothing lamina-specific)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import lamina

LAMINA_PARENT = os.path.dirname(os.path.dirname(lamina.__file__))


def require_serve_extra() -> None:
    """Skips without starlette/uvicorn, but fails under CI=true, where the test extra has them."""
    import pytest

    for module in ("starlette", "uvicorn", "orjson"):
        if os.environ.get("CI") == "true":
            __import__(module)
        else:
            pytest.importorskip(module)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TFServingClient:
    """What a TF Serving user writes: GET status/metadata, POST :predict, JSON in and out."""

    def __init__(self, host: str, port: int, model: str):
        self.base = f"http://{host}:{port}/v1/models/{model}"

    def _call(self, url: str, body: bytes | None = None, method: str | None = None, headers=None):
        request = urllib.request.Request(url, data=body, method=method or ("POST" if body is not None else "GET"),
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def status(self, version: int | None = None):
        return self._call(self.base + (f"/versions/{version}" if version else ""))

    def metadata(self):
        return self._call(self.base + "/metadata")

    def predict(self, payload, version: int | None = None, raw: bytes | None = None):
        url = self.base + (f"/versions/{version}" if version else "") + ":predict"
        return self._call(url, raw if raw is not None else json.dumps(payload).encode())

    def get(self, path: str, method: str = "GET", body: bytes | None = None):
        return self._call(self.base.rsplit("/v1/", 1)[0] + path, body=body, method=method)


class ServerProcess:
    def __init__(self, base_path: str, name: str, extra_args=(), log_path: str | None = None, cpus: set | None = None):
        self.port = free_port()
        self.name = name
        # The server imports the lamina this test imported (site-packages after `pip install .`).
        env = {**os.environ, "PYTHONPATH": LAMINA_PARENT + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.log_path = log_path or os.path.join(base_path, "..", f"{name}-server.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lamina.cli", "serve", f"--model_name={name}", f"--model_base_path={base_path}",
             f"--rest_api_port={self.port}", "--file_system_poll_wait_seconds=0.2", *extra_args],
            stdout=self._log, stderr=subprocess.STDOUT, env=env,
            # Pinned from the start, so the engine sizes its thread team to the given cores.
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        self.client = TFServingClient("127.0.0.1", self.port, name)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                status, _ = self.client.status()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"server not ready after {timeout} s:\n{self.log()}")

    def log(self) -> str:
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
