"""A model of data-parallel scaling past one machine, from measured figures (bench/distributed.py):
the step's compute time per rank and the gradient bytes per step, with a ring Allreduce over
10 and 25 GbE. Prints the predicted efficiency at 8, 64 and 256 ranks (docs/design/distributed.md).

    python bench/distributed_model.py --measured mlp=2.24:1077300:128 --measured cnn=18.0:900148:64

Each --measured is WORKLOAD=STEP_MS:BYTES:BATCH: the compute time of one step of BATCH rows on one
rank (no communication), and the Allreduce buffer of a step in bytes.
"""

from __future__ import annotations

import argparse

LINKS = {"10 GbE": 10e9, "25 GbE": 25e9}
TCP_EFFICIENCY = 0.9  # payload share of the line rate over TCP with jumbo-less frames
LATENCY_S = 30e-6  # one MPI message over TCP through a switch, per hop of the ring
RANKS = (8, 64, 256)


def ring_allreduce_s(nbytes: float, ranks: int, bits_per_s: float) -> float:
    """Reduce-scatter then all-gather around a ring: 2 (p - 1) messages of nbytes / p each."""
    bandwidth = bits_per_s * TCP_EFFICIENCY / 8
    return 2 * (ranks - 1) * (LATENCY_S + nbytes / ranks / bandwidth)


def efficiency(step_s: float, nbytes: float, ranks: int, bits_per_s: float) -> float:
    """Compute time over compute plus communication: lamina starts the Allreduce after the
    backward pass (no overlap), and every rank keeps its batch (the global batch grows with p)."""
    return step_s / (step_s + ring_allreduce_s(nbytes, ranks, bits_per_s))


def batch_for(target: float, step_s: float, nbytes: float, ranks: int, bits_per_s: float, batch: int) -> int:
    """The per-rank batch (compute time taken as proportional to it) that reaches `target`."""
    comm = ring_allreduce_s(nbytes, ranks, bits_per_s)
    per_row = step_s / batch
    return int(-(-target * comm / ((1 - target) * per_row) // 1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measured", action="append", required=True, help="WORKLOAD=STEP_MS:BYTES:BATCH")
    args = parser.parse_args()
    print("| workload | per-rank batch | step compute (ms) | gradient MB | link | "
          + " | ".join(f"{p} ranks: allreduce ms / efficiency" for p in RANKS) + " | per-rank batch for 90% at 256 |")
    print("| --- | --- | --- | --- | --- | " + " | ".join("---" for _ in RANKS) + " | --- |")
    for item in args.measured:
        name, values = item.split("=")
        step_ms, nbytes, batch = values.split(":")
        step_s, nbytes, batch = float(step_ms) / 1e3, float(nbytes), int(batch)
        for link, bits in LINKS.items():
            cells = [f"{1e3 * ring_allreduce_s(nbytes, p, bits):.2f} / {efficiency(step_s, nbytes, p, bits):.0%}"
                     for p in RANKS]
            need = batch_for(0.9, step_s, nbytes, 256, bits, batch)
            print(f"| {name} | {batch} | {1e3 * step_s:.2f} | {nbytes / 1e6:.2f} | {link} | " + " | ".join(cells)
                  + f" | {need:,} |")


if __name__ == "__main__":
    main()
