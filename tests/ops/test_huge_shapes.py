"""Huge shapes and sizes: a clean ValueError/MemoryError naming the op, never a segfault, an
abort or hours of work (issue 11, items 5 and 6). Each case runs in a child process with a
memory limit, so a crash or hang fails its test instead of killing the run."""

import pytest

from child_process import ChildRunner

PRELUDE = "import numpy as np\nimport lamina as lm\nfrom lamina import ops\n"

# (name, code, op named in the error). Every case must raise ValueError or MemoryError.
CASES = [
    # The segfault: an empty tensor whose byte strides overflowed when numpy viewed it.
    ("zeros_empty_huge", "np.asarray(ops.zeros((0, 2**62)))", "zeros"),
    ("ones_empty_huge", "np.asarray(ops.ones((2**62, 0)))", "ones"),
    ("full_empty_huge", "np.asarray(ops.full((0, 2**40, 2**40), 1.0))", "full"),
    ("zeros_huge_int64", "ops.zeros((2**62, 2**62), dtype='int64')", "zeros"),
    ("broadcast_to_huge", "np.asarray(ops.broadcast_to(ops.zeros((1,)), (0, 2**62)))", "broadcast_to"),
    ("broadcast_to_overflow", "ops.broadcast_to(ops.zeros((1, 1)), (2**40, 2**40))", "broadcast_to"),
    ("reshape_huge", "np.asarray(ops.reshape(ops.zeros((0,)), (0, 2**62)))", "reshape"),
    ("reshape_infer_overflow", "ops.reshape(ops.zeros((0,)), (-1, 2**40, 2**40))", "reshape"),
    ("one_hot_huge", "np.asarray(ops.one_hot(ops.zeros((0,), dtype='int32'), 2**62))", "one_hot"),
    ("tile_overflow", "ops.tile(ops.zeros((0, 2**40)), (2**40, 2**40))", "tile"),
    ("repeat_overflow", "ops.repeat(ops.zeros((0, 2**40)), 2**40, axis=1)", "repeat"),
    ("pad_overflow", "ops.pad(ops.zeros((2,)), ((2**63 - 1, 2**63 - 1),))", "pad"),
    ("concatenate_overflow", "ops.concatenate([ops.zeros((0, 2**59))] * 16, axis=1)", "concatenate"),
    ("binary_broadcast_overflow",
     "ops.add(ops.broadcast_to(ops.zeros((1, 1)), (2**40, 1)), ops.broadcast_to(ops.zeros((1, 1)), (1, 2**40)))", "add"),
    ("matmul_overflow",
     "ops.matmul(ops.broadcast_to(ops.zeros((1, 1)), (2**40, 1)), ops.broadcast_to(ops.zeros((1, 1)), (1, 2**40)))", "matmul"),
    ("conv_transpose_huge_strides",
     "ops.conv_transpose(ops.zeros((1, 2, 1)), ops.zeros((2, 1, 1)), strides=2**62)", "conv_transpose"),
    ("conv_transpose_huge_output_padding",
     "ops.conv_transpose(ops.zeros((1, 2, 1)), ops.zeros((2, 1, 1)), strides=1, output_padding=2**62)", "conv_transpose"),
    ("conv_huge_dilation", "ops.conv(ops.zeros((1, 4, 1)), ops.zeros((3, 1, 1)), dilation_rate=2**62)", "conv"),
    ("random_uniform_huge", "lm.random.uniform((2**62, 2**62))", "uniform"),
    ("arange_huge", "ops.arange(0, 2**62)", "arange"),
    # A shape that is addressable but larger than memory: a MemoryError, not an abort.
    ("zeros_beyond_memory", "ops.zeros((2**58,))", "zeros"),
    # Too many pieces: each is a tensor, so 2**40 of them are a MemoryError, not an abort.
    ("split_many_sections", "ops.split(ops.zeros((0,)), 2**40)", "split"),
    ("unstack_huge_axis", "ops.unstack(ops.zeros((2**40, 0)))", "unstack"),
]


@pytest.fixture(scope="module")
def child():
    runner = ChildRunner("child_process:run_code", timeout=30)
    yield runner
    runner.close()


@pytest.mark.parametrize("name,code,op", CASES, ids=[c[0] for c in CASES])
def test_huge_shape_is_a_clean_error(child, name, code, op):
    out = child.run({"code": PRELUDE + code})
    assert out["status"] == "raised", f"{code}: {out}"
    assert out["type"] in ("ValueError", "MemoryError"), f"{code}: {out['type']}: {out['message']}\n{out['traceback']}"
    assert op in out["message"], f"{code}: the error does not name {op}: {out['message']}"


# Work must be bounded by the output's size: these return (empty or tiny) results at once,
# without error.
FAST_CASES = [
    ("eye_many_rows_no_columns", "assert ops.eye(2**40, M=0).shape == (2**40, 0)"),
    ("eye_no_rows_many_columns", "assert ops.eye(0, M=2**40).shape == (0, 2**40)"),
    ("eye_far_diagonal", "np.testing.assert_array_equal(np.asarray(ops.eye(3, k=2**62)), np.zeros((3, 3)))"),
    ("eye_far_negative_diagonal", "np.testing.assert_array_equal(np.asarray(ops.eye(3, 4, k=-2**62)), np.zeros((3, 4)))"),
    ("zeros_empty_view", "assert np.asarray(ops.zeros((0, 2**40))).shape == (0, 2**40)"),
    ("broadcast_empty", "assert np.asarray(ops.broadcast_to(ops.zeros((1,)), (0, 2**40))).shape == (0, 2**40)"),
    ("tile_empty_huge_spread", "assert ops.tile(ops.zeros((0, 2**31)), (2**31, 0)).shape == (0, 0)"),
    ("repeat_empty_huge_spread", "assert ops.repeat(ops.zeros((0, 2**31)), 2**31, axis=0).shape == (0, 2**31)"),
    # Empty tensors (found by the op fuzz suite: these panicked in kernels).
    ("concatenate_empty_huge_axis", "assert ops.concatenate([ops.zeros((0, 2**31, 1))], axis=1).shape == (0, 2**31, 1)"),
    ("stack_empty", "assert ops.stack([ops.zeros((0,))], axis=1).shape == (0, 1)"),
    ("flipped_empty_in_kernels",
     "x = ops.flip(ops.zeros((0, 2)))\nassert np.asarray(ops.logical_and(x, x)).shape == (0, 2)\n"
     "assert np.asarray(ops.average_pool(ops.flip(ops.zeros((0, 0, 2), dtype='int32')), 1, padding='same')).shape == (0, 0, 2)"),
    ("repeat_huge_empty", "assert ops.repeat(ops.zeros((2, 0)), [2**58, 2**58], axis=0).shape == (2**59, 0)"),
    ("slice_huge_step", "x = ops.arange(5)\nassert np.asarray(x[::2**62]).tolist() == [0]"),
    ("slice_huge_negative_step", "x = ops.arange(5)\nassert np.asarray(x[::-2**62]).tolist() == [4]"),
]


@pytest.mark.parametrize("name,code", FAST_CASES, ids=[c[0] for c in FAST_CASES])
def test_work_is_bounded_by_the_output(child, name, code):
    # A few seconds even on a loaded 2-core machine; the bug took hours.
    out = child.run({"code": PRELUDE + code}, timeout=20)
    assert out["status"] == "ok", f"{code}: {out}"
