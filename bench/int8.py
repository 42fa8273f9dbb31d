"""int8 inference against float32 in lamina: the mlp workload model (Dense 784-256-256-10,
trained one epoch on the workload's random data) at batch 1, 8 and 32, `model(x,
training=False)` to numpy, float and int8 copies interleaved in the same run, medians; the
weight size ratio; and the accuracy change on digits (the same architecture with 64 inputs,
trained on digits, then quantized).

    PYTHONPATH=$PWD/python python bench/int8.py [--repeats 300]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import lamina as keras
from lamina.quantizers import int8_isas


def mlp(inputs: int):
    return keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(256, activation="relu"),
                             keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])


def trained(inputs: int, x, y, epochs: int):
    keras.utils.set_random_seed(0)
    model = mlp(inputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(x, y, batch_size=128, epochs=epochs, verbose=0)
    return model


def quantized_copy(model, inputs: int):
    q = mlp(inputs)
    q.set_weights(model.get_weights())
    q.quantize("int8")
    return q


def median_us(model, x, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        np.asarray(model(x, training=False))
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    print(f"int8 paths: {int8_isas()}")

    rng = np.random.default_rng(0)
    x = rng.standard_normal((60_000, 784)).astype(np.float32)
    y = rng.integers(0, 10, 60_000)
    f32 = trained(784, x, y, epochs=1)
    i8 = quantized_copy(f32, 784)
    print("| batch | lamina float32 (us) | lamina int8 (us) | speed-up |")
    print("| --- | --- | --- | --- |")
    for batch in (1, 8, 32):
        xb = x[:batch]
        for m in (f32, i8):
            median_us(m, xb, 20)  # warm-up
        # Interleaved rounds so load from other processes hits both alike.
        rounds = [(median_us(f32, xb, args.repeats // 5), median_us(i8, xb, args.repeats // 5)) for _ in range(5)]
        tf, ti = statistics.median(r[0] for r in rounds), statistics.median(r[1] for r in rounds)
        print(f"| {batch} | {tf:.1f} | {ti:.1f} | {tf / ti:.2f}x |")

    float_bytes = sum(w.size * 4 for w in f32.get_weights())
    int8_bytes = sum(l.kernel.numpy().size + l.kernel_scale.size * 4 + (l.units * 4 if l.use_bias else 0) for l in i8.layers)
    print(f"weights: float32 {float_bytes} bytes, int8 {int8_bytes} bytes: {float_bytes / int8_bytes:.2f}x smaller")

    from lamina.datasets import digits

    (dx, dy), (tx, ty) = digits.load_data()
    dx, tx = dx.reshape(-1, 64).astype(np.float32) / 16, tx.reshape(-1, 64).astype(np.float32) / 16
    d32 = trained(64, dx, dy, epochs=30)
    d8 = quantized_copy(d32, 64)
    acc = [float(np.mean(np.argmax(np.asarray(m(tx)), -1) == ty)) for m in (d32, d8)]
    print(f"digits test accuracy: float32 {acc[0]:.4f}, int8 {acc[1]:.4f} ({(acc[1] - acc[0]) * 100:+.2f} points)")


if __name__ == "__main__":
    main()
