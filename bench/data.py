"""Input-pipeline throughput: lamina.data against tf.data and PyTorch's DataLoader, interleaved
in one run (peers in subprocesses with their own venvs), medians of repetitions.

(a) images: 2,000 PNG files of 64x64 -> list_files -> read -> decode -> resize 32x32 -> random
    flip -> batch 64 -> prefetch; images/s over one full pass (after a warm-up pass), and the
    CPU time the pass used (all threads, and DataLoader's worker processes), which a machine
    loaded by other work disturbs far less than wall time.
(b) mlp: the mlp workload of bench/workloads.py, one epoch fed from arrays vs from a Dataset
    (from_tensor_slices -> shuffle -> batch 128 -> prefetch); samples/s.

    PYTHONPATH=python python bench/data.py [--reps 5] [--tf-python /work/venv-tf/bin/python]
        [--torch-python /work/venv-torch/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

import numpy as np

N_IMAGES, SIZE, OUT_SIZE, BATCH = 2000, 64, 32, 64
IMAGE_DIR = "/tmp/lamina_bench_pngs"


def make_images() -> str:
    """2,000 PNGs: smooth gradients plus noise, so they compress like photos rather than noise."""
    from PIL import Image

    if os.path.isdir(IMAGE_DIR) and len(os.listdir(IMAGE_DIR)) == N_IMAGES:
        return IMAGE_DIR
    os.makedirs(IMAGE_DIR, exist_ok=True)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    for i in range(N_IMAGES):
        base = np.stack([(xx * rng.uniform(1, 4) + yy * rng.uniform(0, 2)) % 256 for _ in range(3)], -1)
        img = np.clip(base + rng.normal(0, 8, base.shape), 0, 255).astype(np.uint8)
        Image.fromarray(img).save(os.path.join(IMAGE_DIR, f"img{i:05d}.png"))
    return IMAGE_DIR


def lamina_images(directory: str) -> float:
    from PIL import Image

    import lamina.data as D
    import lamina.io as lio

    def load(path):
        img = lio.decode_png(lio.read_file(path), channels=3)
        small = np.asarray(Image.fromarray(img).resize((OUT_SIZE, OUT_SIZE), Image.BILINEAR), dtype=np.float32)
        return small[:, ::-1] if random.random() < 0.5 else small

    ds = (D.Dataset.list_files(os.path.join(directory, "*.png")).map(load, num_parallel_calls=D.AUTOTUNE)
          .batch(BATCH).prefetch(D.AUTOTUNE))
    return _images_per_second(lambda: ds.as_numpy_iterator())


def _images_per_second(make) -> dict:
    for _ in make():  # warm-up pass: file cache, thread pools
        pass
    start, cpu, n = time.perf_counter(), time.process_time(), 0
    for batch in make():
        n += len(batch)
    assert n == N_IMAGES, n
    return {"images_per_s": n / (time.perf_counter() - start), "cpu_ms_per_image": 1e3 * (time.process_time() - cpu) / n}


TF_SCRIPT = """
import json, os, sys, time
import tensorflow as tf
d, size, batch, n_images = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def load(path):
    img = tf.io.decode_png(tf.io.read_file(path), channels=3)
    img = tf.image.resize(img, (size, size))
    return tf.image.random_flip_left_right(img)
ds = (tf.data.Dataset.list_files(os.path.join(d, "*.png")).map(load, num_parallel_calls=tf.data.AUTOTUNE)
      .batch(batch).prefetch(tf.data.AUTOTUNE))
for _ in ds: pass
start, cpu, n = time.perf_counter(), time.process_time(), 0
for b in ds: n += int(b.shape[0])
assert n == n_images
print(json.dumps({"images_per_s": n / (time.perf_counter() - start),
                  "cpu_ms_per_image": 1e3 * (time.process_time() - cpu) / n, "version": tf.__version__}))
