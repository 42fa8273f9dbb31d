"""The batcher and TF Serving's batching parameters file, in process."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from lamina.serving.batching import Batcher, BatchingParameters
from lamina.serving.servable import RequestError


def test_parameters_file_in_tf_serving_format():
    params = BatchingParameters.parse("max_batch_size { value: 64 }\n# a comment\n"
                                      "batch_timeout_micros { value: 500 }\nnum_batch_threads { value: 4 }\n"
                                      "max_enqueued_batches { value: 10 }\n")
    assert (params.max_batch_size, params.batch_timeout_micros, params.num_batch_threads,
            params.max_enqueued_batches) == (64, 500, 4, 10)
    assert BatchingParameters.parse("").max_batch_size == 1000  # TF Serving's default
    with pytest.raises(ValueError, match="unknown batching parameter 'max_batch'"):
        BatchingParameters.parse("max_batch { value: 3 }")
    with pytest.raises(ValueError, match=":1: expected"):
        BatchingParameters.parse("max_batch_size: 3")
    with pytest.raises(ValueError, match="positive integer"):
        BatchingParameters.parse("max_batch_size { value: 0 }")


class _CountingServable:
    def __init__(self):
        self.calls = []

    def predict(self, arrays):
        self.calls.append(arrays[0].shape[0])
        if np.isnan(arrays[0]).any():
            raise ValueError("nan in the batch")
        return [arrays[0] * 2]


async def _run(params, arrays_list, servable):
    async def in_engine(fn):
        return fn()

    batcher = Batcher(params, in_engine)
    batcher.start()
    try:
        return await asyncio.gather(*(batcher.predict(servable, [a]) for a in arrays_list), return_exceptions=True)
    finally:
        await batcher.stop()


def test_concurrent_requests_merge_up_to_max_batch_size():
    servable = _CountingServable()
    arrays = [np.full((1, 2), i, dtype="float32") for i in range(10)]
    results = asyncio.run(_run(BatchingParameters(max_batch_size=4, batch_timeout_micros=50000), arrays, servable))
    for i, r in enumerate(results):
        np.testing.assert_array_equal(r[0], np.full((1, 2), 2 * i))
    assert servable.calls == [4, 4, 2]


def test_a_failing_request_does_not_fail_its_batch_mates():
    servable = _CountingServable()
    arrays = [np.ones((1, 2), "float32"), np.full((1, 2), np.nan, "float32"), np.zeros((1, 2), "float32")]
    results = asyncio.run(_run(BatchingParameters(max_batch_size=8, batch_timeout_micros=50000), arrays, servable))
    assert isinstance(results[1], ValueError)
    np.testing.assert_array_equal(results[0][0], [[2, 2]])
    np.testing.assert_array_equal(results[2][0], [[0, 0]])


def test_request_larger_than_max_batch_size_is_refused():
    results = asyncio.run(_run(BatchingParameters(max_batch_size=2), [np.zeros((3, 2), "float32")],
                               _CountingServable()))
    assert isinstance(results[0], RequestError) and "maximum batch size 2" in str(results[0])
