"""The "tensorboard overhead" workload of shared/WORKLOADS.md: epoch time of the mlp workload
with lamina.callbacks.TensorBoard (update_freq "batch" and "epoch") against no callback.

Each timed call is model.fit(epochs=1) on 60,000 samples (469 batches), so the callback's
setup (writer thread, graph) and its close (all events on disk) are inside the time. The three
variants run interleaved, one model for all, after one warm-up epoch; medians over --reps of
wall time and of the process's CPU time (all threads, the writer's included), which a loaded
machine disturbs less. Then the callback alone: what one batch's hooks cost the training
thread with update_freq="batch", and the CPU they cost in all (writing included).

    PYTHONPATH=python python bench/tensorboard.py [--reps 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from workloads import BATCH, data, lamina_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    import lamina

    x, y = data("mlp", np.random.default_rng(0))
    model = lamina_model("mlp")
    variants = {"none": None, "epoch": "epoch", "batch": "batch"}
    times = {name: [] for name in variants}
    cpu = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as root:
        def epoch(name, update_freq, rep):
            cbs = [] if update_freq is None else [
                lamina.callbacks.TensorBoard(os.path.join(root, f"{name}_{rep}"), update_freq=update_freq)]
            start, start_cpu = time.perf_counter(), time.process_time()
            model.fit(x, y, batch_size=BATCH["mlp"], epochs=1, shuffle=True, verbose=0, callbacks=cbs)
            return time.perf_counter() - start, time.process_time() - start_cpu

        epoch("warmup", None, 0)
        for rep in range(args.reps):
            order = list(variants.items())
            if rep % 2:
                order.reverse()  # no variant always runs right after another
            for name, update_freq in order:
                seconds, cpu_seconds = epoch(name, update_freq, rep)
                times[name].append(seconds)
                cpu[name].append(cpu_seconds)
                print(json.dumps({"variant": name, "rep": rep, "epoch_s": round(seconds, 4),
                                  "cpu_s": round(cpu_seconds, 4)}), flush=True)
        hooks = hook_cost(lamina, model, os.path.join(root, "hooks"))
    print("\n| update_freq | median epoch (wall) | min-max | wall ratio | median CPU | CPU ratio |\n"
          "| --- | --- | --- | --- | --- | --- |")
    for name in variants:
        med, med_cpu = statistics.median(times[name]), statistics.median(cpu[name])
        print(f"| {name} | {med:.3f} s | {min(times[name]):.3f}-{max(times[name]):.3f} s | "
              f"{med / statistics.median(times['none']):.3f} | {med_cpu:.3f} s | "
              f"{med_cpu / statistics.median(cpu['none']):.3f} |")
    per_batch = statistics.median(times["none"]) / 469
    print(f"\nupdate_freq='batch', the callback alone: {hooks['thread_us']:.1f} us of the training thread and "
          f"{hooks['cpu_us']:.1f} us of CPU in all per batch, against {per_batch * 1e6:.0f} us per batch of "
          f"training: {hooks['thread_us'] / (per_batch * 1e6):.2%} and {hooks['cpu_us'] / (per_batch * 1e6):.2%}")


def hook_cost(lamina, model, log_dir, batches: int = 20_000) -> dict:
    """Microseconds per batch that TensorBoard(update_freq="batch")'s batch hooks take on the
    training thread, and the CPU per batch they take in all once every event is written."""
    tb = lamina.callbacks.TensorBoard(log_dir, update_freq="batch", write_graph=False)
    tb.set_model(model)
    tb.on_train_begin()
    logs = {"loss": 0.5}  # the mlp workload's logs: the loss only
    start, start_cpu = time.perf_counter(), time.process_time()
    for batch in range(batches):
        tb.on_train_batch_begin(batch)
        tb.on_train_batch_end(batch, logs)
    thread = time.perf_counter() - start
    tb.on_train_end()  # waits for the writer thread to write everything
    return {"thread_us": thread / batches * 1e6, "cpu_us": (time.process_time() - start_cpu) / batches * 1e6}


if __name__ == "__main__":
    main()
