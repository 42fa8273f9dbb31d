"""Whether the gpu device exists, for the tests that run on it. They are skipped, with the
reason printed, only when no GPU adapter exists at all (install Mesa's software driver
lavapipe: Debian's `mesa-vulkan-drivers`)."""

import functools

import pytest

import lamina as lm


@functools.cache
def no_gpu_reason():
    """None when the gpu device exists, else why not (the error of selecting it)."""
    if "gpu" in lm.list_devices():
        return None
    try:
        lm.set_default_device("gpu")
    except RuntimeError as e:
        return str(e)
    lm.set_default_device("cpu")
    return "no GPU adapter"


# For a test module: `pytestmark = requires_gpu`.
requires_gpu = pytest.mark.skipif(no_gpu_reason() is not None, reason=f"gpu: {no_gpu_reason()}")
