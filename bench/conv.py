"""Convolution and pooling speed: lamina against PyTorch CPU in the same process, interleaved.

The shapes are those of the `cnn` workload of /work/shared/WORKLOADS.md at batch 64:
    conv1  (64, 28, 28, 1)  * 3x3x1x32, valid  -> (64, 26, 26, 32)
    pool1  (64, 26, 26, 32) max 2x2            -> (64, 13, 13, 32)
    conv2  (64, 13, 13, 32) * 3x3x32x64, valid -> (64, 11, 11, 64)
    pool2  (64, 11, 11, 64) max 2x2            -> (64, 5, 5, 64)
    chain  conv1 -> relu -> pool1 -> conv2 -> relu -> pool2
each forward only (no tape / torch.no_grad) and forward+backward (gradients for the kernels,
and for every input but the first layer's, which is data; the output gradient is given).

lamina runs channels-last (NHWC, its layout); PyTorch runs its default NCHW layout and also
channels_last memory format, and the better of the two is the reference. Times are medians
over repetitions of a few calls each; ratios are lamina / torch (below 1: lamina faster).

Run in an environment with both packages: python bench/conv.py [--reps 15]. On a machine
shared with other work, `--threads 1` measures each library on one core by process CPU time
(time.process_time), which other processes' load disturbs far less than wall-clock time.
"""

from __future__ import annotations

import argparse
import os

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--reps", type=int, default=15)
ap.add_argument("--inner", type=int, default=3)
ap.add_argument("--threads", type=int, default=2, help="threads for both libraries; 1 also switches to CPU time")
ap.add_argument("--only", default=None, help="run only the cases whose name contains this")
ARGS = ap.parse_args()

# Before either library starts its thread pool. numpy's OpenBLAS threads spin while idle and
# steal the cores both libraries are timed on, so they get one thread.
os.environ["RAYON_NUM_THREADS"] = str(ARGS.threads)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import lamina as lm  # noqa: E402
from lamina import ops  # noqa: E402

torch.set_num_threads(ARGS.threads)
CLOCK = time.process_time if ARGS.threads == 1 else time.perf_counter

BATCH = 64


def _relu_lm():
    return getattr(ops, "relu", None)


def timed(fn, inner: int) -> float:
    t0 = CLOCK()
    for _ in range(inner):
        fn()
    return (CLOCK() - t0) / inner


# ---------------------------------------------------------------------------------------------
# Cases: each returns {impl_name: zero-argument callable}


def conv_case(x_shape, k_shape, backward: bool, input_grad: bool, rng):
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = (rng.standard_normal(k_shape) * 0.1).astype(np.float32)
    xl, wl = lm.tensor(x), lm.tensor(w)
    y_shape = np.asarray(ops.conv(xl, wl)).shape
    dy = rng.standard_normal(y_shape).astype(np.float32)
    dyl = lm.tensor(dy)

    def lamina_fwd():
        return ops.conv(xl, wl)

    def lamina_bwd():
        with lm.GradientTape() as tape:
            if input_grad:
                tape.watch(xl)
            tape.watch(wl)
            y = ops.conv(xl, wl)
        return tape.gradient(y, [xl, wl] if input_grad else [wl], output_gradients=dyl)

    out = {}
    for fmt in ("nchw", "nhwc"):
        mf = torch.channels_last if fmt == "nhwc" else torch.contiguous_format
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).contiguous(memory_format=mf)
        wt = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1))).contiguous(memory_format=mf)
        dyt = torch.from_numpy(np.ascontiguousarray(dy.transpose(0, 3, 1, 2))).contiguous(memory_format=mf)

        def torch_fwd(xt=xt, wt=wt):
            with torch.no_grad():
                return F.conv2d(xt, wt)

        xg = xt.clone().requires_grad_(input_grad)
        wg = wt.clone().requires_grad_(True)

        def torch_bwd(xg=xg, wg=wg, dyt=dyt):
            xg.grad = None
            wg.grad = None
            F.conv2d(xg, wg).backward(dyt)
            return wg.grad

        out[f"torch-{fmt}"] = torch_bwd if backward else torch_fwd
    out["lamina"] = lamina_bwd if backward else lamina_fwd
    # Same numbers from both (checked once, outside the timing).
    got = np.asarray(ops.conv(xl, wl))
    want = F.conv2d(torch.from_numpy(x.transpose(0, 3, 1, 2)), torch.from_numpy(w.transpose(3, 2, 0, 1))).numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3)
    return out


def pool_case(x_shape, backward: bool, rng):
    x = rng.standard_normal(x_shape).astype(np.float32)
    xl = lm.tensor(x)
    dy = rng.standard_normal(np.asarray(ops.max_pool(xl, 2)).shape).astype(np.float32)
    dyl = lm.tensor(dy)

    def lamina_fwd():
        return ops.max_pool(xl, 2)

    def lamina_bwd():
        with lm.GradientTape() as tape:
            tape.watch(xl)
            y = ops.max_pool(xl, 2)
        return tape.gradient(y, xl, output_gradients=dyl)

    out = {}
    for fmt in ("nchw", "nhwc"):
        mf = torch.channels_last if fmt == "nhwc" else torch.contiguous_format
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).contiguous(memory_format=mf)
        dyt = torch.from_numpy(np.ascontiguousarray(dy.transpose(0, 3, 1, 2))).contiguous(memory_format=mf)

        def torch_fwd(xt=xt):
            with torch.no_grad():
                return F.max_pool2d(xt, 2)

        xg = xt.clone().requires_grad_(True)

        def torch_bwd(xg=xg, dyt=dyt):
            xg.grad = None
            F.max_pool2d(xg, 2).backward(dyt)
            return xg.grad

        out[f"torch-{fmt}"] = torch_bwd if backward else torch_fwd
    out["lamina"] = lamina_bwd if backward else lamina_fwd
    return out


