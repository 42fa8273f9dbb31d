"""GPU benchmark: lamina's wgpu backend against PyTorch CUDA on the same GPU, in one run.

- float32 matmul, square n = 1024, 4096, 8192: TFLOP/s (PyTorch with TF32 disabled, as the
  issue asks); each timed call is followed by a synchronize on both sides;
- training samples/s of the mlp and cnn workloads of shared/WORKLOADS.md at batch 256 under
  `lamina.device("gpu")` against the same models in PyTorch on cuda (one warm-up epoch, then
  median of timed epochs).

Usage: python bench/gpu.py [--reps 3] [--sizes 1024,4096,8192] [--workloads mlp,cnn] [--samples N]
Prints one JSON line per measurement and a markdown table. Run it on a real GPU: numbers from
a software rasterizer (lavapipe) are correctness runs, not speed figures, and the script says
so in its output when the adapter is a CPU one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

import lamina as lm  # noqa: E402
from lamina import ops  # noqa: E402

try:
    import torch
except ImportError:  # the peer is optional: lamina's figures are printed alone
    torch = None

BATCH = 256


def cuda() -> bool:
    return torch is not None and torch.cuda.is_available()


def median_time(fn, reps: int, sync) -> float:
    fn()
    sync()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_matmul(n: int, reps: int) -> list:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    out = []
    ga, gb = lm.tensor(a).to("gpu"), lm.tensor(b).to("gpu")
    t = median_time(lambda: ops.matmul(ga, gb), reps, _lm_sync)
    out.append({"bench": "matmul", "n": n, "who": "lamina", "seconds": t, "tflops": 2 * n**3 / t / 1e12})
    if cuda():
        torch.backends.cuda.matmul.allow_tf32 = False
        ta, tb = torch.from_numpy(a).cuda(), torch.from_numpy(b).cuda()
        t = median_time(lambda: ta @ tb, reps, torch.cuda.synchronize)
        out.append({"bench": "matmul", "n": n, "who": "torch", "seconds": t, "tflops": 2 * n**3 / t / 1e12})
    # lamina's result is checked against numpy on a corner (a wrong fast kernel is no result)
    got = np.asarray(ops.matmul(ga, gb))[:4, :4]
    np.testing.assert_allclose(got, a[:4] @ b[:, :4], rtol=1e-3, atol=1e-2 * np.sqrt(n))
    return out


def _lm_sync():
    from lamina.device import synchronize

    synchronize()


def bench_training(name: str, samples: int, reps: int) -> list:
    from workloads import data, lamina_model, torch_model, SIZES

    SIZES[name] = samples
    x, y = data(name, np.random.default_rng(0))
    out = []
    with lm.device("gpu"):
        model = lamina_model(name)

        def epoch():
            model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)

        t = median_time(epoch, reps, _lm_sync)
    out.append({"bench": name, "who": "lamina", "samples_per_s": len(x) / t})
    if cuda():
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        model, opt = torch_model(name)
        model = model.cuda()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        xt = torch.from_numpy(np.transpose(x, (0, 3, 1, 2)).copy() if name == "cnn" else x)
        yt = torch.from_numpy(y)
        loss_fn = torch.nn.CrossEntropyLoss()

        def tepoch():
            order = torch.randperm(len(xt))
            for i in range(0, len(xt), BATCH):
                idx = order[i:i + BATCH]
                xb, yb = xt[idx].cuda(non_blocking=True), yt[idx].cuda(non_blocking=True)
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()

        t = median_time(tepoch, reps, torch.cuda.synchronize)
        out.append({"bench": name, "who": "torch", "samples_per_s": len(x) / t})
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--sizes", default="1024,4096,8192")
    p.add_argument("--workloads", default="mlp,cnn")
    p.add_argument("--samples", type=int, default=None, help="samples per epoch (default: WORKLOADS.md's)")
    args = p.parse_args()
    if "gpu" not in lm.list_devices():
        sys.exit("no GPU adapter: " + str(_adapter_error()))
    adapter = _adapter()
    print(f"# adapter: {adapter}; torch cuda: {torch.cuda.get_device_name() if cuda() else 'not available'}")
    if "Cpu" in adapter:
        print("# NOTE: a CPU (software) adapter: these are correctness runs, not speed figures")
    rows = []
    for n in [int(s) for s in args.sizes.split(",") if s]:
        rows += bench_matmul(n, args.reps)
    for w in [s for s in args.workloads.split(",") if s]:
        try:
            rows += bench_training(w, args.samples or {"mlp": 60_000, "cnn": 10_000}[w], args.reps)
        except RuntimeError as e:  # an op without a gpu kernel (the cnn needs conv and pooling)
            rows.append({"bench": w, "who": "lamina", "error": str(e).splitlines()[0]})
    for r in rows:
        print(json.dumps(r))
    print("\n| benchmark | lamina | torch | lamina / torch |\n| --- | --- | --- | --- |")
    keys = sorted({(r["bench"], r.get("n")) for r in rows}, key=str)
    for bench, n in keys:
        mine = [r for r in rows if r["bench"] == bench and r.get("n") == n]
        val = {r["who"]: r.get("tflops", r.get("samples_per_s")) for r in mine if "error" not in r}
        unit = "TFLOP/s" if n else "samples/s"
        name = f"{bench} {n}" if n else bench
        lam, tor = val.get("lamina"), val.get("torch")
        err = next((r["error"] for r in mine if "error" in r), None)
        ratio = f"{lam / tor:.2f}" if lam and tor else "-"
        print(f"| {name} ({unit}) | {err or (f'{lam:.3g}' if lam else '-')} | {f'{tor:.3g}' if tor else '-'} | {ratio} |")


def _adapter() -> str:
    from lamina.device import gpu_adapter

    return gpu_adapter()


def _adapter_error():
    try:
        lm.set_default_device("gpu")
    except RuntimeError as e:
        return e
    return "unknown"


if __name__ == "__main__":
    main()
