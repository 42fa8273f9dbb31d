"""Training and latency workloads of shared/WORKLOADS.md: lamina against a peer (PyTorch or
Keras on TensorFlow) in the same process, interleaved, medians of repetitions.

Run with a Python that has lamina and the peer installed:
    python bench/workloads.py --peer torch  [--reps 3] [--workloads mlp,cnn,lstm,latency]
    python bench/workloads.py --peer keras
Prints one JSON line per measurement and a markdown table of ratios (lamina / peer).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np

# Threads for every framework: 2 (both cores) as WORKLOADS.md asks; --threads 1 gives a
# per-core comparison, which stays meaningful on a loaded machine where spinning thread pools
# (torch's OpenMP above all) collapse.
THREADS = 2

SIZES = {"mlp": 60_000, "cnn": 10_000, "lstm": 5_000}
BATCH = {"mlp": 128, "cnn": 64, "lstm": 64}


def data(name: str, rng):
    n = SIZES[name]
    shape = {"mlp": (784,), "cnn": (28, 28, 1), "lstm": (50, 32)}[name]
    x = rng.standard_normal((n,) + shape).astype("float32")
    y = rng.integers(0, 10, n).astype("int64")
    return x, y


# ------------------------------------------------------------------------------------------------
# lamina

def lamina_model(name: str):
    import lamina as lm
    from lamina import layers

    if name in ("mlp", "latency"):
        stack = [lm.Input((784,)), layers.Dense(256, activation="relu"), layers.Dense(256, activation="relu"), layers.Dense(10)]
    elif name == "cnn":
        stack = [lm.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                 layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
                 layers.Dense(128, activation="relu"), layers.Dense(10)]
    else:
        stack = [lm.Input((50, 32)), layers.LSTM(64), layers.Dense(10)]
    model = lm.Sequential(stack)
    model.compile(optimizer=lm.optimizers.Adam(1e-3), loss=lm.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def lamina_epoch(model, x, y, batch):
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, shuffle=True, verbose=0)
    return time.perf_counter() - start


# ------------------------------------------------------------------------------------------------
# PyTorch

def torch_model(name: str):
    import torch
    from torch import nn

    torch.set_num_threads(THREADS)
    if name in ("mlp", "latency"):
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    elif name == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10))
    else:
        class LSTMNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(32, 64, batch_first=True)
                self.out = nn.Linear(64, 10)

            def forward(self, x):
                _, (h, _) = self.lstm(x)
                return self.out(h[-1])

        model = LSTMNet()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def torch_epoch(model_opt, x, y, batch, name):
    import torch

    model, opt = model_opt
    xt = torch.from_numpy(np.transpose(x, (0, 3, 1, 2)).copy() if name == "cnn" else x)
    yt = torch.from_numpy(y)
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    order = torch.randperm(len(xt))
    xs, ys = xt[order], yt[order]
    for i in range(0, len(xs), batch):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xs[i:i + batch]), ys[i:i + batch])
        loss.backward()
        opt.step()
    return time.perf_counter() - start


# ------------------------------------------------------------------------------------------------
# Keras on TensorFlow

def keras_model(name: str):
    import keras
    import tensorflow as tf
    from keras import layers

    if tf.config.threading.get_intra_op_parallelism_threads() != THREADS:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        except RuntimeError:  # TensorFlow was initialized already: its pool keeps its size
            pass

    if name in ("mlp", "latency"):
        stack = [keras.Input((784,)), layers.Dense(256, activation="relu"), layers.Dense(256, activation="relu"), layers.Dense(10)]
    elif name == "cnn":
        stack = [keras.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                 layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
                 layers.Dense(128, activation="relu"), layers.Dense(10)]
    else:
        stack = [keras.Input((50, 32)), layers.LSTM(64), layers.Dense(10)]
    model = keras.Sequential(stack)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


keras_epoch = lamina_epoch


# ------------------------------------------------------------------------------------------------

def train_workload(name: str, peer: str, reps: int, rng) -> dict:
    x, y = data(name, rng)
    batch = BATCH[name]
    lam = lamina_model(name)
    if peer == "torch":
        other = torch_model(name)
        run_peer = lambda: torch_epoch(other, x, y, batch, name)  # noqa: E731
    else:
        other = keras_model(name)
        run_peer = lambda: keras_epoch(other, x, y, batch)  # noqa: E731
    run_lamina = lambda: lamina_epoch(lam, x, y, batch)  # noqa: E731
    run_lamina()  # warm-up epochs
    run_peer()
    lt, pt = [], []
    for _ in range(reps):  # interleaved
        lt.append(run_lamina())
        pt.append(run_peer())
    n = len(x)
    lam_sps, peer_sps = n / statistics.median(lt), n / statistics.median(pt)
    return {"workload": name, "peer": peer, "lamina": lam_sps, "peer_value": peer_sps, "unit": "samples/s",
            "ratio": lam_sps / peer_sps, "reps": reps}


def latency(peer: str, reps: int, rng) -> list:
    x1 = rng.standard_normal((1, 784)).astype("float32")
    lam = lamina_model("latency")
    n = 2000

    def per_call(fn, count=n):
        for _ in range(50):
            fn()
        best = []
        for _ in range(reps):
            t = time.perf_counter()
            for _ in range(count):
                fn()
            best.append((time.perf_counter() - t) / count * 1e6)
        return statistics.median(best)

    out = []
    lam_call = per_call(lambda: np.asarray(lam(x1, training=False)))
    lam_pred = per_call(lambda: lam.predict(x1, verbose=0))
    if peer == "torch":
        import torch

        model, _ = torch_model("latency")
        model.eval()

        def torch_call():
            with torch.no_grad():
                return model(torch.from_numpy(x1)).numpy()

        peer_call = per_call(torch_call)
        out.append({"workload": "latency model(x)", "peer": peer, "lamina": lam_call, "peer_value": peer_call,
                    "unit": "us/call", "ratio": lam_call / peer_call, "reps": reps})
        out.append({"workload": "latency predict(x)", "peer": "-", "lamina": lam_pred, "peer_value": None,
                    "unit": "us/call", "ratio": None, "reps": reps})
    else:
        model = keras_model("latency")
        peer_call = per_call(lambda: np.asarray(model(x1, training=False)), 300)
        peer_pred = per_call(lambda: model.predict(x1, verbose=0), 30)
        out.append({"workload": "latency model(x)", "peer": peer, "lamina": lam_call, "peer_value": peer_call,
                    "unit": "us/call", "ratio": lam_call / peer_call, "reps": reps})
        out.append({"workload": "latency predict(x)", "peer": peer, "lamina": lam_pred, "peer_value": peer_pred,
                    "unit": "us/call", "ratio": lam_pred / peer_pred, "reps": reps})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", choices=["torch", "keras"], required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--workloads", default="mlp,cnn,lstm,latency")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    global THREADS
    THREADS = args.threads
    # Before lamina is imported, so its pool starts with this size.
    os.environ["RAYON_NUM_THREADS"] = str(THREADS)
    rng = np.random.default_rng(0)
    rows = []
    for name in args.workloads.split(","):
        res = latency(args.peer, args.reps, rng) if name == "latency" else [train_workload(name, args.peer, args.reps, rng)]
        for r in res:
            print(json.dumps(r), flush=True)
            rows.append(r)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {THREADS} thread(s), load average {load:.2f}, "
          f"{time.strftime('%Y-%m-%d')}\n")
    print("| workload | lamina | peer | ratio (lamina/peer) |\n| --- | --- | --- | --- |")
    for r in rows:
        peer_v = "-" if r["peer_value"] is None else f"{r['peer_value']:,.1f} {r['unit']} ({r['peer']})"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        print(f"| {r['workload']} | {r['lamina']:,.1f} {r['unit']} | {peer_v} | {ratio} |")


if __name__ == "__main__":
    main()
