"""Parallel map/interleave really overlap, and iterators resume mid-epoch exactly."""

import threading
import time

import numpy as np
import pytest

import lamina.data as D
from lamina.data import _parallel


def _record_calls(log):
    def slow_identity(x):
        start = time.perf_counter()
        time.sleep(0.15)  # releases the GIL, as numpy, file reads and image decoding do
        log.append((start, time.perf_counter(), threading.get_ident()))
        return x
    return slow_identity


def _overlapping(intervals) -> bool:
    intervals = sorted(intervals)
    return any(b[0] < a[1] for a, b in zip(intervals, intervals[1:]))


def test_parallel_map_calls_overlap_in_time_and_keep_order():
    log = []
    out = list(D.Dataset.range(6).map(_record_calls(log), num_parallel_calls=2).as_numpy_iterator())
    assert out == list(range(6))
    assert _overlapping([(s, e) for s, e, _ in log])
    assert len({t for _, _, t in log}) == 2


def test_sequential_map_calls_do_not_overlap():
    log = []
    list(D.Dataset.range(4).map(_record_calls(log)).as_numpy_iterator())
    assert not _overlapping([(s, e) for s, e, _ in log])


def test_nondeterministic_map_yields_each_element_once_in_finishing_order():
    def sleepy(x):
        time.sleep(0.4 if x == 0 else 0.01)  # far longer than any scheduling delay on a loaded machine
        return x
    out = list(D.Dataset.range(6).map(sleepy, num_parallel_calls=3, deterministic=False).as_numpy_iterator())
    assert sorted(out) == list(range(6)) and out[0] != 0
    opts = D.Options()
    opts.deterministic = False
    ds = D.Dataset.range(6).with_options(opts)
    assert ds.options().deterministic is False
    out = list(ds.map(sleepy, num_parallel_calls=3).as_numpy_iterator())
    assert sorted(out) == list(range(6)) and out[0] != 0


def test_parallel_interleave_reads_its_datasets_at_the_same_time():
    log = []

    def slow_source(x):
        def gen():
            for i in range(2):
                start = time.perf_counter()
                time.sleep(0.1)
                log.append((start, time.perf_counter()))
                yield x * 10 + i
        return D.Dataset.from_generator(gen)

    out = list(D.Dataset.range(2).interleave(slow_source, cycle_length=2, num_parallel_calls=2).as_numpy_iterator())
    assert out == [0, 10, 1, 11]
    assert _overlapping(log)


def test_autotune_uses_one_thread_per_usable_core_at_most():
    threads = set()

    def note(x):
        threads.add(threading.get_ident())
        time.sleep(0.01)
        return x
    list(D.Dataset.range(40).map(note, num_parallel_calls=D.AUTOTUNE).as_numpy_iterator())
    assert D.AUTOTUNE == -1
    assert 1 <= len(threads) <= _parallel.cpu_budget()
    with pytest.raises(ValueError, match="num_parallel_calls"):
        D.Dataset.range(3).map(note, num_parallel_calls=0)


def _pipeline(source: str):
    calls = []

    def augment(x):
        calls.append(1)
        return x * 2 + 1
    if source == "arrays":
        ds = D.Dataset.from_tensor_slices(np.arange(50)).shuffle(50)
    else:
        ds = D.Dataset.from_generator(lambda: iter(range(50))).shuffle(16)
    return ds.map(augment, num_parallel_calls=2).batch(4).repeat(2).prefetch(2)


@pytest.mark.parametrize("source", ["arrays", "generator"])
def test_resume_mid_epoch_in_a_fresh_pipeline_gives_the_same_remaining_batches(source, tmp_path):
    it = iter(_pipeline(source))
    seen = [next(it).numpy() for _ in range(17)]  # past the end of the first epoch (13 batches)
    it.save(str(tmp_path / "input.json"))
    rest = [b.numpy() for b in it]
    # a new process would build the pipeline anew (with a new unseeded shuffle seed) and restore
    resumed = iter(_pipeline(source))
    resumed.restore(str(tmp_path / "input.json"))
    again = [b.numpy() for b in resumed]
    assert len(rest) == len(again) == 26 - 17
    assert all(np.array_equal(a, b) for a, b in zip(rest, again))
    # and the epochs were shuffled differently, each a permutation
    everything = np.concatenate(seen + rest)
    first, second = everything[:50], everything[50:]
    assert sorted(first) == sorted(second) == list(range(1, 100, 2))
    assert not np.array_equal(first, second)


def test_restore_into_a_different_pipeline_is_refused():
    it = iter(D.Dataset.range(5).shuffle(5))
    next(it)
    state = it.get_state()
    other = iter(D.Dataset.range(5))
    with pytest.raises(ValueError, match="same pipeline"):
        other.set_state(state)


def test_fit_resumes_mid_run_with_the_same_batches(tmp_path):
    import lamina as lm

    x = np.random.default_rng(0).standard_normal((40, 3)).astype("float32")
    y = (x.sum(1) > 0).astype("float32")

    def run(epochs, initial_epoch, restore):
        seen = []  # the batches the map function produced (a restore replays the skipped ones)
        ds = (D.Dataset.from_tensor_slices((x, y)).shuffle(40, seed=7).batch(8)
              .map(lambda a, b: (seen.append(a[:, 0].copy()) or a, b)))
        it = iter(ds.repeat())
        if restore:
            it.restore(str(tmp_path / "input.json"))
        model = lm.Sequential([lm.Input((3,)), lm.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(it, steps_per_epoch=3, epochs=epochs, initial_epoch=initial_epoch, verbose=0,
                  callbacks=[D.IteratorCheckpoint(it, str(tmp_path / "input.json"))])
        return seen

    full = run(4, 0, restore=False)
    first = run(2, 0, restore=False)   # a job stopped after epoch 2, in the middle of the data's 2nd pass
    second = run(4, 2, restore=True)   # restarted: a fresh pipeline, the saved input position
    assert len(full) == 12 and len(first) == 6 and len(second) == 6 + 6
    assert all(np.array_equal(a, b) for a, b in zip(second[:6], first))  # the replay
    assert all(np.array_equal(a, b) for a, b in zip(second[6:], full[6:]))  # the batches it trains on
    assert not all(np.array_equal(a, b) for a, b in zip(full[:5], full[5:10]))  # passes are reshuffled


def test_worker_processes_run_python_functions_in_other_processes_in_order():
    import os

    def pid_and_square(x):
        return np.array([os.getpid(), x * x])

    opts = D.Options()
    opts.worker_processes = 2
    out = list(D.Dataset.range(12).with_options(opts).map(pid_and_square, num_parallel_calls=2)
               .as_numpy_iterator())
    assert [int(o[1]) for o in out] == [i * i for i in range(12)]
    pids = {int(o[0]) for o in out}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    failing = D.Dataset.range(4).with_options(opts).map(lambda x: 1 // (int(x) - 2), num_parallel_calls=2)
    with pytest.raises(ZeroDivisionError):
        list(failing)
    assert len(list(failing.ignore_errors().as_numpy_iterator())) == 3
