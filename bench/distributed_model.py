"""A model of data-parallel scaling past one machine, from measured figures (bench/distributed.py):
the step's compute time per rank and the gradient bytes per step, with a ring Allreduce over
10 and 25 GbE. Prints the predicted efficiency at 8, 64 and 256 ranks (docs/design/distributed.md).

    python bench/distributed_model.py --measured mlp=2.35:1077300:128:1.0 --measured cnn=19.9:900148:64:0.9

Each --measured is WORKLOAD=STEP_MS:BYTES:BATCH:OVERHEAD_MS: the compute time of one step of
BATCH rows on one rank, the Allreduce buffer of a step in bytes, and the per-step CPU cost of
data parallelism besides the collective (packing the buffer, metric states), measured on 2 ranks.
"""

from __future__ import annotations

import argparse
import math

LINKS = {"10 GbE": 10e9, "25 GbE": 25e9}
TCP_EFFICIENCY = 0.9  # payload share of the line rate over TCP with jumbo-less frames
LATENCY_S = 30e-6  # one MPI message over TCP through a switch, per hop of the ring
RANKS = (8, 64, 256)


def ring_allreduce_s(nbytes: float, ranks: int, bits_per_s: float) -> float:
    """Reduce-scatter then all-gather around a ring: 2 (p - 1) messages of nbytes / p each."""
    bandwidth = bits_per_s * TCP_EFFICIENCY / 8
    return 2 * (ranks - 1) * (LATENCY_S + nbytes / ranks / bandwidth)


def halving_doubling_allreduce_s(nbytes: float, ranks: int, bits_per_s: float) -> float:
    """Rabenseifner's (what MPICH picks for large buffers): the ring's bytes in 2 log2(p) messages."""
    bandwidth = bits_per_s * TCP_EFFICIENCY / 8
    return 2 * math.log2(ranks) * LATENCY_S + 2 * (ranks - 1) / ranks * nbytes / bandwidth


def efficiency(step_s: float, overhead_s: float, comm_s: float) -> float:
    """Compute time over the whole step: lamina starts the Allreduce after the backward pass (no
    overlap), and every rank keeps its batch (the global batch grows with p)."""
    return step_s / (step_s + overhead_s + comm_s)


def batch_for(target: float, step_s: float, overhead_s: float, comm_s: float, batch: int) -> int:
    """The per-rank batch (compute time taken as proportional to it) that reaches `target`."""
    per_row = step_s / batch
    return int(-(-target * (comm_s + overhead_s) / ((1 - target) * per_row) // 1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measured", action="append", required=True, help="WORKLOAD=STEP_MS:BYTES:BATCH")
    args = parser.parse_args()
    for title, allreduce in (("ring", ring_allreduce_s), ("halving-doubling", halving_doubling_allreduce_s)):
        print(f"\n{title} Allreduce\n")
        print("| workload | per-rank batch | compute + overhead (ms) | gradient MB | link | "
              + " | ".join(f"{p} ranks: allreduce ms / efficiency" for p in RANKS)
              + " | per-rank batch for 90% at 256 |")
        print("| --- | --- | --- | --- | --- | " + " | ".join("---" for _ in RANKS) + " | --- |")
        for item in args.measured:
            name, values = item.split("=")
            step_ms, nbytes, batch, overhead_ms = values.split(":")
            step_s, overhead_s = float(step_ms) / 1e3, float(overhead_ms) / 1e3
            nbytes, batch = float(nbytes), int(batch)
            for link, bits in LINKS.items():
                cells = [f"{1e3 * allreduce(nbytes, p, bits):.2f} / "
                         f"{efficiency(step_s, overhead_s, allreduce(nbytes, p, bits)):.0%}" for p in RANKS]
                need = batch_for(0.9, step_s, overhead_s, allreduce(nbytes, 256, bits), batch)
                print(f"| {name} | {batch} | {1e3 * step_s:.2f} + {1e3 * overhead_s:.2f} | {nbytes / 1e6:.2f} "
                      f"| {link} | "
                      + " | ".join(cells) + f" | {need:,} |")


if __name__ == "__main__":
    main()
