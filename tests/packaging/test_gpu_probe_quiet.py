"""Looking for the GPU prints nothing: Mesa's Vulkan loader wrote "error: XDG_RUNTIME_DIR is
invalid or not set in the environment." on stderr at every probe where that variable names no
directory (containers, CI, ssh sessions). Each case runs in a child process, since the probe
happens once per process."""

import os
import subprocess
import sys

import pytest

PROBE = """
import os, lamina
devices = lamina.list_devices()
if "gpu" in devices:
    with lamina.device("gpu"):
        pass
print(devices, os.environ.get("XDG_RUNTIME_DIR"))
"""


@pytest.mark.parametrize("xdg", [None, "/nonexistent/lamina-test-runtime"])
def test_probing_the_gpu_writes_nothing_to_stderr(xdg):
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    if xdg is not None:
        env["XDG_RUNTIME_DIR"] = xdg
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "XDG_RUNTIME_DIR" not in done.stderr, done.stderr
    # The private directory is for the probe only: the user's environment is left as it was.
    assert done.stdout.split()[-1] == str(xdg)
