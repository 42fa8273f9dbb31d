"""GEMM throughput: lamina's matmul against numpy (OpenBLAS), float32, in one process.

Workloads (shared/WORKLOADS.md): gemm-N for N = 256, 1024, 2048, and the products of the mlp
workload's training step at batch 128 (784 -> 256 -> 256 -> 10): the forward x @ W, and the
backward x^T @ g and g @ W^T, whose transposes are views on both sides (numpy hands BLAS a
transpose flag; lamina's GEMM reads the strides).

The two run interleaved (numpy, lamina, numpy, ...; the order flips each round), each sample
times enough calls to last about 50 ms after a pause in which the other library's
threads stop spinning, and the figure is the median sample. The main
table uses every core for both (OpenBLAS' threads, lamina's team); a second table repeats the
runs in a child process with one thread each (OPENBLAS_NUM_THREADS=1, RAYON_NUM_THREADS=1),
which compares the kernels without thread scheduling on a busy machine.

Usage: python bench/gemm.py [--rounds N] [--out bench/results_gemm.md]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import platform
import statistics
import time

import numpy as np

import lamina as lm
from lamina import _core, ops

SQUARE = [256, 1024, 2048]

# (name, m, k, n, transpose_a, transpose_b): C[m x n] = A[m x k] @ B[k x n]; a transposed
# operand is stored the other way round and viewed through a transpose.
MLP = [
    ("fwd x@W1 128x784 @ 784x256", 128, 784, 256, False, False),
    ("fwd h@W2 128x256 @ 256x256", 128, 256, 256, False, False),
    ("fwd h@W3 128x256 @ 256x10", 128, 256, 10, False, False),
    ("bwd x^T@g 784x128 @ 128x256", 784, 128, 256, True, False),
    ("bwd h^T@g 256x128 @ 128x256", 256, 128, 256, True, False),
    ("bwd h^T@g 256x128 @ 128x10", 256, 128, 10, True, False),
    ("bwd g@W3^T 128x10 @ 10x256", 128, 10, 256, False, True),
    ("bwd g@W2^T 128x256 @ 256x256", 128, 256, 256, False, True),
]


def operands(rng, m, k, n, ta, tb):
    """numpy operands and the matching lamina views (same values)."""
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    la, lb = lm.tensor(a), lm.tensor(b)
    if ta:
        a, la = a.T, ops.transpose(la)
    if tb:
        b, lb = b.T, ops.transpose(lb)
    return (a, b), (la, lb)


# Pause before each sample (see `measure`), and how long a sample lasts.
SETTLE_S = 0.15
SAMPLE_S = 0.05


def calls_per_sample(f, target_s=SAMPLE_S):
    """How many calls make one sample last about target_s."""
    t = time.perf_counter()
    f()
    dt = max(time.perf_counter() - t, 1e-7)
    return max(1, min(2000, int(target_s / dt)))


def measure(fn_np, fn_lm, flops, rounds):
    """Median GFLOP/s of each, interleaved: by wall time, and by the process' CPU time (which
    leaves out the time the OS gave to other jobs; meaningful with one thread each)."""
    for _ in range(3):
        fn_np()
        fn_lm()
    reps = max(calls_per_sample(fn_np), calls_per_sample(fn_lm))
    wall = {"numpy": [], "lamina": []}
    cpu = {"numpy": [], "lamina": []}
    pair = [("numpy", fn_np), ("lamina", fn_lm)]
    for r in range(rounds):
        for name, f in pair if r % 2 == 0 else pair[::-1]:
            # Let the other library's idle threads stop spinning before this sample: OpenBLAS'
            # spin for about 2^28 cycles (~0.1 s) after a call and would take the second core.
            time.sleep(SETTLE_S)
            t, c = time.perf_counter(), time.process_time()
            for _ in range(reps):
                f()
            wall[name].append((time.perf_counter() - t) / reps)
            cpu[name].append(max(time.process_time() - c, 1e-9) / reps)
    out = {k: flops / statistics.median(v) / 1e9 for k, v in wall.items()}
    out.update({k + "_best": flops / min(v) / 1e9 for k, v in wall.items()})
    out.update({k + "_cpu": flops / statistics.median(v) / 1e9 for k, v in cpu.items()})
    return out


def check(a, b, la, lb):
    got = np.asarray(ops.matmul(la, lb))
    want = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3 * np.sqrt(a.shape[1]))


def machine():
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "unknown"
    try:
        cfg = np.show_config(mode="dicts")
        b = cfg["Build Dependencies"]["blas"]
        blas = f"{b.get('name', '?')} {b.get('version', '?')}"
    except Exception:
        pass
    return model, os.cpu_count(), blas


def run_all(rounds, label):
    rng = np.random.default_rng(0)
    rows = []
    cases = [(f"gemm-{n}", n, n, n, False, False) for n in SQUARE] + MLP
    for name, m, k, n, ta, tb in cases:
        (a, b), (la, lb) = operands(rng, m, k, n, ta, tb)
        check(a, b, la, lb)
        r = measure(lambda: a @ b, lambda: ops.matmul(la, lb), 2.0 * m * n * k, rounds)
        rows.append((name, r["numpy"], r["lamina"], r["numpy_cpu"], r["lamina_cpu"], r["numpy_best"], r["lamina_best"]))
        print(f"[{label}] {name:32s} numpy {r['numpy']:7.1f}  lamina {r['lamina']:7.1f} GFLOP/s  ratio {r['lamina'] / r['numpy']:.2f}",
              file=sys.stderr, flush=True)
    return rows


def table(rows, cpu=False):
    if cpu:
        out = ["| workload | numpy GFLOP/s | lamina GFLOP/s | lamina / numpy | numpy GFLOP/cpu-s | lamina GFLOP/cpu-s | lamina / numpy (cpu) |",
               "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for name, g_np, g_lm, c_np, c_lm, *_ in rows:
            out.append(f"| {name} | {g_np:.1f} | {g_lm:.1f} | {g_lm / g_np:.2f} | {c_np:.1f} | {c_lm:.1f} | {c_lm / c_np:.2f} |")
        return out
    out = ["| workload | numpy GFLOP/s | lamina GFLOP/s | lamina / numpy | best samples: numpy | lamina | ratio |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, g_np, g_lm, _, _, b_np, b_lm in rows:
        out.append(f"| {name} | {g_np:.1f} | {g_lm:.1f} | {g_lm / g_np:.2f} | {b_np:.1f} | {b_lm:.1f} | {b_lm / b_np:.2f} |")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results_gemm.md"))
    ap.add_argument("--single-thread-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.single_thread_child:
        print(json.dumps(run_all(args.rounds, "1 thread")))
        return

    load_before = os.getloadavg()[0]
    rows = run_all(args.rounds, "all cores")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", RAYON_NUM_THREADS="1", OMP_NUM_THREADS="1")
    child = subprocess.run([sys.executable, os.path.abspath(__file__), "--single-thread-child", "--rounds", str(args.rounds)],
                           env=env, stdout=subprocess.PIPE, check=True, text=True)
    single = json.loads(child.stdout)

    load_after = os.getloadavg()[0]
    model, cpus, blas = machine()
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        "# GEMM: lamina vs numpy (float32)",
        "",
        f"Measured {now} by `python bench/gemm.py` on {model}, {cpus} cores (a shared machine: "
        "figures are medians of interleaved samples and the ratio is the figure to read). "
        f"numpy {np.__version__} with {blas}; lamina GEMM kernel `{_core._gemm_kernel()}`; "
        f"{args.rounds} interleaved rounds, each sample about {int(SAMPLE_S * 1000)} ms of back-to-back calls after a "
        f"{SETTLE_S} s pause (so that neither library's idle threads still spin). "
        f"1-minute load average {load_before:.1f} at the start and {load_after:.1f} at the end (2 cores). "
        "docs/design/gemm.md says how to read figures taken on a loaded machine.",
        "",
        "## Every core (the figure that counts)",
        "",
        "Medians of the interleaved samples; the best sample of each is beside them (on a busy machine",
        "the best sample is the one least disturbed by other jobs).",
        "",
        *table(rows),
        "",
        "## One thread each",
        "",
        "Wall time, and CPU time of the process (what each got of the cores; on a loaded machine the",
        "steadier comparison of the kernels themselves).",
        "",
        *table(single, cpu=True),
        "",
    ]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
