"""The transformer workload of shared/WORKLOADS.md: training samples/s of lamina against PyTorch
and Keras 3 (jax backend) in the same process, interleaved epochs, medians.

Model: int ids (sequence 64, vocabulary 5,000) -> token Embedding 64 + position Embedding ->
one encoder block (MultiHeadAttention 4 heads x 16, residual, LayerNormalization, feed-forward
128 relu -> 64, residual, LayerNormalization) -> GlobalAveragePooling1D -> Dense 10; sparse
categorical cross-entropy from logits, Adam 1e-3, batch 32, 8,000 samples.

Run with a Python that has lamina and the peers importable, e.g. (torch in its own venv):
    PYTHONPATH=python:/work/venv/lib/python3.11/site-packages /work/venv-torch/bin/python bench/transformer.py
Peers that are not importable are skipped and named in the output.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np

SEQ, VOCAB, DIM, HEADS, KEY_DIM, FF, CLASSES, BATCH = 64, 5000, 64, 4, 16, 128, 10, 32


def build_keras_style(lib):
    """The model in lamina or Keras (the same code: lamina speaks Keras)."""
    layers = lib.layers

    class TokenAndPosition(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.tokens = layers.Embedding(VOCAB, DIM)
            self.positions = layers.Embedding(SEQ, DIM)

        def call(self, ids):
            return self.tokens(ids) + self.positions(lib.ops.arange(SEQ))

    ids = lib.Input((SEQ,), dtype="int32")
    x = TokenAndPosition()(ids)
    att = layers.MultiHeadAttention(HEADS, KEY_DIM)(x, x)
    x = layers.LayerNormalization()(layers.Add()([x, att]))
    ff = layers.Dense(DIM)(layers.Dense(FF, activation="relu")(x))
    x = layers.LayerNormalization()(layers.Add()([x, ff]))
    out = layers.Dense(CLASSES)(layers.GlobalAveragePooling1D()(x))
    model = lib.Model(ids, out)
    model.compile(optimizer=lib.optimizers.Adam(1e-3),
                  loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def keras_style_epoch(model, x, y):
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)
    return time.perf_counter() - start


def build_torch(threads: int):
    import torch
    from torch import nn

    torch.set_num_threads(threads)

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens, self.positions = nn.Embedding(VOCAB, DIM), nn.Embedding(SEQ, DIM)
            self.att = nn.MultiheadAttention(DIM, HEADS, batch_first=True)  # 4 heads of 64 / 4 = 16
            self.ln1, self.ln2 = nn.LayerNorm(DIM, eps=1e-3), nn.LayerNorm(DIM, eps=1e-3)
            self.ff = nn.Sequential(nn.Linear(DIM, FF), nn.ReLU(), nn.Linear(FF, DIM))
            self.head = nn.Linear(DIM, CLASSES)

        def forward(self, ids):
            x = self.tokens(ids) + self.positions(torch.arange(SEQ))
            x = self.ln1(x + self.att(x, x, x, need_weights=False)[0])
            x = self.ln2(x + self.ff(x))
            return self.head(x.mean(dim=1))

    model = Encoder()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def torch_epoch(model_opt, x, y):
    import torch

    model, opt = model_opt
    xt, yt = torch.from_numpy(x.astype("int64")), torch.from_numpy(y)
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    order = torch.randperm(len(xt))
    xs, ys = xt[order], yt[order]
    for i in range(0, len(xs), BATCH):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xs[i:i + BATCH]), ys[i:i + BATCH])
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=8000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    os.environ["RAYON_NUM_THREADS"] = str(args.threads)  # before lamina starts its pool
    os.environ.setdefault("KERAS_BACKEND", "jax")
    eigen_threads = "true" if args.threads > 1 else "false"
    os.environ.setdefault("XLA_FLAGS", f"--xla_cpu_multi_thread_eigen={eigen_threads} "
                                       f"intra_op_parallelism_threads={args.threads}")
    import lamina as lm

    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, (args.samples, SEQ)).astype("int32")
    y = rng.integers(0, CLASSES, args.samples).astype("int64")
    runners, skipped = {"lamina": lambda m: keras_style_epoch(m, x, y)}, {}
    models = {"lamina": build_keras_style(lm)}
    try:
        import torch  # noqa: F401

        models["pytorch"] = build_torch(args.threads)
        runners["pytorch"] = lambda m: torch_epoch(m, x, y)
    except ImportError as e:
        skipped["pytorch"] = str(e)
    try:
        import keras

        models["keras-jax"] = build_keras_style(keras)
        runners["keras-jax"] = lambda m: keras_style_epoch(m, x, y)
    except ImportError as e:
        skipped["keras-jax"] = str(e)
    warm = min(len(x), 16 * BATCH)
    for name, model in models.items():  # warm-up (jit compilation, buffers) on a slice
        if name == "pytorch":
            torch_epoch(model, x[:warm], y[:warm])
        else:
            model.fit(x[:warm], y[:warm], batch_size=BATCH, epochs=1, verbose=0)
    times = {name: [] for name in models}
    for _ in range(args.reps):  # interleaved
        for name, model in models.items():
            times[name].append(runners[name](model))
    sps = {name: args.samples / statistics.median(t) for name, t in times.items()}
    for name in models:
        print(json.dumps({"workload": "transformer", "framework": name, "samples_per_s": round(sps[name], 1),
                          "epoch_s": [round(t, 2) for t in times[name]]}), flush=True)
    for name, why in skipped.items():
        print(json.dumps({"workload": "transformer", "framework": name, "skipped": why}))
    load = os.getloadavg()[0]
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {args.threads} thread(s), "
          f"load average {load:.2f}, {time.strftime('%Y-%m-%d %H:%M')}\n")
    print("| framework | samples/s | lamina / framework |\n| --- | --- | --- |")
    for name in models:
        print(f"| {name} | {sps[name]:,.0f} | {sps['lamina'] / sps[name]:.2f} |")


if __name__ == "__main__":
    main()
