"""Runs test cases in a child Python process, so that a case that segfaults, aborts or hangs
fails its test instead of killing pytest.

`ChildRunner(handler)` starts `python -m child_process <handler>` with a memory limit; each
`run(case)` sends one JSON case and waits (with a timeout) for the JSON outcome that
`handler(case)` returns in the child. A crash or hang becomes the outcome
`{"status": "crash"/"hang", ...}` and the next case gets a fresh child. The handler
"child_process:run_code" runs `case["code"]` and reports how it ended.
"""

import json
import os
import queue
import resource
import subprocess
import sys
import tempfile
import threading
import traceback

# Address space of the child: far more than any case needs, far less than the machine has, so a
# huge allocation fails (MemoryError) instead of paging a shared CI machine to death.
CHILD_MEMORY_BYTES = 4 << 30


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))


class ChildRunner:
    """A persistent child process running `handler` ("module:function") on JSON cases."""

    def __init__(self, handler: str, timeout: float = 20.0, paths: tuple = ()):
        self.handler = handler
        self.timeout = timeout
        self.paths = list(paths)
        self.proc = None
        self.lines = None
        # The child's stderr goes to a file (a pipe nobody reads could fill and stall it).
        self.stderr = tempfile.TemporaryFile(mode="w+")

    def _start(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(__file__)] + self.paths + sys.path)
        self.stderr.seek(0)
        self.stderr.truncate()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "child_process", self.handler],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env,
            preexec_fn=_limit_memory,
        )
        self.lines = queue.Queue()
        stdout = self.proc.stdout
        threading.Thread(target=lambda: [self.lines.put(line) for line in stdout] + [self.lines.put(None)], daemon=True).start()

    def run(self, case: dict, timeout: float | None = None) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        try:
            self.proc.stdin.write(json.dumps(case) + "\n")
            self.proc.stdin.flush()
            line = self.lines.get(timeout=timeout or self.timeout)
        except queue.Empty:
            self.close()
            return {"status": "hang", "detail": f"no answer within {timeout or self.timeout} s"}
        except BrokenPipeError:
            line = None
        if line is None:
            rc = self.proc.wait()
            self.stderr.seek(0)
            err = self.stderr.read()[-2000:]
            self.proc = None
            return {"status": "crash", "detail": f"child exited with {rc}: {err}"}
        return json.loads(line)

    def close(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def run_code(case: dict) -> dict:
    """Runs `case["code"]`; the outcome names the exception it raised, if any."""
    try:
        exec(case["code"], {})
    except BaseException as e:  # noqa: BLE001 (the outcome reports every kind, Rust panics too)
        return {"status": "raised", "type": type(e).__name__, "message": str(e), "traceback": traceback.format_exc()[-1500:]}
    return {"status": "ok"}


def _serve(handler: str):
    module, func = handler.split(":")
    import importlib

    run = getattr(importlib.import_module(module), func)
    out = sys.stdout
    # Stray prints of the code under test must not corrupt the protocol.
    sys.stdout = sys.stderr
    for line in sys.stdin:
        out.write(json.dumps(run(json.loads(line))) + "\n")
        out.flush()


if __name__ == "__main__":
    _serve(sys.argv[1])