"""

TORCH_SCRIPT = """
import glob, json, os, random, sys, time
import numpy as np, torch
from PIL import Image
d, size, batch, n_images = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
class Images(torch.utils.data.Dataset):
    def __init__(self): self.files = sorted(glob.glob(os.path.join(d, "*.png")))
    def __len__(self): return len(self.files)
    def __getitem__(self, i):
        img = Image.open(self.files[i]).convert("RGB").resize((size, size), Image.BILINEAR)
        a = np.asarray(img, dtype=np.float32)
        return torch.from_numpy(np.ascontiguousarray(a[:, ::-1] if random.random() < 0.5 else a))
if __name__ == "__main__":
    torch.set_num_threads(1)
    loader = torch.utils.data.DataLoader(Images(), batch_size=batch, shuffle=True, num_workers=2,
                                         persistent_workers=True, prefetch_factor=2)
    def cpu_seconds(pids):  # utime + stime of this process and the live workers, from /proc
        tick = os.sysconf("SC_CLK_TCK")
        return sum(sum(int(v) for v in open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[11:13]) / tick
                   for p in pids)
    for _ in loader: pass
    pids = [os.getpid()] + [w.pid for w in loader._iterator._workers]
    start, cpu, n = time.perf_counter(), cpu_seconds(pids), 0
    for b in loader: n += int(b.shape[0])
    assert n == n_images
    print(json.dumps({"images_per_s": n / (time.perf_counter() - start),
                      "cpu_ms_per_image": 1e3 * (cpu_seconds(pids) - cpu) / n, "version": torch.__version__}))
"""


def peer_images(python: str, script: str, directory: str) -> dict | None:
    if not python or not os.path.exists(python):
        return None
    out = subprocess.run([python, "-c", script, directory, str(OUT_SIZE), str(BATCH), str(N_IMAGES)],
                         capture_output=True, text=True, timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if out.returncode != 0:
        raise RuntimeError(f"{python}: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def mlp_epochs(reps: int) -> dict:
    sys.path.insert(0, os.path.dirname(__file__))
    import lamina.data as D
    from workloads import BATCH as WB
    from workloads import data, lamina_model

    x, y = data("mlp", np.random.default_rng(0))
    batch = WB["mlp"]
    model = lamina_model("mlp")
    ds = D.Dataset.from_tensor_slices((x, y)).shuffle(len(x)).batch(batch).prefetch(D.AUTOTUNE)
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # warm-up
    times: dict = {"arrays": [], "dataset": []}
    for _ in range(reps):
        for how in ("arrays", "dataset"):
            start = time.perf_counter()
            if how == "arrays":
                model.fit(x, y, batch_size=batch, epochs=1, shuffle=True, verbose=0)
            else:
                model.fit(ds, epochs=1, verbose=0)
            times[how].append(len(x) / (time.perf_counter() - start))
    return {k: statistics.median(v) for k, v in times.items()} | {"runs": times}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--tf-python", default="/work/venv-tf/bin/python")
    ap.add_argument("--torch-python", default="/work/venv-torch/bin/python")
    ap.add_argument("--skip-mlp", action="store_true")
    args = ap.parse_args()
    directory = make_images()
    runs: dict = {"lamina": [], "tf.data": [], "torch DataLoader (2 workers)": []}
    versions = {}
    for _ in range(args.reps):
        runs["lamina"].append(lamina_images(directory))
        for name, python, script in (("tf.data", args.tf_python, TF_SCRIPT),
                                     ("torch DataLoader (2 workers)", args.torch_python, TORCH_SCRIPT)):
            r = peer_images(python, script, directory)
            if r is not None:
                versions[name] = r.pop("version")
                runs[name].append(r)
    medians = {k: {m: statistics.median(r[m] for r in v) for m in ("images_per_s", "cpu_ms_per_image")}
               for k, v in runs.items() if v}
    result = {"median": medians, "runs": runs, "versions": versions, "cpus": os.cpu_count()}
    print(json.dumps(result))
    if not args.skip_mlp:
        print(json.dumps({"mlp_samples_per_s": mlp_epochs(max(3, args.reps // 2))}))


if __name__ == "__main__":
    main()
