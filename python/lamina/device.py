"""Devices: where tensors live and ops run.

`"cpu"` is always there; `"gpu"` is the wgpu adapter (Vulkan, Metal or DX12) when one exists.
Tensors created from host data (numpy arrays, lists, creation ops, random ops, Variables) go to
the default device; ops run on the device of their inputs, and Python numbers and other 0-d cpu
tensors mix with gpu tensors freely. `np.asarray(t)` reads a gpu tensor back.

    with lamina.device("gpu"):
        model.fit(x, y)          # weights, activations, gradients and optimizer state on the gpu
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Iterator

from lamina import _core


@contextlib.contextmanager
def _gpu_probe() -> Iterator[None]:
    """Around a call that may look for the GPU adapter (once per process): Mesa's Vulkan loader
    prints "error: XDG_RUNTIME_DIR is invalid or not set" when that variable names no directory,
    so for the probe only it names a private temporary one."""
    current = os.environ.get("XDG_RUNTIME_DIR")
    if current and os.path.isdir(current):
        yield
        return
    private = tempfile.mkdtemp(prefix="lamina-runtime-")
    os.environ["XDG_RUNTIME_DIR"] = private
    try:
        yield
    finally:
        if current is None:
            del os.environ["XDG_RUNTIME_DIR"]
        else:
            os.environ["XDG_RUNTIME_DIR"] = current
        shutil.rmtree(private, ignore_errors=True)


def list_devices() -> list[str]:
    """The devices that exist: `["cpu"]`, or `["cpu", "gpu"]` when a GPU adapter was found."""
    with _gpu_probe():
        return list(_core.list_devices())


def get_default_device() -> str:
    """The device new tensors are created on ("cpu" unless changed)."""
    return _core.get_default_device()


def set_default_device(device: str) -> None:
    """Makes `device` ("cpu" or "gpu") the device new tensors are created on.

    Raises:
        RuntimeError: for "gpu" when no GPU adapter exists (the message says which driver is needed).
    """
    with _gpu_probe():
        _core.set_default_device(str(device))


@contextlib.contextmanager
def device(name: str) -> Iterator[str]:
    """Context manager: new tensors (and so models built and trained inside) live on `name`.

    Args:
        name: "cpu" or "gpu" ("gpu:0", "/gpu:0" and "cuda" are accepted too).
    """
    previous = get_default_device()
    set_default_device(name)
    try:
        yield get_default_device()
    finally:
        set_default_device(previous)


def synchronize() -> None:
    """Waits until all queued gpu work has finished (for timing; results never need it)."""
    with _gpu_probe():
        _core.synchronize()


def gpu_adapter() -> str:
    """A description of the GPU adapter (name, backend, type); raises RuntimeError when none exists."""
    with _gpu_probe():
        return _core.gpu_adapter()