def chain_case(backward: bool, rng):
    relu = _relu_lm()
    x = rng.standard_normal((BATCH, 28, 28, 1)).astype(np.float32)
    w1 = (rng.standard_normal((3, 3, 1, 32)) * 0.3).astype(np.float32)
    w2 = (rng.standard_normal((3, 3, 32, 64)) * 0.1).astype(np.float32)
    xl, w1l, w2l = lm.tensor(x), lm.tensor(w1), lm.tensor(w2)

    def lamina_forward():
        h = ops.conv(xl, w1l)
        h = relu(h) if relu else h
        h = ops.max_pool(h, 2)
        h = ops.conv(h, w2l)
        h = relu(h) if relu else h
        return ops.max_pool(h, 2)

    dy = rng.standard_normal(np.asarray(lamina_forward()).shape).astype(np.float32)
    dyl = lm.tensor(dy)

    def lamina_bwd():
        with lm.GradientTape() as tape:
            tape.watch([w1l, w2l])
            y = lamina_forward()
        return tape.gradient(y, [w1l, w2l], output_gradients=dyl)

    out = {}
    for fmt in ("nchw", "nhwc"):
        mf = torch.channels_last if fmt == "nhwc" else torch.contiguous_format
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).contiguous(memory_format=mf)
        w1t = torch.from_numpy(np.ascontiguousarray(w1.transpose(3, 2, 0, 1))).contiguous(memory_format=mf).requires_grad_(True)
        w2t = torch.from_numpy(np.ascontiguousarray(w2.transpose(3, 2, 0, 1))).contiguous(memory_format=mf).requires_grad_(True)
        dyt = torch.from_numpy(np.ascontiguousarray(dy.transpose(0, 3, 1, 2))).contiguous(memory_format=mf)

        def torch_forward(xt=xt, w1t=w1t, w2t=w2t):
            h = F.conv2d(xt, w1t)
            h = F.relu(h) if relu else h
            h = F.max_pool2d(h, 2)
            h = F.conv2d(h, w2t)
            h = F.relu(h) if relu else h
            return F.max_pool2d(h, 2)

        def torch_fwd(f=torch_forward):
            with torch.no_grad():
                return f()

        def torch_bwd(f=torch_forward, w1t=w1t, w2t=w2t, dyt=dyt):
            w1t.grad = None
            w2t.grad = None
            f().backward(dyt)
            return w1t.grad

        out[f"torch-{fmt}"] = torch_bwd if backward else torch_fwd
    out["lamina"] = lamina_bwd if backward else lamina_forward
    return out


def run(reps: int, inner: int, only: str | None):
    rng = np.random.default_rng(0)
    cases = [
        ("conv1 fwd", lambda: conv_case((BATCH, 28, 28, 1), (3, 3, 1, 32), False, False, rng)),
        ("conv1 fwd+bwd (dW)", lambda: conv_case((BATCH, 28, 28, 1), (3, 3, 1, 32), True, False, rng)),
        ("pool1 fwd", lambda: pool_case((BATCH, 26, 26, 32), False, rng)),
        ("pool1 fwd+bwd", lambda: pool_case((BATCH, 26, 26, 32), True, rng)),
        ("conv2 fwd", lambda: conv_case((BATCH, 13, 13, 32), (3, 3, 32, 64), False, True, rng)),
        ("conv2 fwd+bwd (dX, dW)", lambda: conv_case((BATCH, 13, 13, 32), (3, 3, 32, 64), True, True, rng)),
        ("pool2 fwd", lambda: pool_case((BATCH, 11, 11, 64), False, rng)),
        ("pool2 fwd+bwd", lambda: pool_case((BATCH, 11, 11, 64), True, rng)),
        ("chain fwd", lambda: chain_case(False, rng)),
        ("chain fwd+bwd", lambda: chain_case(True, rng)),
    ]
    rows = []
    for name, make in cases:
        if only and only not in name:
            continue
        impls = make()
        for f in impls.values():  # warm-up
            for _ in range(2):
                f()
        times = {k: [] for k in impls}
        for _ in range(reps):
            for k, f in impls.items():  # interleaved
                times[k].append(timed(f, inner))
        med = {k: statistics.median(v) for k, v in times.items()}
        best_torch = min(med["torch-nchw"], med["torch-nhwc"])
        rows.append((name, med["lamina"], med["torch-nchw"], med["torch-nhwc"], med["lamina"] / best_torch))
        print(f"{name:24s} lamina {med['lamina'] * 1e3:8.3f} ms  torch nchw {med['torch-nchw'] * 1e3:8.3f} ms  "
              f"torch nhwc {med['torch-nhwc'] * 1e3:8.3f} ms  ratio {med['lamina'] / best_torch:6.2f}", flush=True)
    return rows


def main():
    clock = "process CPU time, 1 thread each" if ARGS.threads == 1 else f"wall time, {ARGS.threads} threads each"
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"{clock}, relu in chain: {'yes' if _relu_lm() else 'no (lamina has no ops.relu yet; left out of both)'}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    rows = run(ARGS.reps, ARGS.inner, ARGS.only)
    print("\n| case | lamina ms | torch NCHW ms | torch channels_last ms | lamina / best torch |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, l, tn, tc, r in rows:
        print(f"| {name} | {l * 1e3:.3f} | {tn * 1e3:.3f} | {tc * 1e3:.3f} | {r:.2f} |")


if __name__ == "__main__":
    main()
