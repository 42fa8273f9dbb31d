"""Elementwise benchmark: per-call overhead of a small op and throughput of big ones.

Measures, in one run and interleaved (each repetition times every contender back to back, in
a rotating order), the median over repetitions of:

- op-overhead: `a + b` for two float32 [32, 64] tensors from Python, result kept as a tensor
  (lamina Tensor operator vs numpy arrays; torch too when it is importable);
- throughput: exp, tanh, sigmoid and add on 1M and 4M float32 elements (lamina vs numpy;
  numpy has no sigmoid, so its figure is 1 / (1 + exp(-x)) as users write it).

Usage: python bench/op_overhead.py [--reps N] [--write]   (--write updates
bench/results_elementwise.md). Ratios are lamina / peer: below 1 means lamina is faster.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import time

import numpy as np

import lamina as lm
from lamina import ops

try:
    import torch

    torch.set_num_threads(2)
except ImportError:  # torch is optional
    torch = None


def per_call(fn, min_time: float = 0.02) -> float:
    """Seconds per call of fn, timing a loop long enough to dwarf the clock's resolution."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time:
            return dt / n
        n *= 2 if dt < min_time / 4 else 2


def interleaved(contenders: dict, reps: int) -> dict:
    """Median seconds per call of each contender, timed in rotating order each repetition."""
    names = list(contenders)
    for f in contenders.values():  # warm-up (allocator, thread pool, caches)
        for _ in range(3):
            f()
    times = {k: [] for k in names}
    for r in range(reps):
        order = names[r % len(names):] + names[: r % len(names)]
        for k in order:
            times[k].append(per_call(contenders[k]))
    return {k: statistics.median(v) for k, v in times.items()}


def overhead_case(reps: int) -> dict:
    rng = np.random.default_rng(0)
    na = rng.standard_normal((32, 64)).astype(np.float32)
    nb = rng.standard_normal((32, 64)).astype(np.float32)
    la, lb = lm.tensor(na), lm.tensor(nb)
    contenders = {"lamina": lambda: la + lb, "numpy": lambda: na + nb}
    if torch is not None:
        ta, tb = torch.from_numpy(na), torch.from_numpy(nb)
        contenders["torch"] = lambda: ta + tb
    return interleaved(contenders, reps)


def throughput_cases(reps: int) -> list:
    rng = np.random.default_rng(1)
    rows = []
    for n in (1 << 20, 1 << 22):
        x = rng.standard_normal(n).astype(np.float32) * 3
        y = rng.standard_normal(n).astype(np.float32)
        tx, ty = lm.tensor(x), lm.tensor(y)
        cases = {
            "exp": (lambda: ops.exp(tx), lambda: np.exp(x)),
            "tanh": (lambda: ops.tanh(tx), lambda: np.tanh(x)),
            "sigmoid": (lambda: ops.sigmoid(tx), lambda: 1.0 / (1.0 + np.exp(-x))),
            "add": (lambda: tx + ty, lambda: x + y),
        }
        for name, (f_lm, f_np) in cases.items():
            t = interleaved({"lamina": f_lm, "numpy": f_np}, reps)
            rows.append((name, n, t["lamina"], t["numpy"]))
    return rows


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    simd = []
    try:
        flags = open("/proc/cpuinfo").read()
        simd = [f for f in ("avx512f", "avx2", "fma") if f" {f}" in flags]
    except OSError:
        pass
    level = lm._core._simd_level()
    return f"{model}, {os.cpu_count()} cores ({'/'.join(simd) or 'no AVX'}); lamina kernels: {level}"


def report(over: dict, rows: list, load_before: float) -> str:
    today = datetime.date.today().isoformat()
    load = f"load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after the run"
    lines = [
        "# Elementwise benchmark (bench/op_overhead.py)",
        "",
        f"Machine: {machine()}. Date: {today}. Python {platform.python_version()}, numpy {np.__version__}"
        + (f", torch {torch.__version__}" if torch is not None else ", torch not installed") + f"; {load}.",
        "All contenders measured in the same run, interleaved; medians of the repetitions. Ratio = lamina / peer "
        "(below 1: lamina faster). lamina uses both cores above 32768 elements; numpy uses one.",
        "",
        "## op-overhead: `a + b`, float32 [32, 64], from Python",
        "",
        "| contender | us per call | lamina / contender |",
        "| --- | --- | --- |",
    ]
    for k, v in over.items():
        lines.append(f"| {k} | {v * 1e6:.3f} | {over['lamina'] / v:.2f} |")
    lines += [
        "",
        "## throughput, float32",
        "",
        "| op | elements | lamina ms | numpy ms | lamina / numpy | lamina GB/s moved |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, n, t_lm, t_np in rows:
        moved = n * 4 * (3 if name == "add" else 2)
        lines.append(f"| {name} | {n:,} | {t_lm * 1e3:.3f} | {t_np * 1e3:.3f} | {t_lm / t_np:.2f} | {moved / t_lm / 1e9:.1f} |")
    lines += ["", "numpy's sigmoid is `1 / (1 + np.exp(-x))` (numpy has no sigmoid ufunc).", ""]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=15)
    p.add_argument("--write", action="store_true", help="write bench/results_elementwise.md")
    args = p.parse_args()
    load_before = os.getloadavg()[0]
    over = overhead_case(args.reps)
    rows = throughput_cases(max(5, args.reps // 2))
    text = report(over, rows, load_before)
    print(text)
    if args.write:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results_elementwise.md")
        with open(path, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
