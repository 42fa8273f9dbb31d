"""Data-parallel scaling (shared/WORKLOADS.md "data-parallel"): the mlp and cnn workloads on
2 ranks x 1 thread (`mpirun -n 2`) against 1 rank x 1 thread, same global batch, same run,
alternating, medians of repetitions. Also the per-step Allreduce: bytes, time inside training
(waiting included) and time of the bare collective on a buffer of the same size.

    python bench/distributed.py [--reps 3] [--workloads mlp,cnn]

Prints one JSON line per measurement and a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workloads import BATCH, data, lamina_model  # noqa: E402  (the workloads' models and data)


def worker(name: str) -> None:
    """One configuration: warm-up epoch, timed epoch; rank 0 prints a JSON line."""
    import lamina as lm

    lm.distribution.set_distribution(lm.distribution.DataParallel())
    dist = lm.distribution.distribution()
    comm = dist._comm
    x, y = data(name, np.random.default_rng(0))
    model = lamina_model(name)
    calls = []
    if dist.num_replicas > 1:
        reduce = comm.allreduce_sum

        def timed(buffer):
            start, cpu = time.perf_counter(), time.thread_time()
            out = reduce(buffer)
            calls.append((time.perf_counter() - start, buffer.nbytes, time.thread_time() - cpu))
            return out

        comm.allreduce_sum = timed
    model.fit(x, y, batch_size=BATCH[name], epochs=1, shuffle=True, verbose=0)  # warm-up
    calls.clear()
    start, cpu = time.perf_counter(), time.process_time()
    model.fit(x, y, batch_size=BATCH[name], epochs=1, shuffle=True, verbose=0)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    steps = -(-len(x) // BATCH[name])
    # CPU time of this rank's own work per step (the time MPI spins in collectives taken out):
    # what a step would take on a quiet machine, where the wall time here includes waiting for
    # the other rank while the shared machine runs someone else's process.
    own_cpu = cpu - sum(c[2] for c in calls)
    result = {"workload": name, "ranks": dist.num_replicas, "threads": lm.config.get_num_threads(),
              "samples_per_s": len(x) / seconds, "step_ms": 1e3 * seconds / steps, "cpu_step_ms": 1e3 * own_cpu / steps}
    if calls:
        comm.allreduce_sum = reduce
        nbytes = calls[0][1]
        bare = []
        buffer = np.ones(nbytes // 4, np.float32)
        for _ in range(30):  # the collective alone, ranks in step
            comm.allreduce_sum(np.zeros(1, np.float32))
            t = time.perf_counter()
            comm.allreduce_sum(buffer)
            bare.append(time.perf_counter() - t)
        result.update(allreduce_bytes=nbytes, allreduce_in_step_ms=1e3 * statistics.median(c[0] for c in calls),
                      allreduce_bare_ms=1e3 * statistics.median(bare), allreduce_bare_min_ms=1e3 * min(bare))
    if dist.rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


def run(name: str, ranks: int) -> dict:
    env = {**os.environ, "LAMINA_NUM_THREADS": "1", "PYTHONPATH": str(HERE.parent / "python")}
    python = [sys.executable, str(Path(__file__).resolve()), "--worker", name]
    mpirun = str(Path(sys.executable).parent / "mpirun")
    command = [mpirun, "-n", str(ranks), *python] if ranks > 1 else python
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--workloads", default="mlp,cnn")
    parser.add_argument("--worker")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    rows = []
    for name in args.workloads.split(","):
        one, two = [], []
        for _ in range(args.reps):  # alternating, so both see the same machine load
            one.append(run(name, 1))
            print(json.dumps(one[-1]), flush=True)
            two.append(run(name, 2))
            print(json.dumps(two[-1]), flush=True)
        med = {k: statistics.median(r[k] for r in two) for k in two[0] if isinstance(two[0][k], (int, float))}
        single = statistics.median(r["samples_per_s"] for r in one)
        single_step = statistics.median(r["step_ms"] for r in one)
        single_cpu = statistics.median(r["cpu_step_ms"] for r in one)
        rows.append((name, single, single_step, single_cpu, med))
    print("\n| workload | 1 rank x 1 thread (samples/s) | 2 ranks x 1 thread (samples/s) | speed-up | efficiency | "
          "step ms, wall (1 / 2 ranks) | step ms, own CPU (1 / 2 ranks) | quiet-machine efficiency | "
          "allreduce bytes/step | allreduce in step (ms) | bare allreduce, median / min (ms) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, single, single_step, single_cpu, med in rows:
        ratio = med["samples_per_s"] / single
        # One step of 2 ranks on a quiet machine: each rank's own CPU time plus the bare collective.
        quiet = single_cpu / (med["cpu_step_ms"] + med["allreduce_bare_min_ms"]) / 2
        print(f"| {name} | {single:,.0f} | {med['samples_per_s']:,.0f} | {ratio:.2f}x | {ratio / 2:.0%} | "
              f"{single_step:.2f} / {med['step_ms']:.2f} | {single_cpu:.2f} / {med['cpu_step_ms']:.2f} | {quiet:.0%} | "
              f"{med['allreduce_bytes']:,.0f} | {med['allreduce_in_step_ms']:.3f} | "
              f"{med['allreduce_bare_ms']:.3f} / {med['allreduce_bare_min_ms']:.3f} |")


if __name__ == "__main__":
    main()
