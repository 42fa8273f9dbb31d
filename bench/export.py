"""ONNX export of the workload models (mlp, cnn, lstm of bench/workloads.py): export time, file
size, and inference latency of the file in ONNX Runtime beside lamina's own `model(x)`, in the
same process, interleaved, medians.

    python bench/export.py [--reps 5] [--batches 1,64] [--threads 2]
Prints one JSON line per measurement and a markdown table.
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import lamina_model  # noqa: E402

SHAPES = {"mlp": (784,), "cnn": (28, 28, 1), "lstm": (50, 32)}


def per_call_us(fn, min_time: float = 0.2) -> float:
    """Microseconds per call: calls repeated for at least `min_time` seconds."""
    fn()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_time:
        fn()
        count += 1
    return (time.perf_counter() - start) / count * 1e6


def main() -> None:
    import onnxruntime as ort

    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--batches", default="1,64")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as root:
        for name, shape in SHAPES.items():
            model = lamina_model(name)
            path = os.path.join(root, f"{name}.onnx")
            export_s = []
            for _ in range(args.reps):
                start = time.perf_counter()
                model.export(path, format="onnx")
                export_s.append(time.perf_counter() - start)
            options = ort.SessionOptions()
            options.intra_op_num_threads = args.threads
            session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
            feed_name = session.get_inputs()[0].name
            for batch in batches:
                x = rng.standard_normal((batch, *shape)).astype("float32")
                np.testing.assert_allclose(session.run(None, {feed_name: x})[0], np.asarray(model(x)), atol=1e-4)
                lamina_us, ort_us = [], []
                for _ in range(args.reps):  # interleaved
                    lamina_us.append(per_call_us(lambda: np.asarray(model(x, training=False))))
                    ort_us.append(per_call_us(lambda: session.run(None, {feed_name: x})))
                row = {"model": name, "batch": batch, "export_ms": statistics.median(export_s) * 1e3,
                       "file_kib": os.path.getsize(path) / 1024, "lamina_us": statistics.median(lamina_us),
                       "onnxruntime_us": statistics.median(ort_us), "threads": args.threads, "reps": args.reps,
                       "onnxruntime": ort.__version__}
                print(json.dumps(row), flush=True)
                rows.append(row)
    print(f"\nmedians of {args.reps}; onnxruntime {ort.__version__}, {args.threads} intra-op threads")
    print("| model | export (ms) | file (KiB) | batch | lamina model(x) (us) | ONNX Runtime (us) | lamina / ORT |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['model']} | {r['export_ms']:.1f} | {r['file_kib']:.0f} | {r['batch']} | {r['lamina_us']:.1f} | "
              f"{r['onnxruntime_us']:.1f} | {r['lamina_us'] / r['onnxruntime_us']:.2f} |")


if __name__ == "__main__":
    main()
