"""Canned estimators: lamina against TensorFlow 2.15's tf.estimator, in one process.

Speed: training throughput (examples/s) of DNNClassifier on the bundled digits (64 numeric
features, 10 classes, hidden [64, 32], Adagrad 0.05), TF-style with numpy_input_fn, for two
batch sizes. Each measurement is one `train(steps=S)` call on an estimator that has trained
before (TensorFlow rebuilds its graph and reloads the checkpoint on every call; that is part
of what a user waits for, so it is counted), plus the marginal rate from the difference of a
long and a short call (the steady state without per-call costs). Repeated, alternating the
libraries; medians.

train_and_evaluate (--train-and-evaluate): DNNClassifier on digits, batch 32, 2,000 steps from a
fresh estimator with an evaluation (on the test split) every 500 steps (save_checkpoints_steps=500,
throttle_secs=0), wall time of the whole call; repeated alternately, medians.

The WORKLOADS.md estimator workload (--workload): DNNClassifier [64, 32], 3 classes, 20 numeric
feature columns, 20,000 rows, batch 128, one epoch (157 steps) from a fresh estimator, rows/s.

Quality (--quality): the same models on iris, diabetes and a mixed numeric/categorical table,
trained the same way in both libraries.

Run with TensorFlow 2.15 and tensorflow-estimator installed and lamina importable:
    TF_CPP_MIN_LOG_LEVEL=3 PYTHONPATH=python python bench/estimators.py [--quality]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

tf.get_logger().setLevel("ERROR")

import lamina  # noqa: E402
from lamina import estimators as LE  # noqa: E402
from lamina import feature_column as lfc  # noqa: E402
from lamina.datasets import diabetes, digits, iris  # noqa: E402


class Lib:
    """The same calls against either library."""

    def __init__(self, name):
        self.name = name
        self.tf = name == "tensorflow"
        self.E = tf.estimator if self.tf else LE
        self.fc = tf.feature_column if self.tf else lfc

    def input_fn(self, x, y=None, batch_size=128, num_epochs=1, shuffle=False, seed=0):
        if self.tf:
            # TensorFlow's shuffling follows the estimator's tf_random_seed.
            return tf.compat.v1.estimator.inputs.numpy_input_fn(x, y, batch_size=batch_size, num_epochs=num_epochs,
                                                                shuffle=shuffle)
        return LE.inputs.numpy_input_fn(x, y, batch_size=batch_size, num_epochs=num_epochs, shuffle=shuffle, seed=seed)

    def opt(self, kind, lr):
        # A callable: TensorFlow builds a new graph, so a new optimizer, on every call.
        if self.tf:
            return lambda: getattr(tf.keras.optimizers.legacy, kind)(learning_rate=lr)
        return lambda: getattr(lamina.optimizers, kind)(learning_rate=lr)

    def config(self, seed):
        return self.E.RunConfig(tf_random_seed=seed)


def _digits():
    (x, y), (xt, yt) = digits.load_data()
    x = x.reshape(len(x), -1).astype(np.float32) / 16.0
    xt = xt.reshape(len(xt), -1).astype(np.float32) / 16.0
    return x, y.astype(np.int64), xt, yt.astype(np.int64)


# ---------------------------------------------------------------------------------------------
# speed

def speed(repeats: int, batch_sizes=(32, 128), short=200, long=1200) -> dict:
    x, y, _, _ = _digits()
    results = {}
    for batch_size in batch_sizes:
        estimators = {}
        for lib in (Lib("lamina"), Lib("tensorflow")):
            est = lib.E.DNNClassifier(hidden_units=[64, 32], feature_columns=[lib.fc.numeric_column("x", shape=(64,))],
                                      n_classes=10, optimizer=lib.opt("Adagrad", 0.05), config=lib.config(0),
                                      model_dir=tempfile.mkdtemp(prefix=f"bench_{lib.name}_"))
            fn = lib.input_fn({"x": x}, y, batch_size=batch_size, num_epochs=None, shuffle=True)
            est.train(fn, steps=20)  # first call: graph building / first checkpoint
            estimators[lib.name] = (est, fn)
        times = {name: {"short": [], "long": []} for name in estimators}
        for _ in range(repeats):
            for name, (est, fn) in estimators.items():
                for kind, steps in (("short", short), ("long", long)):
                    start = time.perf_counter()
                    est.train(fn, steps=steps)
                    times[name][kind].append(time.perf_counter() - start)
        for name in estimators:
            call = statistics.median(times[name]["long"])
            marginal = statistics.median(l - s for l, s in zip(times[name]["long"], times[name]["short"]))
            results[(name, batch_size)] = {"call": long * batch_size / call,
                                           "marginal": (long - short) * batch_size / marginal}
    return results


def workload(repeats: int) -> dict:
    """Rows/s of one epoch of training from a fresh estimator (everything a user waits for)."""
    rng = np.random.default_rng(0)
    n, features = 20_000, 20
    x = rng.standard_normal((n, features)).astype(np.float32)
    y = (x[:, :3].argmax(axis=1)).astype(np.int64)
    data = {f"f{i}": x[:, i] for i in range(features)}
    times = {"lamina": [], "tensorflow": []}
    for _ in range(repeats):
        for lib in (Lib("lamina"), Lib("tensorflow")):
            est = lib.E.DNNClassifier(hidden_units=[64, 32], feature_columns=[lib.fc.numeric_column(k) for k in data],
                                      n_classes=3, config=lib.config(0), model_dir=tempfile.mkdtemp(prefix="bench_"))
            start = time.perf_counter()
            est.train(lib.input_fn(data, y, batch_size=128, num_epochs=1, shuffle=True))
            times[lib.name].append(time.perf_counter() - start)
    return {name: n / statistics.median(t) for name, t in times.items()}


def train_and_evaluate(repeats: int, max_steps=2000, every=500) -> dict:
    """Seconds for train_and_evaluate with an evaluation every `every` steps, and the last accuracy."""
    x, y, xt, yt = _digits()
    times = {"lamina": [], "tensorflow": []}
    accuracy = {"lamina": [], "tensorflow": []}
    for _ in range(repeats):
        for lib in (Lib("lamina"), Lib("tensorflow")):
            config = lib.E.RunConfig(tf_random_seed=0, save_checkpoints_steps=every)
            est = lib.E.DNNClassifier(hidden_units=[64, 32], feature_columns=[lib.fc.numeric_column("x", shape=(64,))],
                                      n_classes=10, optimizer=lib.opt("Adagrad", 0.05), config=config,
                                      model_dir=tempfile.mkdtemp(prefix=f"bench_tae_{lib.name}_"))
            train_spec = lib.E.TrainSpec(lib.input_fn({"x": x}, y, batch_size=32, num_epochs=None, shuffle=True),
                                         max_steps=max_steps)
            eval_spec = lib.E.EvalSpec(lib.input_fn({"x": xt}, yt, batch_size=128), steps=None, throttle_secs=0)
            start = time.perf_counter()
            metrics, _ = lib.E.train_and_evaluate(est, train_spec, eval_spec)
            times[lib.name].append(time.perf_counter() - start)
            accuracy[lib.name].append(float(metrics["accuracy"]))
    return {name: {"seconds": statistics.median(t), "accuracy": statistics.median(accuracy[name])}
            for name, t in times.items()}


# ---------------------------------------------------------------------------------------------
# quality

def iris_accuracy(lib: Lib, seed: int) -> float:
    (x, y), (xt, yt) = iris.load_data()
    names = iris.FEATURE_NAMES
    est = lib.E.DNNClassifier(hidden_units=[16, 16], feature_columns=[lib.fc.numeric_column(n) for n in names],
                              n_classes=3, optimizer=lib.opt("Adagrad", 0.05), config=lib.config(seed),
                              model_dir=tempfile.mkdtemp())
    f = lambda a: {n: a[:, i] for i, n in enumerate(names)}  # noqa: E731
    est.train(lib.input_fn(f(x), y.astype(np.int64), batch_size=32, num_epochs=None, shuffle=True, seed=seed), steps=2000)
    return float(est.evaluate(lib.input_fn(f(xt), yt.astype(np.int64)))["accuracy"])


def diabetes_r2(lib: Lib, seed: int) -> float:
    (x, y), (xt, yt) = diabetes.load_data()
    mean, std = x.mean(axis=0), x.std(axis=0)
    column = lib.fc.numeric_column("x", shape=(10,), normalizer_fn=lambda v: (v - mean) / std)
    est = lib.E.LinearRegressor([column], optimizer=lib.opt("Ftrl", 5.0), config=lib.config(seed),
                                model_dir=tempfile.mkdtemp())
    est.train(lib.input_fn({"x": x}, y, batch_size=32, num_epochs=None, shuffle=True, seed=seed), steps=3000)
    predicted = np.array([p["predictions"][0] for p in est.predict(lib.input_fn({"x": xt}))])
    return float(1 - ((yt - predicted) ** 2).sum() / ((yt - yt.mean()) ** 2).sum())


def _mixed_table(n, seed):
    # The same generator as tests/estimators/test_quality.py.
    rng = np.random.default_rng(seed)
    age = rng.uniform(18, 80, n)
    hours = rng.normal(40, 10, n)
    job = rng.choice(["clerk", "engineer", "farmer", "nurse", "teacher"], n)
    city = rng.choice([f"city_{i}" for i in range(30)], n)
    score = (0.04 * (age - 45) + 0.05 * (hours - 40) + np.select([job == "engineer", job == "farmer"], [1.5, -1.0], 0.0)
             + np.where((job == "nurse") & (age > 50), 2.0, 0.0) + rng.normal(0, 0.5, n))
    return {"age": age, "hours": hours, "job": job, "city": city}, (score > 0).astype(np.int64)


def wide_deep(lib: Lib, seed: int) -> dict:
    train, y = _mixed_table(3000, 0)
    test, yt = _mixed_table(1000, 1)
    fc = lib.fc
    age = fc.numeric_column("age", normalizer_fn=lambda v: (v - 49) / 17)
    hours = fc.numeric_column("hours", normalizer_fn=lambda v: (v - 40) / 10)
    job = fc.categorical_column_with_vocabulary_list("job", ["clerk", "engineer", "farmer", "nurse", "teacher"])
    city = fc.categorical_column_with_hash_bucket("city", 50)
    age_buckets = fc.bucketized_column(fc.numeric_column("age"), [30, 40, 50, 60])
    est = lib.E.DNNLinearCombinedClassifier(
        linear_feature_columns=[job, city, age_buckets, fc.crossed_column([job, age_buckets], 100)],
        dnn_feature_columns=[age, hours, fc.indicator_column(job), fc.embedding_column(city, 4)],
        dnn_hidden_units=[32, 16], linear_optimizer=lib.opt("Ftrl", 0.1), dnn_optimizer=lib.opt("Adagrad", 0.05),
        config=lib.config(seed), model_dir=tempfile.mkdtemp())
    est.train(lib.input_fn(train, y, batch_size=64, num_epochs=None, shuffle=True, seed=seed), steps=1500)
    result = est.evaluate(lib.input_fn(test, yt))
    return {"accuracy": float(result["accuracy"]), "auc": float(result["auc"])}


def quality(seeds=(0, 1, 2)) -> dict:
    out = {}
    for lib in (Lib("lamina"), Lib("tensorflow")):
        out[lib.name] = {
            "iris accuracy": [iris_accuracy(lib, s) for s in seeds],
            "diabetes R^2": [diabetes_r2(lib, s) for s in seeds],
            "wide&deep accuracy": [],
            "wide&deep AUC": [],
        }
        for s in seeds:
            r = wide_deep(lib, s)
            out[lib.name]["wide&deep accuracy"].append(r["accuracy"])
            out[lib.name]["wide&deep AUC"].append(r["auc"])
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quality", action="store_true")
    parser.add_argument("--workload", action="store_true", help="only the WORKLOADS.md estimator workload")
    parser.add_argument("--train-and-evaluate", action="store_true", help="only train_and_evaluate")
    args = parser.parse_args()
    print(f"tensorflow {tf.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    if args.train_and_evaluate:
        r = train_and_evaluate(args.repeats)
        lm, tfr = r["lamina"], r["tensorflow"]
        print(f"| train_and_evaluate, 2,000 steps, eval every 500 | lamina {lm['seconds']:.2f} s (accuracy "
              f"{lm['accuracy']:.3f}) | TF 2.15 {tfr['seconds']:.2f} s (accuracy {tfr['accuracy']:.3f}) | "
              f"ratio {tfr['seconds'] / lm['seconds']:.1f}x |")
        print(f"load average {os.getloadavg()[0]:.2f} at end")
        return
    if args.workload:
        w = workload(args.repeats)
        print(f"| estimator workload | lamina {w['lamina']:,.0f} rows/s | TF 2.15 {w['tensorflow']:,.0f} rows/s | "
              f"ratio {w['lamina'] / w['tensorflow']:.1f}x |")
        print(f"load average {os.getloadavg()[0]:.2f} at end")
        return
    results = speed(args.repeats)
    print("| batch | lamina ex/s (per call) | TF 2.15 ex/s (per call) | ratio | lamina ex/s (marginal) | "
          "TF 2.15 ex/s (marginal) | ratio |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for batch_size in sorted({b for _, b in results}):
        lm, tfr = results[("lamina", batch_size)], results[("tensorflow", batch_size)]
        print(f"| {batch_size} | {lm['call']:,.0f} | {tfr['call']:,.0f} | {lm['call'] / tfr['call']:.1f}x | "
              f"{lm['marginal']:,.0f} | {tfr['marginal']:,.0f} | {lm['marginal'] / tfr['marginal']:.1f}x |")
    print(f"load average {os.getloadavg()[0]:.2f} at end")
    if args.quality:
        q = quality()
        print("| task | lamina (seeds 0, 1, 2) | TF 2.15 (seeds 0, 1, 2) |")
        print("| --- | --- | --- |")
        for task in q["lamina"]:
            fmt = lambda v: ", ".join(f"{x:.3f}" for x in v)  # noqa: E731
            print(f"| {task} | {fmt(q['lamina'][task])} | {fmt(q['tensorflow'][task])} |")


if __name__ == "__main__":
    main()
