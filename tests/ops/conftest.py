"""Runs the op conformance checks on every device: tests of the families that have gpu kernels
and that use `check_op` run once per device ("cpu", "gpu"); the gpu run is skipped, with the
reason, when no GPU adapter exists."""

import inspect
import os

import pytest

import op_check
from gpu_check import no_gpu_reason


# Test modules of the op families with gpu kernels.
GPU_FAMILIES = {"test_elementwise", "test_reduction", "test_linalg", "test_nn", "test_losses", "test_foundation", "test_shape",
                "test_recurrent", "test_index", "test_conv", "test_pool"}


def pytest_generate_tests(metafunc):
    module = os.path.splitext(os.path.basename(metafunc.module.__file__))[0]
    if "op_device" not in metafunc.fixturenames:
        return
    uses_check = module in GPU_FAMILIES and "check_op(" in inspect.getsource(metafunc.function)
    metafunc.parametrize("op_device", ["cpu", "gpu"] if uses_check else ["cpu"], indirect=True)


@pytest.fixture(autouse=True)
def op_device(request):
    device = getattr(request, "param", "cpu")
    if device == "gpu":
        reason = no_gpu_reason()
        if reason:
            pytest.skip(f"gpu: {reason}")
    op_check.DEVICE = device
    yield device
    op_check.DEVICE = "cpu"
