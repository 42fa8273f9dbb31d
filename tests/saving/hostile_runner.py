"""Loads model files in child processes, one per file, each under a memory limit and a timeout.

Run as a script, this is the parent of those children: it imports lamina once, then for each
case read from stdin (a JSON line) forks a child, which limits its address space
(RLIMIT_AS), loads the file and reports how it ended; the parent kills it past the timeout and
writes one JSON line per case to stdout: `outcome` ("loaded", "error", "crash", "hang"), the
error's type, message and cause chain, and the child's peak memory above the parent's.
Forking from a process that has imported lamina makes a case cost milliseconds instead of an
interpreter start; the parent runs no engine op, so it has no threads to lose in the fork.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
import traceback


def _vm_bytes(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _load(case: dict):
    import numpy as np

    import lamina as lm

    if case["loader"] == "model":
        return lm.models.load_model(case["path"], safe_mode=case.get("safe_mode", True))
    from keras_architectures import ARCHITECTURES

    build = {b.__name__: b for b in ARCHITECTURES}[case.get("architecture", "mlp")]
    model = build(lm, np.random.default_rng(0))[0]
    model.load_weights(case["path"])
    return model


def _child(case: dict, address_limit: int, write_fd: int) -> None:
    import warnings

    warnings.simplefilter("ignore")  # "loaded but not compiled" and the like: the outcome is what counts
    resource.setrlimit(resource.RLIMIT_AS, (address_limit, address_limit))
    result = {"outcome": "loaded"}
    try:
        _load(case)
    except BaseException as e:  # noqa: BLE001 (every ending is reported; the test judges it)
        chain, cause = [], e
        while cause is not None and len(chain) < 10:
            chain.append(type(cause).__name__)
            cause = cause.__cause__ or cause.__context__
        result = {"outcome": "error", "type": type(e).__name__, "message": str(e)[:2000], "chain": chain,
                  "traceback": traceback.format_exc()[-3000:]}
    os.write(write_fd, json.dumps(result).encode())
    os.close(write_fd)
    os._exit(0)


def idle_child_rss() -> int:
    """The peak resident memory of a child that does nothing: a child's count starts below its
    parent's (only the pages it maps count), so this, not the parent's, is the baseline."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return os.wait4(pid, 0)[2].ru_maxrss * 1024


def run_case(case: dict, timeout: float, memory_margin: int, baseline_rss: int) -> dict:
    address_limit = _vm_bytes("VmSize") + memory_margin
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(case, address_limit, write_fd)
    os.close(write_fd)
    start, status, usage = time.monotonic(), None, None
    while time.monotonic() - start < timeout:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.005)
    else:
        os.kill(pid, signal.SIGKILL)
        _, status, usage = os.wait4(pid, 0)
        os.close(read_fd)
        return {"outcome": "hang", "seconds": timeout}
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    result = json.loads(b"".join(chunks)) if chunks else None
    if result is None or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        signum = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        result = {"outcome": "crash", "signal": signum, "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}
    result["peak_rss_above_parent"] = max(0, usage.ru_maxrss * 1024 - baseline_rss)
    result["seconds"] = round(time.monotonic() - start, 3)
    return result


def main() -> None:
    timeout, memory_margin = float(sys.argv[1]), int(sys.argv[2])
    import h5py  # noqa: F401 (imported once, here, so children start warm)

    import lamina  # noqa: F401
    from lamina.saving import saving_api  # noqa: F401

    threads = len(os.listdir("/proc/self/task"))
    baseline_rss = idle_child_rss()
    print(json.dumps({"ready": True, "threads": threads}), flush=True)
    for line in sys.stdin:
        result = run_case(json.loads(line), timeout, memory_margin, baseline_rss)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
